/**
 * Decoding in the worker, both faces: gzip, deflate (zlib and raw), br and stacked codings;
 * `decompress: false`; Accept-Encoding sent by default; maxResponseSize on the decoded size, which
 * stops a decompression bomb (120 MiB of zeros in 120 KiB of gzip).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { http, ResponseError, ResponseTooLargeError } from 'onepool';
import { FACES } from './helpers/face-kinds.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let server: TestServer;
before(async () => {
  server = await startServer('http');
});
after(() => server.close());

const PLAIN = 'compressed hello '.repeat(100);

describe('decompression', () => {
  for (const face of FACES) {
    test(`${face.name}: gzip, deflate, raw deflate, br and stacked codings are decoded`, async () => {
      const client = face.make();
      for (const coding of ['gzip', 'deflate', 'deflate-raw', 'br', 'gzip,br', 'deflate,gzip']) {
        const res = await client.get(server.url(`/encoded/${coding}`));
        assert.equal(res.text(), PLAIN, coding);
      }
      const sent = (await client.get(server.url('/echo'))).json<{ headers: Record<string, string> }>()
        .headers;
      assert.equal(sent['accept-encoding'], 'gzip, deflate, br');
    });

    test(`${face.name}: a truncated stream or more than 5 codings is a ResponseError`, async () => {
      const client = face.make();
      for (const path of [
        '/encoded/gzip?truncate',
        '/encoded/br?truncate',
        '/encoded/gzip,gzip,gzip,gzip,gzip,gzip',
      ]) {
        await assert.rejects(
          async () => client.get(server.url(path)),
          (e: unknown) => e instanceof ResponseError && !(e instanceof ResponseTooLargeError),
          path,
        );
      }
      assert.equal((await client.get(server.url('/encoded/gzip,gzip,gzip,gzip,gzip'))).text(), PLAIN);
    });

    test(`${face.name}: a streamed body is decoded as it arrives; decompress: false passes it through`, async () => {
      const client = face.make();
      const decoded = await (await client.stream('GET', server.url('/encoded/gzip,br'))).bytes();
      assert.equal(Buffer.from(decoded).toString(), PLAIN);
      const raw = await (
        await client.stream('GET', server.url('/encoded/gzip'), { decompress: false })
      ).bytes();
      assert.equal(gunzipSync(raw).toString(), PLAIN);
      await assert.rejects(
        async () => (await client.stream('GET', server.url('/encoded/gzip?truncate'))).bytes(),
        ResponseError,
      );
    });

    test(`${face.name}: decompress: false passes the body through and sends no Accept-Encoding`, async () => {
      const client = face.make({ decompress: false });
      const res = await client.get(server.url('/encoded/gzip'));
      assert.equal(res.headers.get('content-encoding'), 'gzip');
      assert.equal(gunzipSync(res.bytes()).toString(), PLAIN);
      const sent = (await client.get(server.url('/echo'))).json<{ headers: Record<string, string> }>()
        .headers;
      assert.equal(sent['accept-encoding'], undefined);
    });

    test(`${face.name}: maxResponseSize bounds the decoded size and stops a decompression bomb`, async () => {
      const client = face.make();
      await assert.rejects(
        async () => client.get(server.url('/bomb')),
        (e: unknown) => e instanceof ResponseTooLargeError && e.code === 'ONEPOOL_ERR_RESPONSE_TOO_LARGE',
      );
      await assert.rejects(
        async () => client.get(server.url('/bomb'), { maxResponseSize: 1 << 20 }),
        ResponseTooLargeError,
      );
      await assert.rejects(
        async () => client.get(server.url('/bytes/2000'), { maxResponseSize: 1000 }),
        ResponseTooLargeError,
      );
      assert.equal(
        (await client.get(server.url('/bytes/1000'), { maxResponseSize: 1000 })).bytes().length,
        1000,
      );
      assert.equal((await http.pool.stats()).totals.running, 0);
    });
  }
});
