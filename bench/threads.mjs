// Thread-shaped benchmark: N worker threads (N = 4) each making sequential sync GETs, then
// concurrent async GETs, against one keep-alive HTTP/1.1 server in a child process. onepool (one pool
// worker for the whole process: every thread's requests share its connections) against undici used
// directly in each thread (one Agent per thread). Reports requests/s and the connections the server
// saw (opened during the block, and open at once at most), in one run, blocks interleaved; then the
// per-request cost of a sequential onepool call from a worker thread against one from the main thread.
//
//   npm run build && node bench/threads.mjs [--quick]
//
// Standalone on purpose: the main harness (bench/run.mjs) imports `runThreadsBench()`.
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const THREADS = 4;
const CONCURRENCY = 16; // async GETs in flight per thread
const MAX_PER_PHASE = 20_000; // count bound of every phase, next to its time bound
const DIST = process.env.ONEPOOL_DIST
  ? pathToFileURL(resolve(dirname(fileURLToPath(import.meta.url)), process.env.ONEPOOL_DIST)).href
  : new URL('../dist/index.js', import.meta.url).href;

if (process.argv[2] === '--server') {
  const body = Buffer.from(JSON.stringify({ ok: true, msg: 'hello from the bench server', n: 42 }));
  let opened = 0;
  let open = 0;
  let maxOpen = 0;
  const server = createServer({ keepAliveTimeout: 60_000 }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
  server.on('connection', (socket) => {
    opened++;
    maxOpen = Math.max(maxOpen, ++open);
    socket.on('close', () => open--);
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', (m) => {
    if (m === 'counts') process.send({ counts: { opened, open, maxOpen } });
    if (m === 'reset-max') {
      maxOpen = open;
      process.send({ reset: true });
    }
  });
  process.on('disconnect', () => process.exit(0));
} else if (!isMainThread && workerData?.role === 'bench-thread') {
  // One thread of a block: sequential GETs (onepool: its sync face; undici has none, so one awaited
  // request at a time), then CONCURRENCY concurrent async GETs, each phase bounded by ms and count.
  const { client, url, ms } = workerData;
  let get;
  let getSync;
  let close = async () => {};
  if (client === 'onepool') {
    const { http, httpSync } = await import(DIST);
    getSync = () => httpSync.get(url).bytes();
    get = async () => (await http.get(url)).bytes();
  } else {
    const { Agent, request } = await import('undici');
    const agent = new Agent();
    get = async () => (await request(url, { dispatcher: agent })).body.arrayBuffer();
    close = () => agent.close();
  }
  parentPort.once('message', async () => {
    let sequential = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms && sequential < MAX_PER_PHASE) {
      if (getSync) getSync();
      else await get();
      sequential++;
    }
    const sequentialMs = performance.now() - t0;
    let concurrent = 0;
    const t1 = performance.now();
    const lane = async () => {
      while (performance.now() - t1 < ms && concurrent < MAX_PER_PHASE) {
        await get();
        concurrent++;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
    const concurrentMs = performance.now() - t1;
    await close();
    parentPort.postMessage({ sequential, sequentialMs, concurrent, concurrentMs });
  });
  parentPort.postMessage('ready');
} else if (!isMainThread && workerData?.role === 'bench-overhead') {
  const { http, httpSync } = await import(DIST);
  parentPort.on('message', async (n) =>
    parentPort.postMessage(await overhead(http, httpSync, workerData.url, n)),
  );
  parentPort.postMessage('ready');
}

/** µs of each of `n` sequential sync GETs and of `n` sequential async GETs (after a warm-up). */
async function overhead(http, httpSync, url, n) {
  const sync = [];
  const async_ = [];
  for (let i = 0; i < 50; i++) httpSync.get(url).bytes();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    httpSync.get(url).bytes();
    sync.push((performance.now() - t) * 1000);
  }
  for (let i = 0; i < 50; i++) (await http.get(url)).bytes();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    (await http.get(url)).bytes();
    async_.push((performance.now() - t) * 1000);
  }
  return { sync, async: async_ };
}

/**
 * The median of sequential GETs from the main thread and from one worker thread, in alternating
 * rounds (so that the machine's drift falls on both alike), all rounds' samples pooled per side.
 */
async function overheads(http, httpSync, url, n, rounds) {
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const w = new Worker(fileURLToPath(import.meta.url), { workerData: { role: 'bench-overhead', url } });
  const next = () =>
    new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  try {
    await next();
    const main = { sync: [], async: [] };
    const worker = { sync: [], async: [] };
    for (let r = 0; r < rounds; r++) {
      const m = await overhead(http, httpSync, url, n);
      const reply = next();
      w.postMessage(n);
      const t = await reply;
      for (const face of ['sync', 'async']) {
        main[face].push(...m[face]);
        worker[face].push(...t[face]);
      }
    }
    const medians = (side) => ({ sync: median(side.sync), async: median(side.async) });
    return { main: medians(main), worker: medians(worker) };
  } finally {
    await w.terminate();
  }
}

