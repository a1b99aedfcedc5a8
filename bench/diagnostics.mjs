// The cost of the diagnostics channels: the same GETs with nobody subscribed and with a subscriber on
// all six onepool channels (one that reads each message's request URL and status, as a tracer
// would), on both faces, in alternating blocks of one run (so drift hits both alike). Reports the
// median, over the blocks, of the wall time and of this process's CPU time (both threads: the
// caller's and the pool worker's; not the server's) per request, and their ratios. On a loaded
// machine the CPU ratio is the steadier one: other processes stretch wall time, not our CPU time.
//
//   npm run build && taskset -c 0 node bench/diagnostics.mjs [--quick]
//
// Standalone, and imported by bench/run.mjs (`runDiagnosticsBench()`). The server runs in a child
// process (pinned to CPU 1 when taskset exists).
import { execFileSync, fork } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { fileURLToPath, pathToFileURL } from 'node:url';

const CHANNELS = [
  'onepool:request:start',
  'onepool:request:headers',
  'onepool:request:end',
  'onepool:request:error',
  'onepool:redirect',
  'onepool:retry',
];
const MAX_PER_BLOCK = 20_000; // a count bound next to the time bound

function serve() {
  return import('node:http').then(({ createServer }) => {
    const body = Buffer.from(JSON.stringify({ ok: true, msg: 'hello from the bench server', n: 42 }));
    const server = createServer({ keepAliveTimeout: 60_000 }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
    server.listen(0, '127.0.0.1', () => process.send(server.address().port));
    process.on('disconnect', () => process.exit(0));
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Runs the bench; resolves with one row per face: wall and CPU µs per request without and with a subscriber. */
export async function runDiagnosticsBench({ quick = false, dist } = {}) {
  const cfg = quick ? { rounds: 4, blockMs: 300 } : { rounds: 8, blockMs: 600 };
  const onepool = await import(
    dist ?? pathToFileURL(fileURLToPath(new URL('../dist/index.js', import.meta.url))).href
  );
  const child = fork(fileURLToPath(import.meta.url), ['--server'], { execArgv: [] });
  const port = await new Promise((resolve) => child.once('message', resolve));
  try {
    execFileSync('taskset', ['-a', '-pc', '1', String(child.pid)], { stdio: 'ignore' });
  } catch {
    // not pinned: the ratio, taken within one run, still holds
  }
  const url = `http://127.0.0.1:${port}/`;
  let seen = 0;
  const listener = (message) => {
    seen += message.request.url.length + (message.response?.status ?? 0);
  };
  const faces = {
    'http (async, 16 in flight)': {
      perCall: 16,
      call: () => Promise.all(Array.from({ length: 16 }, () => onepool.http.get(url))),
    },
    'httpSync (sequential)': { perCall: 1, call: () => onepool.httpSync.get(url) },
  };
  const rows = [];
  try {
    for (const [face, { perCall, call }] of Object.entries(faces)) {
      const times = { off: [], on: [] };
      const cpu = { off: [], on: [] };
      const block = async (mode) => {
        if (mode === 'on') for (const name of CHANNELS) subscribe(name, listener);
        const until = performance.now() + cfg.blockMs;
        let n = 0;
        const start = performance.now();
        const used = process.cpuUsage();
        while (performance.now() < until && n < MAX_PER_BLOCK) {
          await call();
          n += perCall;
        }
        const wall = ((performance.now() - start) * 1000) / n;
        const { user, system } = process.cpuUsage(used);
        if (mode === 'on') for (const name of CHANNELS) unsubscribe(name, listener);
        return { wall, cpu: (user + system) / n };
      };
      await block('off'); // warm-up: connections opened, code compiled
      await block('on');
      for (let round = 0; round < cfg.rounds; round++) {
        // Alternating which goes first, so neither always follows the other.
        const order = round % 2 ? ['on', 'off'] : ['off', 'on'];
        for (const mode of order) {
          const measured = await block(mode);
          times[mode].push(measured.wall);
          cpu[mode].push(measured.cpu);
        }
      }
      const [off, on, cpuOff, cpuOn] = [times.off, times.on, cpu.off, cpu.on].map(median);
      rows.push({
        face,
        'µs/request, no subscriber': off.toFixed(1),
        'µs/request, subscribed': on.toFixed(1),
        'subscribed / none': (on / off).toFixed(3),
        'CPU µs/request, no subscriber': cpuOff.toFixed(1),
        'CPU µs/request, subscribed': cpuOn.toFixed(1),
        'CPU subscribed / none': (cpuOn / cpuOff).toFixed(3),
      });
    }
  } finally {
    child.kill();
  }
  if (seen === 0) throw new Error('the subscriber saw no message');
  return rows;
}

if (process.argv.includes('--server')) await serve();
else if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await runDiagnosticsBench({ quick: process.argv.includes('--quick') });
  console.table(rows);
  process.exit(0);
}
