/**
 * The diagnostics channels, on both faces, over HTTP/1.1 and HTTP/2: every exchange publishes
 * start, headers, then end (or error) in the caller's thread, carrying the request without its
 * credentials, the response head and the timings; the policy publishes its redirects and retries.
 * request(), stream(), all() and the mock pool all publish alike. The servers run in child
 * processes, so the sync face can block this thread.
 */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { after, before, describe, test } from 'node:test';
import {
  ConnectError,
  createMockPool,
  type RedirectMessage,
  type RequestEndMessage,
  type RequestErrorMessage,
  type RequestHeadersMessage,
  type RequestStartMessage,
  type RetryMessage,
} from 'onepool';
import { FACES } from './helpers/face-kinds.ts';
import { refusedURL, startServer, type TestServer } from './helpers/servers.ts';

const NAMES = [
  'onepool:request:start',
  'onepool:request:headers',
  'onepool:request:end',
  'onepool:request:error',
  'onepool:redirect',
  'onepool:retry',
] as const;

type Seen =
  | { name: 'onepool:request:start'; message: RequestStartMessage }
  | { name: 'onepool:request:headers'; message: RequestHeadersMessage }
  | { name: 'onepool:request:end'; message: RequestEndMessage }
  | { name: 'onepool:request:error'; message: RequestErrorMessage }
  | { name: 'onepool:redirect'; message: RedirectMessage }
  | { name: 'onepool:retry'; message: RetryMessage };

/** Records every message of every onepool channel while `scenario` runs. */
async function recording(scenario: () => unknown): Promise<Seen[]> {
  const seen: Seen[] = [];
  const listeners = NAMES.map((name) => {
    const listener = (message: unknown) => seen.push({ name, message } as Seen);
    subscribe(name, listener);
    return [name, listener] as const;
  });
  try {
    await scenario();
  } finally {
    for (const [name, listener] of listeners) unsubscribe(name, listener);
  }
  return seen;
}

const short = (seen: Seen[]) => seen.map((s) => s.name.replace('onepool:', '').replace('request:', ''));

const kinds = [
  { kind: 'http', version: '1.1' },
  { kind: 'h2', version: '2' },
] as const;

const servers = new Map<string, TestServer>();
before(async () => {
  for (const { kind } of kinds) servers.set(kind, await startServer(kind));
});
after(() => Promise.all([...servers.values()].map((s) => s.close())));

