/**
 * The async face never waits synchronously for the pool worker: pool settings travel with the next
 * exchange instead of a blocking message of their own, and Pool.close() awaits its answer. Checked
 * by counting Atomics.wait calls (the only way this thread can block on the worker), not by timing.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runScript } from './helpers/scripts.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let server: TestServer;
before(async () => {
  server = await startServer('http');
});
after(() => server.close());

const SCRIPT = `
import { Client, configurePool, createPool, http } from 'onepool';
let waits = 0;
const wait = Atomics.wait;
Atomics.wait = (...args) => {
  waits++;
  return wait.apply(Atomics, args);
};
const url = process.env.URL;
const seen = {};
configurePool({ keepAliveTimeout: 3000 });
const started = performance.now();
const first = http.get(url);
seen.msBeforePromise = performance.now() - started;
seen.afterGet = waits;
seen.status = (await first).status;
const pool = createPool({ maxConnections: 1 });
const client = new Client({ pool });
seen.private = (await client.get(url)).status;
configurePool({ keepAliveTimeout: 3500 });
seen.again = (await http.get(url)).status;
const closing = pool.close();
seen.afterClose = waits;
await closing;
seen.closed = pool.closed;
seen.refused = await client.get(url).then(() => 'sent', (e) => e.code);
seen.waits = waits;
console.log('SEEN ' + JSON.stringify(seen));
`;

test('configurePool, a private pool and Pool.close() on the async face never block in Atomics.wait', async () => {
  const run = await runScript(SCRIPT, { env: { URL: server.url('/echo') } });
  assert.equal(run.code, 0, run.stderr);
  const line = run.stdout.split('\n').find((l) => l.startsWith('SEEN '));
  assert.ok(line, run.stdout);
  const seen = JSON.parse(line.slice(5));
  console.log(
    `# ms before http.get() returned its promise after configurePool: ${seen.msBeforePromise.toFixed(2)}`,
  );
  assert.equal(seen.status, 200);
  assert.equal(seen.private, 200);
  assert.equal(seen.again, 200);
  assert.equal(seen.closed, true);
  assert.equal(seen.refused, 'ONEPOOL_ERR_POOL_CLOSED');
  assert.deepEqual([seen.afterGet, seen.afterClose, seen.waits], [0, 0, 0]);
});
