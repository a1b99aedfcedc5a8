// The process around onepool: Ctrl-C ends a process blocked in a sync call, and a finished one-request
// script exits at once. Each case runs in a fresh node process; exit delays are the best of a few runs
// because the machine is shared (a process kept alive would fail every run).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { markerTime, ROOT, runScript } from '../helpers/scripts.ts';
import { startServer, type TestServer } from '../helpers/servers.ts';

let server: TestServer;
before(async () => {
  server = await startServer('http');
});
after(() => server?.close());

/** Runs `source`, waits for BLOCKED on its stdout, sends SIGINT `settleMs` later; ms from signal to exit. */
function sigintDelay(
  source: string,
  settleMs: number,
): Promise<{ ms: number; signal: string | null; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
      cwd: ROOT,
      env: { ...process.env, URL: server.url('/hang') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let sentAt = 0;
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not end within 20 s; stdout ${out} stderr ${err}`));
    }, 20_000);
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.stdout.on('data', (d) => {
      out += d;
      if (!sentAt && out.includes('BLOCKED')) {
        setTimeout(() => {
          sentAt = performance.now();
          child.kill('SIGINT');
        }, settleMs);
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (!sentAt) return reject(new Error(`child exited before the signal: ${code} ${err}`));
      resolve({ ms: performance.now() - sentAt, signal, code });
    });
  });
}

test('SIGINT while a sync call is blocked ends the process within 1 s', { timeout: 60_000 }, async () => {
  const source = `
    import { httpSync } from 'onepool';
    httpSync.get(process.env.URL.replace('/hang', '/echo'));
    console.log('BLOCKED');
    httpSync.get(process.env.URL, { timeout: { read: 60000 } });
    console.log('RETURNED');
  `;
  const delays: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await sigintDelay(source, 300);
    assert.ok(r.signal === 'SIGINT' || r.code === 130, `ended by ${r.signal ?? r.code}`);
    delays.push(r.ms);
  }
  assert.ok(Math.max(...delays) < 1000, `signal to exit: ${delays.map((d) => d.toFixed(0)).join(', ')} ms`);
  console.log(`# SIGINT to exit: ${delays.map((d) => d.toFixed(0)).join(', ')} ms`);
});

for (const face of ['async', 'sync'] as const) {
  test(`a one-request script (${face}) on a warm worker exits at its last line: nothing holds it`, {
    timeout: 60_000,
  }, async () => {
    const call = face === 'async' ? 'await http.get(process.env.URL)' : 'httpSync.get(process.env.URL)';
    // Warm: the worker has served a request and V8 has finished compiling its code in the background
    // (node's exit waits for those compile tasks: ~80 ms of llhttp's wasm tier-up on a cold worker).
    const source = `
      import { http, httpSync } from 'onepool';
      import { setTimeout as sleep } from 'node:timers/promises';
      httpSync.get(process.env.URL);
      await sleep(1500);
      const r = ${call};
      if (r.status !== 200) process.exit(3);
      console.log('DONE', performance.timeOrigin + performance.now());
    `;
    // A held process waits for the keep-alive timeout (4 s) or for good; how fast a free one tears
    // down is the machine's (a few ms when idle, bench/ measures it), so the bound is half of 4 s.
    const run = await runScript(source, { env: { URL: server.url('/echo') } });
    assert.equal(run.code, 0, run.stderr);
    const delay = run.exitedAt - markerTime(run.stdout, 'DONE');
    console.log(`# ${face} one-request exit delay: ${delay.toFixed(0)} ms`);
    assert.ok(delay < 2_000, `exit delay ${delay.toFixed(0)} ms: something held the process`);
  });
}
