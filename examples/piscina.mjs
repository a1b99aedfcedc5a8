// One pool for the whole process, with piscina: 4 piscina workers and the main thread call one
// server, with both faces; configurePool() in the main thread caps them all, and the server sees at
// most 2 connections. Run: npm run build && node examples/piscina.mjs
import { fork } from 'node:child_process';
import { CancelToken, configurePool, http, httpSync } from 'onepool';
import { Piscina } from 'piscina';

// The server in its own process: sync calls would deadlock against a server in the calling thread.
const server = fork(new URL('./demo-server.mjs', import.meta.url));
const port = await new Promise((resolve) => server.once('message', resolve));
const url = `http://127.0.0.1:${port}`;

// Set before the workers start, so they inherit it too; it caps every thread's connections.
configurePool({ maxConnections: 2 });
const pool = new Piscina({
  filename: new URL('./piscina-task.mjs', import.meta.url).href,
  minThreads: 4,
  maxThreads: 4,
});

const results = await Promise.all(Array.from({ length: 8 }, (_, n) => pool.run({ url, n })));
const mine = httpSync.get(`${url}/from-main`).json();
const threads = new Set(results.map((r) => r.threadId));
console.log(
  `${results.length} tasks on ${threads.size > 1 ? 'several' : 'one'} piscina worker(s), 3 calls each`,
);
console.log(
  `connections at the server: ${mine.connections <= 2 ? 'at most 2' : mine.connections} (maxConnections: 2)`,
);

const stats = await http.pool.stats();
console.log(`one pool worker (thread ${stats.workerThreadId}) ran ${stats.totals.exchanges} exchanges`);

// A CancelToken crosses threads: cancel() here fails the calls that carry it in a piscina worker.
const token = new CancelToken();
token.cancel();
const cancelled = await pool.run({ url, n: 'cancelled', cancel: token });
console.log('a cancelled call:', cancelled.error);

await pool.destroy();
server.disconnect();
