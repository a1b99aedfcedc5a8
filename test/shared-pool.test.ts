/**
 * The promise of onepool: both faces share one pool. A sequence of sync and async calls against a
 * server that counts TCP connections opens exactly one, and both faces' stats say so.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { http, httpSync } from 'onepool';
import { startServer, type TestServer } from './helpers/servers.ts';

let server: TestServer;
before(async () => {
  server = await startServer('http');
});
after(() => server.close());

test('sync GET, async GET, sync POST, async GET, sync GET share one connection', async () => {
  const url = server.url('/echo');
  const responses = [
    httpSync.get(url),
    await http.get(url),
    httpSync.post(url, { json: { n: 3 } }),
    await http.get(url),
    httpSync.get(url),
  ];
  assert.deepEqual(
    responses.map((r) => r.status),
    [200, 200, 200, 200, 200],
  );
  assert.equal(responses[2]!.json<{ body: string }>().body, '{"n":3}');

  const atServer = await server.stats();
  assert.equal(atServer.connections, 1, 'the server accepted exactly one TCP connection');
  assert.equal(atServer.requests, 5);

  const ids = new Set(responses.map((r) => r.connection.id));
  assert.equal(ids.size, 1, 'every response names the same connection');
  assert.equal(responses[0]!.connection.reused, false);
  for (const r of responses.slice(1)) assert.equal(r.connection.reused, true);
  assert.deepEqual(new Set(responses.map((r) => r.headers.get('x-conn-id'))), new Set(['1']));

  const asyncStats = await http.pool.stats();
  const syncStats = httpSync.pool.stats();
  for (const stats of [asyncStats, syncStats]) {
    const key = stats.keys.find((k) => k.origin === server.origin);
    assert.ok(key, 'the origin appears in the stats');
    assert.equal(key.opened, 1);
    assert.equal(key.reused, 4);
    assert.equal(key.open, 1);
    assert.equal(key.idle, 1);
    assert.equal(key.busy, 0);
    assert.equal(key.running, 0);
    assert.equal(key.queued, 0);
    assert.equal(key.protocol, 'h1');
  }
  assert.match(
    httpSync.pool.describe(),
    /h1 http:\/\/127\.0\.0\.1:\d+ — 1 conn, 0 running, 0 queued \| opened 1, reused 4/,
  );
});

test('concurrent async exchanges are counted while they run and settle to idle', async () => {
  const before = await http.pool.stats();
  const opened = before.keys.find((k) => k.origin === server.origin)?.opened ?? 0;
  const results = await Promise.all(Array.from({ length: 8 }, () => http.get(server.url('/slow?ms=50'))));
  assert.ok(results.every((r) => r.status === 200));
  const stats = await http.pool.stats();
  const key = stats.keys.find((k) => k.origin === server.origin)!;
  assert.equal(key.running, 0);
  assert.equal(key.queued, 0);
  assert.equal(key.busy, 0);
  assert.ok(key.opened - opened <= 8, 'no more connections than exchanges');
  assert.equal(key.open, key.idle);
});
