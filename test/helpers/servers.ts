/**
 * Real servers on loopback, each in its own child process, with server-side observations over IPC:
 * how many connections were accepted (the oracle for connection reuse) and what requests arrived.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ServerStats {
  connections: number;
  open: number;
  /** most connections open at once (across every port of the server) */
  maxOpen: number;
  requests: number;
  /** most exchanges in progress at once, from request to the end of the handler's response */
  maxActive: number;
  /** most exchanges in progress on one connection at once (above 1 on HTTP/1.1: pipelining) */
  maxPerConnection: number;
  seen: { method: string; url: string; headers: Record<string, string | string[]> }[];
  /** how many x-test-id values arrived more than once (replayed requests) */
  replays: number;
}

export interface TestServer {
  /** e.g. http://127.0.0.1:PORT */
  origin: string;
  /** every origin of the server (more than one with the `ports` option), sharing its counters */
  origins: string[];
  url(path: string): string;
  /** PEM of the server's self-signed certificate (https and h2 only). */
  cert: string;
  stats(): Promise<ServerStats>;
  /** Zeroes the counters and closes every open connection. */
  reset(): Promise<void>;
  close(): Promise<void>;
  /** h2 only: the next session that holds `after` /goaway streams gets GOAWAY with the `keep`-th as last stream. */
  armGoaway(after: number, keep: number): Promise<void>;
}

const certs = new Map<string, { cert: string; key: string; dir: string }>();

/**
 * A self-signed certificate for localhost and 127.0.0.1, made once per test process and `name`
 * (another name: another certificate, which the first one's CA does not verify). `dir` holds
 * cert.pem and key.pem.
 */
export function selfSigned(name = 'origin'): { cert: string; key: string; dir: string } {
  const made = certs.get(name);
  if (made) return made;
  const dir = mkdtempSync(join(tmpdir(), 'onepool-cert-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const pair = {
    cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    dir,
  };
  certs.set(name, pair);
  return pair;
}

/** Sends `message` to a fixture process over IPC and resolves with the `field` of its answer. */
export function ask<T>(child: ChildProcess, message: string | object, field: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: Record<string, unknown>) => {
      if (field in m) {
        child.off('message', on);
        resolve(m[field] as T);
      }
    };
    child.on('message', on);
    child.send(message);
  });
}

export async function startServer(
  /** 'h2-hangup': TLS that picks h2 by ALPN and closes at once, before HTTP/2 SETTINGS */
  kind: 'http' | 'https' | 'h2' | 'h2c' | 'h2-hangup' = 'http',
  options: {
    maxConcurrentStreams?: number;
    ports?: number;
    /** a loopback address other than 127.0.0.1 (e.g. 127.0.0.2: another host for cookies and redirects) */
    host?: string;
    /** close a connection this many ms after its last response, without warning (stale keep-alive) */
    idleCloseMs?: number;
    /** https and h2: require a client certificate signed by this CA (PEM) */
    clientCA?: string;
    /** listen on this Unix socket file instead of a TCP port; the origins are then http(s)://localhost */
    socketPath?: string;
  } = {},
): Promise<TestServer> {
  const plain = kind === 'http' || kind === 'h2c';
  const { cert, key } = plain ? { cert: '', key: '' } : selfSigned();
  const tls = { cert, key };
  const child = fork(
    new URL('./server-process.mjs', import.meta.url),
    [JSON.stringify({ kind, ...tls, ...options })],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // Plain JS: skip the test runner's TypeScript loader, which fork would otherwise inherit.
      execArgv: [],
    },
  );
  const ports = await new Promise<number[]>((resolve, reject) => {
    child.once('message', (m: { ports: number[] }) => resolve(m.ports));
    child.once('exit', (code) => reject(new Error(`test server exited with ${code}`)));
  });
  const scheme = plain ? 'http' : 'https';
  const origins =
    options.socketPath === undefined
      ? ports.map((port) => `${scheme}://${options.host ?? '127.0.0.1'}:${port}`)
      : [`${scheme}://localhost`];
  const origin = origins[0]!;
  return {
    origin,
    origins,
    armGoaway: (after, keep) =>
      ask<boolean>(child, { goaway: { after, keep } }, 'armed').then(() => undefined),
    url: (path) => origin + path,
    cert: tls.cert,
    stats: () => ask<ServerStats>(child, 'stats', 'stats'),
    reset: () => ask<boolean>(child, 'reset', 'reset').then(() => undefined),
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

/** A loopback URL on which nothing listens (a port just bound and closed): connections are refused. */
export async function refusedURL(): Promise<string> {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as { port: number }).port;
  await new Promise((resolve) => closed.close(resolve));
  return `http://127.0.0.1:${port}/`;
}
