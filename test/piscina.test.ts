/**
 * One pool for every thread, with real piscina: the user who runs CPU work in a piscina pool and
 * calls APIs from its workers. Piscina's workers and the main thread reach one pool worker on both
 * faces; maxConnections set in the main thread caps them all; when piscina ends the worker that
 * started the pool (it terminates its threads), the other threads' pending calls fail with
 * WorkerCrashedError and their next calls succeed. Servers run in child processes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { configurePool, http, httpSync, poolOptions } from 'onepool';
import { Piscina } from 'piscina';
import { runScript, seenIn } from './helpers/scripts.ts';
import { startServer, type TestServer } from './helpers/servers.ts';
import type { TaskInput, TaskResult } from './helpers/threads.ts';

const TASK = new URL('./helpers/thread-task.mjs', import.meta.url).href;

let h2: TestServer;
let h1: TestServer;
before(async () => {
  [h2, h1] = await Promise.all([startServer('h2'), startServer('http')]);
});
after(() => Promise.all([h2.close(), h1.close()]));

/** A piscina pool of `threads` workers that run thread-task.mjs (plain JS: no TypeScript loader). */
const piscina = (threads: number) =>
  new Piscina({ filename: TASK, minThreads: threads, maxThreads: threads, execArgv: [] });

const allOk = (results: TaskResult[]) => results.flatMap((r) => r.statuses).every((s) => s === 200);

test('a piscina pool of 4 workers and the main thread, sync and async: one HTTP/2 connection at the server', async () => {
  await h2.reset();
  const ca = h2.cert;
  const pool = piscina(4);
  try {
    const input: TaskInput = { url: h2.url('/echo'), ca, syncCalls: 3, asyncCalls: 6 };
    const tasks = Array.from({ length: 8 }, () => pool.run(input) as Promise<TaskResult>);
    const mine = httpSync.get(h2.url('/echo'), { tls: { ca } }).status;
    const mineAsync = await Promise.all([1, 2, 3].map(() => http.get(h2.url('/echo'), { tls: { ca } })));
    const results = await Promise.all(tasks);
    const stats = httpSync.pool.stats();
    assert.equal(mine, 200);
    assert.ok(mineAsync.every((r) => r.status === 200));
    assert.ok(allOk(results), JSON.stringify(results));
    assert.equal((await h2.stats()).connections, 1);
    assert.ok(
      new Set(results.map((r) => r.threadId)).size > 1,
      'the tasks ran in more than one piscina worker',
    );
    assert.deepEqual(new Set(results.map((r) => r.workerThreadId)), new Set([stats.workerThreadId]));
  } finally {
    await pool.destroy();
  }
});

test('maxConnections: 2 set in the main thread: never more than 2 connections at once from piscina and main (HTTP/1.1)', async () => {
  await h1.reset();
  const before = poolOptions().maxConnections;
  configurePool({ maxConnections: 2 });
  const pool = piscina(4);
  try {
    const input: TaskInput = { url: h1.url('/slow?ms=20'), syncCalls: 2, asyncCalls: 6 };
    const tasks = Array.from({ length: 8 }, () => pool.run(input) as Promise<TaskResult>);
    const mine = await Promise.all(Array.from({ length: 6 }, () => http.get(h1.url('/slow?ms=20'))));
    const results = await Promise.all(tasks);
    assert.ok(allOk(results), JSON.stringify(results));
    assert.ok(mine.every((r) => r.status === 200));
    const stats = await h1.stats();
    assert.equal(stats.requests, 8 * 8 + 6);
    assert.ok(stats.maxOpen <= 2, `the server saw ${stats.maxOpen} connections open at once`);
  } finally {
    configurePool({ maxConnections: before });
    await pool.destroy();
  }
});

// onepool is loaded here only after piscina's threads start: had it been loaded before, they would
// ask this thread to start the pool (it lives as long as the process), and ending the starter would end nothing.
const EXIT_SCRIPT = `
import { Piscina } from 'piscina';
const url = process.env.URL;
const filename = new URL('./test/helpers/thread-task.mjs', 'file://' + process.cwd() + '/').href;
const plain = (e) => e?.code ?? String(e);
const seen = {};
// A one-thread piscina pool makes the first call of the process: the pool worker is its child.
const starter = new Piscina({ filename, minThreads: 1, maxThreads: 1, execArgv: [] });
const others = new Piscina({ filename, minThreads: 2, maxThreads: 2, execArgv: [] });
const { http, httpSync } = await import('onepool');
seen.first = await starter.run({ url: url + '/echo', syncCalls: 1, asyncCalls: 1 });
// Pending when piscina ends the starter: an async call here, sync calls in the other piscina workers.
const pending = http.get(url + '/hang').then(() => 'answered', plain);
const hung = [1, 2].map(() => others.run({ url: url + '/echo', hangUrl: url + '/hang', syncCalls: 1, asyncCalls: 2 }));
await new Promise((resolve) => setTimeout(resolve, 300));
await starter.destroy();
seen.pending = await pending;
seen.others = await Promise.all(hung);
seen.nextSync = httpSync.get(url + '/echo').status;
seen.nextAsync = (await http.get(url + '/echo')).status;
seen.newPool = httpSync.pool.stats().workerThreadId;
await others.destroy();
console.log('SEEN ' + JSON.stringify(seen));
`;

test('piscina ends the worker that started the pool: pending calls of main and the other piscina workers fail with WorkerCrashedError, their next calls succeed', async () => {
  const run = await runScript(EXIT_SCRIPT, { env: { URL: h1.origin }, timeoutMs: 30_000 });
  const seen = seenIn(run);
  assert.deepEqual(seen.first.statuses, [200, 200]);
  assert.equal(seen.pending, 'ONEPOOL_ERR_WORKER_CRASHED');
  for (const other of seen.others) {
    assert.equal(other.hung.code, 'ONEPOOL_ERR_WORKER_CRASHED');
    assert.deepEqual(other.statuses, [200, 200, 200]);
    assert.equal(other.workerThreadId, seen.newPool);
  }
  assert.equal(seen.nextSync, 200);
  assert.equal(seen.nextAsync, 200);
  assert.notEqual(seen.newPool, seen.first.workerThreadId);
});
