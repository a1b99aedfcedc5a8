// Leaks and soak, CI-sized by default; `npm run soak` (SOAK=1) runs the full sizes from issue 8:
//  - unread streamed bodies on both faces (5,000 / 100,000): open fds stay <= baseline + pool size;
//  - requests to a server with a bad certificate (1,000 / 10,000, in a child with --expose-gc): the
//    heap of the caller and of the pool worker come back within 10 % of their baseline after GC;
//  - sync round trips with a jittered read timeout (20,000 / 100,000): some time out, and a reply is
//    never returned to a call other than its own.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { http, httpSync, ReadTimeoutError } from 'onepool';
import { ROOT } from '../helpers/scripts.ts';
import { startServer, type TestServer } from '../helpers/servers.ts';

const SOAK = !!process.env.SOAK;
const UNREAD = SOAK ? 100_000 : 5_000;
const BAD_CERT = SOAK ? 10_000 : 1_000;
const ROUND_TRIPS = SOAK ? 100_000 : 20_000;
/** HTTP/1.1 connections per origin (the pool's default connectionsPerOrigin). */
const POOL_SIZE = 16;
const LONG = { timeout: 30 * 60_000 };

let server: TestServer;
let tlsServer: TestServer;
before(async () => {
  [server, tlsServer] = await Promise.all([startServer('http'), startServer('https')]);
});
after(async () => {
  await Promise.all([server?.close(), tlsServer?.close()]);
});

const openFds = () => readdirSync('/proc/self/fd').length;

test(
  `${UNREAD} requests with unread streamed bodies, both faces: fds <= baseline + pool size`,
  LONG,
  async () => {
    await http.get(server.url('/echo'));
    const baseline = openFds();
    let peak = baseline;
    for (let i = 0; i < UNREAD; i++) {
      // Every 100th body is larger than the 2 MiB window the worker buffers, so it pins its connection
      // until its read timeout ends it; the others arrive whole and free theirs at once.
      const path = i % 100 === 99 ? '/bytes/3145728' : '/bytes/100';
      const options = { timeout: { read: 300 } };
      if (i % 2 === 0) await http.stream('GET', server.url(path), options);
      else httpSync.stream('GET', server.url(path), options);
      if (i % 250 === 0) peak = Math.max(peak, openFds());
    }
    peak = Math.max(peak, openFds());
    const stats = await http.pool.stats();
    assert.ok(peak <= baseline + POOL_SIZE, `fds: baseline ${baseline}, peak ${peak}`);
    assert.equal(stats.totals.queued, 0);
    console.log(
      `# unread: ${UNREAD} requests, fds baseline ${baseline} peak ${peak}; ${JSON.stringify(stats.totals)}`,
    );
  },
);

test(`${ROUND_TRIPS} sync round trips with jittered read timeouts: no reply to the wrong call`, LONG, () => {
  // A seeded generator: the same sequence of delays and timeouts on every run.
  let state = 0x2026;
  const rand = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  let ok = 0;
  let timedOut = 0;
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const jitter = rand() < 0.1;
    const ms = jitter ? Math.floor(rand() * 6) : 0;
    const read = jitter ? 1 + Math.floor(rand() * 5) : 5000;
    const tag = `t${i}`;
    try {
      const r = httpSync.get(server.url(`/slow?ms=${ms}&tag=${tag}`), { timeout: { read } });
      assert.equal(r.text(), tag, `call ${i} got the reply of ${r.text()}`);
      ok++;
    } catch (error) {
      assert.ok(error instanceof ReadTimeoutError, `call ${i}: ${String(error)}`);
      timedOut++;
    }
  }
  assert.ok(timedOut > 0 && ok > 0, `${ok} ok, ${timedOut} timed out: the jitter did not bite`);
  console.log(`# round trips: ${ROUND_TRIPS}, ${ok} ok, ${timedOut} timed out, 0 mismatched`);
});

const HEAP_SCRIPT = `
import { http, TLSError } from 'onepool';
import { workerHeapUsed } from 'onepool/internal';
const N = Number(process.env.N);
const url = process.env.URL;
async function workerHeap() {
  return workerHeapUsed();
}
function mainHeap() {
  for (let i = 0; i < 3; i++) globalThis.gc();
  return process.memoryUsage().heapUsed;
}
async function batch(n) {
  for (let i = 0; i < n; i++) {
    try { await http.get(url, { timeout: { connect: 5000, read: 5000 } }); throw new Error('no TLS error'); }
    catch (e) { if (!(e instanceof TLSError)) throw e; }
  }
}
await batch(200);
const base = { main: mainHeap(), worker: await workerHeap() };
await batch(N);
const end = { main: mainHeap(), worker: await workerHeap() };
console.log('HEAP ' + JSON.stringify({ base, end }));
`;

test(
  `${BAD_CERT} requests to a server with a bad certificate: heap back within 10 % after GC`,
  LONG,
  async () => {
    const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', HEAP_SCRIPT], {
      cwd: ROOT,
      env: { ...process.env, N: String(BAD_CERT), URL: tlsServer.url('/echo') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 0, err);
    const { base, end } = JSON.parse(/HEAP (.*)/.exec(out)![1]!) as Record<
      'base' | 'end',
      Record<string, number>
    >;
    for (const k of ['main', 'worker'] as const) {
      const growth = (end[k]! - base[k]!) / base[k]!;
      assert.ok(growth <= 0.1, `${k} heap ${base[k]} → ${end[k]} (+${(growth * 100).toFixed(1)} %)`);
    }
    console.log(`# bad cert: ${BAD_CERT} TLSErrors; heap ${JSON.stringify({ base, end })}`);
  },
);
