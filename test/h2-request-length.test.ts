/**
 * Request bodies of known length carry `content-length` over HTTP/2, as curl and undici send it:
 * servers such as lighttpd answer 411 Length Required without it. The test server's
 * /require-length route applies the same rule, over TLS (ALPN h2) and h2c (prior knowledge).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RequestOptions } from 'onepool';
import { FACES } from './helpers/face-kinds.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

const servers: Record<'h2' | 'h2c', TestServer | undefined> = { h2: undefined, h2c: undefined };
before(async () => {
  servers.h2 = await startServer('h2');
  servers.h2c = await startServer('h2c');
});
after(async () => {
  await servers.h2?.close();
  await servers.h2c?.close();
});

const bodies: [what: string, options: RequestOptions, length: number][] = [
  ['bytes', { body: new Uint8Array([1, 2, 3, 4, 5]) }, 5],
  ['a string', { body: 'héllo' }, Buffer.byteLength('héllo')],
  ['json', { json: { a: 1 } }, Buffer.byteLength('{"a":1}')],
  ['a form', { form: { a: '1', b: 'two' } }, Buffer.byteLength('a=1&b=two')],
  ['no body', {}, 0],
];

describe('HTTP/2 request bodies carry content-length', () => {
  for (const kind of ['h2', 'h2c'] as const) {
    for (const face of FACES) {
      test(`${face.name}, ${kind}: bytes, string, json, form and an empty POST are not refused with 411`, async () => {
        const server = servers[kind]!;
        const client = face.make(kind === 'h2' ? { tls: { ca: server.cert } } : { http2: 'prior-knowledge' });
        for (const [what, options, length] of bodies) {
          const res = await client.post(server.url('/require-length'), options);
          assert.equal(res.httpVersion, '2', what);
          assert.equal(res.status, 200, `${what}: ${res.text()}`);
          assert.equal(res.text(), `received ${length} of ${length}`, what);
        }
        const { seen } = await server.stats();
        assert.deepEqual(
          seen.slice(-bodies.length).map((s) => s.headers['content-length']),
          bodies.map(([, , length]) => String(length)),
        );
      });
    }
  }

  for (const face of FACES) {
    test(`${face.name}: a GET without a body gets no content-length, a streamed body no invented one`, async () => {
      const server = servers.h2c!;
      const client = face.make({ http2: 'prior-knowledge' });
      await client.get(server.url('/echo'));
      const chunks = [new Uint8Array([1, 2]), new Uint8Array([3])];
      const body =
        face.name === 'async'
          ? (async function* () {
              yield* chunks;
            })()
          : chunks.values();
      const res = await client.post(server.url('/require-length'), { body });
      assert.equal(res.status, 411);
      const { seen } = await server.stats();
      assert.deepEqual(
        seen.slice(-2).map((s) => [s.url, s.headers['content-length']]),
        [
          ['/echo', undefined],
          ['/require-length', undefined],
        ],
      );
    });
  }
});
