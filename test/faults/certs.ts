import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM material for the TLS scenarios. Every leaf except `selfSigned` and `foreign` is signed by `ca`. */
export interface CertSet {
  /** The test CA that clients pass as `tls: { ca }`. */
  ca: string;
  key: string;
  /** Valid for localhost, 127.0.0.1 and ::1. */
  leaf: string;
  /** Same names, validity January 2020 only. */
  expired: string;
  /** Same names, validity starting in 2090. */
  notYetValid: string;
  /** Valid dates, but only for wrong.example. */
  wrongName: string;
  /** Self-signed for the right names: no chain to `ca`. */
  selfSigned: string;
  /** Signed by a second CA that clients never trust. */
  foreign: string;
}

const LEAF_EXT = [
  'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
  'basicConstraints=CA:FALSE',
  'extendedKeyUsage=serverAuth',
].join('\n');

// `openssl x509 -req` on OpenSSL 3.0 cannot set a start date, so dated leaves go through `openssl ca`,
// which needs a throwaway database directory.
const CA_CONFIG = `[ ca ]
default_ca = CA_default
[ CA_default ]
dir = .
database = ./db/index.txt
serial = ./db/serial
new_certs_dir = ./db
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
[ policy_any ]
commonName = supplied
`;

let cached: CertSet | undefined;

/**
 * Generates a fresh CA and its leaves with the openssl CLI (EC P-256, a few hundred ms), once per process.
 * Keys never touch the repository: the temp directory is removed before returning.
 */
export function generateCerts(): CertSet {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'onepool-faults-certs-'));
  const ssl = (...args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const caExt = [
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ];
  try {
    writeFileSync(join(dir, 'leaf.ext'), LEAF_EXT);
    writeFileSync(
      join(dir, 'wrong.ext'),
      LEAF_EXT.replace(/^subjectAltName=.*$/m, 'subjectAltName=DNS:wrong.example'),
    );
    writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG);
    execFileSync('mkdir', ['db'], { cwd: dir });
    writeFileSync(join(dir, 'db', 'index.txt'), '');
    writeFileSync(join(dir, 'db', 'serial'), '1000\n');

    ssl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '3650',
      '-subj',
      '/CN=onepool test CA',
      ...caExt,
    );
    ssl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'foreign.key',
      '-out',
      'foreign-ca.pem',
      '-days',
      '3650',
      '-subj',
      '/CN=untrusted CA',
      ...caExt,
    );
    // One key for every leaf keeps generation fast; the scenarios differ only in the certificate.
    ssl('req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=localhost');
    ssl('req', '-new', '-key', 'leaf.key', '-out', 'wrong.csr', '-subj', '/CN=wrong.example');
    const sign = (csr: string, ext: string, out: string, caCert = 'ca.pem', caKey = 'ca.key') =>
      ssl(
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        caCert,
        '-CAkey',
        caKey,
        '-CAcreateserial',
        '-days',
        '30',
        '-extfile',
        ext,
        '-out',
        out,
      );
    sign('leaf.csr', 'leaf.ext', 'leaf.pem');
    sign('wrong.csr', 'wrong.ext', 'wrong.pem');
    sign('leaf.csr', 'leaf.ext', 'foreign.pem', 'foreign-ca.pem', 'foreign.key');
    const dated = (out: string, start: string, end: string) =>
      ssl(
        'ca',
        '-batch',
        '-config',
        'ca.cnf',
        '-cert',
        'ca.pem',
        '-keyfile',
        'ca.key',
        '-in',
        'leaf.csr',
        '-out',
        out,
        '-startdate',
        start,
        '-enddate',
        end,
        '-extfile',
        'leaf.ext',
        '-notext',
      );
    dated('expired.pem', '20200101000000Z', '20200201000000Z');
    dated('future.pem', '20900101000000Z', '20910101000000Z');
    ssl(
      'req',
      '-x509',
      '-key',
      'leaf.key',
      '-out',
      'self.pem',
      '-days',
      '30',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
    );

    cached = {
      ca: read('ca.pem'),
      key: read('leaf.key'),
      leaf: read('leaf.pem'),
      expired: read('expired.pem'),
      notYetValid: read('future.pem'),
      wrongName: read('wrong.pem'),
      selfSigned: read('self.pem'),
      foreign: read('foreign.pem'),
    };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
