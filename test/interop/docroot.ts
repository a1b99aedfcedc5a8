/**
 * The files an interop server serves, made per suite in a temp dir readable by the daemons' own
 * users (apache2 and lighttpd drop root for www-data): known bytes with known SHA-256,
 * and an echo CGI for the servers that run CGI.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export interface Served {
  /** the URL path, e.g. /files/random.bin */
  path: string;
  bytes: Buffer;
  sha256: string;
}

export interface Docroot {
  dir: string;
  /** binary, several MiB and an odd size: more than one TLS record, h2 DATA frame and flow-control window */
  random: Served;
  /** compressible text above the servers' minimum size for compression */
  text: Served;
  empty: Served;
  /** path of the CGI that answers a request's body back (see ECHO_CGI); the servers that run CGI map it */
  echoPath: string;
  remove(): void;
}

/**
 * Answers the request body back (the server has already de-framed it: Content-Length or chunked).
 * All of it is read before a byte is written: apache's mod_cgid writes the whole body before it reads
 * the script's output, so a streaming `cat` deadlocks once both pipes are full.
 */
const ECHO_CGI = `#!/bin/sh
body=$(mktemp) || exit 1
cat > "$body"
printf 'Content-Type: application/octet-stream\\r\\n\\r\\n'
cat "$body"
rm -f "$body"
`;

export function makeDocroot(): Docroot {
  const dir = mkdtempSync(join(tmpdir(), 'onepool-docroot-'));
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'files'), { mode: 0o755 });
  mkdirSync(join(dir, 'cgi-bin'), { mode: 0o755 });
  const serve = (name: string, bytes: Buffer): Served => {
    writeFileSync(join(dir, 'files', name), bytes, { mode: 0o644 });
    return { path: `/files/${name}`, bytes, sha256: sha256(bytes) };
  };
  writeFileSync(join(dir, 'cgi-bin', 'echo.cgi'), ECHO_CGI, { mode: 0o755 });
  return {
    dir,
    random: serve('random.bin', randomBytes(3 * 1024 * 1024 + 17)),
    text: serve('text.txt', Buffer.from('interop line of compressible text\n'.repeat(2_000))),
    empty: serve('empty.txt', Buffer.alloc(0)),
    echoPath: '/cgi-bin/echo.cgi',
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
