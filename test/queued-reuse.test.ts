/**
 * Under `maxConnections`, exchanges queued for a key take that key's freed connections: closing an
 * idle connection to make room is for other keys' waiters, never for the key's own queue.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, createPool } from 'onepool';
import { all, FACES } from './helpers/faces.js';
import { startServer, type TestServer } from './helpers/servers.js';

let server: TestServer;
before(async () => {
  server = await startServer('http');
});
after(() => server.close());

for (const face of FACES) {
  test(`${face}: 12 concurrent GETs on maxConnections 2 open 2 connections and reuse them 10 times`, async () => {
    await server.reset();
    const pool = createPool({ maxConnections: 2 });
    const client = new Client({ pool });
    const requests = Array.from({ length: 12 }, (_, i) => ({ url: server.url(`/slow?ms=10&tag=${i}`) }));
    const results = await all(face, requests, 12, client);
    assert.equal(results.filter((r) => r.ok && r.response.status === 200).length, 12);
    const seen = await server.stats();
    assert.equal(seen.requests, 12);
    assert.equal(seen.connections, 2, 'connections accepted by the server');
    const key = (await pool.stats()).keys.find((k) => k.origin === server.origin)!;
    assert.equal(key.opened, 2);
    assert.equal(key.reused, 10);
    const reusedResponses = results.filter((r) => r.ok && r.response.connection.reused).length;
    assert.equal(reusedResponses, 10);
    await pool.close();
  });
}
