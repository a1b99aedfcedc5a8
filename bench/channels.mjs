// The channel figures behind onepool's process-wide pool (README, Design notes), measured here:
//  1. does a fixed-name BroadcastChannel deliver in one order to every receiver (3 senders, 2 receivers)?
//  2. round trip between two threads: MessagePort vs a BroadcastChannel with a name unique to the pair,
//     async (message events) and sync (Atomics.wait, woken by the other side, receiveMessageOnPort);
//     to an idle thread and to a busy one (its event loop runs 1 ms tasks back to back);
//  3. a worker thread finding the running pool worker (hello → welcome + one stats round trip),
//     idle and while another thread keeps 64 GETs in flight;
//  4. the first call of a process, which starts the pool worker, against the next one.
//
//   npm run build && taskset -c 0 node bench/channels.mjs      (both threads on one CPU)
//   npm run build && node bench/channels.mjs                   (the scheduler's choice)
import { execFileSync, fork } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import {
  BroadcastChannel,
  isMainThread,
  MessageChannel,
  parentPort,
  receiveMessageOnPort,
  Worker,
  workerData,
} from 'node:worker_threads';

const SELF = fileURLToPath(import.meta.url);
const DIST = new URL('../dist/index.js', import.meta.url).href;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ROUNDS = 2000;

if (process.argv[2] === '--server') {
  const server = createServer({ keepAliveTimeout: 60_000 }, (_req, res) => res.end('ok'));
  server.listen(0, '127.0.0.1', () => process.send(server.address().port));
  process.on('disconnect', () => process.exit(0));
} else if (process.argv[2] === '--first-call') {
  const { httpSync } = await import(DIST);
  const t0 = performance.now();
  httpSync.get(process.env.URL).bytes();
  const first = performance.now() - t0;
  const t1 = performance.now();
  httpSync.get(process.env.URL).bytes();
  console.log(JSON.stringify({ first, next: performance.now() - t1 }));
} else if (!isMainThread) {
  const { role } = workerData;
  if (role === 'order-sender') {
    const channel = new BroadcastChannel('bench.order');
    for (let i = 0; i < 1000; i++) channel.postMessage(`${workerData.name}${i}`);
    channel.close();
    parentPort.postMessage('sent');
  } else if (role === 'order-receiver') {
    const channel = new BroadcastChannel('bench.order');
    const seen = [];
    channel.onmessage = (e) => {
      seen.push(e.data);
      if (seen.length === 3000) {
        parentPort.postMessage(seen);
        channel.close();
      }
    };
    parentPort.postMessage('listening');
  } else if (role === 'echo') {
    // Echoes on a MessagePort or a BroadcastChannel; `busy`: 1 ms tasks run back to back meanwhile.
    const { port, name, control, busy } = workerData;
    const words = control && new Int32Array(control);
    const channel = port ?? new BroadcastChannel(name);
    const reply = (data) => {
      channel.postMessage(data);
      if (words) {
        Atomics.add(words, 0, 1);
        Atomics.notify(words, 0);
      }
    };
    if (port) port.on('message', reply);
    else channel.onmessage = (e) => reply(e.data);
    if (busy) {
      const spin = () => {
        const until = performance.now() + 1;
        while (performance.now() < until);
        setImmediate(spin);
      };
      spin();
    }
    parentPort.postMessage('ready');
  } else if (role === 'finder') {
    const { httpSync } = await import(DIST);
    const t0 = performance.now();
    const stats = httpSync.pool.stats();
    parentPort.postMessage({ ms: performance.now() - t0, found: stats.workerThreadId !== null });
  } else if (role === 'load') {
    const { http } = await import(DIST);
    let stop = false;
    parentPort.once('message', () => {
      stop = true;
    });
    const lane = async () => {
      for (let i = 0; i < 100_000 && !stop; i++) (await http.get(workerData.url)).bytes();
    };
    parentPort.postMessage('loading');
    await Promise.all(Array.from({ length: 64 }, lane));
    parentPort.postMessage('stopped');
  }
}

const once = (worker, what = 'message') => new Promise((resolve) => worker.once(what, resolve));

