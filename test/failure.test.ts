/**
 * Nothing hangs: a dying worker fails every pending exchange, sync and async, with
 * WorkerCrashedError within a second, and the next call starts a fresh worker. A sync call never
 * blocks past its timeout.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { http, httpSync, ReadTimeoutError, WorkerCrashedError } from 'onepool';
import { settledAt, syncCallThroughCrash } from './helpers/crash.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let server: TestServer;
before(async () => {
  server = await startServer('http');
});
after(() => server.close());

for (const how of ['exit', 'throw'] as const) {
  test(`worker death by ${how}: pending sync and async exchanges fail within 1 s, the next call succeeds`, async () => {
    const first = httpSync.get(server.url('/echo'));
    assert.equal(first.status, 200);
    const pendingAsync = Array.from({ length: 5 }, () =>
      http.get(server.url('/hang'), { timeout: { read: 60_000 } }),
    );
    const settled = pendingAsync.map(settledAt);
    // The worker kills itself on a timer while this thread is blocked in a sync call.
    const {
      error: syncError,
      crashAt,
      returnedAt: syncAt,
    } = syncCallThroughCrash(server.url('/hang'), how, 300);
    assert.ok(syncError instanceof WorkerCrashedError, `sync call got ${String(syncError)}`);
    assert.equal((syncError as WorkerCrashedError).code, 'ONEPOOL_ERR_WORKER_CRASHED');
    assert.ok(syncAt - crashAt < 1000, `sync caller woke ${syncAt - crashAt} ms after the crash`);

    for (const { error, at } of await Promise.all(settled)) {
      assert.ok(error instanceof WorkerCrashedError, `async call got ${String(error)}`);
      assert.ok(at - crashAt < 1000, `async caller settled ${at - crashAt} ms after the crash`);
    }

    const next = httpSync.get(server.url('/echo'));
    assert.equal(next.status, 200);
    assert.equal(next.connection.reused, false, 'a fresh worker opened a fresh connection');
    assert.equal((await http.get(server.url('/echo'))).connection.reused, true);
  });
}

test('read timeout: both faces raise ReadTimeoutError close to the configured time', async () => {
  const read = 500;
  const t0 = Date.now();
  assert.throws(() => httpSync.get(server.url('/hang'), { timeout: { read } }), ReadTimeoutError);
  const syncElapsed = Date.now() - t0;
  const t1 = Date.now();
  await assert.rejects(http.get(server.url('/hang'), { timeout: { read } }), ReadTimeoutError);
  const asyncElapsed = Date.now() - t1;
  for (const elapsed of [syncElapsed, asyncElapsed]) {
    assert.ok(elapsed >= read - 50, `fired early: ${elapsed} ms`);
    assert.ok(elapsed < read + 2000, `fired late: ${elapsed} ms`);
  }
});

test('a body that stalls mid-way also ends in ReadTimeoutError on both faces', async () => {
  assert.throws(() => httpSync.get(server.url('/stall-body'), { timeout: { read: 300 } }), ReadTimeoutError);
  await assert.rejects(http.get(server.url('/stall-body'), { timeout: { read: 300 } }), ReadTimeoutError);
});

test('after a timed-out exchange the next one on both faces still works', async () => {
  assert.equal(httpSync.get(server.url('/echo')).status, 200);
  assert.equal((await http.get(server.url('/echo'))).status, 200);
});
