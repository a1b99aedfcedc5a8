/**
 * lighttpd from a generated config: one plain port (HTTP/1.1, and h2c with prior knowledge) and one
 * TLS port (ALPN h2 or http/1.1), mod_deflate gzipping text/*, mod_cgi running the echo CGI.
 */
import { plainAndTlsTarget } from './plain-and-tls.ts';

export const lighttpd = plainAndTlsTarget({
  name: 'lighttpd',
  binary: '/usr/sbin/lighttpd',
  packages: 'lighttpd lighttpd-mod-openssl lighttpd-mod-deflate',
  // lighttpd 1.4.69 to mod_cgi, seen with raw node:http2 as well (h1 chunked bodies are accepted),
  // whatever server.stream-request-body says.
  h2BodiesNeedLength: true,
  configure: ({ root, log, configFile, port, tlsPort, certFile, keyFile }) => ({
    config: [
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
      `  ssl.pemfile = "${certFile}"`,
      `  ssl.privkey = "${keyFile}"`,
      '}',
    ],
    args: ['-D', '-f', configFile],
  }),
});
