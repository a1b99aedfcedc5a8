// Per-request CPU budget of onepool's sequential sync path, piece by piece, next to undici direct.
// Each piece is measured on its own, in this process pinned to one CPU (the server to the other):
//   caller policy  = httpSync.get() on a mock pool (options, policy, Response; no channel, no worker)
//   encode/decode  = postMessage + receiveMessageOnPort of a real-shaped request and response, one thread
//   hop            = a bare two-thread round trip shaped as the sync channel (postMessage, Atomics.wait,
//                    Atomics.notify, receiveMessageOnPort), with an empty message: the wake-ups
//   full           = httpSync.get() against a node:http server, CPU of every thread of this process
//   undici direct  = undici request() on this thread, the same server
// "worker transport" is what remains of `full` (undici's work in the worker and onepool's worker code).
// Usage: node bench/budget.mjs [--n 4000] [--dist path/to/dist/index.js] [--shape packed|object]
// (re-execs itself pinned; --shape object is the request message of protocol 3 and the response
// message of protocol 5, for a "before" figure)
import { execFileSync, fork, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '4000' },
    dist: { type: 'string', default: fileURLToPath(new URL('../dist/index.js', import.meta.url)) },
    server: { type: 'boolean', default: false },
    pinned: { type: 'boolean', default: false },
    // the messages' shape: 'packed' (packed-request.ts, packed-response.ts) or 'object' (protocols 3 and 5)
    shape: { type: 'string', default: 'packed' },
  },
});
const self = fileURLToPath(import.meta.url);

