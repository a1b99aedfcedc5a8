/**
 * CancelToken: a cancellation that crosses threads. Posted to another thread, `cancel()` there (or
 * here) fails the call with AbortedError on both faces, waking a thread blocked in httpSync at once,
 * and cancels the exchange in the pool worker. Checked with real threads and real piscina against a
 * server (in a child process) that never answers; no timing assertions.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AbortedError, CancelToken, http, httpSync, InvalidArgumentError } from 'onepool';
import { Piscina } from 'piscina';
import { startServer, type TestServer } from './helpers/servers.ts';
import { startThread, type TaskResult, type TestThread } from './helpers/threads.ts';

let server: TestServer;
before(async () => {
  server = await startServer('http');
});
after(() => server.close());

/** Resolves once the server has received `count` requests for /hang (the callers are waiting). */
async function hanging(count: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const seen = (await server.stats()).seen.filter((s) => s.url.startsWith('/hang')).length;
    if (seen >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`the server never saw ${count} /hang requests`);
}

/** A thread that cancels the posted token after `ms` (this thread is blocked meanwhile). */
function cancellerAfter(token: CancelToken, ms: number): TestThread {
  const thread = startThread();
  thread.worker.postMessage({ cancel: token, afterMs: ms });
  return thread;
}

test('parity: a token cancelled from another thread fails both faces with AbortedError, and the exchange is cancelled in the worker', async () => {
  await server.reset();
  const outcomes: string[] = [];
  for (const face of ['sync', 'async'] as const) {
    const token = new CancelToken();
    const canceller = cancellerAfter(token, 300);
    try {
      if (face === 'sync') httpSync.get(server.url('/hang'), { cancel: token });
      else await http.get(server.url('/hang'), { cancel: token });
      outcomes.push('answered');
    } catch (error) {
      assert.ok(error instanceof AbortedError, String(error));
      outcomes.push(`${(error as AbortedError).code} ${token.cancelled}`);
    }
    await canceller.exit();
  }
  assert.deepEqual(outcomes, ['ONEPOOL_ERR_ABORTED true', 'ONEPOOL_ERR_ABORTED true']);
  // Both exchanges were cancelled in the worker: nothing runs any more.
  assert.equal(httpSync.pool.stats().totals.running, 0);
  assert.equal((await http.pool.stats()).totals.running, 0);
});

test('parity: a token cancelled before the call fails both faces at once; a bad token is InvalidArgumentError', async () => {
  const token = new CancelToken();
  token.cancel();
  const codes = [
    (() => {
      try {
        httpSync.get(server.url('/echo'), { cancel: token });
        return 'answered';
      } catch (error) {
        return (error as AbortedError).code;
      }
    })(),
    await http.get(server.url('/echo'), { cancel: token }).then(
      () => 'answered',
      (error: AbortedError) => error.code,
    ),
  ];
  assert.deepEqual(codes, ['ONEPOOL_ERR_ABORTED', 'ONEPOOL_ERR_ABORTED']);
  const bad = { buffer: new SharedArrayBuffer(12) };
  assert.throws(() => httpSync.get(server.url('/echo'), { cancel: bad }), InvalidArgumentError);
  await assert.rejects(http.get(server.url('/echo'), { cancel: bad }), InvalidArgumentError);
  // A posted copy is the same token.
  const copy = structuredClone(token);
  assert.equal(CancelToken.from(copy).cancelled, true);
});

test('worker threads blocked in httpSync.get and waiting in http.get are cancelled from the main thread', async () => {
  await server.reset();
  const token = new CancelToken();
  const threads = [startThread(), startThread()];
  const runs = [
    threads[0]!.run({ url: server.url('/echo'), hangUrl: server.url('/hang'), cancel: token, syncCalls: 1 }),
    threads[1]!.run({
      url: server.url('/echo'),
      hangUrl: server.url('/hang'),
      hangFace: 'async',
      cancel: token,
      asyncCalls: 1,
    }),
  ];
  await hanging(2);
  token.cancel();
  const results: TaskResult[] = await Promise.all(runs);
  await Promise.all(threads.map((t) => t.exit()));
  assert.deepEqual(
    results.map((r) => [(r.hung as { code: string }).code, r.statuses]),
    [
      ['ONEPOOL_ERR_ABORTED', [200]],
      ['ONEPOOL_ERR_ABORTED', [200]],
    ],
  );
});

test('piscina: a cancellation from the main thread wakes a piscina worker blocked in httpSync.get', async () => {
  await server.reset();
  const pool = new Piscina({
    filename: new URL('./helpers/thread-task.mjs', import.meta.url).href,
    minThreads: 2,
    maxThreads: 2,
    execArgv: [],
  });
  try {
    const token = new CancelToken();
    const task = pool.run({
      url: server.url('/echo'),
      hangUrl: server.url('/hang'),
      cancel: token,
      syncCalls: 1,
    });
    await hanging(1);
    token.cancel();
    const result = (await task) as TaskResult;
    assert.equal((result.hung as { code: string }).code, 'ONEPOOL_ERR_ABORTED');
    assert.deepEqual(result.statuses, [200]);
  } finally {
    await pool.destroy();
  }
});

test('parity: a token bounds a streamed body too: a read that waits for a stalled body is woken on both faces', async () => {
  const outcomes: string[] = [];
  for (const face of ['sync', 'async'] as const) {
    const token = new CancelToken();
    let received = 0;
    const canceller = cancellerAfter(token, 300);
    try {
      if (face === 'sync') {
        const res = httpSync.stream('GET', server.url('/stall-body'), { cancel: token });
        for (const chunk of res) received += chunk.byteLength;
      } else {
        const res = await http.stream('GET', server.url('/stall-body'), { cancel: token });
        for await (const chunk of res) received += chunk.byteLength;
      }
      outcomes.push('ended');
    } catch (error) {
      // how much of the body had arrived by then is the machine's timing, not part of the result
      console.log(`# ${face}: aborted after ${received} bytes`);
      outcomes.push((error as AbortedError).code);
    }
    await canceller.exit();
  }
  assert.deepEqual(outcomes, ['ONEPOOL_ERR_ABORTED', 'ONEPOOL_ERR_ABORTED']);
});
