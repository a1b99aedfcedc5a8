/**
 * Pool policy: the total connection cap across origins (counted at the servers), idle eviction
 * visible in the stats, the pool-acquire timeout, private pools isolated from the global one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  Client,
  configurePool,
  createPool,
  http,
  httpSync,
  InvalidArgumentError,
  type KeyStats,
  type Pool,
  PoolClosedError,
  type PoolStats,
  PoolTimeoutError,
  poolOptions,
} from 'onepool';
import { workerRunning } from 'onepool/internal';
import { all, FACES, type FaceName, rejection, request } from './helpers/faces.js';
import { startServer, type TestServer } from './helpers/servers.js';

const servers: TestServer[] = [];
const server = async (kind: 'http' | 'h2' = 'http', ports = 1) => {
  const s = await startServer(kind, { ports });
  servers.push(s);
  return s;
};
after(() => Promise.all(servers.map((s) => s.close())));

const stats = (face: FaceName, pool: Pool): Promise<PoolStats> =>
  face === 'async' ? pool.stats() : Promise.resolve(pool.sync.stats());
const keyOf = (s: PoolStats, origin: string): KeyStats | undefined => s.keys.find((k) => k.origin === origin);

/** Polls `probe` until it is true: at most `ms`, in 25 ms steps. */
async function eventually(probe: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  for (let i = 0; i < ms / 25; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`not within ${ms} ms: ${what}`);
}

describe('total connection cap across origins', () => {
  let multi: TestServer;
  before(async () => {
    // Configured before first use: no worker yet.
    assert.equal(workerRunning(), false);
    configurePool({ maxConnections: 4 });
    multi = await server('http', 3);
  });

  for (const face of FACES) {
    test(`${face}: 100 exchanges over 3 origins, never more than 4 connections open at the servers`, async () => {
      await multi.reset();
      await eventually(async () => (await http.pool.stats()).totals.open === 0, 'old connections gone');
      const requests = Array.from({ length: 100 }, (_, i) => ({
        url: `${multi.origins[i % 3]}/slow?ms=${5 + (i % 4) * 5}`,
      }));
      const results = await all(face, requests, 100);
      assert.equal(results.filter((r) => r.ok && r.response.status === 200).length, 100);
      const seen = await multi.stats();
      assert.equal(seen.requests, 100);
      assert.ok(seen.maxOpen <= 4, `the servers saw ${seen.maxOpen} connections open at once`);
      assert.ok(seen.connections >= 3, 'every origin got connections');
      const pool = await http.pool.stats();
      assert.ok(pool.totals.open <= 4);
      assert.equal(pool.totals.queued, 0);
      assert.equal(pool.totals.running, 0);
    });
  }

  test('configurePool after first use applies to the next exchanges; bad options are refused', async () => {
    configurePool({ maxConnections: 0 });
    assert.equal(poolOptions().maxConnections, 0);
    assert.equal(poolOptions().connectionsPerOrigin, 16);
    assert.throws(() => configurePool({ maxConnection: 2 } as never), InvalidArgumentError);
    assert.throws(() => configurePool({ keepAliveTimeout: -1 }), InvalidArgumentError);
    assert.throws(() => createPool({ maxConnections: 1.5 }), InvalidArgumentError);
    await multi.reset();
    await eventually(async () => (await http.pool.stats()).totals.open === 0, 'old connections gone');
    const results = await http.all(
      Array.from({ length: 30 }, () => ({ url: `${multi.origins[0]}/slow?ms=50` })),
      { concurrency: 30 },
    );
    assert.ok(results.every((r) => r.ok));
    assert.ok((await multi.stats()).maxOpen > 4, 'the cap is lifted');
  });
});

