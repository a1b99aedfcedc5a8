/**
 * timeout.total bounds a whole call on both faces (the sync face never blocks past it), and an
 * AbortSignal cancels an async call; either way the exchange is cancelled in the worker too, which
 * the pool's own stats show (nothing left running).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AbortedError, http, TotalTimeoutError } from 'onepool';
import { type AnyFace, FACES } from './helpers/face-kinds.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let server: TestServer;
before(async () => {
  server = await startServer('http');
});
after(() => server.close());

/** Asked through the face's own channel, so the answer comes after that channel's cancel. */
async function runningExchanges(face = http as AnyFace): Promise<number> {
  return (await face.pool.stats()).totals.running;
}

describe('timeout.total and signal', () => {
  for (const face of FACES) {
    test(`${face.name}: a hanging server fails with TotalTimeoutError, and the worker lets go`, async () => {
      const started = Date.now();
      await assert.rejects(
        async () => face.make({ timeout: { total: 600 } }).get(server.url('/hang')),
        (e: unknown) => e instanceof TotalTimeoutError && e.code === 'ONEPOOL_ERR_TOTAL_TIMEOUT',
      );
      assert.ok(Date.now() - started < 5000, 'returned near the deadline');
      assert.equal(await runningExchanges(face.make()), 0);
    });

    test(`${face.name}: the total spans redirect hops and retry waits`, async () => {
      const client = face.make({ timeout: { total: 1500 } });
      // Two hops, then a server that hangs: the clock started at the first hop.
      await assert.rejects(
        async () => client.get(server.url(`/redirect/302?to=${encodeURIComponent('/hang')}`)),
        TotalTimeoutError,
      );
      // A Retry-After that would pass the deadline is not waited for: the 503 stands.
      const res = await client.get(server.url(`/flaky/tt-${face.name}?fail=1&status=503&after=5`));
      assert.equal(res.status, 503);
    });
  }

  test('async: an AbortSignal cancels the exchange in the worker', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    await assert.rejects(
      http.get(server.url('/hang'), { signal: controller.signal }),
      (e: unknown) => e instanceof AbortedError && e.code === 'ONEPOOL_ERR_ABORTED',
    );
    assert.equal(await runningExchanges(), 0);
    await assert.rejects(http.get(server.url('/echo'), { signal: AbortSignal.abort() }), AbortedError);
  });
});
