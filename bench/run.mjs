// onepool benchmark: how onepool's two faces (sync via Atomics, async via MessagePort, one pool in one worker
// thread) compare with the clients people use today, on loopback servers in another process.
// Clients of a scenario are interleaved in round-robin blocks in one run, so machine drift hits them all
// alike; every ratio is taken against undici used directly in the same thread, measured in the same run.
// Usage: node bench/run.mjs [--quick] [--no-pin]      env ONEPOOL_DIST=path/to/dist/index.js
// Writes bench/RESULTS.md (pinned) or bench/RESULTS-unpinned.md (--no-pin).
import { execSync, fork, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ARGS = process.argv.slice(2);
const QUICK = ARGS.includes('--quick');
const CFG = QUICK
  ? { blocks: 3, blockMs: 350, warmMs: 150, slowPerBlock: 10, spawns: 4 }
  : { blocks: 6, blockMs: 700, warmMs: 300, slowPerBlock: 20, spawns: 7 };
const MAX_PER_BLOCK = 50_000; // count bound for every block, next to the time bound
const HANG_MS = 15_000; // a block that has not finished this long after its time bound is reported as failed

// 0. Install bench deps if needed, then re-exec pinned to CPU 0 (servers go to CPU 1) with --expose-gc.
if (!process.env.ONEPOOL_BENCH_CHILD) {
  if (!existsSync(join(BENCH, 'node_modules'))) {
    execSync('npm install --no-audit --no-fund', { cwd: BENCH, stdio: 'inherit' });
  }
  const canPin =
    !ARGS.includes('--no-pin') &&
    os.cpus().length >= 2 &&
    spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  const nodeArgs = ['--expose-gc', fileURLToPath(import.meta.url), ...ARGS];
  const [cmd, argv] = canPin
    ? ['taskset', ['-c', '0', process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  const env = { ...process.env, ONEPOOL_BENCH_CHILD: canPin ? 'pinned' : 'unpinned' };
  const r = spawnSync(cmd, argv, { stdio: 'inherit', env });
  process.exit(r.status ?? 1);
}

const PINNED = process.env.ONEPOOL_BENCH_CHILD === 'pinned';
const DIST = resolve(BENCH, process.env.ONEPOOL_DIST || '../dist/index.js');
const C = await import('./clients.mjs');
const { fmtTime, median, scenarioTable, summarize, markdownTable } = await import('./stats.mjs');
const { changesMarkdown, SPREAD, targetsMarkdown } = await import('./targets.mjs');
const now = () => process.hrtime.bigint();
const shortError = (e) =>
  String(e?.code ? `${e.code}: ${e.message}` : e?.message || e)
    .replace(/[|\n\r]+/g, ' ')
    .slice(0, 140);

// 1. Servers in their own process, pinned to CPU 1.
const server = fork(
  join(BENCH, 'server.mjs'),
  [],
  PINNED ? { execPath: 'taskset', execArgv: ['-c', '1', process.execPath] } : {},
);
const pending = new Map();
let nextId = 0;
const ready = new Promise((res, rej) => {
  server.on('message', (m) => {
    if (m.type === 'ready') res(m);
    else if (m.type === 'counts') pending.get(m.id)?.(m.counts);
  });
  server.on('exit', (code) => rej(new Error(`server exited (${code})`)));
  setTimeout(() => rej(new Error('server not ready in 20 s')), 20_000).unref();
});
const srv = await ready;
let finishing = false;
server.on('exit', (code) => {
  if (finishing) return;
  console.error(`server process exited (${code}) during the run`);
  process.exit(1);
});
const counts = () =>
  new Promise((res) => {
    const id = nextId++;
    pending.set(id, (c) => {
      pending.delete(id);
      res(c);
    });
    server.send({ cmd: 'counts', id });
  });
// Connections opened between two counter snapshots, for one server ('http' | 'h2' | 'nginx').
function connDiff(key, a, b) {
  if (key !== 'h2') return a[key] == null || b[key] == null ? null : b[key] - a[key];
  return Object.fromEntries(Object.keys(b.h2).map((p) => [p, b.h2[p] - (a.h2[p] || 0)]));
}
function addConns(acc, d) {
  if (d == null || acc === null) return null; // unknown stays unknown
  if (typeof d === 'number') return acc + d;
  const out = { ...acc };
  for (const [p, n] of Object.entries(d)) out[p] = (out[p] || 0) + n;
  return out;
}
function fmtConns(c) {
  if (c == null) return '?';
  if (typeof c === 'number') return String(c);
  const parts = Object.entries(c).filter(([, n]) => n > 0);
  return parts.length ? parts.map(([p, n]) => `${n} ${p}`).join(' + ') : '0';
}

// 2. One timed block: `concurrency` loops issue requests until the count or time bound, each request timed.
async function runBlock(client, url, { concurrency = 1, ms, max, expect, after }) {
  const lat = [];
  let issued = 0;
  const t0 = now();
  const deadline = t0 + BigInt(ms) * 1_000_000n;
  if (client.sync) {
    // A sync client with `batch` makes that many requests per call (httpSync.all): each of them is
    // counted, and each is given the batch's time as its latency.
    const batch = client.batch ?? 1;
    while (issued < max && now() < deadline) {
      issued += batch;
      const s = now();
      const n = client.get(url);
      const t = Number(now() - s);
      for (let i = 0; i < batch; i++) lat.push(t);
      if (n !== expect * batch) throw new Error(`body ${n} bytes, expected ${expect * batch}`);
    }
    return { lat, elapsedNs: Number(now() - t0) };
  }
  let failed = null;
  const loop = async () => {
    while (!failed && issued < max && now() < deadline) {
      issued++;
      const s = now();
      const n = await client.get(url);
      lat.push(Number(now() - s));
      if (n !== expect) throw new Error(`body ${n} bytes, expected ${expect}`);
      after?.();
    }
  };
  let timer;
  const hang = new Promise((_, rej) => {
    timer = setTimeout(
      () => rej(new Error(`no answer ${HANG_MS / 1000} s after the block ended`)),
      ms + HANG_MS,
    );
  });
  try {
    const loops = Array.from({ length: concurrency }, () =>
      loop().catch((e) => {
        failed = e;
        throw e;
      }),
    );
    await Promise.race([Promise.all(loops), hang]);
  } finally {
    clearTimeout(timer);
  }
  return { lat, elapsedNs: Number(now() - t0) };
}

// A scenario: warm each client once (connections counted, times not), then CFG.blocks rounds of one block per
// client, starting each round at a different client. No forced GC between blocks: a forced full GC
// shrinks the caller's young generation, which then costs a client that allocates on the caller's
// thread 35-40 % of its speed in the next block (undici direct: 34 -> 46 us of CPU per request at 64
// concurrent), while onepool, which allocates mostly in its worker's heap, keeps its speed.
async function scenario(sc) {
  console.log(`\n## ${sc.title}`);
  const url = `${sc.base}${sc.path}`;
  const expect = srv.sizes[sc.path];
  const recs = sc.clients.map((c) => ({
    c,
    name: c.name,
    error: c.error,
    lat: [],
    requests: 0,
    elapsedNs: 0,
    cpuUs: 0,
    conns: sc.server === 'h2' ? {} : 0,
  }));
  const run = async (rec, ms, timed) => {
    if (rec.error) return;
    const c = rec.c;
    const max = c.slow ? (timed ? CFG.slowPerBlock : 2) : MAX_PER_BLOCK;
    const before = await counts();
    try {
      const blockMs = c.slow ? Math.max(ms, 4000) : ms;
      const cpu0 = process.cpuUsage();
      const r = await runBlock(c, url, { ...sc, ms: blockMs, max, expect });
      const cpu = process.cpuUsage(cpu0);
      if (timed) {
        rec.cpuUs += cpu.user + cpu.system;
        for (const x of r.lat) rec.lat.push(x);
        rec.requests += r.lat.length;
        rec.elapsedNs += r.elapsedNs;
      }
    } catch (e) {
      rec.error = shortError(e);
      console.log(`  ${rec.name}: failed: ${rec.error}`);
    }
    rec.conns = addConns(rec.conns, connDiff(sc.server, before, await counts()));
  };
  for (const rec of recs) await run(rec, CFG.warmMs, false);
  for (let b = 0; b < CFG.blocks; b++) {
    for (let i = 0; i < recs.length; i++) await run(recs[(i + b) % recs.length], CFG.blockMs, true);
  }
  const rows = recs.map((r) => (r.error ? r : { ...r, ...summarize(r), conns: fmtConns(r.conns) }));
  for (const c of sc.clients) await c.close?.();
  const table = scenarioTable(rows, sc.baseline ?? 'undici direct');
  console.log(table);
  return { title: sc.title, what: sc.what, table, rows };
}

// 3. Fresh processes: cold start (import + worker start + connect + first response) and idle RSS.
function spawnScript(code, extraArgs = []) {
  const t0 = now();
  const r = spawnSync(process.execPath, [...extraArgs, '--input-type=module', '-e', code], {
    cwd: BENCH,
    timeout: 20_000,
    encoding: 'utf8',
  });
  const wallNs = Number(now() - t0);
  const line = r.stdout?.trim().split('\n').pop();
  if (r.status !== 0 || !line?.startsWith('{')) {
    throw new Error((r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').slice(-1)[0]);
  }
  return { ...JSON.parse(line), wallNs };
}

const undiciUrl = import.meta.resolve('undici');
const distUrl = pathToFileURL(DIST).href;
const smallUrl = `http://127.0.0.1:${srv.http}/small`;
const FIRST = {
  'onepool httpSync': [distUrl, '{ const r = m.httpSync.get(URL); r.bytes(); }'],
  'onepool http': [distUrl, '{ const r = await m.http.get(URL); r.bytes(); }'],
  'undici direct': [undiciUrl, '{ const r = await m.request(URL); await r.body.arrayBuffer(); }'],
};

// Runs `makeCode(name)` in fresh processes, CFG.spawns times per client, interleaved round-robin.
function spawnRounds(names, makeCode, extraArgs) {
  const runs = Object.fromEntries(names.map((n) => [n, []]));
  const errors = {};
  for (let i = 0; i < CFG.spawns; i++) {
    for (const name of names) {
      if (errors[name]) continue;
      try {
        runs[name].push(spawnScript(makeCode(name), extraArgs));
      } catch (e) {
        errors[name] = shortError(e);
      }
    }
  }
  return { runs, errors };
}
const medMin = (values, fmt) => `${fmt(median(values))} (min ${fmt(Math.min(...values))})`;

function coldStart(onepoolError) {
  const names = Object.keys(FIRST).filter((n) => !(onepoolError && n.startsWith('onepool')));
  const { runs, errors } = spawnRounds(names, (name) => {
    const [mod, call] = FIRST[name];
    return `const URL = ${JSON.stringify(smallUrl)}; const t0 = performance.now();
      const m = await import(${JSON.stringify(mod)}); ${call}
      const t1 = performance.now();
      console.log(JSON.stringify({ fromStart: t1, fromImport: t1 - t0 })); process.exit(0);`;
  });
  const rows = Object.keys(FIRST).map((name) => {
    const err = errors[name] ?? (names.includes(name) ? null : onepoolError);
    if (err) return [name, `n/a (${err})`, '', '', ''];
    const col = (k, scale) =>
      medMin(
        runs[name].map((r) => r[k] * scale),
        fmtTime,
      );
    return [name, col('fromImport', 1e6), col('fromStart', 1e6), col('wallNs', 1), runs[name].length];
  });
  return markdownTable(
    ['client', 'import → first response', 'process start → first response', 'spawn → exit (wall)', 'spawns'],
    rows,
  );
}

function idleRss(onepoolError) {
  const all = ['onepool http', 'undici direct'];
  const names = all.filter((n) => !(onepoolError && n.startsWith('onepool')));
  const { runs, errors } = spawnRounds(
    names,
    (name) => `const URL = ${JSON.stringify(smallUrl)};
      const m = await import(${JSON.stringify(FIRST[name][0])}); ${FIRST[name][1]}
      for (let i = 0; i < 3; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 100)); }
      console.log(JSON.stringify({ rss: process.memoryUsage().rss })); process.exit(0);`,
    ['--expose-gc'],
  );
  const mb = (name) => runs[name]?.map((r) => r.rss / 2 ** 20) ?? [];
  const fmtMb = (v) => `${v.toFixed(1)} MB`;
  const rows = all.map((name) => {
    const err = errors[name] ?? (names.includes(name) ? null : onepoolError);
    return err ? [name, `n/a (${err})`, ''] : [name, medMin(mb(name), fmtMb), runs[name].length];
  });
  if (rows.every((r) => r[2] !== '')) {
    const d = (f) => fmtMb(f(mb('onepool http')) - f(mb('undici direct')));
    rows.push(['**onepool − undici**', `**${d(median)}** (of the mins: ${d((v) => Math.min(...v))})`, '']);
  }
  return markdownTable(['process (import + 1 request + GC)', 'RSS median (min)', 'spawns'], rows);
}

// 4. The scenarios.
const op = await C.loadOnepool(DIST);
const opError = op.error;
const na = (name) => ({ name, error: opError, get() {} });
const timeout = { connect: 5000, read: 10_000 };
const opSync = (opts = { timeout }) => (opError ? na('onepool httpSync') : C.onepoolSync(op.mod, opts));
const opAsync = (opts = { timeout }) => (opError ? na('onepool http') : C.onepoolAsync(op.mod, opts));
// onepool's pool allows 16 connections per origin by default; this row separates that bound from the rest.
const H2_ONE = 'undici direct (allowH2, 1 connection)';
const undici16 = () => C.undiciDirect({ connections: 16 }, 'undici direct (connections: 16)');
const slow = (c) => Object.assign(c, { slow: true });
const H1 = `http://127.0.0.1:${srv.http}`;
const H2 = `https://127.0.0.1:${srv.h2}`;
const NGINX = srv.nginx ? `http://127.0.0.1:${srv.nginx}` : null;
const burn50us = () => {
  const end = now() + 50_000n;
  while (now() < end);
};

const SCENARIOS = [
  () => ({
    title: 'Sequential GETs, small body (node:http server)',
    what: 'One request at a time; latency is the full round trip including body read.',
    base: H1,
    path: '/small',
    server: 'http',
    clients: [
      opSync(),
      opAsync(),
      C.undiciDirect(),
      C.globalFetch(),
      C.nodeHttp(),
      C.axiosClient(),
      C.gotClient(),
      slow(C.syncRequest()),
      slow(C.syncFetch()),
    ],
  }),
  () => ({
    title: '64 concurrent GETs, small body (node:http server)',
    what:
      '64 loops in flight at once on one event loop; latency per request. ' +
      '"undici direct (connections: 16)" has onepool\'s default bound on connections per origin.',
    base: H1,
    path: '/small',
    server: 'http',
    concurrency: 64,
    clients: [opAsync(), C.undiciDirect(), undici16(), C.globalFetch(), C.axiosClient(), C.gotClient()],
  }),
  ...['/1m', '/10m'].map((path) => () => ({
    title: `Sequential GETs, ${path === '/1m' ? '1 MiB' : '10 MiB'} body (node:http server)`,
    what: 'Body bytes cross from the pool worker to the caller (onepool), or arrive on the caller (undici).',
    base: H1,
    path,
    server: 'http',
    clients: [opSync(), opAsync(), C.undiciDirect(), C.nodeHttp()],
  })),
  () => ({
    title: '8 concurrent GETs, 1 MiB body (node:http server)',
    what:
      '8 requests in flight: 8 loops on the async clients; `httpSync.all` of 8 at a time on the sync ' +
      "face (each of its requests is given the batch's time as its latency).",
    base: H1,
    path: '/1m',
    server: 'http',
    concurrency: 8,
    clients: [
      opError ? na('onepool httpSync.all') : C.onepoolSyncAll(op.mod, { timeout }, 8),
      opAsync(),
      C.undiciDirect(),
      C.nodeHttp(),
    ],
  }),
  () => ({
    title: 'HTTP/2 over TLS, sequential GETs (node:http2 server, self-signed cert)',
    what: 'One request at a time on one HTTP/2 connection; undici gets allowH2 on one connection.',
    base: H2,
    path: '/small',
    server: 'h2',
    baseline: H2_ONE,
    clients: [
      opSync({ timeout, tls: { ca: srv.cert } }),
      opAsync({ timeout, tls: { ca: srv.cert } }),
      C.undiciDirect({ allowH2: true, connections: 1, connect: { ca: srv.cert } }, H2_ONE),
    ],
  }),
  () => ({
    title: 'HTTP/2 over TLS, 64 concurrent GETs (node:http2 server, self-signed cert)',
    what:
      'onepool negotiates the protocol by ALPN; undici gets allowH2 with pipelining 100 so streams ' +
      'multiplex, on one connection (the baseline) and on 4 at most. The connections column shows the ' +
      'protocol the server negotiated.',
    base: H2,
    path: '/small',
    server: 'h2',
    concurrency: 64,
    baseline: H2_ONE,
    clients: [
      opAsync({ timeout, tls: { ca: srv.cert } }),
      C.undiciDirect({ allowH2: true, pipelining: 100, connections: 1, connect: { ca: srv.cert } }, H2_ONE),
      C.undiciDirect(
        { allowH2: true, pipelining: 100, connections: 4, connect: { ca: srv.cert } },
        'undici direct (allowH2, 4 connections)',
      ),
    ],
  }),
  () => ({
    title: 'App-shaped: 64 concurrent GETs, caller burns 50 µs of CPU per response',
    what: 'After each response the caller busy-loops 50 µs on its own thread, as an app parsing it would.',
    base: H1,
    path: '/small',
    server: 'http',
    concurrency: 64,
    after: burn50us,
    clients: [opAsync(), C.undiciDirect(), undici16()],
  }),
  ...(NGINX
    ? [
        () => ({
          title: 'Sequential GETs, small body (nginx)',
          what: 'As the first scenario, against a C server: client cost without node:http on the other end.',
          base: NGINX,
          path: '/small',
          server: 'nginx',
          clients: [opSync(), opAsync(), C.undiciDirect(), C.globalFetch(), C.nodeHttp()],
        }),
        () => ({
          title: '64 concurrent GETs, small body (nginx)',
          what: '64 loops in flight against nginx (one worker process).',
          base: NGINX,
          path: '/small',
          server: 'nginx',
          concurrency: 64,
          clients: [opAsync(), C.undiciDirect(), undici16(), C.globalFetch()],
        }),
      ]
    : []),
];

const t0 = Date.now();
const loadStart = os.loadavg()[0];
const sections = [];
for (const make of SCENARIOS) sections.push(await scenario(make()));
console.log('\n## Cold start');
const cold = coldStart(opError);
console.log(cold);
console.log('\n## Idle RSS');
const rss = idleRss(opError);
console.log(rss);
// Large bodies, buffered and streamed, both faces against undici (bench/stream.mjs, its own server).
let largeBodies = '';
if (!opError) {
  const { runStreamBench } = await import('./stream.mjs');
  const rows = await runStreamBench({ quick: QUICK });
  largeBodies = [
    '| case | client | median time per GET | MiB/s | throughput vs undici direct |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.case} | ${r.client} | ${r['median ms']} ms | ${r['MiB/s']} | ${(1 / Number(r['vs undici'])).toFixed(2)}× |`,
    ),
  ].join('\n');
  console.log(largeBodies);
}
// Peak RSS while streaming 200 MiB (and 1 GiB), each face in a fresh process (bench/sync-stream-rss.mjs).
let streamRss = '';
if (!opError) {
  const { runSyncStreamRss } = await import('./sync-stream-rss.mjs');
  const rows = await runSyncStreamRss({ quick: QUICK });
  streamRss = [
    '| case | client | peak RSS growth | MiB/s |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.case} | ${r.client} | ${r['RSS growth MiB']} MiB | ${r['MiB/s']} |`),
  ].join('\n');
  console.log(streamRss);
}
// N worker threads, sync and async GETs: one pool for the process against an Agent per thread (bench/threads.mjs).
let threads = '';
let threadsResult;
if (!opError) {
  const { runThreadsBench, threadsMarkdown } = await import('./threads.mjs');
  threadsResult = await runThreadsBench({ quick: QUICK });
  threads = threadsMarkdown(threadsResult);
  console.log(threads);
}
// The cost of the diagnostics channels, without and with a subscriber (bench/diagnostics.mjs).
let diagnostics = '';
if (!opError) {
  const { runDiagnosticsBench } = await import('./diagnostics.mjs');
  const rows = await runDiagnosticsBench({ quick: QUICK, dist: distUrl });
  diagnostics = [
    '| face | µs/request, none | subscribed | ratio | CPU µs/request, none | subscribed | CPU ratio |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.face} | ${r['µs/request, no subscriber']} | ${r['µs/request, subscribed']} | ${r['subscribed / none']}× ` +
        `| ${r['CPU µs/request, no subscriber']} | ${r['CPU µs/request, subscribed']} | ${r['CPU subscribed / none']}× |`,
    ),
  ].join('\n');
  console.log(diagnostics);
}
let poolStats = '';
if (!opError) {
  try {
    poolStats = JSON.stringify((await op.mod.http.pool.stats()).totals);
  } catch (e) {
    poolStats = `n/a (${shortError(e)})`;
  }
}
finishing = true;
server.send({ cmd: 'exit' });

// 5. RESULTS.md
const cpuModel =
  /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model;
const version = (pkgJson) => {
  try {
    return JSON.parse(readFileSync(pkgJson, 'utf8')).version;
  } catch {
    return '?';
  }
};
const gitHead = (dir) =>
  spawnSync('git', ['-C', dir, 'log', '-1', '--format=%h %s'], { encoding: 'utf8' }).stdout?.trim() || '?';
const onepoolDesc = opError
  ? `not loaded (${opError})`
  : `${DIST} (version ${version(join(DIST, '../../package.json'))}, ` +
    `repo HEAD at the end of the run: ${gitHead(dirname(DIST))})`;
const event = process.env.npm_lifecycle_event;
const nodeCmd = `node ${relative(process.cwd(), fileURLToPath(import.meta.url))} ${ARGS.join(' ')}`.trim();
const loadEnd = os.loadavg()[0];
const busy = Math.max(loadStart, loadEnd) > 1.5;
const para = (...parts) => parts.join(' ');
const md = [
  '# onepool benchmark results',
  '',
  `- Date: ${new Date().toISOString()}`,
  para(
    `- Command: \`${nodeCmd}\`${event ? ` (via \`npm run ${event}\`)` : ''};`,
    `${QUICK ? 'quick' : 'full'} run: ${CFG.blocks} rounds of ${CFG.blockMs} ms blocks per client,`,
    `warm-up ${CFG.warmMs} ms`,
  ),
  para(
    `- Machine: ${os.cpus().length} CPUs (nproc), ${cpuModel},`,
    `${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}`,
  ),
  para(
    `- Node ${process.version}; undici ${version(join(BENCH, 'node_modules/undici/package.json'))} (direct);`,
    `global fetch = Node's bundled undici ${process.versions.undici}`,
  ),
  `- onepool: ${onepoolDesc}`,
  PINNED
    ? para(
        "- CPU pinning: yes. This process (so also onepool's pool worker thread and every spawned",
        'child) runs on CPU 0 (`taskset -c 0`), the server process and nginx on CPU 1 (`taskset -c 1`).',
        "onepool's worker shares CPU 0 with its caller, so it cannot gain anything from a second core",
        'here; `--no-pin` lets it.',
      )
    : '- CPU pinning: no (`taskset` missing, fewer than 2 CPUs, or `--no-pin`)',
  para(
    `- Load average (1 min): ${loadStart.toFixed(2)} at start, ${loadEnd.toFixed(2)} at end.`,
    busy
      ? para(
          '**The machine was busy** (other processes running): absolute numbers are noisy, and req/s',
          'ratios favour clients with more threads (onepool runs its caller and its pool worker, so it',
          'gets a larger share of a contended CPU). CPU/req and p50 are the sturdier comparisons; rerun',
          'on a quiet machine for numbers to quote.',
        )
      : '',
  ),
  `- Total run time: ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  ...(srv.note ? [`- ${srv.note}`] : []),
  '',
  para(
    'Method: the clients of a scenario run in round-robin blocks in one process (each round starts at',
    'the next client), so drift affects all alike. No GC is forced between blocks (a forced full GC',
    "shrinks the caller's young generation and slowed undici direct by 35-40 % in the next block, an",
    "artifact in onepool's favour that earlier versions of this bench had). req/s = requests timed / time",

    "spent in that client's blocks. p50/p99 are per request (`process.hrtime.bigint()` around one call",
    "that reads the whole body). CPU/req is the client process's CPU time (`process.cpuUsage()`: all its",
    "threads, onepool's pool worker included, but not child processes, so it undercounts sync-request and",
    'sync-fetch) per request. "connections opened" is counted by the server (TCP accepts) during that',
    "client's blocks, warm-up included; the other clients' blocks run in between (seconds), longer than",
    "onepool's and undici's default 4 s idle timeout, so those two reconnect at the start of their blocks",
    "(node:http's Agent, axios and got keep idle sockets until the server's 60 s). The ratio is to",
    "undici's `request()` on the caller's own thread with a default (keep-alive) Agent, measured in the",
    "same run. onepool's two faces share one pool, so a connection opened by one face is reused by the",
    'other and by later scenarios (within the idle timeout). sync-request and',
    `sync-fetch run ${CFG.slowPerBlock} requests per block (each request goes through another process).`,
  ),
  '',
  '## Issue 15: targets and verdicts',
  '',
  para(
    'Each target of issue 15 (per-request cost close to undici) on this run: the ratio of the two rows',
    'it names, from the tables below (req/s unless it says CPU or time).',
  ),
  '',
  targetsMarkdown(sections, threadsResult),
  '',
  ...sections.flatMap((s) => [`## ${s.title}`, '', s.what, '', s.table, '']),
  `## Cold start (fresh \`node\` process, ${CFG.spawns} spawns per client, interleaved)`,
  '',
  para(
    'Time to the first complete response: from just before `import()` of the client (module load,',
    "onepool's worker start, connect, request), and from process start (`performance.now()`, includes",
    "Node's own boot).",
  ),
  '',
  cold,
  '',
  '## Idle RSS',
  '',
  'RSS after `import` + one request + GC, onepool (pool worker thread included) minus undici alone.',
  '',
  rss,
  ...(largeBodies
    ? [
        '',
        '## Large bodies: buffered 1 and 10 MiB, streamed 100 MiB (bench/stream.mjs)',
        '',
        'Each face against undici used directly in the same process (`body.arrayBuffer()` for buffered,',
        '`for await` over the body for streamed); a server process of its own; two alternating rounds.',
        '',
        largeBodies,
      ]
    : []),
  ...(streamRss
    ? [
        '',
        '## Memory while streaming (bench/sync-stream-rss.mjs)',
        '',
        'Peak RSS above the level after a first stream of 4 MiB (this includes a one-time ~30 MiB: V8',
        "compiling undici's WebAssembly parser) or 256 MiB, sampled every 16 chunks, each face in a",
        'fresh process (the pool worker thread included), against a server process of its own.',
        '',
        streamRss,
      ]
    : []),
  ...(threads
    ? [
        '',
        '## Worker threads: one pool for the process (bench/threads.mjs)',
        '',
        'Four worker threads each make sequential GETs, then 16 concurrent async GETs, against a keep-alive',
        "HTTP/1.1 server of its own: onepool (every thread's calls go to the one pool worker, whose connections",
        'they share) against undici used directly with one Agent per thread. Connections are counted by the',
        'server. Then the median time of one sequential onepool GET from the main thread and from one worker thread, in alternating rounds (samples pooled per side).',
        '',
        threads,
      ]
    : []),
  ...(diagnostics
    ? [
        '',
        '## Diagnostics channels (bench/diagnostics.mjs)',
        '',
        'The same GETs with nobody subscribed and with a subscriber on all six onepool channels, in',
        'alternating blocks of one run; medians of the blocks, wall time and this process CPU time',
        '(caller and pool worker) per request.',
        '',
        diagnostics,
      ]
    : []),
  ...(poolStats ? ['', `onepool pool totals at the end of the run (this process): \`${poolStats}\``] : []),
  '',
].join('\n');
// The unpinned run is kept beside the pinned one: pinning decides which of onepool's two threads
// gets a core of its own, so the two runs answer different questions (see README, Performance).
const outName = ARGS.includes('--no-pin') ? 'RESULTS-unpinned.md' : 'RESULTS.md';
// Against the run this one replaces, so a regression beyond the run-to-run spread is seen.
const previousPath = join(BENCH, outName);
const previous = existsSync(previousPath) ? readFileSync(previousPath, 'utf8') : '';
const previousDate = /^- Date: (.*)$/m.exec(previous)?.[1] ?? 'unknown';
const changes = previous ? changesMarkdown(previous, md) : '';
const out = changes
  ? [
      md,
      '## Against the previous run',
      '',
      para(
        `onepool's req/s ratios in this run against the ${outName} it replaced (${previousDate}; the`,
        `code may differ). Two runs of the same code differ by up to about ±${SPREAD} in a ratio here,`,
        `so a change beyond ±${2 * SPREAD} is flagged.`,
      ),
      '',
      changes,
      '',
    ].join('\n')
  : md;
writeFileSync(previousPath, out);
console.log(`\nwrote bench/${outName} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
process.exit(0);
