/**
 * A mock pool's pass-through on both faces, against a real server in a child process: only the
 * origins passed through reach the network, and only for requests the mock does not answer;
 * everything else fails with MockNotMatchedError and the server sees nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createMockPool, MockNotMatchedError } from 'onepool';
import { FACES } from './helpers/face-kinds.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let open: TestServer;
let closed: TestServer;

before(async () => {
  [open, closed] = await Promise.all([startServer('http'), startServer('http')]);
});
after(() => Promise.all([open.close(), closed.close()]));

for (const face of FACES) {
  describe(`${face.name}: pass-through`, () => {
    test('a passed-through origin reaches the server (bodies decoded, stream() too); others never do', async () => {
      await Promise.all([open.reset(), closed.reset()]);
      const mock = createMockPool().passThrough(open.origin);
      mock.intercept({ origin: open.origin, path: '/status/200' }).reply(299, 'mocked');
      const client = face.make({ pool: mock });
      assert.equal((await client.get(open.url('/status/200'))).status, 299);
      assert.equal((await client.get(open.url('/gzip'))).text(), 'compressed hello');
      const streamed = await client.stream('GET', open.url('/trailers'));
      assert.equal(Buffer.from(await streamed.bytes()).toString(), 'part one, part two');
      await assert.rejects(async () => client.get(closed.url('/status/200')), MockNotMatchedError);
      const [reached, untouched] = await Promise.all([open.stats(), closed.stats()]);
      assert.equal(reached.requests, 2);
      assert.equal(untouched.connections, 0);
      assert.equal(mock.calls.length, 4);
    });
  });
}
