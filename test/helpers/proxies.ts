/**
 * Proxies for the tests, on loopback: the Node proxies of proxy-process.mjs (fault cases, and
 * observations over IPC), Debian's squid (forwarding + CONNECT, basic auth) and dante (SOCKS5),
 * each from a generated config in a temp dir, in the foreground, killed by `close()`.
 */
import { execFileSync, fork, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, missing, skipBecause, started, stop, waitForPort } from './daemons.ts';
import { ask, selfSigned } from './servers.ts';

export { missing };

export interface Seen {
  mode: string;
  kind: 'connect' | 'forward' | 'socks';
  target: string;
  proxyAuth?: string;
  user?: string;
}

export interface FakeProxies {
  /** proxy URL per mode: ok, 407, 500, body, cut (http://), socks (socks5://) */
  url(mode: 'ok' | '407' | '500' | 'body' | 'cut' | 'socks', userinfo?: string): string;
  seen(): Promise<Seen[]>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeProxies(options: { auth?: string } = {}): Promise<FakeProxies> {
  const child = fork(new URL('./proxy-process.mjs', import.meta.url), [JSON.stringify(options)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [],
  });
  const ports = await new Promise<Record<string, number>>((resolve, reject) => {
    child.once('message', (m: { ports: Record<string, number> }) => resolve(m.ports));
    child.once('exit', (code) => reject(new Error(`proxy process exited with ${code}`)));
  });
  return {
    url: (mode, userinfo) =>
      `${mode === 'socks' ? 'socks5' : 'http'}://${userinfo ? `${userinfo}@` : ''}127.0.0.1:${ports[mode]}`,
    seen: async () => (await ask<{ seen: Seen[] }>(child, 'stats', 'stats')).seen,
    reset: () => ask(child, 'reset', 'reset').then(() => undefined),
    close: () => stop(child),
  };
}

export interface RealProxy {
  /** proxy URL, without credentials */
  url: string;
  /** squid only: the same proxy as an `https://` proxy (TLS to the proxy), its certificate in `cert` */
  httpsUrl?: string;
  /** PEM of the https:// proxy's own certificate, which differs from the test origins' */
  cert?: string;
  close(): Promise<void>;
}

export const SQUID = '/usr/sbin/squid';
export const DANTE = '/usr/sbin/danted';

/**
 * squid on loopback, listening both as an http:// proxy and (https_port, squid's GnuTLS build) as an
 * https:// proxy with a certificate of its own; with `auth` ('user:pass') every request must carry
 * those basic credentials.
 */
export async function startSquid(auth?: string): Promise<RealProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'onepool-squid-'));
  // squid started as root drops to its own user, which must be able to write here.
  chmodSync(dir, 0o777);
  const [port, tlsPort] = [await freePort(), await freePort()];
  const { cert, key } = selfSigned('proxy');
  writeFileSync(join(dir, 'cert.pem'), cert, { mode: 0o644 });
  writeFileSync(join(dir, 'key.pem'), key, { mode: 0o644 });
  const lines = [
    `http_port 127.0.0.1:${port}`,
    `https_port 127.0.0.1:${tlsPort} tls-cert=${dir}/cert.pem tls-key=${dir}/key.pem`,
    `pid_filename ${dir}/squid.pid`,
    `cache_log ${dir}/cache.log`,
    `access_log ${dir}/access.log`,
    'cache deny all',
    `coredump_dir ${dir}`,
    'shutdown_lifetime 0 seconds',
    'visible_hostname onepool-test',
    'acl SSL_ports port 1-65535',
    'acl CONNECT method CONNECT',
  ];
  if (auth) {
    const [user, pass] = auth.split(':') as [string, string];
    const hash = execFileSync('openssl', ['passwd', '-apr1', pass], { encoding: 'utf8' }).trim();
    writeFileSync(join(dir, 'htpasswd'), `${user}:${hash}\n`);
    chmodSync(join(dir, 'htpasswd'), 0o644);
    lines.push(
      `auth_param basic program /usr/lib/squid/basic_ncsa_auth ${dir}/htpasswd`,
      'auth_param basic realm onepool',
      'acl authed proxy_auth REQUIRED',
      'http_access allow authed',
    );
  } else {
    lines.push('http_access allow all');
  }
  lines.push('http_access deny all');
  writeFileSync(join(dir, 'squid.conf'), `${lines.join('\n')}\n`);
  // A service name of its own: squid names its shared-memory segments after it, and two instances
  // with the default name collide ('shm_open(/squid-cf__metadata.shm): File exists').
  const name = `onepool${process.pid}x${port}`;
  const child = spawn(SQUID, ['-N', '-n', name, '-f', join(dir, 'squid.conf')], { stdio: 'ignore' });
  await started(child, async () => {
    await waitForPort(port, child, join(dir, 'cache.log'));
    await waitForPort(tlsPort, child, join(dir, 'cache.log'));
  });
  // Stopped with SIGKILL, squid cannot remove its segments: remove them here.
  const close = async () => {
    await stop(child);
    for (const f of existsSync('/dev/shm') ? readdirSync('/dev/shm') : [])
      if (f.startsWith(`${name}-`)) rmSync(join('/dev/shm', f), { force: true });
  };
  return { url: `http://127.0.0.1:${port}`, httpsUrl: `https://127.0.0.1:${tlsPort}`, cert, close };
}

/** The system user that .ci/run creates for dante's username method (dante checks system passwords). */
export const SOCKS_USER = 'onepool-socks';
export const SOCKS_PASSWORD = 's0cks-pa55';

/** Why the SOCKS5 credentials test cannot run here, or undefined when it can (CI=true: a failure). */
export function missingSocksUser(): string | undefined {
  const absent = missing(DANTE);
  if (absent) return absent;
  try {
    execFileSync('id', [SOCKS_USER], { stdio: 'ignore' });
    return undefined;
  } catch {
    return skipBecause(`no system user ${SOCKS_USER} for dante's username method (.ci/run creates it)`);
  }
}

/** dante (SOCKS5) on loopback; with `auth`, only the username method (RFC 1929) is accepted. */
export async function startDante(options: { auth?: boolean } = {}): Promise<RealProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'onepool-dante-'));
  chmodSync(dir, 0o777);
  const port = await freePort();
  const conf = [
    `logoutput: ${dir}/sockd.log`,
    `internal: 127.0.0.1 port = ${port}`,
    'external: 127.0.0.1',
    'clientmethod: none',
    `socksmethod: ${options.auth ? 'username' : 'none'}`,
    'user.privileged: root',
    'user.unprivileged: nobody',
    'client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }',
    'socks pass { from: 127.0.0.0/8 to: 0.0.0.0/0 command: connect }',
  ];
  writeFileSync(join(dir, 'sockd.conf'), `${conf.join('\n')}\n`);
  const child = spawn(DANTE, ['-f', join(dir, 'sockd.conf'), '-p', join(dir, 'sockd.pid'), '-N', '1'], {
    stdio: 'ignore',
  });
  await started(child, () => waitForPort(port, child, join(dir, 'sockd.log')));
  return { url: `socks5://127.0.0.1:${port}`, close: () => stop(child) };
}
