/**
 * Stale keep-alive connections: a server that closes every connection 100 ms after its last
 * response, without saying so (no Keep-Alive hint), and requests at intervals sweeping 80–120 ms,
 * so some land on a connection the server is closing. Retries are off (`retry: 0`): only the
 * always-on stale rule may act. No GET may fail; a POST may fail with StaleConnectionError but is
 * never sent twice (the server counts request ids).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { StaleConnectionError } from 'onepool';
import { FACES } from './helpers/face-kinds.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let server: TestServer;
before(async () => {
  server = await startServer('http', { idleCloseMs: 100 });
});
after(() => server.close());

const PER_FACE = 105;
const pause = new Int32Array(new SharedArrayBuffer(4));

test('stale keep-alive: 0 failed GETs, 0 silent POST replays, over 210 requests on both faces', async () => {
  const outcome = {
    get: 0,
    getFailed: [] as string[],
    staleRetries: 0,
    post: 0,
    postStale: 0,
    postFailed: [] as string[],
  };
  for (const face of FACES) {
    const client = face.make({ retry: 0 });
    for (let i = 0; i < PER_FACE; i++) {
      const wait = 80 + (i % 41); // 80, 81, ... 120, 80, ...
      if (face.name === 'sync') Atomics.wait(pause, 0, 0, wait);
      else await new Promise((resolve) => setTimeout(resolve, wait));
      const id = `${face.name}-${i}`;
      if (i % 2 === 0) {
        outcome.get++;
        try {
          const res = await client.get(server.url(`/echo?i=${id}`), { headers: { 'x-test-id': id } });
          assert.equal(res.status, 200);
          outcome.staleRetries += res.retries;
        } catch (error) {
          outcome.getFailed.push(`${id}: ${(error as Error).message}`);
        }
      } else {
        outcome.post++;
        try {
          const res = await client.post(server.url('/echo'), { body: id, headers: { 'x-test-id': id } });
          assert.equal(res.status, 200);
        } catch (error) {
          if (error instanceof StaleConnectionError && error.retryable) outcome.postStale++;
          else outcome.postFailed.push(`${id}: ${(error as Error).message}`);
        }
      }
    }
  }
  const stats = await server.stats();
  console.log(
    `GET ${outcome.get} (stale retries ${outcome.staleRetries}), POST ${outcome.post} (StaleConnectionError ${outcome.postStale}), ` +
      `server: ${stats.requests} requests on ${stats.connections} connections, replays ${stats.replays}`,
  );
  assert.equal(outcome.get + outcome.post, 2 * PER_FACE);
  assert.deepEqual(outcome.getFailed, []);
  assert.deepEqual(outcome.postFailed, []);
  assert.equal(stats.replays, 0);
});

for (const face of FACES) {
  test(`${face.name}: a reused connection closed before any response byte: GET retried once, POST not replayed`, async () => {
    const client = face.make({ retry: 0 });
    await server.reset();
    // Every request below runs on the connection of the one before (the server closes idle ones
    // only after 100 ms), and /drop-if-reused closes a reused connection without answering.
    await client.get(server.url('/echo'));
    const get = await client.get(server.url('/drop-if-reused'));
    assert.equal(get.text(), 'fresh');
    assert.equal(get.retries, 1);
    assert.equal(get.connection.reused, false);
    await client.get(server.url('/echo'));
    await assert.rejects(
      async () =>
        client.post(server.url('/drop-if-reused'), {
          body: 'once',
          headers: { 'x-test-id': `p-${face.name}` },
        }),
      (e: unknown) => e instanceof StaleConnectionError && e.retryable && /not idempotent/.test(e.message),
    );
    const stats = await server.stats();
    assert.equal(stats.seen.filter((r) => r.headers['x-test-id'] === `p-${face.name}`).length, 1);
    assert.equal(stats.replays, 0);
  });
}