async function order() {
  const receivers = [0, 1].map(() => new Worker(SELF, { workerData: { role: 'order-receiver' } }));
  await Promise.all(receivers.map((r) => once(r)));
  const got = receivers.map((r) => once(r));
  const senders = ['a', 'b', 'c'].map(
    (name) => new Worker(SELF, { workerData: { role: 'order-sender', name } }),
  );
  const [x, y] = await Promise.all(got);
  await Promise.all([...senders, ...receivers].map((w) => w.terminate()));
  const interleaved = x.some((m, i) => i > 0 && m[0] !== x[i - 1][0]);
  return { sameOrder: x.every((m, i) => m === y[i]), interleaved };
}

/** Median µs of a round trip to an echo thread, over a port or a unique-name BroadcastChannel. */
async function rtt(kind, mode, busy) {
  const control = mode === 'sync' ? new SharedArrayBuffer(4) : undefined;
  const words = control && new Int32Array(control);
  let channel;
  let data;
  let transferList = [];
  if (kind === 'port') {
    const { port1, port2 } = new MessageChannel();
    channel = port1;
    data = { role: 'echo', port: port2, control, busy };
    transferList = [port2];
  } else {
    const name = `bench.rtt.${Math.random()}`;
    channel = new BroadcastChannel(name);
    data = { role: 'echo', name, control, busy };
  }
  const worker = new Worker(SELF, { workerData: data, transferList });
  await once(worker);
  const samples = [];
  if (mode === 'async') {
    let resolveOne;
    const onMessage = () => resolveOne();
    if (kind === 'port') channel.on('message', onMessage);
    else channel.onmessage = onMessage;
    for (let i = 0; i < ROUNDS; i++) {
      const t = performance.now();
      await new Promise((resolve) => {
        resolveOne = resolve;
        channel.postMessage(i);
      });
      samples.push((performance.now() - t) * 1000);
    }
  } else {
    for (let i = 0; i < ROUNDS; i++) {
      const seen = Atomics.load(words, 0);
      const t = performance.now();
      channel.postMessage(i);
      while (!receiveMessageOnPort(channel)) Atomics.wait(words, 0, Atomics.load(words, 0), 50);
      samples.push((performance.now() - t) * 1000);
      void seen;
    }
  }
  await worker.terminate();
  channel.close();
  return median(samples);
}

async function finding(url, loaded) {
  const { httpSync } = await import(DIST);
  httpSync.get(url).bytes(); // the pool worker runs (this thread started it)
  let load;
  if (loaded) {
    load = new Worker(SELF, { workerData: { role: 'load', url } });
    await once(load);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  const samples = [];
  for (let i = 0; i < 15; i++) {
    const finder = new Worker(SELF, { workerData: { role: 'finder' } });
    const { ms, found } = await once(finder);
    if (!found) throw new Error('the finder found no pool worker');
    samples.push(ms);
    await finder.terminate();
  }
  if (load) {
    load.postMessage('stop');
    await once(load);
    await load.terminate();
  }
  return median(samples);
}

if (isMainThread && process.argv[1] === SELF && !process.argv[2]) {
  const server = fork(SELF, ['--server'], { execArgv: [] });
  const port = await once(server);
  const url = `http://127.0.0.1:${port}/`;
  const lines = [];
  const o = await order();
  lines.push(
    `BroadcastChannel order: same at both receivers: ${o.sameOrder} (senders interleaved: ${o.interleaved})`,
  );
  for (const busy of [false, true]) {
    for (const mode of ['async', 'sync']) {
      const p = await rtt('port', mode, busy);
      const b = await rtt('broadcast', mode, busy);
      lines.push(
        `round trip, ${mode}, ${busy ? 'busy' : 'idle'} peer: MessagePort ${p.toFixed(1)} µs, BroadcastChannel ${b.toFixed(1)} µs`,
      );
    }
  }
  lines.push(
    `a worker thread finds the pool worker (idle pool): ${(await finding(url, false)).toFixed(2)} ms`,
  );
  lines.push(
    `a worker thread finds the pool worker (64 GETs in flight): ${(await finding(url, true)).toFixed(2)} ms`,
  );
  const firsts = [];
  for (let i = 0; i < 5; i++) {
    const out = execFileSync(process.execPath, [SELF, '--first-call'], { env: { ...process.env, URL: url } });
    firsts.push(JSON.parse(String(out)));
  }
  lines.push(
    `first call of a process (starts the pool worker): ${median(firsts.map((f) => f.first)).toFixed(1)} ms; the next: ${median(firsts.map((f) => f.next)).toFixed(2)} ms`,
  );
  console.log(lines.join('\n'));
  server.disconnect();
  process.exit(0);
}
