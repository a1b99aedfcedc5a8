/**
 * apache2 (mpm_event, mod_http2, mod_ssl, mod_deflate, mod_cgid) from a generated config with its
 * own ServerRoot in a temp dir, in the foreground: one plain port (HTTP/1.1 and h2c) and one TLS
 * port (ALPN h2 or http/1.1). Stopped with SIGTERM: only the parent can stop its worker processes.
 */
import { plainAndTlsTarget } from './plain-and-tls.ts';

const MODULES = '/usr/lib/apache2/modules';
const LOADED = ['mpm_event', 'authz_core', 'mime', 'alias', 'cgid', 'filter', 'deflate', 'http2', 'ssl'];

export const apache = plainAndTlsTarget({
  name: 'apache2',
  binary: '/usr/sbin/apache2',
  packages: 'apache2',
  signal: 'SIGTERM',
  configure: ({ root, dir, log, configFile, port, tlsPort, certFile, keyFile }) => ({
    config: [
      `ServerRoot "${dir}"`,
      'ServerName 127.0.0.1',
      `PidFile ${dir}/httpd.pid`,
      `ErrorLog ${log}`,
      'LogLevel warn',
      `Mutex file:${dir} default`,
      'User www-data',
      'Group www-data',
      ...LOADED.map((name) => `LoadModule ${name}_module ${MODULES}/mod_${name}.so`),
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
      `  SSLCertificateFile ${certFile}`,
      `  SSLCertificateKeyFile ${keyFile}`,
      '</VirtualHost>',
    ],
    args: ['-DFOREGROUND', '-f', configFile],
  }),
});
