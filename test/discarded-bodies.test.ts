/**
 * Bodies nobody reads. A redirect's body is dropped in the worker without being decoded, so a 302
 * whose body is not what its Content-Encoding says cannot fail the chain; and a streamed response
 * cancelled while its body is still being decoded leaves the pool's counters where they were.
 * Both faces, HTTP/1.1 and HTTP/2.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMockPool, createPool, type Pool, ResponseError } from 'onepool';
import { FACES } from './helpers/face-kinds.js';
import { startServer, type TestServer } from './helpers/servers.js';

const servers: Record<'http' | 'h2', TestServer> = {} as never;
before(async () => {
  [servers.http, servers.h2] = await Promise.all([startServer('http'), startServer('h2')]);
});
after(() => Promise.all(Object.values(servers).map((s) => s.close())));

/** A 302 to /echo whose plain body is labelled gzip. */
const MISLABELLED = '/redirect/302?to=/echo&mislabel=gzip&pad=1000';

/** The CA of an https server; nothing for plain http (an empty tls.ca is refused). */
const trusting = (server: TestServer) => (server.cert ? { tls: { ca: server.cert } } : {});

/** The pool's totals once nothing runs in it any more; bounded, and the last reading either way. */
async function settled(pool: Pool) {
  let totals = (await pool.stats()).totals;
  for (let i = 0; i < 50 && (totals.running > 0 || totals.busy > 0); i++) {
    await sleep(20);
    totals = (await pool.stats()).totals;
  }
  return totals;
}

for (const face of FACES) {
  test(`mock pool, ${face.name}: a followed redirect's mislabelled body is dropped as the worker drops it`, async () => {
    const mock = createMockPool();
    const redirect = mock.intercept({ path: '/moved' });
    redirect.reply(302, 'not gzip', { headers: { location: '/here', 'content-encoding': 'gzip' } }).times(2);
    mock.intercept({ path: '/here' }).reply(200, 'arrived');
    const client = face.make({ pool: mock });
    const res = await client.get('https://api.test/moved');
    assert.equal(res.text(), 'arrived');
    assert.deepEqual(
      res.history.map((r) => [r.status, r.bytes().byteLength]),
      [[302, 0]],
    );
    // With redirects off the 302 is the result: decoded, so its body fails as corrupt.
    await assert.rejects(
      async () => client.get('https://api.test/moved', { maxRedirects: 0 }),
      (error: Error) =>
        error instanceof ResponseError && /could not decode the gzip body/.test(error.message),
    );
  });
}

for (const face of FACES) {
  for (const kind of ['http', 'h2'] as const) {
    describe(`${kind}, ${face.name}`, () => {
      test('request(): 20 redirects with a mislabelled gzip body are followed; their bodies are dropped', async () => {
        const server = servers[kind];
        await server.reset();
        const pool = createPool();
        const client = face.make({ pool, ...trusting(server) });
        for (let i = 0; i < 20; i++) {
          const res = await client.get(server.url(MISLABELLED));
          assert.equal(res.status, 200);
          assert.equal((res.json() as { url: string }).url, '/echo');
          assert.deepEqual(
            res.history.map((r) => [r.status, r.bytes().byteLength]),
            [[302, 0]],
          );
        }
        assert.equal((await server.stats()).requests, 40);
        const totals = await settled(pool);
        assert.deepEqual([totals.opened, totals.running, totals.busy], [1, 0, 0]);
        await pool.close();
      });

      test('stream(): 20 redirects with a mislabelled gzip body; the counters end at 0', async () => {
        const server = servers[kind];
        const pool = createPool();
        const client = face.make({ pool, ...trusting(server) });
        for (let i = 0; i < 20; i++) {
          const res = await client.stream('GET', server.url(MISLABELLED));
          assert.equal(res.status, 200);
          const echo = JSON.parse(Buffer.from(await res.bytes()).toString()) as { url: string };
          assert.equal(echo.url, '/echo');
        }
        const totals = await settled(pool);
        assert.deepEqual([totals.exchanges, totals.running, totals.busy], [40, 0, 0]);
        await pool.close();
      });

      test('maxRedirects 0: the 302 is the result, so its body is decoded (and fails as corrupt)', async () => {
        const server = servers[kind];
        const client = face.make({ ...trusting(server), maxRedirects: 0 });
        await assert.rejects(
          async () => client.get(server.url(MISLABELLED)),
          (error: Error) =>
            error instanceof ResponseError && /could not decode the gzip body/.test(error.message),
        );
      });

      test('a stream cancelled while its body is being decoded is counted as finished', async () => {
        // /bomb: 120 KiB of gzip that inflates to 120 MiB, so the driver has delivered the whole body
        // long before the decoder is done with it when the cancel arrives.
        const server = servers[kind];
        const pool = createPool();
        const client = face.make({ pool, ...trusting(server) });
        for (let i = 0; i < 5; i++) {
          const res = await client.stream('GET', server.url('/bomb'));
          assert.equal(res.status, 200);
          await res.cancel();
        }
        const totals = await settled(pool);
        assert.deepEqual([totals.exchanges, totals.running, totals.busy, totals.queued], [5, 0, 0, 0]);
        // The pool still serves the key.
        assert.equal((await client.get(server.url('/echo'))).status, 200);
        await pool.close();
      });
    });
  }
}

for (const face of FACES) {
  test(`mock pool, ${face.name}: stream() retries a 503 whose body fails to decode: the head decides, as on the other face`, async () => {
    const mock = createMockPool();
    // The head, the body and its decoding error arrive together: the sync face used to throw the
    // body's error instead of handing the head to the policy.
    mock
      .intercept({ path: '/busy' })
      .reply(503, 'not gzip', { headers: { 'content-encoding': 'gzip', 'retry-after': '0' } });
    mock.intercept({ path: '/busy' }).reply(200, 'ready');
    const res = await face.make({ pool: mock }).stream('GET', 'https://api.test/busy');
    assert.equal(res.status, 200);
    assert.equal(res.retries, 1);
    assert.equal(Buffer.from(await res.bytes()).toString(), 'ready');
    mock.assertNoPendingInterceptors();
  });
}