if (values.server) {
  const { createServer } = await import('node:http');
  const body = Buffer.alloc(100, 'x');
  const server = createServer({ keepAliveTimeout: 60_000 }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(body);
  });
  server.listen(0, '127.0.0.1', () => process.send(server.address().port));
  process.on('disconnect', () => process.exit(0));
} else if (!values.pinned && spawnSync('taskset', ['-c', '0', 'true']).status === 0) {
  const r = spawnSync('taskset', ['-c', '0', process.execPath, self, ...process.argv.slice(2), '--pinned'], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
} else {
  const N = Number(values.n);
  const cpu = () => {
    const c = process.cpuUsage();
    return c.user + c.system;
  };
  /** CPU µs per call of `fn` (all threads), after a warm-up; the median of 5 rounds. */
  const perCall = async (fn, n = N) => {
    for (let i = 0; i < Math.min(n, 500); i++) await fn();
    const rounds = [];
    for (let r = 0; r < 5; r++) {
      const c0 = cpu();
      for (let i = 0; i < n; i++) await fn();
      rounds.push((cpu() - c0) / n);
    }
    return rounds.sort((a, b) => a - b)[2];
  };

  /** CPU µs of each thread of this process, by thread id (Linux /proc; 10 ms ticks, so only for long rounds). */
  const threadCpu = () => {
    const out = new Map();
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), (Number(fields[11]) + Number(fields[12])) * 10_000);
    }
    return out;
  };
  const onepool = await import(pathToFileURL(values.dist).href);
  const { request, Agent } = await import('undici');

  // caller policy: a mock pool answers in this thread
  const mock = onepool.createMockPool();
  mock
    .intercept({ origin: 'http://mock.test', path: '/' })
    .reply(200, 'x'.repeat(100), { headers: { 'content-type': 'application/octet-stream' } })
    .persist();
  const policy = await perCall(
    () => onepool.httpSync.get('http://mock.test/', { pool: mock }).bytes().length,
  );

  // encode/decode, one thread
  const { port1, port2 } = new MessageChannel();
  const headers = ['user-agent', 'onepool/0.1', 'accept', '*/*', 'accept-encoding', 'gzip, deflate, br'];
  const req = () => ({
    t: 'exchange',
    id: 7,
    req: {
      id: 7,
      method: 'GET',
      origin: 'http://127.0.0.1:40000',
      path: '/',
      headers,
      body: null,
      connectTimeout: 10000,
      readTimeout: 30000,
      writeTimeout: 30000,
      key: 'http://127.0.0.1:40000',
      transport: undefined,
      decompress: true,
      maxResponseSize: 104857600,
      pool: 0,
      replayUnprocessed: true,
    },
  });
  const packed = () => ({
    t: 'exchange',
    id: 7,
    // biome-ignore format: one field per position, as packed-request.ts orders them
    req: [7, 'GET', 'http://127.0.0.1:40000', '/', headers, null, 10000, 30000, 30000, 'http://127.0.0.1:40000', true, 104857600, 0, true, 0],
  });
  const raw = [
    'Content-Type',
    'application/octet-stream',
    'Content-Length',
    '100',
    'Date',
    new Date().toUTCString(),
  ];
  raw.push('Connection', 'keep-alive', 'Keep-Alive', 'timeout=60');
  const timings = () => [performance.timeOrigin, 1, 1234.5, 1234.6, 0, NaN, NaN, NaN, 1234.7, 1235.9, 1236.1];
  const res = () => ({
    t: 'response',
    id: 7,
    status: 200,
    statusText: 'OK',
    headers: raw,
    body: new Uint8Array(100),
    httpVersion: '1.1',
    connection: { id: 1, reused: true, protocol: 'h1' },
    timings: timings(),
  });
  const packedRes = () => ({
    t: 'response',
    id: 7,
    // biome-ignore format: one field per position, as packed-response.ts orders them
    res: [200, 'OK', raw, false, 1, true, false, timings(), new Uint8Array(100)],
  });
  const clone = (make) => () => {
    port1.postMessage(make());
    receiveMessageOnPort(port2);
  };
  const encodeRequest = await perCall(clone(values.shape === 'object' ? req : packed), N * 5);
  const encodeResponse = await perCall(clone(values.shape === 'object' ? res : packedRes), N * 5);
  const encodeEmpty = await perCall(
    clone(() => 0),
    N * 5,
  );
  port1.close();

  // the hop: a bare worker shaped as the sync channel
  const control = new Int32Array(new SharedArrayBuffer(8));
  const hop = new MessageChannel();
  const worker = new Worker(
    `const { workerData } = require('node:worker_threads');
     const { port } = workerData;
     const control = new Int32Array(workerData.control);
     port.on('message', (m) => { port.postMessage(m); Atomics.add(control, 0, 1); Atomics.notify(control, 0); });`,
    { eval: true, workerData: { port: hop.port2, control: control.buffer }, transferList: [hop.port2] },
  );
  await new Promise((r) => worker.once('online', r));
  const roundTrip = () => {
    const seen = Atomics.load(control, 0);
    hop.port1.postMessage(0);
    for (;;) {
      const got = receiveMessageOnPort(hop.port1);
      if (got) return;
      Atomics.wait(control, 0, seen, 200);
    }
  };
  const wakeups = await perCall(roundTrip);
  await worker.terminate();

  // full, and undici direct
  const child = fork(self, ['--server'], { execArgv: [] });
  const port = await new Promise((r) => child.once('message', r));
  try {
    execFileSync('taskset', ['-a', '-pc', '1', String(child.pid)], { stdio: 'ignore' });
  } catch {}
  const url = `http://127.0.0.1:${port}/`;
  const dispatcher = new Agent({ connections: 16 });
  const clients = {
    full: () => onepool.httpSync.get(url).bytes().length,
    undici: async () => {
      const { body } = await request(url, { dispatcher });
      return (await body.arrayBuffer()).byteLength;
    },
  };
  // Interleaved rounds (the machine is shared): the median round of each, and the caller thread's share.
  const rounds = { full: [], undici: [] };
  const callerShare = [];
  for (let r = 0; r < 7; r++) {
    for (const [name, fn] of Object.entries(clients)) {
      for (let i = 0; i < 300; i++) await fn();
      const t0 = threadCpu();
      const c0 = cpu();
      for (let i = 0; i < N; i++) await fn();
      rounds[name].push((cpu() - c0) / N);
      if (name === 'full') {
        const t1 = threadCpu();
        callerShare.push((t1.get(process.pid) - t0.get(process.pid)) / N);
      }
    }
  }
  const med = (a) => a.sort((x, y) => x - y)[a.length >> 1];
  const full = med(rounds.full);
  const undici = med(rounds.undici);
  const caller = med(callerShare);
  child.kill();

  const f = (x) => `${x.toFixed(1)} µs`;
  const messages = encodeRequest + encodeResponse - 2 * encodeEmpty;
  const rows = [
    ['caller policy (mock pool: options, policy generator, Response)', policy],
    ['message encode/decode (request + response, beyond an empty message)', messages],
    ['wake-ups (bare two-thread round trip, empty message)', wakeups],
    [
      'worker transport (the rest: undici in the worker, onepool worker code)',
      full - policy - messages - wakeups,
    ],
  ];
  console.log(`| piece (sequential httpSync, 100-byte GET, pinned) | CPU per request |`);
  console.log('| --- | --- |');
  for (const [name, v] of rows) console.log(`| ${name} | ${f(v)} |`);
  console.log(
    `| **total, httpSync.get()** (caller thread ${f(caller)}, the rest in the worker and V8's helper threads) | **${f(full)}** |`,
  );
  console.log(`| undici direct request(), same server | ${f(undici)} |`);
  process.exit(0);
}