for (const { kind, version } of kinds) {
  for (const face of FACES) {
    describe(`${face.name}, ${kind}`, () => {
      const client = () => {
        const server = servers.get(kind)!;
        return { server, http: face.make(server.cert ? { tls: { ca: server.cert } } : {}) };
      };

      test('a redirect chain: start, headers, end per exchange and a redirect between; no credential in any message', async () => {
        const { server, http } = client();
        const url = new URL(server.url('/chain/2'));
        url.username = 'user';
        url.password = 'secret-password';
        const seen = await recording(() =>
          http.get(url.href, { headers: { cookie: 'session=secret-cookie', 'x-trace': 'kept' } }),
        );
        assert.deepEqual(short(seen), [
          'start',
          'headers',
          'end',
          'redirect',
          'start',
          'headers',
          'end',
          'redirect',
          'start',
          'headers',
          'end',
        ]);
        const exchanges = seen.filter((s) => s.name === 'onepool:request:start').map((s) => s.message);
        assert.deepEqual(
          exchanges.map((m) => new URL(m.request.url).pathname),
          ['/chain/2', '/chain/1', '/echo'],
        );
        for (const { message } of seen) {
          assert.equal(message.face, face.name);
          assert.equal(message.request.method, 'GET');
          assert.ok(!message.request.url.includes('secret'), message.request.url);
          assert.equal(message.request.headers.get('x-trace'), 'kept');
          assert.ok(!JSON.stringify([...message.request.headers]).includes('secret'));
          assert.ok(!('body' in message.request));
        }
        // Basic credentials from the URL go to the first origin's requests, redacted.
        assert.equal(exchanges[0]!.request.headers.get('authorization'), '[REDACTED]');
        assert.equal(exchanges[0]!.request.headers.get('cookie'), '[REDACTED]');
        // One id per exchange, the same in its start, headers and end.
        const ids = seen.flatMap((s) => ('id' in s.message ? [s.message.id] : []));
        assert.equal(new Set(ids).size, 3);
        const ends = seen.filter((s) => s.name === 'onepool:request:end').map((s) => s.message);
        assert.deepEqual(
          ends.map((m) => m.response.status),
          [302, 302, 200],
        );
        for (const end of ends) {
          assert.equal(end.response.httpVersion, version);
          assert.equal(typeof end.timings.phases.total, 'number');
          assert.ok(end.response.connection.id > 0);
        }
        const redirects = seen.filter((s) => s.name === 'onepool:redirect').map((s) => s.message);
        assert.deepEqual(
          redirects.map((m) => [new URL(m.request.url).pathname, new URL(m.location).pathname, m.count]),
          [
            ['/chain/2', '/chain/1', 1],
            ['/chain/1', '/echo', 2],
          ],
        );
        assert.equal(redirects[0]!.response.status, 302);
      });

      test('a retried status: the retry message carries the attempt, the delay and the response', async () => {
        const { server, http } = client();
        const key = `diag-${face.name}-${kind}`;
        const seen = await recording(() => http.get(server.url(`/flaky/${key}?fail=1&after=0`)));
        assert.deepEqual(short(seen), ['start', 'headers', 'end', 'retry', 'start', 'headers', 'end']);
        const retry = seen.find((s) => s.name === 'onepool:retry')!.message as RetryMessage;
        assert.equal(retry.attempt, 1);
        assert.equal(retry.delay, 0);
        assert.equal(retry.response?.status, 503);
        assert.equal(retry.error, undefined);
        assert.equal(retry.face, face.name);
      });

      test('stream(): headers at the head, end once the body has been read', async () => {
        const { server, http } = client();
        const seen = await recording(async () => {
          const res = await http.stream('GET', server.url('/bytes/100000'));
          await res.bytes();
        });
        assert.deepEqual(short(seen), ['start', 'headers', 'end']);
        const headers = seen[1]!.message as RequestHeadersMessage;
        assert.equal(headers.response.status, 200);
        assert.equal((seen[2]!.message as RequestEndMessage).response.status, 200);
      });

      test('all(): one start and one end per request', async () => {
        const { server, http } = client();
        const seen = await recording(() =>
          http.all(Array.from({ length: 4 }, (_, i) => ({ url: server.url(`/echo?n=${i}`) }))),
        );
        const starts = seen.filter((s) => s.name === 'onepool:request:start');
        const ends = seen.filter((s) => s.name === 'onepool:request:end');
        assert.equal(starts.length, 4);
        assert.equal(ends.length, 4);
        assert.deepEqual(
          new Set(starts.map((s) => (s.message as RequestStartMessage).id)),
          new Set(ends.map((s) => (s.message as RequestEndMessage).id)),
        );
      });
    });
  }
}

for (const face of FACES) {
  describe(`${face.name}: failures and the mock pool`, () => {
    test('a refused connection: start then error, with the typed error and no response', async () => {
      const url = await refusedURL();
      const seen = await recording(async () => {
        await assert.rejects(async () => face.make().get(url), ConnectError);
      });
      assert.deepEqual(short(seen), ['start', 'error']);
      const error = seen[1]!.message as RequestErrorMessage;
      assert.ok(error.error instanceof ConnectError);
      assert.equal(error.error.code, 'ONEPOOL_ERR_CONNECT');
      assert.equal(error.response, undefined);
      assert.equal(typeof error.timings?.phases.total, 'number');
    });

    test('the mock pool publishes as the real one does, a redirect included', async () => {
      const mock = createMockPool();
      mock
        .intercept({ origin: 'https://api.test', path: '/old' })
        .reply(301, '', { headers: { location: '/new' } });
      mock.intercept({ origin: 'https://api.test', path: '/new' }).reply(200, 'here');
      const seen = await recording(() => face.make({ pool: mock }).get('https://api.test/old'));
      assert.deepEqual(short(seen), ['start', 'headers', 'end', 'redirect', 'start', 'headers', 'end']);
      const end = seen[6]!.message as RequestEndMessage;
      assert.equal(end.face, face.name);
      assert.equal(end.response.status, 200);
      assert.equal(end.timings.reused, false);
      assert.equal(typeof end.timings.phases.total, 'number');
    });

    test('a mocked error is published as the error the call throws', async () => {
      const mock = createMockPool();
      mock
        .intercept({ origin: 'https://api.test', path: '/down' })
        .replyWithError(new ConnectError('refused'));
      let thrown: unknown;
      const seen = await recording(async () => {
        try {
          await face.make({ pool: mock, retry: 0 }).get('https://api.test/down');
        } catch (error) {
          thrown = error;
        }
      });
      assert.deepEqual(short(seen), ['start', 'error']);
      assert.equal((seen[1]!.message as RequestErrorMessage).error, thrown);
    });
  });
}
