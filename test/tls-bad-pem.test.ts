/**
 * TLS material that does not parse is refused before anything is sent, naming the field, every
 * time (the first call used to fail with an OpenSSL error and every later one with the same options
 * to hang for the connect timeout); the server sees no connection, and good settings work after.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { InvalidArgumentError, type TLSOptions } from 'onepool';
import { FACES, rejection, request } from './helpers/faces.js';
import { selfSigned, startServer, type TestServer } from './helpers/servers.js';

const GARBAGE_PEM = '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n';

describe('bad TLS material', () => {
  const servers: Partial<Record<'https' | 'h2', TestServer>> = {};
  let cert = '';
  let key = '';
  let otherKey = '';
  before(async () => {
    ({ cert, key } = selfSigned());
    otherKey = selfSigned('other').key;
    servers.https = await startServer('https');
    servers.h2 = await startServer('h2');
  });
  after(() => Promise.all(Object.values(servers).map((s) => s.close())));

  const cases: [string, () => TLSOptions, RegExp][] = [
    ['a key that does not parse', () => ({ ca: cert, cert, key: GARBAGE_PEM }), /tls\.key/],
    ['a key that is not PEM at all', () => ({ ca: cert, cert, key: 'not a key' }), /tls\.key/],
    ['a certificate that does not parse', () => ({ ca: cert, cert: 'not a certificate', key }), /tls\.cert/],
    ['a key of another certificate', () => ({ ca: cert, cert, key: otherKey }), /tls\.cert and tls\.key/],
    ['a cipher list that matches nothing', () => ({ ca: cert, ciphers: 'NO-SUCH-CIPHER' }), /tls\.ciphers/],
  ];

  for (const kind of ['https', 'h2'] as const) {
    for (const face of FACES) {
      test(`${kind}, ${face}: refused with InvalidArgumentError each time, then good settings work`, async () => {
        const server = servers[kind]!;
        await server.reset();
        for (const [what, tls, field] of cases) {
          for (let attempt = 1; attempt <= 3; attempt++) {
            const error = await rejection(() => request(face, 'GET', server.url('/echo'), { tls: tls() }));
            assert.ok(error instanceof InvalidArgumentError, `${what}, attempt ${attempt}: ${error}`);
            assert.match(error.message, field, what);
          }
        }
        assert.equal((await server.stats()).connections, 0, 'nothing was sent');
        const good = await request(face, 'GET', server.url('/echo'), { tls: { ca: cert, cert, key } });
        assert.equal(good.status, 200);
      });
    }
  }
});
