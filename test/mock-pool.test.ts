/**
 * createMockPool on both faces, with no server at all: every policy feature (redirects, retries with
 * Retry-After, cookies, auth stripping, hooks, decoding, stream, all, injected timeouts and
 * connection errors) runs through the real policy while the mock answers in the caller's thread.
 * The last test checks that the pool worker was never started.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  ConnectError,
  createMockPool,
  InvalidArgumentError,
  MockNotMatchedError,
  PoolClosedError,
  ReadTimeoutError,
  ResponseTooLargeError,
  TotalTimeoutError,
} from 'onepool';
import { workerRunning } from 'onepool/internal';
import { FACES } from './helpers/face-kinds.ts';

const API = 'https://api.test';
const OTHER = 'https://other.test';

/** What a call threw, on either face (the sync face throws before any promise exists). */
async function thrown(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  return assert.fail('the call did not throw');
}

for (const face of FACES) {
  describe(`${face.name}: mock pool`, () => {
    test('interceptors match on method, origin, path, query, headers and body, and answer once by default', async () => {
      const mock = createMockPool();
      mock
        .intercept({
          method: 'POST',
          origin: API,
          path: '/items',
          query: { page: 2 },
          headers: { 'x-key': /^k-/ },
          body: { name: 'a' },
        })
        .reply(201, { id: 7 }, { headers: { 'x-made': 'yes' } });
      mock.intercept({ path: /^\/bytes/ }).reply(200, new Uint8Array([1, 2, 3]));
      mock.intercept({ path: '/text?x=1' }).reply(200, 'plain').times(2);
      const client = face.make({ pool: mock });
      const made = await client.post(`${API}/items?page=2`, {
        json: { name: 'a' },
        headers: { 'x-key': 'k-1' },
      });
      assert.equal(made.status, 201);
      assert.deepEqual(made.json(), { id: 7 });
      assert.equal(made.headers.get('x-made'), 'yes');
      assert.equal(made.headers.get('content-type'), 'application/json');
      assert.deepEqual([...(await client.get(`${OTHER}/bytes/9`)).bytes()], [1, 2, 3]);
      assert.equal((await client.get(`${API}/text?x=1`)).text(), 'plain');
      assert.equal((await client.get(`${API}/text?x=1`)).text(), 'plain');
      // answered once: the second POST finds nothing
      await assert.rejects(
        async () => client.post(`${API}/items?page=2`, { json: { name: 'a' }, headers: { 'x-key': 'k-1' } }),
        MockNotMatchedError,
      );
      assert.deepEqual(
        mock.calls.map((c) => `${c.method} ${c.url}`),
        [
          `POST ${API}/items?page=2`,
          `GET ${OTHER}/bytes/9`,
          `GET ${API}/text?x=1`,
          `GET ${API}/text?x=1`,
          `POST ${API}/items?page=2`,
        ],
      );
      assert.deepEqual(mock.calls[0]!.json(), { name: 'a' });
      mock.assertNoPendingInterceptors();
    });

    test('an unmatched request fails with MockNotMatchedError naming the closest interceptors and what differed', async () => {
      const mock = createMockPool();
      mock.intercept({ method: 'POST', origin: API, path: '/items' }).reply(200, 'ok');
      mock
        .intercept({ origin: API, path: '/users', headers: { authorization: 'Bearer t' } })
        .reply(200, 'ok');
      const client = face.make({ pool: mock });
      const error = await thrown(() => client.get(`${API}/users`));
      assert.ok(error instanceof MockNotMatchedError);
      assert.equal(error.code, 'ONEPOOL_ERR_MOCK_NOT_MATCHED');
      assert.deepEqual(error.request, { method: 'GET', url: `${API}/users` });
      assert.match(error.message, /GET https:\/\/api\.test\/users/);
      assert.match(error.message, /header authorization "Bearer t" ≠ \(absent\)/);
      assert.match(error.message, /method "POST" ≠ GET; path "\/items" ≠ \/users/);
      // the closest comes first: one difference before two
      assert.ok(error.message.indexOf('/users" (used') < error.message.indexOf('/items" (used'));
      assert.throws(() => mock.assertNoPendingInterceptors(), /2 interceptor\(s\) still pending/);
    });

    test('HEAD, 204 and 304 answers have no body, as on the wire; a bad reply fails where it is written', async () => {
      const mock = createMockPool();
      mock.intercept({ method: 'HEAD', path: '/h' }).reply(200, 'not sent');
      mock.intercept({ path: '/n' }).reply(204, 'not sent');
      const client = face.make({ pool: mock });
      assert.equal((await client.head(`${API}/h`)).bytes().byteLength, 0);
      assert.equal((await client.get(`${API}/n`)).bytes().byteLength, 0);
      assert.throws(
        () => mock.intercept({ path: '/bad' }).reply(200, 'x', { headers: { 'x-a': 'a\r\nb' } }),
        /CR, LF/,
      );
      assert.throws(() => mock.intercept({ path: '/bad' }).reply(99), InvalidArgumentError);
    });

    test('function handlers answer what interceptors do not; undefined passes the request on', async () => {
      const mock = createMockPool();
      mock.intercept({ path: '/fixed' }).reply(200, 'fixed').persist();
      mock.handle((request) =>
        request.pathname === '/skip' ? undefined : { status: 200, json: { path: request.path } },
      );
      mock.handle(() => ({ status: 404, body: 'second handler' }));
      const client = face.make({ pool: mock });
      assert.equal((await client.get(`${API}/fixed`)).text(), 'fixed');
      assert.deepEqual((await client.get(`${API}/any?q=1`)).json(), { path: '/any?q=1' });
      const skipped = await client.get(`${API}/skip`);
      assert.equal(skipped.status, 404);
      assert.equal(skipped.text(), 'second handler');
      assert.equal(skipped.statusText, 'Not Found');
    });

    test('redirects: each hop is a call; credentials never follow to another origin', async () => {
      const mock = createMockPool();
      mock
        .intercept({ origin: API, path: '/start' })
        .reply(302, '', { headers: { location: `${OTHER}/end` } });
      mock.intercept({ origin: OTHER, path: '/end' }).reply(200, 'arrived');
      const client = face.make({ pool: mock, auth: { bearer: 'secret' } });
      const res = await client.get(`${API}/start`);
      assert.equal(res.text(), 'arrived');
      assert.equal(res.url, `${OTHER}/end`);
      assert.deepEqual(
        res.history.map((r) => r.status),
        [302],
      );
      assert.equal(mock.calls[0]!.headers.get('authorization'), 'Bearer secret');
      assert.equal(mock.calls[1]!.headers.get('authorization'), null);
    });

    test('retries: a 503 with Retry-After is retried, an injected ConnectError too (retry.errors)', async () => {
      const mock = createMockPool();
      mock.intercept({ path: '/busy' }).reply(503, 'busy', { headers: { 'retry-after': '0' } });
      mock.intercept({ path: '/busy' }).reply(200, 'done');
      mock.intercept({ path: '/down' }).replyWithError(new ConnectError('connect ECONNREFUSED (mock)'));
      mock.intercept({ path: '/down' }).reply(200, 'up');
      const client = face.make({ pool: mock, retry: { limit: 2, errors: true } });
      const busy = await client.get(`${API}/busy`);
      assert.equal(busy.text(), 'done');
      assert.equal(busy.retries, 1);
      const down = await client.get(`${API}/down`);
      assert.equal(down.text(), 'up');
      assert.equal(down.retries, 1);
      assert.equal(mock.calls.length, 4);
    });

    test('injected timeouts fail the call with their class; a delay past timeout.total gives TotalTimeoutError', async () => {
      const mock = createMockPool();
      mock
        .intercept({ path: '/slow' })
        .replyWithError(new ReadTimeoutError('no byte within timeout.read (mock)'))
        .persist();
      mock.intercept({ path: '/late' }).reply(200, 'late').delay(1500);
      const client = face.make({ pool: mock, retry: { limit: 2, errors: true } });
      const error = await thrown(() => client.get(`${API}/slow`));
      assert.ok(error instanceof ReadTimeoutError);
      assert.deepEqual(error.request, { method: 'GET', url: `${API}/slow` });
      // a read timeout is never retried
      assert.equal(mock.calls.length, 1);
      await assert.rejects(
        async () => client.get(`${API}/late`, { timeout: { total: 50 } }),
        TotalTimeoutError,
      );
    });

    test('cookies: Set-Cookie from a mock reply is stored and sent back', async () => {
      const mock = createMockPool();
      mock.intercept({ path: '/login' }).reply(200, 'in', { headers: { 'set-cookie': 'sid=abc; Path=/' } });
      mock.intercept({ path: '/me', headers: { cookie: 'sid=abc' } }).reply(200, 'me');
      const client = face.make({ pool: mock, cookies: true });
      await client.get(`${API}/login`);
      assert.equal((await client.get(`${API}/me`)).text(), 'me');
    });

    test('hooks run around mock exchanges', async () => {
      const mock = createMockPool();
      mock.handle((request) => ({ body: request.headers.get('x-hooked') ?? 'none' }));
      const seen: number[] = [];
      const client = face.make({
        pool: mock,
        hooks: {
          beforeRequest: [
            (request) => {
              request.headers['x-hooked'] = 'yes';
            },
          ],
          afterResponse: [
            (response) => {
              seen.push(response.status);
            },
          ],
        },
      });
      assert.equal((await client.get(`${API}/h`)).text(), 'yes');
      assert.deepEqual(seen, [200]);
    });

    test('decoding: a gzip mock body is decoded (decompress: false keeps it), maxResponseSize counts decoded bytes', async () => {
      const mock = createMockPool();
      const gz = gzipSync('hello compressed world');
      mock
        .intercept({ path: '/gz' })
        .reply(200, gz, { headers: { 'content-encoding': 'gzip' } })
        .persist();
      const client = face.make({ pool: mock });
      assert.equal((await client.get(`${API}/gz`)).text(), 'hello compressed world');
      assert.deepEqual(Buffer.from((await client.get(`${API}/gz`, { decompress: false })).bytes()), gz);
      await assert.rejects(
        async () => client.get(`${API}/gz`, { maxResponseSize: 5 }),
        ResponseTooLargeError,
      );
    });

    test('stream(): head first, then the body in chunks, trailers at the end', async () => {
      const mock = createMockPool();
      const big = new Uint8Array(200_000).fill(7);
      mock.intercept({ path: '/big' }).reply(200, big, { trailers: { 'x-sum': 'ok' } });
      const client = face.make({ pool: mock });
      const res = await client.stream('GET', `${API}/big`);
      assert.equal(res.status, 200);
      let size = 0;
      let chunks = 0;
      for await (const chunk of res as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        chunks++;
      }
      assert.equal(size, big.byteLength);
      assert.ok(chunks > 1, `${chunks} chunk(s)`);
      assert.equal(res.trailers?.get('x-sum'), 'ok');
    });

    test('all(): every request through the mock, results in order, errors in place', async () => {
      const mock = createMockPool();
      mock.handle((request) => (request.pathname === '/missing' ? undefined : { body: request.pathname }));
      const client = face.make({ pool: mock });
      const results = await client.all(
        [{ url: `${API}/a` }, { url: `${API}/missing` }, { url: `${API}/c`, method: 'DELETE' }],
        { concurrency: 2 },
      );
      assert.equal(results.length, 3);
      assert.ok(results[0]!.ok && results[0]!.response.text() === '/a');
      assert.ok(!results[1]!.ok && results[1]!.error instanceof MockNotMatchedError);
      assert.ok(results[2]!.ok && results[2]!.response.text() === '/c');
    });

    test('extend() and per-call pool: the mock goes wherever pool: goes; a closed mock refuses', async () => {
      const mock = createMockPool();
      mock.handle(() => ({ body: 'mocked' }));
      const base = face.make({ baseURL: API });
      const extended = base.extend({ pool: mock });
      assert.equal((await extended.get('/x')).text(), 'mocked');
      assert.equal((await base.get('/y', { pool: mock })).text(), 'mocked');
      mock.close();
      assert.equal(mock.closed, true);
      await assert.rejects(async () => extended.get('/z'), PoolClosedError);
    });
  });
}

