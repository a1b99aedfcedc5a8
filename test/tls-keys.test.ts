/**
 * Connections are matched by configuration: a connection opened with one TLS setting is never used
 * by a request with another (the lesson of requests' CVE-2024-35195), on both faces and in both
 * orders, and changing any single key field opens a new connection (seen by server-side ids).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_CIPHERS } from 'node:tls';
import { type RequestOptions, TLSError, type TransportOptions } from 'onepool';
import { FACES, rejection, request } from './helpers/faces.js';
import { selfSigned, startServer, type TestServer } from './helpers/servers.js';

const servers: TestServer[] = [];
const fresh = async (kind: 'https' | 'h2') => {
  const server = await startServer(kind);
  servers.push(server);
  return server;
};
after(() => Promise.all(servers.map((s) => s.close())));

for (const face of FACES) {
  describe(`CVE-2024-35195: an unverified connection is never reused by a verifying request (${face})`, () => {
    for (const kind of ['https', 'h2'] as const) {
      test(`${kind}: verify:false first, then default verification fails`, async () => {
        const server = await fresh(kind);
        const insecure = await request(face, 'GET', server.url('/echo'), { tls: { verify: false } });
        assert.equal(insecure.status, 200);
        const error = await rejection(() => request(face, 'GET', server.url('/echo')));
        assert.ok(error instanceof TLSError, `expected TLSError, got ${error}`);
        assert.equal((error as TLSError).code, 'ONEPOOL_ERR_TLS');
        // The unverified connection is still there, and still usable by unverified requests only.
        const again = await request(face, 'GET', server.url('/echo'), { tls: { verify: false } });
        assert.equal(again.headers.get('x-conn-id'), insecure.headers.get('x-conn-id'));
        assert.equal(again.connection.reused, true);
      });

      test(`${kind}: default verification fails first, then verify:false works, then default fails again`, async () => {
        const server = await fresh(kind);
        assert.ok((await rejection(() => request(face, 'GET', server.url('/echo')))) instanceof TLSError);
        const insecure = await request(face, 'GET', server.url('/echo'), { tls: { verify: false } });
        assert.equal(insecure.status, 200);
        assert.ok((await rejection(() => request(face, 'GET', server.url('/echo')))) instanceof TLSError);
        const stats = await server.stats();
        // Only the unverified handshakes completed (failed verifications never became connections).
        assert.equal(stats.connections, 1);
      });
    }
  });
}

describe('every key field splits the pool', () => {
  let cert = '';
  let key = '';
  before(() => {
    ({ cert, key } = selfSigned());
  });

  // A verifying base configuration, and one variation per field of the pool key.
  const base = (): RequestOptions => ({ tls: { ca: cert } });
  const variants: Record<string, () => TransportOptions> = {
    'tls.verify': () => ({ tls: { ca: cert, verify: false } }),
    'tls.ca': () => ({ tls: { ca: [cert, cert] } }),
    'tls.cert + tls.key': () => ({ tls: { ca: cert, cert, key } }),
    'tls.servername': () => ({ tls: { ca: cert, servername: 'localhost' } }),
    'tls.minVersion': () => ({ tls: { ca: cert, minVersion: 'TLSv1.2' } }),
    'tls.maxVersion': () => ({ tls: { ca: cert, maxVersion: 'TLSv1.2' } }),
    'tls.ciphers': () => ({ tls: { ca: cert, ciphers: DEFAULT_CIPHERS } }),
    http2: () => ({ tls: { ca: cert }, http2: false }),
    localAddress: () => ({ tls: { ca: cert }, localAddress: '127.0.0.1' }),
  };

  for (const face of FACES) {
    test(`${face}: each field opens its own connection; the base connection is reused`, async () => {
      const server = await fresh('h2');
      const first = await request(face, 'GET', server.url('/echo'), base());
      const baseConn = first.headers.get('x-conn-id');
      const seen = new Set([baseConn]);
      for (const [field, variant] of Object.entries(variants)) {
        const res = await request(face, 'GET', server.url('/echo'), variant());
        assert.equal(res.status, 200, field);
        const conn = res.headers.get('x-conn-id');
        assert.ok(!seen.has(conn), `${field}: expected a new connection, got ${conn} again`);
        seen.add(conn);
        assert.equal(res.connection.reused, false, field);
        // The same variant again reuses its own connection.
        const same = await request(face, 'GET', server.url('/echo'), variant());
        assert.equal(same.headers.get('x-conn-id'), conn, `${field}: its own connection is reused`);
        const back = await request(face, 'GET', server.url('/echo'), base());
        assert.equal(back.headers.get('x-conn-id'), baseConn, `${field}: the base connection is reused`);
      }
      const stats = await server.stats();
      assert.equal(stats.connections, Object.keys(variants).length + 1);
      const http1 = await request(face, 'GET', server.url('/echo'), variants.http2!());
      assert.equal(http1.httpVersion, '1.1');
      assert.equal(first.httpVersion, '2');
    });
  }
});

test('an unknown tls option is refused before anything is sent', async () => {
  for (const face of FACES) {
    const error = await rejection(() =>
      request(face, 'GET', 'https://127.0.0.1:1/', { tls: { verfy: false } as RequestOptions['tls'] }),
    );
    assert.equal((error as { code?: string }).code, 'ONEPOOL_ERR_INVALID_ARGUMENT');
  }
});
