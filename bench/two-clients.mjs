// A two-client check: onepool http against undici direct, nothing else loaded, alternating 1 s
// blocks, CPU per request from process.cpuUsage() (the pool worker included). It shows the artifact
// that a forced GC before each block created in earlier versions of run.mjs:
//   taskset -c 0 node bench/two-clients.mjs                       # as run.mjs measures now
//   taskset -c 0 node --expose-gc bench/two-clients.mjs --force-gc # a full GC before every block
// Options: --concurrency N (default 64), --rounds N (default 6, the first is a warm-up), --sync (onepool's
// sync face, one request at a time, against undici direct sequentially), --dist PATH (another build of
// onepool's dist/index.js, for a before/after pair), --h2 (a node:http2 server over TLS with a
// self-signed cert instead of node:http; undici gets allowH2 on one connection, as onepool has).
// The server runs in a child process pinned to CPU 1 when taskset exists.
import { execFileSync, fork } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { selfSigned } from './self-signed.mjs';

const { values } = parseArgs({
  options: {
    'force-gc': { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '6' },
    server: { type: 'boolean', default: false },
    sync: { type: 'boolean', default: false },
    h2: { type: 'boolean', default: false },
    dist: { type: 'string', default: fileURLToPath(new URL('../dist/index.js', import.meta.url)) },
  },
});

if (values.server) {
  const body = Buffer.from(JSON.stringify({ ok: true, msg: 'hello from the bench server', n: 42 }));
  const handle = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(body);
  };
  let server;
  let cert;
  if (values.h2) {
    const tls = selfSigned();
    cert = tls.cert;
    server = (await import('node:http2')).createSecureServer(
      { ...tls, settings: { maxConcurrentStreams: 256 } },
      handle,
    );
  } else server = (await import('node:http')).createServer({ keepAliveTimeout: 60_000 }, handle);
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port, cert }));
  process.on('disconnect', () => process.exit(0));
} else {
  const onepool = await import(pathToFileURL(values.dist).href);
  const concurrency = values.sync ? 1 : Number(values.concurrency);
  const child = fork(fileURLToPath(import.meta.url), ['--server', ...(values.h2 ? ['--h2'] : [])], {
    execArgv: [],
  });
  const { port, cert } = await new Promise((resolve) => child.once('message', resolve));
  try {
    execFileSync('taskset', ['-a', '-pc', '1', String(child.pid)], { stdio: 'ignore' });
  } catch {
    console.log('(server not pinned: taskset failed)');
  }
  const url = `${values.h2 ? 'https' : 'http'}://127.0.0.1:${port}/`;
  // onepool's default per origin; over h2 onepool has one connection, and so has undici here.
  const dispatcher = new Agent(
    values.h2
      ? { allowH2: true, pipelining: 100, connections: 1, connect: { ca: cert } }
      : { connections: 16 },
  );
  const options = values.h2 ? { tls: { ca: cert } } : {};
  const face = values.sync ? 'onepool httpSync' : 'onepool http';
  const clients = {
    [face]: values.sync
      ? async () => onepool.httpSync.get(url, options).bytes().length
      : async () => (await onepool.http.get(url, options)).bytes().length,
    'undici direct': async () => {
      const { body } = await request(url, { dispatcher });
      return (await body.arrayBuffer()).byteLength;
    },
  };
  const totals = Object.fromEntries(Object.keys(clients).map((name) => [name, { n: 0, ms: 0, cpu: 0 }]));
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [name, get] of Object.entries(clients)) {
      if (values['force-gc']) globalThis.gc();
      let n = 0;
      const start = performance.now();
      const end = start + 1000;
      const cpu0 = process.cpuUsage();
      const loop = async () => {
        while (performance.now() < end) {
          await get();
          n++;
        }
      };
      await Promise.all(Array.from({ length: concurrency }, loop));
      const cpu = process.cpuUsage(cpu0);
      if (round === 0) continue;
      const t = totals[name];
      t.n += n;
      t.ms += performance.now() - start;
      t.cpu += cpu.user + cpu.system;
    }
  }
  for (const [name, t] of Object.entries(totals))
    console.log(`${name}: ${Math.round((t.n / t.ms) * 1000)} req/s, ${(t.cpu / t.n).toFixed(1)} µs CPU/req`);
  const rate = (t) => t.n / t.ms;
  console.log(`ratio: ${(rate(totals[face]) / rate(totals['undici direct'])).toFixed(2)}×`);
  child.kill();
  await dispatcher.close();
  process.exit(0);
}
