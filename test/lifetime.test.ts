/**
 * No close() is needed: a finished script exits at once, pending async work keeps it alive, and
 * importing onepool without calling it starts nothing. Each case runs in a fresh node process.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { markerTime, runScript } from './helpers/scripts.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let server: TestServer;
before(async () => {
  server = await startServer('http');
});
after(() => server.close());

test('a script that only uses httpSync exits at its last line: no idle connection or port holds it', async () => {
  const source = `
    import { httpSync } from 'onepool';
    for (let i = 0; i < 5; i++) httpSync.get(process.env.URL);
    console.log('DONE', performance.timeOrigin + performance.now());
  `;
  // An idle keep-alive connection or a ref'd port would hold the process for the pool's keep-alive
  // timeout (4 s) or for good; the delay is then the process's own teardown, whose length is the
  // machine's (bench/ measures it), so the bound is half the keep-alive timeout, not a speed.
  const run = await runScript(source, { env: { URL: server.url('/echo') } });
  assert.equal(run.code, 0, run.stderr);
  const delay = run.exitedAt - markerTime(run.stdout, 'DONE');
  console.log(`# exit delay after the last line: ${delay.toFixed(0)} ms`);
  assert.ok(delay < 2_000, `exit delay ${delay.toFixed(0)} ms: something held the process`);
});

test('a pending async request keeps the process alive until it settles (no await, CommonJS)', async () => {
  const run = await runScript(
    `const { http } = require('onepool');
     http.get(process.env.URL).then((r) => console.log('GOT', r.status, r.text()));`,
    { type: 'commonjs', env: { URL: server.url('/slow?ms=300') } },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /GOT 200 slow/);
});

test('a top-level await on a pending request completes (ESM, exit code 0 and not 13)', async () => {
  const run = await runScript(
    `import { http } from 'onepool';
     const r = await http.get(process.env.URL);
     console.log('GOT', r.status);`,
    { env: { URL: server.url('/slow?ms=300') } },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /GOT 200/);
});

test('importing onepool without calling it starts no worker', async () => {
  const run = await runScript(
    `import { http, httpSync } from 'onepool';
     import { workerRunning } from 'onepool/internal';
     const stats = httpSync.pool.stats();
     const asyncStats = await http.pool.stats();
     console.log('WORKER', workerRunning(), stats.keys.length, asyncStats.keys.length);`,
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /WORKER false 0 0/);
});

test('mixing faces: a sync call inside a .then() and an async call after sync calls both finish', async () => {
  const run = await runScript(
    `import { http, httpSync } from 'onepool';
     const url = process.env.URL;
     http.get(url).then((r) => { const s = httpSync.get(url); console.log('BOTH', r.status, s.status, s.connection.reused); });`,
    { env: { URL: server.url('/echo') } },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /BOTH 200 200 true/);
});

test('an idle worker never wakes: the heartbeat stops once no sync exchange is pending, after a sync stream too', async () => {
  const run = await runScript(
    `
    import { httpSync } from 'onepool';
    import { workerHeartbeat } from 'onepool/internal';
    // 3 MB: the stream's reads send credit messages (they carry an id but get no reply).
    let size = 0;
    for (const chunk of httpSync.stream('GET', process.env.URL + '/bytes/3000000')) size += chunk.byteLength;
    httpSync.get(process.env.URL + '/echo');
    const before = workerHeartbeat();
    // Four heartbeat periods with nothing pending: a running heartbeat would move.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    console.log('BEAT', size, before, workerHeartbeat());
  `,
    { env: { URL: server.origin } },
  );
  assert.equal(run.code, 0, run.stderr);
  const [, size, before, afterIdle] = /BEAT (\d+) (\d+) (\d+)/.exec(run.stdout) ?? [];
  assert.equal(size, '3000000');
  assert.equal(afterIdle, before);
});
