/**
 * One pool for every thread of the process, with plain worker_threads: the main thread and its
 * workers reach the same pool worker on both faces (one HTTP/2 connection at the server, one
 * process-wide maxConnections), and the pool survives the thread that started it: its pending
 * exchanges fail with WorkerCrashedError and the next calls of every other thread succeed.
 * Servers run in child processes (the sync face blocks its thread).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { configurePool, http, httpSync, poolOptions } from 'onepool';
import { workerLentBuffersMade } from 'onepool/internal';
import { runScript, seenIn } from './helpers/scripts.ts';
import { startServer, type TestServer } from './helpers/servers.ts';
import { startThread, type TaskResult } from './helpers/threads.ts';

let h2: TestServer;
let h1: TestServer;
before(async () => {
  [h2, h1] = await Promise.all([startServer('h2'), startServer('http')]);
});
after(() => Promise.all([h2.close(), h1.close()]));

const allOk = (results: TaskResult[]) => results.flatMap((r) => r.statuses).every((s) => s === 200);

test('the main thread and 3 worker threads, sync and async, share one HTTP/2 connection and name one pool worker', async () => {
  await h2.reset();
  const ca = h2.cert;
  const threads = [startThread(), startThread(), startThread()];
  const input = { url: h2.url('/echo'), ca, syncCalls: 4, asyncCalls: 8 };
  const mine = httpSync.get(h2.url('/echo'), { tls: { ca } }).status;
  const results = await Promise.all(threads.map((t) => t.run(input)));
  const mineAsync = await Promise.all([1, 2, 3].map(() => http.get(h2.url('/echo'), { tls: { ca } })));
  const main = await http.pool.stats();
  await Promise.all(threads.map((t) => t.exit()));
  assert.equal(mine, 200);
  assert.deepEqual(
    mineAsync.map((r) => r.status),
    [200, 200, 200],
  );
  assert.ok(allOk(results), JSON.stringify(results));
  assert.equal((await h2.stats()).connections, 1);
  assert.equal(typeof main.workerThreadId, 'number');
  assert.deepEqual(
    results.map((r) => r.workerThreadId),
    [main.workerThreadId, main.workerThreadId, main.workerThreadId],
  );
  // every thread's exchanges are in the one pool's totals
  assert.ok(main.totals.exchanges >= 1 + 3 * 12 + 3, JSON.stringify(main.totals));
});

test('maxConnections: 2 set in the main thread caps the connections of every thread (HTTP/1.1)', async () => {
  await h1.reset();
  const before = poolOptions().maxConnections;
  configurePool({ maxConnections: 2 });
  try {
    const threads = [startThread(), startThread(), startThread()];
    const input = { url: h1.url('/slow?ms=20'), syncCalls: 2, asyncCalls: 6 };
    const [results, mine] = await Promise.all([
      Promise.all(threads.map((t) => t.run(input))),
      Promise.all(Array.from({ length: 6 }, () => http.get(h1.url('/slow?ms=20')))),
    ]);
    await Promise.all(threads.map((t) => t.exit()));
    assert.ok(allOk(results), JSON.stringify(results));
    assert.ok(mine.every((r) => r.status === 200));
    const stats = await h1.stats();
    assert.equal(stats.requests, 3 * 8 + 6);
    assert.ok(stats.maxOpen <= 2, `the server saw ${stats.maxOpen} connections open at once`);
  } finally {
    configurePool({ maxConnections: before });
  }
});

test('settings from two threads merge option by option: a worker thread configures, the main thread sees the cap', async () => {
  await h1.reset();
  const thread = startThread();
  // The worker thread sets keepAliveTimeout through its own configurePool: the cap set by the
  // main thread must survive it (options are merged one by one, not replaced).
  const before = poolOptions().maxConnections;
  configurePool({ maxConnections: 1 });
  await new Promise((resolve) => setImmediate(resolve));
  try {
    const result = await thread.run({
      url: h1.url('/slow?ms=20'),
      asyncCalls: 4,
      configure: { keepAliveTimeout: 3000 },
    });
    const mine = await Promise.all(Array.from({ length: 4 }, () => http.get(h1.url('/slow?ms=20'))));
    await thread.exit();
    assert.ok(allOk([result]), JSON.stringify(result));
    assert.ok(mine.every((r) => r.status === 200));
    assert.equal((await h1.stats()).maxOpen, 1);
  } finally {
    configurePool({ maxConnections: before });
  }
});

// onepool is loaded here only after the threads start: had it been loaded before, they would ask this
// thread to start the pool (it lives as long as the process), and the starter's exit would end nothing.
const EXIT_SCRIPT = `
import { Worker } from 'node:worker_threads';
const url = process.env.URL;
const runner = new URL('./test/helpers/thread-runner.mjs', 'file://' + process.cwd() + '/');
const start = () => {
  const worker = new Worker(runner, { execArgv: [] });
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  return {
    run: (input) => new Promise((resolve) => { worker.once('message', resolve); worker.postMessage(input); }),
    exit: () => { worker.postMessage({ exit: 0 }); return exited; },
  };
};
const plain = (e) => e?.code ?? String(e);
const seen = {};
// The starter makes the first call of the process: the pool worker is its child.
const starter = start();
const other = start();
const { http, httpSync } = await import('onepool');
seen.first = await starter.run({ url: url + '/echo', syncCalls: 1, asyncCalls: 1 });
// Pending when the starter exits: an async call here, a sync call in the other thread.
const pending = http.get(url + '/hang').then(() => 'answered', plain);
const otherHung = other.run({ url: url + '/echo', hangUrl: url + '/hang', syncCalls: 1, asyncCalls: 2 });
await new Promise((resolve) => setTimeout(resolve, 200));
seen.starterExit = await starter.exit();
seen.pending = await pending;
seen.other = await otherHung;
seen.nextSync = httpSync.get(url + '/echo').status;
seen.nextAsync = (await http.get(url + '/echo')).status;
seen.newPool = httpSync.pool.stats().workerThreadId;
await other.exit();
console.log('SEEN ' + JSON.stringify(seen));
`;

test('the thread that started the pool exits: pending exchanges of other threads fail with WorkerCrashedError, their next calls (both faces) succeed', async () => {
  const run = await runScript(EXIT_SCRIPT, { env: { URL: h1.origin }, timeoutMs: 30_000 });
  const seen = seenIn(run);
  assert.deepEqual(seen.first.statuses, [200, 200]);
  assert.equal(seen.starterExit, 0);
  assert.equal(seen.pending, 'ONEPOOL_ERR_WORKER_CRASHED');
  assert.equal(seen.other.hung.code, 'ONEPOOL_ERR_WORKER_CRASHED');
  assert.deepEqual(seen.other.statuses, [200, 200, 200]);
  assert.equal(seen.nextSync, 200);
  assert.equal(seen.nextAsync, 200);
  assert.notEqual(seen.newPool, seen.first.workerThreadId);
  assert.equal(seen.other.workerThreadId, seen.newPool, JSON.stringify(seen));
});

const MAIN_STARTS_SCRIPT = `
import { http, httpSync } from 'onepool';
import { Worker } from 'node:worker_threads';
const runner = new URL('./test/helpers/thread-runner.mjs', 'file://' + process.cwd() + '/');
const worker = new Worker(runner, { execArgv: [] });
const exited = new Promise((resolve) => worker.once('exit', resolve));
const first = await new Promise((resolve) => { worker.once('message', resolve); worker.postMessage({ url: process.env.URL, syncCalls: 1, asyncCalls: 1 }); });
worker.postMessage({ exit: 0 });
await exited;
const next = httpSync.get(process.env.URL).status;
const nextAsync = (await http.get(process.env.URL)).status;
console.log('SEEN ' + JSON.stringify({ first, next, nextAsync, pool: httpSync.pool.stats().workerThreadId }));
`;

test('a worker thread whose main thread has onepool loaded asks it to start the pool: the pool outlives that worker thread', async () => {
  const run = await runScript(MAIN_STARTS_SCRIPT, { env: { URL: h1.url('/echo') }, timeoutMs: 30_000 });
  const seen = seenIn(run);
  assert.deepEqual(seen.first.statuses, [200, 200]);
  assert.equal(seen.next, 200);
  assert.equal(seen.nextAsync, 200);
  // the same pool worker served the worker thread and, after it exited, the main thread
  assert.equal(seen.pool, seen.first.workerThreadId);
});

/** The generated body of /stream-bytes/N: byte i is (i * 31 + 7) & 0xff. */
function patternSha(n: number): string {
  const block = Buffer.alloc(65_536);
  for (let i = 0; i < block.length; i++) block[i] = (i * 31 + 7) & 0xff;
  const hash = createHash('sha256');
  for (let left = n; left > 0; left -= block.length)
    hash.update(left >= block.length ? block : block.subarray(0, left));
  return hash.digest('hex');
}

test('a worker thread streams over its BroadcastChannel on both faces: every byte arrives, and the lent buffers are reused', async () => {
  // The main thread starts the pool (so it holds the MessagePorts); the worker thread's chunks are
  // cloned over its BroadcastChannel, each lent buffer free again at once: a 64 MiB body on each
  // face still makes only a few of them.
  assert.equal(httpSync.get(h1.url('/echo')).status, 200);
  const n = 64 * 1024 * 1024;
  const made = await workerLentBuffersMade();
  const thread = startThread();
  const result = await thread.run({ url: h1.url('/echo'), streamUrl: h1.url(`/stream-bytes/${n}`) });
  await thread.exit();
  const expected = { bytes: n, sha256: patternSha(n) };
  assert.deepEqual(result.streamed, { sync: expected, async: expected });
  const more = (await workerLentBuffersMade()) - made;
  assert.ok(more < 40, `the worker made ${more} buffers for 128 MiB streamed over a BroadcastChannel`);
});
