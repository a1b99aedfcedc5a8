/**
 * apache2 (mpm_event, mod_http2, mod_ssl, mod_deflate, mod_cgid) from a generated config with its
 * own ServerRoot in a temp dir, in the foreground: one plain port (HTTP/1.1 and h2c) and one TLS
 * port (ALPN h2 or http/1.1). Stopped with SIGTERM: only the parent can stop its worker processes.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, started, stop, waitForPort } from '../helpers/daemons.ts';
import { selfSigned } from '../helpers/servers.ts';
import type { Docroot } from './docroot.ts';
import type { InteropServer, InteropTarget } from './server.ts';

const MODULES = '/usr/lib/apache2/modules';

export const apache: InteropTarget = {
  name: 'apache2',
  binary: '/usr/sbin/apache2',
  packages: 'apache2',
  routes: ['h1', 'h1-tls', 'h2', 'h2c'],
  gzip: true,
  echoes: true,
  start,
};

async function start(root: Docroot): Promise<InteropServer> {
  const dir = mkdtempSync(join(tmpdir(), 'onepool-apache-'));
  // The workers run as www-data and must reach the ScriptSock and the certificate's directory.
  chmodSync(dir, 0o755);
  const tls = selfSigned();
  const [port, tlsPort] = [await freePort(), await freePort()];
  const log = join(dir, 'error.log');
  const modules = [
    'mpm_event',
    'authz_core',
    'mime',
    'alias',
    'cgid',
    'filter',
    'deflate',
    'http2',
    'ssl',
  ].map((name) => `LoadModule ${name}_module ${MODULES}/mod_${name}.so`);
  const conf = [
    `ServerRoot "${dir}"`,
    'ServerName 127.0.0.1',
    `PidFile ${dir}/httpd.pid`,
    `ErrorLog ${log}`,
    'LogLevel warn',
    `Mutex file:${dir} default`,
    'User www-data',
    'Group www-data',
    ...modules,
    `ScriptSock ${dir}/cgid.sock`,
    'TypesConfig /etc/mime.types',
    `Listen 127.0.0.1:${port}`,
    `Listen 127.0.0.1:${tlsPort}`,
    `DocumentRoot "${root.dir}"`,
    `<Directory "${root.dir}">`,
    '  Require all granted',
    '</Directory>',
    `ScriptAlias /cgi-bin/ "${root.dir}/cgi-bin/"`,
    'AddOutputFilterByType DEFLATE text/plain',
    'Protocols h2c http/1.1',
    'SSLSessionCache none',
    `<VirtualHost 127.0.0.1:${tlsPort}>`,
    '  Protocols h2 http/1.1',
    '  SSLEngine on',
    `  SSLCertificateFile ${join(tls.dir, 'cert.pem')}`,
    `  SSLCertificateKeyFile ${join(tls.dir, 'key.pem')}`,
    '</VirtualHost>',
  ];
  writeFileSync(join(dir, 'httpd.conf'), `${conf.join('\n')}\n`);
  const child = spawn(apache.binary, ['-DFOREGROUND', '-f', join(dir, 'httpd.conf')], { stdio: 'ignore' });
  await started(
    child,
    async () => {
      await waitForPort(port, child, log);
      await waitForPort(tlsPort, child, log);
    },
    'SIGTERM',
  );
  const plain = `http://127.0.0.1:${port}`;
  const secure = `https://127.0.0.1:${tlsPort}`;
  return {
    origins: { h1: plain, 'h1-tls': secure, h2: secure, h2c: plain },
    cert: tls.cert,
    echoPath: root.echoPath,
    close: async () => {
      await stop(child, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
