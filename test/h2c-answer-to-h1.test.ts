/**
 * An HTTP/1.1 request to an h2c-only server gets HTTP/2 frames back. The error says so and names the
 * `http2` option, instead of llhttp's "Expected HTTP/, RTSP/ or ICE/"; with that option set the same
 * call succeeds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ResponseError } from 'onepool';
import { FACES } from './helpers/face-kinds.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let server: TestServer;
before(async () => {
  server = await startServer('h2c');
});
after(() => server.close());

describe('HTTP/1.1 to an h2c-only server', () => {
  for (const face of FACES) {
    test(`${face.name}: the error names HTTP/2 framing and the http2 option`, async () => {
      const client = face.make({ retry: false });
      await assert.rejects(
        async () => client.get(server.url('/echo')),
        (error: unknown) => {
          assert.ok(error instanceof ResponseError, String(error));
          assert.match(error.message, /answered an HTTP\/1\.1 request with HTTP\/2 framing/);
          assert.match(error.message, /http2: 'prior-knowledge'/);
          assert.doesNotMatch(error.message, /RTSP/);
          return true;
        },
      );
      const res = await client.get(server.url('/echo'), { http2: 'prior-knowledge' });
      assert.equal(res.status, 200);
      assert.equal(res.httpVersion, '2');
    });
  }
});
