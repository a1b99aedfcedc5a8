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
