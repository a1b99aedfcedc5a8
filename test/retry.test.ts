/**
 * Retries on both faces against a real server that counts attempts per key: Retry-After in seconds
 * and as an HTTP date, the method and limit rules, and a sync face that sleeps without spinning.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FACES } from './helpers/face-kinds.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let server: TestServer;
before(async () => {
  server = await startServer('http');
});
after(() => server.close());

const attemptsFor = async (key: string) =>
  (await server.stats()).seen.filter((r) => r.url.startsWith(`/flaky/${key}?`)).length;

describe('retries', () => {
  for (const face of FACES) {
    test(`${face.name}: 503 with Retry-After: 1, then 200`, async () => {
      const key = `ra-${face.name}`;
      const client = face.make();
      // Warm first, so the CPU counted below is the wait's, not the pool worker's start or the first connect.
      await client.get(server.url(`/flaky/warm-${key}?fail=0`));
      const started = Date.now();
      const cpu = process.cpuUsage();
      const res = await client.get(server.url(`/flaky/${key}?fail=1&status=503&after=1`));
      const used = process.cpuUsage(cpu);
      assert.equal(res.status, 200);
      assert.equal(res.text(), 'attempt 2');
      assert.equal(res.retries, 1);
      assert.equal(await attemptsFor(key), 2);
      assert.ok(Date.now() - started >= 950, 'waited for Retry-After');
      // The wait is a sleep (a timer, or Atomics.wait on the sync face), not a spin: far below 1 s of CPU.
      assert.ok((used.user + used.system) / 1000 < 500, `cpu ${(used.user + used.system) / 1000} ms`);
    });

    test(`${face.name}: 429 with Retry-After as an HTTP date, then 200`, async () => {
      const key = `date-${face.name}`;
      const res = await face.make().get(server.url(`/flaky/${key}?fail=1&status=429&after=date`));
      assert.equal(res.status, 200);
      assert.equal(res.retries, 1);
      assert.equal(await attemptsFor(key), 2);
    });

    test(`${face.name}: limit bounds the attempts; the last response is returned`, async () => {
      const key = `limit-${face.name}`;
      const client = face.make({ retry: { limit: 2, backoff: { base: 5, cap: 20 } } });
      const res = await client.get(server.url(`/flaky/${key}?fail=9&status=502`));
      assert.equal(res.status, 502);
      assert.equal(res.retries, 2);
      assert.equal(await attemptsFor(key), 3);
    });

    test(`${face.name}: POST is not retried unless listed; retry: 0 disables`, async () => {
      const client = face.make({ retry: { backoff: { base: 5, cap: 20 } } });
      const post = await client.post(server.url(`/flaky/post-${face.name}?fail=1&status=503`), { body: 'x' });
      assert.equal(post.status, 503);
      assert.equal(await attemptsFor(`post-${face.name}`), 1);
      const listed = await client.post(server.url(`/flaky/listed-${face.name}?fail=1&status=503`), {
        body: 'x',
        retry: { methods: ['POST'], backoff: { base: 5, cap: 20 } },
      });
      assert.equal(listed.status, 200);
      assert.equal(await attemptsFor(`listed-${face.name}`), 2);
      const none = await client.get(server.url(`/flaky/none-${face.name}?fail=1&status=503`), { retry: 0 });
      assert.equal(none.status, 503);
      assert.equal(await attemptsFor(`none-${face.name}`), 1);
    });

    test(`${face.name}: throwHttpErrors applies to the response after retries`, async () => {
      const client = face.make({ throwHttpErrors: true, retry: { backoff: { base: 5, cap: 20 } } });
      const res = await client.get(server.url(`/flaky/throw-${face.name}?fail=1&status=500`));
      assert.equal(res.status, 200);
      await assert.rejects(async () => client.get(server.url('/status/404')), {
        code: 'ONEPOOL_ERR_HTTP_STATUS',
      });
    });
  }
});
