// RSS while streaming a large body: `httpSync.stream()` against `http.stream()`, each in a fresh
// process, against a keep-alive HTTP/1.1 server in another child process. Reports how far RSS rose
// above its level after a first small stream (worker started, code warm): the memory a stream holds.
//
//   npm run build && node bench/sync-stream-rss.mjs [--quick]
//
// Standalone, and imported by bench/run.mjs (`runSyncStreamRss()`).
import { fork, spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const MiB = 1024 * 1024;
const dist = pathToFileURL(fileURLToPath(new URL('../dist/index.js', import.meta.url))).href;

function startServer() {
  // bench/stream.mjs's server: /stream/N writes N bytes with backpressure.
  const child = fork(fileURLToPath(new URL('./stream.mjs', import.meta.url)), ['--server'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve) =>
    child.once('message', (m) => resolve({ child, origin: `http://127.0.0.1:${m.port}` })),
  );
}

// One measurement in a fresh process: prints { growthMiB, bytes } as JSON.
const measure = (face, origin, bytes) => `
const { http, httpSync } = await import(${JSON.stringify(dist)});
const sync = ${face === 'sync'};
const url = ${JSON.stringify(origin)} + '/stream/';
async function drain(n, onChunk) {
  const res = sync ? httpSync.stream('GET', url + n) : await http.stream('GET', url + n);
  let got = 0;
  if (sync) for (const c of res) { got += c.byteLength; onChunk(); }
  else for await (const c of res) { got += c.byteLength; onChunk(); }
  return got;
}
await drain(4 * ${MiB}, () => {});
const base = process.memoryUsage.rss();
let peak = base;
let i = 0;
const got = await drain(${bytes}, () => {
  if ((++i & 15) === 0) peak = Math.max(peak, process.memoryUsage.rss());
});
peak = Math.max(peak, process.memoryUsage.rss());
console.log(JSON.stringify({ growthMiB: (peak - base) / ${MiB}, bytes: got }));
process.exit(0);
`;

export async function runSyncStreamRss({ quick = false } = {}) {
  const { child, origin } = await startServer();
  const sizes = quick ? [200 * MiB] : [200 * MiB, 1024 * MiB];
  const rows = [];
  try {
    for (const bytes of sizes)
      for (const face of ['async', 'sync']) {
        const r = spawnSync(process.execPath, ['--input-type=module', '-e', measure(face, origin, bytes)], {
          encoding: 'utf8',
          timeout: 300_000,
        });
        const out = r.status === 0 ? JSON.parse(r.stdout.trim().split('\n').at(-1)) : undefined;
        if (out && out.bytes !== bytes) throw new Error(`${face}: streamed ${out.bytes} of ${bytes} bytes`);
        rows.push({
          case: `stream ${bytes / MiB} MiB`,
          client: face === 'sync' ? 'onepool httpSync.stream()' : 'onepool http.stream()',
          'RSS growth MiB': out ? out.growthMiB.toFixed(1) : `failed: ${r.stderr.trim().split('\n').at(-1)}`,
        });
      }
  } finally {
    child.kill();
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await runSyncStreamRss({ quick: process.argv.includes('--quick') });
  console.log('| case | client | peak RSS growth |\n| --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.case} | ${r.client} | ${r['RSS growth MiB']} MiB |`);
}
