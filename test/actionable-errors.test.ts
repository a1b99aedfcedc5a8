/**
 * Error messages a user can act on: each says what went wrong in the user's terms and what to do,
 * on both faces.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { InvalidHeaderError } from 'onepool';
import { FACES } from './helpers/face-kinds.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let server: TestServer;
before(async () => {
  server = await startServer('http');
});
after(() => server.close());

describe('actionable error messages', () => {
  for (const face of FACES) {
    test(`${face.name}: an emoji in a header value is a character above U+00FF, not a control character`, async () => {
      const sent = (await server.stats()).requests;
      await assert.rejects(
        async () => face.make().get(server.url('/echo'), { headers: { 'x-mood': 'happy 😀' } }),
        (e: unknown) =>
          e instanceof InvalidHeaderError &&
          e.message.includes('a character above U+00FF cannot be sent in a header (encode it') &&
          e.message.includes('x-mood') &&
          !e.message.includes('control character'),
      );
      assert.equal((await server.stats()).requests, sent, 'refused before anything was sent');
    });

    test(`${face.name}: a control character in a header value is still called one`, async () => {
      await assert.rejects(
        async () => face.make().get(server.url('/echo'), { headers: { 'x-a': 'a\u0001b' } }),
        (e: unknown) => e instanceof InvalidHeaderError && e.message.includes('control character'),
      );
    });
  }
});
