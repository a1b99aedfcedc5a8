/**
 * lighttpd from a generated config: one plain port (HTTP/1.1, and h2c with prior knowledge) and one
 * TLS port (ALPN h2 or http/1.1), mod_deflate gzipping text/*, mod_cgi running the echo CGI.
 * It needs a Content-Length on every HTTP/2 request body.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, started, stop, waitForPort } from '../helpers/daemons.ts';
import { selfSigned } from '../helpers/servers.ts';
import type { Docroot } from './docroot.ts';
import type { InteropServer, InteropTarget } from './server.ts';

export const lighttpd: InteropTarget = {
  name: 'lighttpd',
  binary: '/usr/sbin/lighttpd',
  packages: 'lighttpd lighttpd-mod-openssl lighttpd-mod-deflate',
  routes: ['h1', 'h1-tls', 'h2', 'h2c'],
  gzip: true,
  echoes: true,
  // lighttpd 1.4.69 to mod_cgi, seen with raw node:http2 as well: h1 chunked bodies are accepted.
  h2BodiesNeedLength: true,
  start,
};

async function start(root: Docroot): Promise<InteropServer> {
  const dir = mkdtempSync(join(tmpdir(), 'onepool-lighttpd-'));
  const tls = selfSigned();
  const [port, tlsPort] = [await freePort(), await freePort()];
  const log = join(dir, 'error.log');
  const conf = [
    `server.document-root = "${root.dir}"`,
    'server.bind = "127.0.0.1"',
    `server.port = ${port}`,
    `server.errorlog = "${log}"`,
    'server.modules += ("mod_deflate", "mod_cgi", "mod_openssl")',
    'mimetype.assign = (".txt" => "text/plain", ".bin" => "application/octet-stream")',
    'deflate.mimetypes = ("text/")',
    'deflate.allowed-encodings = ("gzip")',
    'cgi.assign = (".cgi" => "")',
    `$SERVER["socket"] == "127.0.0.1:${tlsPort}" {`,
    '  ssl.engine = "enable"',
    `  ssl.pemfile = "${join(tls.dir, 'cert.pem')}"`,
    `  ssl.privkey = "${join(tls.dir, 'key.pem')}"`,
    '}',
  ];
  writeFileSync(join(dir, 'lighttpd.conf'), `${conf.join('\n')}\n`);
  const child = spawn(lighttpd.binary, ['-D', '-f', join(dir, 'lighttpd.conf')], { stdio: 'ignore' });
  await started(child, async () => {
    await waitForPort(port, child, log);
    await waitForPort(tlsPort, child, log);
  });
  const plain = `http://127.0.0.1:${port}`;
  const secure = `https://127.0.0.1:${tlsPort}`;
  return {
    origins: { h1: plain, 'h1-tls': secure, h2: secure, h2c: plain },
    cert: tls.cert,
    echoPath: root.echoPath,
    close: async () => {
      await stop(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
