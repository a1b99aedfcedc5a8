// Body-transfer benchmark: buffered 1 MiB and 10 MiB GETs and a streamed 100 MiB GET, through
// onepool's two faces and through undici used directly in this process, against one keep-alive
// HTTP/1.1 server in a child process. Prints medians and the ratio to undici (lower is better).
//
//   npm run build && node bench/stream.mjs [--quick]
//
// Standalone on purpose: the main harness (bench/run.mjs) can import `runStreamBench()`.
import { fork, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';

const MiB = 1024 * 1024;

if (process.argv[2] === '--server') {
  const block = Buffer.alloc(65_536, 0x61);
  const bodies = new Map();
  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const [, kind, size] = req.url.split('/');
    const n = Number(size);
    if (kind === 'bytes') {
      if (!bodies.has(n)) bodies.set(n, Buffer.alloc(n, 0x62));
      res.writeHead(200, { 'content-length': n, 'content-type': 'application/octet-stream' });
      return res.end(bodies.get(n));
    }
    res.writeHead(200, { 'content-length': n, 'content-type': 'application/octet-stream' });
    let left = n;
    const more = () => {
      while (left > 0) {
        const chunk = left >= block.length ? block : block.subarray(0, left);
        left -= chunk.length;
        if (!res.write(chunk)) return res.once('drain', more);
      }
      res.end();
    };
    more();
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('disconnect', () => process.exit(0));
}

function startServer() {
  const child = fork(fileURLToPath(import.meta.url), ['--server'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // Under run.mjs's pinning the fork inherits CPU 0: give the server CPU 1, as run.mjs does for its own.
  if (process.env.ONEPOOL_BENCH_CHILD === 'pinned')
    spawnSync('taskset', ['-pc', '1', String(child.pid)], { stdio: 'ignore' });
  return new Promise((resolve) =>
    child.once('message', (m) => resolve({ child, origin: `http://127.0.0.1:${m.port}` })),
  );
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

async function time(iterations, warmup, fn) {
  for (let i = 0; i < warmup; i++) await fn();
  const samples = [];
  for (let i = 0; i < iterations; i++) {
    const t = process.hrtime.bigint();
    const n = await fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (typeof n === 'number' && n <= 0) throw new Error('empty body');
  }
  return median(samples);
}

export async function runStreamBench({ quick = false } = {}) {
  const { http, httpSync } = await import('../dist/index.js');
  const { child, origin } = await startServer();
  const agent = new Agent({ connections: 16, keepAliveTimeout: 60_000 });
  const scale = quick ? 0.25 : 1;
  const cases = [
    {
      name: 'buffered GET 1 MiB',
      path: `/bytes/${MiB}`,
      stream: false,
      iterations: Math.ceil(200 * scale),
      warmup: 20,
    },
    {
      name: 'buffered GET 10 MiB',
      path: `/bytes/${10 * MiB}`,
      stream: false,
      iterations: Math.ceil(40 * scale),
      warmup: 5,
    },
    {
      name: 'streamed GET 100 MiB',
      path: `/stream/${100 * MiB}`,
      stream: true,
      iterations: Math.ceil(8 * scale),
      warmup: 2,
    },
  ];
  const rows = [];
  try {
    for (const c of cases) {
      const url = origin + c.path;
      const runners = c.stream
        ? {
            undici: async () => {
              const { body } = await request(url, { dispatcher: agent });
              let n = 0;
              for await (const chunk of body) n += chunk.length;
              return n;
            },
            'onepool async': async () => {
              let n = 0;
              for await (const chunk of await http.stream('GET', url)) n += chunk.byteLength;
              return n;
            },
            'onepool sync': async () => {
              let n = 0;
              for (const chunk of httpSync.stream('GET', url)) n += chunk.byteLength;
              return n;
            },
          }
        : {
            undici: async () => {
              const { body } = await request(url, { dispatcher: agent });
              return (await body.arrayBuffer()).byteLength;
            },
            'onepool async': async () => (await http.get(url)).bytes().byteLength,
            'onepool sync': async () => httpSync.get(url).bytes().byteLength,
          };
      const results = {};
      // Two alternating rounds, so drift on a shared machine hits every runner alike.
      for (let round = 0; round < 2; round++) {
        for (const [name, fn] of Object.entries(runners)) {
          const ms = await time(Math.ceil(c.iterations / 2), c.warmup, fn);
          results[name] = results[name] === undefined ? ms : (results[name] + ms) / 2;
        }
      }
      for (const [name, ms] of Object.entries(results)) {
        const mb = Number(c.path.split('/')[2]) / MiB;
        rows.push({
          case: c.name,
          client: name,
          'median ms': ms.toFixed(2),
          'MiB/s': (mb / (ms / 1000)).toFixed(0),
          'vs undici': (ms / results.undici).toFixed(2),
        });
      }
    }
  } finally {
    await agent.close();
    child.kill();
  }
  return rows;
}

async function main() {
  const rows = await runStreamBench({ quick: process.argv.includes('--quick') });
  console.table(rows);
  console.log('| case | client | median ms | MiB/s | vs undici |\n| --- | --- | --- | --- | --- |');
  for (const r of rows)
    console.log(`| ${r.case} | ${r.client} | ${r['median ms']} | ${r['MiB/s']} | ${r['vs undici']} |`);
}

const isMain = process.argv[1] === fileURLToPath(import.meta.url);
if (isMain && process.argv[2] !== '--server') await main();
