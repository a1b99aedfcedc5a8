// The floor of onepool's design: what a client that sends every request through a worker thread costs
// when it does nothing else. A bare worker runs undici's request() on the requests it gets from a
// MessagePort and posts back status, raw headers and body; the sync client blocks in Atomics.wait
// for the reply, as onepool's sync face does, the async one awaits the port. No policy, no
// validation, no timeouts, no accounting: the hop and undici, nothing more. Measured against undici
// direct and onepool in one run, blocks interleaved, the server in a child process on CPU 1.
//
//   npm run build && taskset -c 0 node bench/floor.mjs [--rounds N] [--block-ms MS] [--dist PATH]
//
// Standalone; bench/run.mjs does not run it (issue 15 quotes it as the evidence for the per-request
// targets the design cannot reach on one core).
import { execFileSync, fork } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, MessageChannel, receiveMessageOnPort, Worker, workerData } from 'node:worker_threads';

if (!isMainThread && workerData?.role === 'floor') {
  const { Agent, request } = await import('undici');
  const dispatcher = new Agent({ connections: 16 });
  const { port, control } = workerData;
  const words = new Int32Array(control);
  port.on('message', async ({ id, url }) => {
    const { statusCode, headers, body } = await request(url, { dispatcher });
    const bytes = new Uint8Array(await body.arrayBuffer());
    port.postMessage({ id, status: statusCode, headers, body: bytes });
    Atomics.add(words, 0, 1);
    Atomics.notify(words, 0);
  });
} else {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      'block-ms': { type: 'string', default: '1000' },
      dist: { type: 'string', default: fileURLToPath(new URL('../dist/index.js', import.meta.url)) },
    },
  });
  const onepool = await import(pathToFileURL(values.dist).href);
  const { Agent, request } = await import('undici');
  const server = fork(fileURLToPath(new URL('./two-clients.mjs', import.meta.url)), ['--server'], {
    execArgv: [],
  });
  const { port: portNo } = await new Promise((resolve) => server.once('message', resolve));
  try {
    execFileSync('taskset', ['-a', '-pc', '1', String(server.pid)], { stdio: 'ignore' });
  } catch {
    console.log('(server not pinned: taskset failed)');
  }
  const url = `http://127.0.0.1:${portNo}/`;

  const { port1, port2 } = new MessageChannel();
  const control = new SharedArrayBuffer(4);
  const words = new Int32Array(control);
  const worker = new Worker(fileURLToPath(import.meta.url), {
    workerData: { role: 'floor', port: port2, control },
    transferList: [port2],
  });
  worker.unref();
  let nextId = 0;
  const waiting = new Map();
  const onReply = (reply) => {
    waiting.get(reply.id)?.(reply);
    waiting.delete(reply.id);
  };
  const floorAsync = (target) =>
    new Promise((resolve) => {
      const id = ++nextId;
      waiting.set(id, resolve);
      port1.postMessage({ id, url: target });
    });
  const floorSync = (target) => {
    const id = ++nextId;
    let seen = Atomics.load(words, 0);
    port1.postMessage({ id, url: target });
    for (;;) {
      const got = receiveMessageOnPort(port1);
      if (got) return got.message;
      Atomics.wait(words, 0, seen, 1000);
      seen = Atomics.load(words, 0);
    }
  };
  const dispatcher = new Agent({ connections: 16 });
  const undici = async (target) => {
    const { body } = await request(target, { dispatcher });
    return (await body.arrayBuffer()).byteLength;
  };

  // Sync clients (the caller blocks between requests) take no port listener: receiveMessageOnPort
  // reads the replies. The async ones need it, so it is attached for them only.
  const scenarios = [
    {
      title: 'sequential, sync: floor (Atomics.wait) and httpSync against undici direct (awaited)',
      concurrency: 1,
      clients: {
        'undici direct': undici,
        'floor, sync': (target) => floorSync(target).body.byteLength,
        'onepool httpSync': (target) => onepool.httpSync.get(target).bytes().length,
      },
    },
    {
      title: 'sequential, async',
      concurrency: 1,
      listen: true,
      clients: {
        'undici direct': undici,
        'floor, async': async (target) => (await floorAsync(target)).body.byteLength,
        'onepool http': async (target) => (await onepool.http.get(target)).bytes().length,
      },
    },
    {
      title: '64 concurrent, async',
      concurrency: 64,
      listen: true,
      clients: {
        'undici direct (connections: 16)': undici,
        'floor, async': async (target) => (await floorAsync(target)).body.byteLength,
        'onepool http': async (target) => (await onepool.http.get(target)).bytes().length,
      },
    },
  ];
  const MAX = 50_000; // count bound of a block, next to its time bound
  const block = async (get, concurrency, ms) => {
    let n = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const loop = async () => {
      while (n < MAX && performance.now() - t0 < ms) {
        n++;
        await get(url);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, loop));
    const elapsed = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { n, elapsed, cpuUs: cpu.user + cpu.system };
  };
  const ms = Number(values['block-ms']);
  for (const sc of scenarios) {
    if (sc.listen) {
      port1.on('message', onReply);
      port1.unref();
    } else port1.off('message', onReply);
    const totals = Object.fromEntries(
      Object.keys(sc.clients).map((name) => [name, { n: 0, elapsed: 0, cpuUs: 0 }]),
    );
    const names = Object.keys(sc.clients);
    for (const name of names) await block(sc.clients[name], sc.concurrency, ms / 4); // warm-up
    for (let r = 0; r < Number(values.rounds); r++) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + r) % names.length];
        const b = await block(sc.clients[name], sc.concurrency, ms);
        totals[name].n += b.n;
        totals[name].elapsed += b.elapsed;
        totals[name].cpuUs += b.cpuUs;
      }
    }
    const base = totals[names[0]];
    const baseRps = base.n / base.elapsed;
    const floorRps = totals[names[1]].n / totals[names[1]].elapsed;
    console.log(`\n${sc.title}`);
    for (const name of names) {
      const t = totals[name];
      const rps = t.n / t.elapsed;
      const vsFloor = name === names[2] ? `, ${(rps / floorRps).toFixed(2)}× the floor` : '';
      console.log(
        `  ${name}: ${Math.round(rps * 1000)} req/s, ${(t.cpuUs / t.n).toFixed(1)} µs CPU/req, ` +
          `${(rps / baseRps).toFixed(2)}× ${names[0]}${vsFloor}`,
      );
    }
  }
  server.kill();
  process.exit(0);
}