describe('sync-only and async-only rules', () => {
  test('an async handler serves the async face and is refused on the sync face with a clear error', async () => {
    const mock = createMockPool();
    mock.handle(async () => ({ body: 'later' }));
    const [async, sync] = FACES.map((face) => face.make({ pool: mock }));
    assert.equal((await async!.get(`${API}/a`)).text(), 'later');
    await assert.rejects(
      async () => sync!.get(`${API}/a`),
      (error: unknown) => {
        assert.ok(error instanceof InvalidArgumentError);
        assert.match(
          error.message,
          /mock handler returned a promise: the sync face answers mocks synchronously/,
        );
        return true;
      },
    );
  });

  test('parity: both faces get the same outcome for the same script', async () => {
    const outcomes = [];
    for (const face of FACES) {
      const mock = createMockPool();
      mock.intercept({ path: '/r' }).reply(301, '', { headers: { location: '/s' } });
      mock.intercept({ path: '/s' }).reply(500, 'oops');
      mock.intercept({ path: '/s' }).reply(200, { fine: true }, { headers: { 'set-cookie': 'k=v' } });
      const client = face.make({ pool: mock, cookies: true, retry: { limit: 1, backoff: { base: 0 } } });
      const res = await client.get(`${API}/r`);
      const after = ((await thrown(() => client.get(`${API}/t`))) as MockNotMatchedError).code;
      outcomes.push({
        status: res.status,
        body: res.json(),
        url: res.url,
        retries: res.retries,
        history: res.history.map((r) => r.status),
        connection: res.connection,
        calls: mock.calls.map((c) => [c.method, c.path, c.headers.get('cookie')]),
        after,
      });
    }
    assert.deepEqual(outcomes[0], outcomes[1]);
    assert.equal(outcomes[0]!.retries, 1);
  });

  test('no mock request started the pool worker', () => {
    assert.equal(workerRunning(), false);
  });
});