function ask(child, message, field) {
  return new Promise((resolve) => {
    const on = (m) => {
      if (m[field] === undefined) return;
      child.off('message', on);
      resolve(m[field]);
    };
    child.on('message', on);
    child.send(message);
  });
}

/** One block: THREADS fresh threads of one client, started together once all are ready. */
async function block(client, url, ms, server) {
  await ask(server, 'reset-max', 'reset');
  const before = await ask(server, 'counts', 'counts');
  const threads = Array.from(
    { length: THREADS },
    () =>
      new Worker(fileURLToPath(import.meta.url), { workerData: { role: 'bench-thread', client, url, ms } }),
  );
  await Promise.all(threads.map((t) => new Promise((resolve) => t.once('message', resolve))));
  const results = await Promise.all(
    threads.map(
      (t) =>
        new Promise((resolve, reject) => {
          t.once('message', resolve);
          t.once('error', reject);
          t.postMessage('go');
        }),
    ),
  );
  await Promise.all(threads.map((t) => t.terminate()));
  const after = await ask(server, 'counts', 'counts');
  const sum = (k) => results.reduce((a, r) => a + r[k], 0);
  const maxMs = (k) => Math.max(...results.map((r) => r[k]));
  return {
    sequentialRps: sum('sequential') / (maxMs('sequentialMs') / 1000),
    concurrentRps: sum('concurrent') / (maxMs('concurrentMs') / 1000),
    opened: after.opened - before.opened,
    maxOpen: after.maxOpen,
  };
}

/**
 * Runs the thread-shaped comparison; returns { rows, overhead } for RESULTS.md (and prints them).
 * The main thread makes one onepool call first, so the pool worker is its child and outlives the
 * blocks' threads (as in an application whose main thread stays).
 */
export async function runThreadsBench({ quick = false } = {}) {
  const server = fork(fileURLToPath(import.meta.url), ['--server'], { execArgv: [] });
  try {
    const port = await new Promise((resolve) => server.once('message', (m) => resolve(m.port)));
    const url = `http://127.0.0.1:${port}/small`;
    const { http, httpSync } = await import(DIST);
    httpSync.get(url).bytes();
    const ms = quick ? 400 : 1000;
    const rounds = quick ? 2 : 4;
    const runs = { onepool: [], 'undici direct': [] };
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? ['onepool', 'undici direct'] : ['undici direct', 'onepool'];
      for (const name of order)
        runs[name].push(await block(name === 'onepool' ? 'onepool' : 'undici', url, ms, server));
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const rows = Object.entries(runs).map(([client, rs]) => ({
      client,
      sequentialRps: median(rs.map((x) => x.sequentialRps)),
      concurrentRps: median(rs.map((x) => x.concurrentRps)),
      opened: rs.map((x) => x.opened).join(', '),
      maxOpen: Math.max(...rs.map((x) => x.maxOpen)),
    }));
    const overhead = await overheads(http, httpSync, url, quick ? 150 : 300, quick ? 2 : 4);
    const stats = await http.pool.stats();
    return { rows, overhead, rounds, ms, workerThreadId: stats.workerThreadId };
  } finally {
    server.disconnect();
  }
}

/** The markdown of a result (RESULTS.md and the standalone run). */
export function threadsMarkdown({ rows, overhead, rounds, ms }) {
  const base = rows.find((r) => r.client === 'undici direct');
  const fmt = (x) => Math.round(x).toLocaleString('en-US');
  return [
    `| client (${THREADS} threads) | sequential req/s | vs undici | ${CONCURRENCY}×${THREADS} concurrent req/s | vs undici | connections opened per block | most open at once |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.client} | ${fmt(r.sequentialRps)} | ${(r.sequentialRps / base.sequentialRps).toFixed(2)}× | ${fmt(r.concurrentRps)} | ${(r.concurrentRps / base.concurrentRps).toFixed(2)}× | ${r.opened} | ${r.maxOpen} |`,
    ),
    '',
    `${rounds} blocks per client of ${ms} ms per phase, interleaved; req/s is the median block. onepool's`,
    'sequential phase is its sync face; undici has none, so its sequential phase awaits one request at a time.',
    '',
    '| one onepool GET, sequential (median) | from the main thread | from a worker thread |',
    '| --- | --- | --- |',
    `| sync face | ${overhead.main.sync.toFixed(0)} µs | ${overhead.worker.sync.toFixed(0)} µs |`,
    `| async face | ${overhead.main.async.toFixed(0)} µs | ${overhead.worker.async.toFixed(0)} µs |`,
  ].join('\n');
}

if (isMainThread && process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] !== '--server') {
  const result = await runThreadsBench({ quick: process.argv.includes('--quick') });
  console.log(threadsMarkdown(result));
  process.exit(0);
}
