/**
 * res.timings on both faces, over HTTP/1.1 (plain and TLS) and HTTP/2: got's phases, measured in
 * the worker. The first exchange on a new connection has the connect phases (tls only over TLS);
 * an exchange on a reused connection has none (absent, not zero), on HTTP/2 too; a stream's head
 * has no download and no total until its body has arrived. No assertion depends on how fast
 * anything is: only on which phases exist and how they add up.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createMockPool, createPool, type Timings } from 'onepool';
import { FACES } from './helpers/face-kinds.ts';
import { type FakeProxies, startFakeProxies } from './helpers/proxies.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

const ALWAYS = ['wait', 'request', 'firstByte', 'download', 'total'] as const;

/** The phases are non-negative numbers and add up to (at most) the total, rounding aside. */
function consistent(timings: Timings): void {
  const phases = timings.phases as Record<string, number>;
  for (const [name, value] of Object.entries(phases)) {
    assert.equal(typeof value, 'number', name);
    assert.ok(value >= 0, `${name} = ${value}`);
  }
  const parts = Object.entries(phases)
    .filter(([name]) => name !== 'total')
    .reduce((sum, [, value]) => sum + value, 0);
  assert.ok(parts <= phases.total! + 0.01, `the phases (${parts}) fit in the total (${phases.total})`);
  assert.ok(Number.isFinite(timings.start) && timings.start > Date.UTC(2020, 0, 1), `start ${timings.start}`);
}

const kinds = [
  { kind: 'http', tls: false },
  { kind: 'https', tls: true },
  { kind: 'h2', tls: true },
] as const;

const servers = new Map<string, TestServer>();
before(async () => {
  for (const { kind } of kinds) servers.set(kind, await startServer(kind));
});
after(() => Promise.all([...servers.values()].map((s) => s.close())));

for (const { kind, tls } of kinds) {
  for (const face of FACES) {
    describe(`${face.name}, ${kind}`, () => {
      /** A client on a pool of its own, so its first exchange opens a connection. */
      const fresh = () => {
        const server = servers.get(kind)!;
        const pool = createPool();
        const http = face.make({ pool, ...(server.cert ? { tls: { ca: server.cert } } : {}) });
        return { server, pool, http };
      };

      test('a new connection has the connect phases, a reused one none', async () => {
        const { server, pool, http } = fresh();
        try {
          const first = await http.get(server.url('/echo'));
          const second = await http.get(server.url('/echo'));
          assert.equal(first.timings.reused, false);
          assert.equal(first.connection.reused, false);
          for (const name of [...ALWAYS, 'dns', 'tcp'])
            assert.equal(typeof (first.timings.phases as Record<string, number>)[name], 'number', name);
          assert.equal('tls' in first.timings.phases, tls, 'tls only over TLS');
          consistent(first.timings);

          assert.equal(second.connection.id, first.connection.id);
          assert.equal(second.timings.reused, true);
          for (const name of ALWAYS)
            assert.equal(typeof (second.timings.phases as Record<string, number>)[name], 'number', name);
          for (const name of ['dns', 'tcp', 'tls']) assert.ok(!(name in second.timings.phases), name);
          consistent(second.timings);
          assert.ok(second.timings.start >= first.timings.start);
        } finally {
          await pool.close();
        }
      });

      test('a redirect chain: each response of the history has its own timings', async () => {
        const { server, pool, http } = fresh();
        try {
          const res = await http.get(server.url('/chain/2'));
          assert.equal(res.history.length, 2);
          assert.equal(res.history[0]!.timings.reused, false);
          assert.ok('tcp' in res.history[0]!.timings.phases);
          for (const later of [res.history[1]!, res]) {
            assert.equal(later.timings.reused, true);
            assert.ok(!('tcp' in later.timings.phases));
            consistent(later.timings);
          }
        } finally {
          await pool.close();
        }
      });

      test('stream(): the head has no download and no total; the end has both', async () => {
        const { server, pool, http } = fresh();
        try {
          // Four times the stream window: the worker cannot reach the end before this thread reads.
          const res = await http.stream('GET', server.url('/bytes/8388608'));
          assert.equal(typeof res.timings.phases.firstByte, 'number');
          assert.ok(!('total' in res.timings.phases), JSON.stringify(res.timings));
          assert.ok(!('download' in res.timings.phases));
          const body = await res.bytes();
          assert.equal(body.byteLength, 8388608);
          assert.equal(typeof res.timings.phases.download, 'number');
          consistent(res.timings);
        } finally {
          await pool.close();
        }
      });
    });
  }
}

describe('HTTP/2: the streams of a new session', () => {
  for (const face of FACES) {
    test(`${face.name}: only the first stream on a new session has the connect phases`, async () => {
      const server = servers.get('h2')!;
      const pool = createPool();
      try {
        const http = face.make({ pool, tls: { ca: server.cert } });
        const results = await http.all(
          Array.from({ length: 6 }, (_, i) => ({ url: server.url(`/echo?i=${i}`) })),
          { concurrency: 6 },
        );
        const responses = results.map((r) => (r.ok ? r.response : assert.fail(String(r.error))));
        assert.equal(new Set(responses.map((r) => r.connection.id)).size, 1, 'one session');
        const opening = responses.filter((r) => !r.timings.reused);
        assert.equal(opening.length, 1);
        for (const name of ['dns', 'tcp', 'tls']) assert.ok(name in opening[0]!.timings.phases, name);
        for (const r of responses.filter((r) => r.timings.reused)) {
          for (const name of ['dns', 'tcp', 'tls']) assert.ok(!(name in r.timings.phases), name);
          consistent(r.timings);
        }
      } finally {
        await pool.close();
      }
    });
  }
});

describe('through a proxy', () => {
  let proxies: FakeProxies;
  before(async () => {
    proxies = await startFakeProxies();
  });
  after(() => proxies.close());
  for (const face of FACES) {
    for (const kind of ['http', 'https'] as const) {
      const how = kind === 'http' ? 'forwarded' : 'tunnelled (CONNECT)';
      test(`${face.name}, ${how}: a new connection's setup is one tcp phase`, async () => {
        const server = servers.get(kind)!;
        const pool = createPool();
        try {
          const options = {
            pool,
            proxy: proxies.url('ok'),
            ...(server.cert ? { tls: { ca: server.cert } } : {}),
          };
          const http = face.make(options);
          const first = await http.get(server.url('/echo'));
          const second = await http.get(server.url('/echo'));
          assert.equal(first.timings.reused, false);
          assert.equal(typeof first.timings.phases.tcp, 'number');
          assert.ok(!('tls' in first.timings.phases), 'the TLS to the origin is part of tcp');
          consistent(first.timings);
          // Whether the proxy kept the connection is the proxy's business; the timings follow it.
          assert.equal(second.timings.reused, second.connection.reused);
          assert.equal('tcp' in second.timings.phases, !second.connection.reused);
          consistent(second.timings);
        } finally {
          await pool.close();
        }
      });
    }
  }
});

describe('the mock pool', () => {
  for (const face of FACES) {
    test(`${face.name}: timings with a total, never reused, no connect phases`, async () => {
      const mock = createMockPool();
      mock.intercept({ origin: 'https://api.test', path: '/slow' }).reply(200, 'late').delay(20);
      const res = await face.make({ pool: mock }).get('https://api.test/slow');
      assert.equal(res.timings.reused, false);
      for (const name of ALWAYS)
        assert.equal(typeof (res.timings.phases as Record<string, number>)[name], 'number');
      for (const name of ['dns', 'tcp', 'tls']) assert.ok(!(name in res.timings.phases), name);
      consistent(res.timings);
    });
  }
});
