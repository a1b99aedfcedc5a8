/**
 * A target for a daemon with one plain port (HTTP/1.1 and h2c) and one TLS port (h2 or http/1.1 by
 * ALPN), so it speaks every route, gzips text and runs the echo CGI: each start writes its config in
 * a temp dir of its own, waits until both ports accept, and removes the dir when closed.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, started, stop, waitForPort } from '../helpers/daemons.ts';
import { selfSigned } from '../helpers/servers.ts';
import type { Docroot } from './docroot.ts';
import type { InteropServer, InteropTarget } from './server.ts';

export interface DaemonSetup {
  root: Docroot;
  /** the temp dir: the config file, logs, sockets */
  dir: string;
  /** where the daemon must write its error log (quoted when it fails to start) */
  log: string;
  /** the path the config must be written to, for the daemon's arguments */
  configFile: string;
  port: number;
  tlsPort: number;
  certFile: string;
  keyFile: string;
}

export function plainAndTlsTarget(spec: {
  name: string;
  binary: string;
  packages: string;
  h2BodiesNeedLength?: boolean;
  /** how the daemon is stopped (see stop()) */
  signal?: 'SIGKILL' | 'SIGTERM';
  configure(setup: DaemonSetup): { config: string[]; args: string[] };
}): InteropTarget {
  const start = async (root: Docroot): Promise<InteropServer> => {
    const dir = mkdtempSync(join(tmpdir(), `onepool-${spec.name}-`));
    // Daemons that drop root (apache2's workers) must reach their sockets in here.
    chmodSync(dir, 0o755);
    const tls = selfSigned();
    const setup: DaemonSetup = {
      root,
      dir,
      log: join(dir, 'error.log'),
      configFile: join(dir, `${spec.name}.conf`),
      port: await freePort(),
      tlsPort: await freePort(),
      certFile: join(tls.dir, 'cert.pem'),
      keyFile: join(tls.dir, 'key.pem'),
    };
    const { config, args } = spec.configure(setup);
    writeFileSync(setup.configFile, `${config.join('\n')}\n`);
    const child = spawn(spec.binary, args, { stdio: 'ignore' });
    await started(
      child,
      async () => {
        await waitForPort(setup.port, child, setup.log);
        await waitForPort(setup.tlsPort, child, setup.log);
      },
      spec.signal,
    );
    const plain = `http://127.0.0.1:${setup.port}`;
    const secure = `https://127.0.0.1:${setup.tlsPort}`;
    return {
      origins: { h1: plain, 'h1-tls': secure, h2: secure, h2c: plain },
      cert: tls.cert,
      echoPath: root.echoPath,
      close: async () => {
        await stop(child, spec.signal);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  };
  return {
    name: spec.name,
    binary: spec.binary,
    packages: spec.packages,
    routes: ['h1', 'h1-tls', 'h2', 'h2c'],
    gzip: true,
    echoes: true,
    ...(spec.h2BodiesNeedLength && { h2BodiesNeedLength: true }),
    start,
  };
}
