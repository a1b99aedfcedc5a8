// RSS while streaming a large body: `httpSync.stream()` against `http.stream()`, each in a fresh
// process, against a keep-alive HTTP/1.1 server in another child process. Reports how far RSS rose
// above its level after a first stream, either small (4 MiB: worker started, code warm) or large
// (256 MiB). The small one leaves in the figure a one-time cost: V8 compiling undici's llhttp
// WebAssembly parser with TurboFan once it is hot, about 30 MiB of compiler memory that the C
// allocator keeps (heaptrack: Zone segments of the wasm top tier); after the large one, what is left
// is what a stream holds.
//
//   npm run build && node bench/sync-stream-rss.mjs [--quick] [--baseline OTHER/dist/index.js]
//
// --baseline: the same measurements, in the same run, with another build (e.g. main's, made in a
// copy of its tree) for before/after figures. Each row also gives the stream's MiB/s.
//
// Standalone, and imported by bench/run.mjs (`runSyncStreamRss()`).
import { fork, spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const MiB = 1024 * 1024;
const ours = pathToFileURL(fileURLToPath(new URL('../dist/index.js', import.meta.url))).href;

function startServer() {
  // bench/stream.mjs's server: /stream/N writes N bytes with backpressure.
  const child = fork(fileURLToPath(new URL('./stream.mjs', import.meta.url)), ['--server'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve) =>
    child.once('message', (m) => resolve({ child, origin: `http://127.0.0.1:${m.port}` })),
  );
}

// One measurement in a fresh process: prints { growthMiB, bytes, mibPerSecond } as JSON.
const measure = (face, origin, bytes, dist, warm) => `
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
await drain(${warm}, () => {});
const base = process.memoryUsage.rss();
let peak = base;
let i = 0;
const started = performance.now();
const got = await drain(${bytes}, () => {
  if ((++i & 15) === 0) peak = Math.max(peak, process.memoryUsage.rss());
});
const seconds = (performance.now() - started) / 1000;
peak = Math.max(peak, process.memoryUsage.rss());
console.log(JSON.stringify({ growthMiB: (peak - base) / ${MiB}, bytes: got, mibPerSecond: got / ${MiB} / seconds }));
process.exit(0);
`;

export async function runSyncStreamRss({ quick = false, baseline } = {}) {
  const { child, origin } = await startServer();
  const sizes = quick ? [200 * MiB] : [200 * MiB, 1024 * MiB];
  const builds = baseline
    ? [
        ['baseline', pathToFileURL(baseline).href],
        ['this build', ours],
      ]
    : [['', ours]];
  const warmups = quick ? [4 * MiB] : [4 * MiB, 256 * MiB];
  const rows = [];
  try {
    for (const warm of warmups)
      for (const bytes of sizes)
        for (const face of ['async', 'sync'])
          for (const [build, dist] of builds) {
            const script = measure(face, origin, bytes, dist, warm);
            const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
              encoding: 'utf8',
              timeout: 300_000,
            });
            const out = r.status === 0 ? JSON.parse(r.stdout.trim().split('\n').at(-1)) : undefined;
            if (out && out.bytes !== bytes)
              throw new Error(`${face}: streamed ${out.bytes} of ${bytes} bytes`);
            const client = face === 'sync' ? 'onepool httpSync.stream()' : 'onepool http.stream()';
            rows.push({
              case: `stream ${bytes / MiB} MiB after ${warm / MiB} MiB`,
              client: build ? `${client}, ${build}` : client,
              'RSS growth MiB': out
                ? out.growthMiB.toFixed(1)
                : `failed: ${r.stderr.trim().split('\n').at(-1)}`,
              'MiB/s': out ? out.mibPerSecond.toFixed(0) : '',
            });
          }
  } finally {
    child.kill();
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf('--baseline');
  const baseline = at === -1 ? undefined : process.argv[at + 1];
  const rows = await runSyncStreamRss({ quick: process.argv.includes('--quick'), baseline });
  console.log('| case | client | peak RSS growth | MiB/s |\n| --- | --- | --- | --- |');
  for (const r of rows)
    console.log(`| ${r.case} | ${r.client} | ${r['RSS growth MiB']} MiB | ${r['MiB/s']} |`);
}
