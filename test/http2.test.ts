/**
 * HTTP/2 on both faces: multiplexing over one connection, the server's stream limit respected,
 * GOAWAY and REFUSED_STREAM handled (replayed once when unprocessed, or a retryable error), h2c
 * with prior knowledge.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, http, httpSync, NotProcessedError, type RequestOptions } from 'onepool';
import { all, FACES, rejection, request } from './helpers/faces.js';
import { startServer, type TestServer } from './helpers/servers.js';

const servers: TestServer[] = [];
const h2server = async (options: { maxConcurrentStreams?: number } = {}) => {
  const server = await startServer('h2', options);
  servers.push(server);
  return server;
};
after(() => Promise.all(servers.map((s) => s.close())));

describe('multiplexing', () => {
  test('200 async exchanges and 50 sync exchanges made meanwhile share 1 TCP connection', async () => {
    const server = await h2server();
    const tls = { ca: server.cert };
    const client = new Client({ tls });
    const asyncOnes = Array.from({ length: 200 }, () => client.get(server.url('/slow?ms=300')));
    // Blocks this thread while the async exchanges are in flight in the pool worker.
    const syncOnes = client.sync.all(
      Array.from({ length: 50 }, () => ({ url: server.url('/slow?ms=300') })),
      { concurrency: 50 },
    );
    const responses = [...(await Promise.all(asyncOnes)), ...syncOnes.map((r) => (r.ok ? r.response : null))];
    assert.equal(responses.length, 250);
    for (const res of responses) {
      assert.ok(res, 'every sync item succeeded');
      assert.equal(res.status, 200);
      assert.equal(res.httpVersion, '2');
      assert.equal(res.connection.protocol, 'h2');
    }
    assert.equal(new Set(responses.map((r) => r!.connection.id)).size, 1);
    const stats = await server.stats();
    assert.equal(stats.connections, 1, 'one TCP connection at the server');
    assert.ok(stats.maxActive >= 50, `server saw ${stats.maxActive} concurrent streams`);
    const pool = await client.pool.stats();
    const key = pool.keys.find((k) => k.origin === server.origin)!;
    assert.equal(key.protocol, 'h2');
    assert.equal(key.opened, 1);
    assert.equal(key.reused, 249);
    assert.match(
      httpSync.pool.describe(),
      new RegExp(
        `h2 ${server.origin.replace(/\./g, '\\.')}#tls=[0-9a-f]{16} — 1 conn, 0 streams, 0 queued \\| opened 1, reused 249`,
      ),
    );
  });
});

describe("the server's SETTINGS_MAX_CONCURRENT_STREAMS", () => {
  for (const limit of [1, 10]) {
    for (const face of FACES) {
      test(`limit ${limit}, ${face}: 200 exchanges, never more than ${limit} at once at the server`, async () => {
        const server = await h2server({ maxConcurrentStreams: limit });
        const requests = Array.from({ length: 200 }, (_, i) => ({
          url: server.url(`/slow?ms=${i % 3}`),
          tls: { ca: server.cert },
        }));
        const results = await all(face, requests, 200);
        assert.equal(results.filter((r) => r.ok && r.response.httpVersion === '2').length, 200);
        const stats = await server.stats();
        assert.ok(stats.maxActive <= limit, `server saw ${stats.maxActive} streams at once`);
        assert.equal(stats.requests, 200, 'nothing was refused and replayed');
        assert.equal(stats.connections, 1);
      });
    }
  }
});

describe('GOAWAY mid-flight', () => {
  let server: TestServer;
  before(async () => {
    server = await h2server();
  });

  for (const face of FACES) {
    test(`${face}: streams up to the last id complete, later GETs are replayed once, later POSTs fail retryably`, async () => {
      await server.armGoaway(10, 5);
      const base: RequestOptions = { tls: { ca: server.cert } };
      const requests = Array.from({ length: 10 }, (_, i) =>
        i % 2 === 0
          ? { ...base, url: server.url(`/goaway?i=${i}`) }
          : { ...base, method: 'POST', url: server.url(`/goaway?i=${i}`), body: `item ${i}` },
      );
      const before = await http.pool.stats();
      const results = await all(face, requests, 10);
      const first = results[0]!.ok ? results[0]!.response.text() : '';
      for (const [i, result] of results.entries()) {
        if (i < 5) {
          assert.ok(result.ok, `item ${i} was before the last stream id`);
          assert.equal(result.response.text(), first, `item ${i} ran on the first connection`);
        } else if (i % 2 === 0) {
          assert.ok(result.ok, `GET ${i} was replayed`);
          assert.notEqual(result.response.text(), first, `GET ${i} ran on a new connection`);
          assert.equal(result.response.httpVersion, '2');
        } else {
          assert.ok(!result.ok, `POST ${i} is not replayed`);
          assert.ok(result.error instanceof NotProcessedError, String(result.error));
          assert.equal(result.error.code, 'ONEPOOL_ERR_NOT_PROCESSED');
          assert.equal(result.error.retryable, true);
          assert.match(result.error.message, /GOAWAY.*safe to retry/);
        }
      }
      const now = await http.pool.stats();
      assert.equal(now.totals.replayed - before.totals.replayed, 2, 'GETs 6 and 8');
      assert.equal(now.totals.running, 0);
      assert.equal(now.totals.queued, 0);
    });
  }
});

describe('REFUSED_STREAM', () => {
  for (const face of FACES) {
    test(`${face}: a refused stream is replayed once, for any method; refused twice fails retryably`, async () => {
      const server = await h2server();
      const tls = { ca: server.cert };
      const once = await request(face, 'POST', server.url(`/refuse?key=${face}-once&times=1`), {
        tls,
        body: 'x',
      });
      assert.equal(once.status, 200);
      assert.match(once.text(), /after 1$/);
      const error = await rejection(() =>
        request(face, 'GET', server.url(`/refuse?key=${face}-twice&times=2`), { tls }),
      );
      assert.ok(error instanceof NotProcessedError, String(error));
      assert.equal((await server.stats()).requests, 4);
    });
  }
});

test('h2c with prior knowledge, both faces', async () => {
  const server = await startServer('h2c');
  servers.push(server);
  for (const face of FACES) {
    const res = await request(face, 'GET', server.url('/echo'), { http2: 'prior-knowledge' });
    assert.equal(res.httpVersion, '2');
    assert.equal(res.json<{ httpVersion: string }>().httpVersion, '2.0');
  }
  assert.equal((await server.stats()).connections, 1);
});

test('HTTP/1.1 stays unpipelined on an https origin without h2', async () => {
  const server = await startServer('https');
  servers.push(server);
  // The first 16 are held at the server until all 16 have arrived: a burst of 20 needs 16
  // exchanges in flight at once, which without pipelining means 16 connections.
  const results = await http.all(
    Array.from({ length: 20 }, () => ({ url: server.url('/gate?key=burst&n=16'), tls: { ca: server.cert } })),
    { concurrency: 20 },
  );
  for (const r of results) {
    assert.ok(r.ok, String(!r.ok && r.error));
    assert.equal(r.response.status, 200, r.response.text());
    assert.equal(r.response.httpVersion, '1.1');
  }
  const stats = await server.stats();
  assert.equal(
    stats.maxPerConnection,
    1,
    'a request arrived on a connection whose response was not yet written',
  );
  assert.equal(stats.connections, 16, 'connectionsPerOrigin caps the burst');
});
