/**
 * nghttpd (Debian's nghttp2-server): HTTP/2 only, one process over TLS (ALPN h2) and one with
 * --no-tls (h2c, prior knowledge). It echoes POST bodies at any path (--echo-upload) and never
 * compresses (its --error-gzip did nothing to a 404 here, with or without Accept-Encoding).
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, started, stop, waitForPort } from '../helpers/daemons.ts';
import { selfSigned } from '../helpers/servers.ts';
import type { Docroot } from './docroot.ts';
import type { InteropServer, InteropTarget } from './server.ts';

export const nghttpd: InteropTarget = {
  name: 'nghttpd',
  binary: '/usr/sbin/nghttpd',
  packages: 'nghttp2-server',
  routes: ['h2', 'h2c'],
  gzip: false,
  echoes: true,
  start,
};

async function start(root: Docroot): Promise<InteropServer> {
  const logs = mkdtempSync(join(tmpdir(), 'onepool-nghttpd-'));
  const { cert, dir } = selfSigned();
  const common = ['-a', '127.0.0.1', '-d', root.dir, '--echo-upload'];
  const launch = async (tls: boolean) => {
    const port = await freePort();
    const log = join(logs, tls ? 'tls.log' : 'h2c.log');
    const args = tls
      ? [...common, String(port), join(dir, 'key.pem'), join(dir, 'cert.pem')]
      : [...common, '--no-tls', String(port)];
    const stderr = openSync(log, 'w');
    const child = spawn(nghttpd.binary, args, { stdio: ['ignore', 'ignore', stderr] });
    // The child has its own copy of the descriptor.
    closeSync(stderr);
    await started(child, () => waitForPort(port, child, log));
    return { child, port };
  };
  const tls = await launch(true);
  const plain = await launch(false).catch(async (error) => {
    await stop(tls.child);
    throw error;
  });
  return {
    origins: { h2: `https://127.0.0.1:${tls.port}`, h2c: `http://127.0.0.1:${plain.port}` },
    cert,
    echoPath: '/echo',
    close: async () => {
      await Promise.all([stop(tls.child), stop(plain.child)]);
      rmSync(logs, { recursive: true, force: true });
    },
  };
}