describe('idle connections', () => {
  for (const kind of ['http', 'h2'] as const) {
    for (const face of FACES) {
      test(`${kind}, ${face}: closed after keepAliveTimeout, visible in the stats`, async () => {
        const s = await server(kind);
        const pool = createPool({ keepAliveTimeout: 300 });
        // A plain http server has no certificate, and an empty tls.ca is refused (it is not PEM).
        const client = new Client({ pool, ...(s.cert ? { tls: { ca: s.cert } } : {}) });
        const res = await request(face, 'GET', s.url('/echo'), undefined, client);
        assert.equal(res.connection.protocol, kind === 'h2' ? 'h2' : 'h1');
        const key = keyOf(await stats(face, pool), s.origin)!;
        assert.equal(key.open, 1);
        assert.equal(key.idle, 1);
        assert.equal(key.busy, 0);
        await eventually(async () => keyOf(await stats(face, pool), s.origin)!.open === 0, 'idle eviction');
        const later = keyOf(await stats(face, pool), s.origin)!;
        assert.equal(later.closedIdle, 1);
        assert.equal(later.opened, 1);
        await pool.close();
      });
    }
  }

  for (const face of FACES) {
    test(`${face}: under the cap an idle connection of another origin makes room; a busy one never does`, async () => {
      const a = await server();
      const b = await server();
      const pool = createPool({ maxConnections: 1, poolTimeout: 500 });
      const client = new Client({ pool });
      await request(face, 'GET', a.url('/echo'), undefined, client);
      const res = await request(face, 'GET', b.url('/echo'), undefined, client);
      assert.equal(res.status, 200);
      const s = await stats(face, pool);
      assert.equal(keyOf(s, a.origin)!.open, 0);
      assert.equal(keyOf(s, a.origin)!.closedIdle, 1);
      assert.equal(keyOf(s, b.origin)!.open, 1);
      assert.ok((await a.stats()).open + (await b.stats()).open <= 1);

      // A hanging exchange keeps B's only connection busy: a request to A times out waiting for a slot.
      const hanging = client.get(b.url('/hang'), { timeout: { read: 1500 } });
      await eventually(async () => (await pool.stats()).totals.running === 1, 'the hang is running');
      const error = await rejection(() => request(face, 'GET', a.url('/echo'), undefined, client));
      assert.ok(error instanceof PoolTimeoutError, String(error));
      assert.equal((error as PoolTimeoutError).code, 'ONEPOOL_ERR_POOL_TIMEOUT');
      const during = keyOf(await pool.stats(), b.origin)!;
      assert.equal(during.busy, 1, 'the busy connection was not evicted');
      await assert.rejects(hanging, { code: 'ONEPOOL_ERR_READ_TIMEOUT' });
      await pool.close();
    });
  }
});

describe('private pools', () => {
  for (const face of FACES) {
    test(`${face}: isolated from the global pool, closed on demand`, async () => {
      const s = await server();
      const pool = createPool();
      const client = new Client({ pool });
      const global = await request(face, 'GET', s.url('/echo'));
      const own = await request(face, 'GET', s.url('/echo'), undefined, client);
      const again = await request(face, 'GET', s.url('/echo'));
      assert.notEqual(own.headers.get('x-conn-id'), global.headers.get('x-conn-id'));
      assert.equal(again.headers.get('x-conn-id'), global.headers.get('x-conn-id'));
      assert.equal((await s.stats()).connections, 2);
      const mine = keyOf(await stats(face, pool), s.origin)!;
      assert.equal(mine.key, `pool${pool.id}:${s.origin}`);
      assert.equal(mine.opened, 1);
      assert.equal(mine.exchanges, 1);
      const theirs = keyOf(face === 'async' ? await http.pool.stats() : httpSync.pool.stats(), s.origin)!;
      assert.equal(theirs.opened, 1);
      assert.equal(theirs.exchanges, 2);
      assert.equal((await client.pool.stats()).pool, pool.id);

      if (face === 'async') await pool.close();
      else pool.sync.close();
      assert.equal(pool.closed, true);
      const error = await rejection(() => request(face, 'GET', s.url('/echo'), undefined, client));
      assert.ok(error instanceof PoolClosedError, String(error));
      await eventually(async () => (await s.stats()).open === 1, 'the private connection closed');
      assert.equal((await request(face, 'GET', s.url('/echo'))).connection.reused, true);
    });
  }
});
