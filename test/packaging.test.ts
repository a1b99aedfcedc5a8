/** The built package works through both module systems, each starting the same worker file. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runScript } from './helpers/scripts.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let server: TestServer;
before(async () => {
  server = await startServer('http');
});
after(() => server.close());

const check = `
  const url = process.env.URL;
  const s = onepool.httpSync.get(url);
  onepool.http.get(url).then((a) => {
    const ok = s.status === 200 && a.status === 200 && a.connection.reused;
    const classes = new onepool.ReadTimeoutError('x') instanceof onepool.TimeoutError;
    console.log('OK', ok, classes, typeof onepool.Client, typeof onepool.SyncClient);
  });
`;

test('ESM: import { http, httpSync } from "onepool"', async () => {
  const run = await runScript(`import * as onepool from 'onepool';\n${check}`, {
    env: { URL: server.url('/echo') },
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /OK true true function function/);
});

test('CommonJS: require("onepool")', async () => {
  const run = await runScript(`const onepool = require('onepool');\n${check}`, {
    type: 'commonjs',
    env: { URL: server.url('/echo') },
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /OK true true function function/);
});

test("a jar made by onepool is tough-cookie's CookieJar class, loaded only when first needed (ESM and CJS)", async () => {
  const esm = await runScript(`
    import { Client } from 'onepool';
    const jar = new Client({ cookies: true }).cookies;
    const { CookieJar } = await import('tough-cookie');
    console.log('JAR', jar instanceof CookieJar);
  `);
  assert.equal(esm.code, 0, esm.stderr);
  assert.match(esm.stdout, /JAR true/);
  const cjs = await runScript(
    `const { Client } = require('onepool');
     const loadedEarly = Object.keys(require.cache).some((k) => k.includes('tough-cookie'));
     const jar = new Client({ cookies: true }).cookies;
     console.log('JAR', loadedEarly, jar instanceof require('tough-cookie').CookieJar);`,
    { type: 'commonjs' },
  );
  assert.equal(cjs.code, 0, cjs.stderr);
  assert.match(cjs.stdout, /JAR false true/);
});

test('ESM and CJS in one process share one pool worker (3 exchanges, 1 connection at the server) and their errors are instanceof both ways', async () => {
  await server.reset();
  const run = await runScript(
    `const cjs = require('onepool');
     (async () => {
       const esm = await import('onepool');
       const url = process.env.URL;
       const a = cjs.httpSync.get(url);
       const b = esm.httpSync.get(url);
       const c = await esm.http.get(url);
       const [fromCjs, fromEsm] = [await cjs.http.pool.stats(), esm.httpSync.pool.stats()];
       // A refused connection (port 1 on loopback), thrown by each copy, checked against the other's classes.
       const byEsm = await esm.http.get('http://127.0.0.1:1/', { retry: false }).catch((e) => e);
       let byCjs;
       try { cjs.httpSync.get('http://127.0.0.1:1/', { retry: false }); } catch (e) { byCjs = e; }
       console.log('SEEN ' + JSON.stringify({
         twoCopies: cjs.Client !== esm.Client,
         connections: [a, b, c].map((r) => r.connection.id),
         reused: [a, b, c].map((r) => r.connection.reused),
         opened: [fromCjs.totals.opened, fromEsm.totals.opened],
         exchanges: [fromCjs.totals.exchanges, fromEsm.totals.exchanges],
         instanceofBothWays: [
           byEsm instanceof cjs.ConnectError, byEsm instanceof cjs.RequestError, byEsm instanceof esm.ConnectError,
           byCjs instanceof esm.ConnectError, byCjs instanceof esm.OnepoolError, byCjs instanceof cjs.ConnectError,
           byEsm instanceof cjs.TimeoutError, byCjs instanceof esm.TimeoutError,
         ],
       }));
     })();`,
    { type: 'commonjs', env: { URL: server.url('/echo') } },
  );
  assert.equal(run.code, 0, run.stderr);
  const line = run.stdout.split('\n').find((l) => l.startsWith('SEEN '));
  assert.ok(line, run.stdout);
  const seen = JSON.parse(line.slice(5));
  assert.equal(seen.twoCopies, true, 'the test must load two copies of the module');
  assert.deepEqual(seen.connections, [1, 1, 1]);
  assert.deepEqual(seen.reused, [false, true, true]);
  assert.deepEqual(seen.opened, [1, 1]);
  assert.deepEqual(seen.exchanges, [3, 3]);
  assert.deepEqual(seen.instanceofBothWays, [true, true, true, true, true, true, false, false]);
  assert.equal((await server.stats()).connections, 1);
});
