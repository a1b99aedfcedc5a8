/**
 * stream() goes through the same policy as request(), on both faces: redirects (credentials dropped
 * across origins, checked at the servers), cookies per hop, retries on statuses and Retry-After and
 * on stale keep-alive connections (never replaying a streamed upload), maxRedirects, timeout.total
 * and the AbortSignal, afterResponse per hop. The responses the policy drops must free their
 * connections: the pool's own stats are the oracle (nothing busy or running afterwards).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AbortedError,
  ConnectionClosedError,
  HTTPStatusError,
  http,
  RedirectError,
  Response,
  type StreamHead,
  type StreamingResponse,
  type SyncStreamingResponse,
  TooManyRedirectsError,
  TotalTimeoutError,
} from 'onepool';
import { type AnyFace, FACES } from './helpers/face-kinds.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let a: TestServer; // the source
let other: TestServer; // another host: 127.0.0.2
let fresh: TestServer; // /drop-if-reused only, so that its connections are all ours

before(async () => {
  [a, other, fresh] = await Promise.all([
    startServer('http'),
    startServer('http', { host: '127.0.0.2' }),
    startServer('http'),
  ]);
});
after(() => Promise.all([a, other, fresh].map((s) => s.close())));

type Streamed = StreamingResponse | SyncStreamingResponse;
type Echo = { method: string; url: string; headers: Record<string, string> };

const text = async (res: Streamed) => Buffer.from(await res.bytes()).toString('utf8');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The pool as the face's own channel sees it, once nothing is busy (bounded: 100 polls). */
async function settled(face: AnyFace) {
  let stats = await face.pool.stats();
  for (let i = 0; i < 100 && (stats.totals.busy > 0 || stats.totals.running > 0); i++) {
    await sleep(50);
    stats = await face.pool.stats();
  }
  return stats.totals;
}

const seenBy = async (server: TestServer, marker: string) =>
  (await server.stats()).seen.filter((r) => r.url.includes(marker));

describe('stream() follows redirects', () => {
  for (const face of FACES) {
    test(`${face.name}: 302 → 200 across origins drops Authorization; history, url, connections`, async () => {
      const client = face.make({ auth: { bearer: `tok-${face.name}` } });
      const marker = `cross-${face.name}`;
      const to = encodeURIComponent(other.url(`/stream-bytes/300000?m=${marker}`));
      const res: Streamed = await client.stream('GET', a.url(`/redirect/302?to=${to}&m=${marker}`));
      assert.equal(res.status, 200);
      assert.equal(res.url, other.url(`/stream-bytes/300000?m=${marker}`));
      assert.deepEqual(
        res.history.map((r) => [r.status, new URL(r.url).host]),
        [[302, new URL(a.origin).host]],
      );
      assert.equal(res.history[0]!.bytes().byteLength, 0, 'a dropped body is not kept');
      assert.equal((await res.bytes()).byteLength, 300_000);
      const [atSource] = await seenBy(a, marker);
      const [atTarget] = await seenBy(other, marker);
      assert.equal(atSource?.headers.authorization, `Bearer tok-${face.name}`);
      assert.ok(atTarget, 'the target was reached');
      assert.equal(atTarget.headers.authorization, undefined, 'no Authorization across origins');
      const totals = await settled(client);
      assert.equal(totals.busy, 0);
      assert.equal(totals.running, 0);
    });

    test(`${face.name}: dropped redirect bodies free their connections (small: kept; large: closed)`, async () => {
      const client = face.make();
      await a.reset();
      // Three same-origin hops with small chunked bodies: drained, so one connection serves all four.
      const chain: Streamed = await client.stream('GET', a.url('/chain/3'));
      assert.equal(JSON.parse(await text(chain)).url, '/echo');
      assert.equal(chain.history.length, 3);
      assert.equal((await a.stats()).connections, 1);
      // A 1 MiB redirect body is not worth reading: its connection is closed instead.
      const big: Streamed = await client.stream('GET', a.url('/redirect/302?to=/echo&pad=1048576'));
      assert.equal(big.status, 200);
      await big.cancel();
      const totals = await settled(client);
      assert.equal(totals.busy, 0);
      assert.equal(totals.running, 0);
    });

    test(`${face.name}: a cookie set on a redirect hop is sent on the next`, async () => {
      const client = face.make({ cookies: true });
      const cookie = encodeURIComponent(`hop=${face.name}; Path=/`);
      const res: Streamed = await client.stream('GET', a.url(`/redirect/302?to=/echo&cookie=${cookie}`));
      const seen = JSON.parse(await text(res)) as Echo;
      assert.equal(seen.headers.cookie, `hop=${face.name}`);
      assert.equal(client.cookies!.getCookieStringSync(a.origin), `hop=${face.name}`);
    });

    test(`${face.name}: maxRedirects and TooManyRedirectsError`, async () => {
      const client = face.make();
      await assert.rejects(
        async () => client.stream('GET', a.url('/chain/5'), { maxRedirects: 2 }),
        (e: unknown) => e instanceof TooManyRedirectsError && e.history.length === 3,
      );
      const raw: Streamed = await client.stream('GET', a.url('/chain/2'), { maxRedirects: 0 });
      assert.equal(raw.status, 302);
      assert.equal(raw.headers.get('location'), '/chain/1');
      await raw.cancel();
      const totals = await settled(client);
      assert.equal(totals.busy, 0);
      assert.equal(totals.running, 0);
    });

    test(`${face.name}: afterResponse runs per hop, on heads it need not read`, async () => {
      const seen: [number, boolean][] = [];
      const redirects: number[] = [];
      const client = face.make({
        hooks: {
          afterResponse: [
            (res: Response | StreamHead) => void seen.push([res.status, res instanceof Response]),
          ],
          beforeRedirect: [({ response }) => void redirects.push(response.status)],
        },
      });
      const res: Streamed = await client.stream('GET', a.url('/chain/2'));
      assert.equal(JSON.parse(await text(res)).url, '/echo');
      assert.deepEqual(seen, [
        [302, false],
        [302, false],
        [200, false],
      ]);
      assert.deepEqual(redirects, [302, 302]);
    });
  }
});

describe('stream() retries', () => {
  for (const face of FACES) {
    test(`${face.name}: 503 with Retry-After, then 200 streamed`, async () => {
      const client = face.make();
      const res: Streamed = await client.stream(
        'GET',
        a.url(`/flaky/sp-${face.name}?fail=1&status=503&after=0`),
      );
      assert.equal(res.status, 200);
      assert.equal(res.retries, 1);
      assert.equal(await text(res), 'attempt 2');
      const totals = await settled(client);
      assert.equal(totals.busy, 0);
      assert.equal(totals.running, 0);
    });

    test(`${face.name}: a stale keep-alive connection is retried; a streamed upload never is`, async () => {
      const client = face.make({ retry: 0 });
      await fresh.reset();
      const first: Streamed = await client.stream('GET', fresh.url('/drop-if-reused'));
      assert.equal(await text(first), 'fresh');
      // The connection is idle in the pool now; the server closes it without a byte when reused.
      const second: Streamed = await client.stream('GET', fresh.url('/drop-if-reused'));
      assert.equal(second.retries, 1);
      assert.equal(await text(second), 'fresh');
      // A PUT is idempotent, but a body that was streamed out cannot be sent again.
      const id = `put-${face.name}`;
      await assert.rejects(
        async () =>
          client.stream('PUT', fresh.url('/drop-if-reused'), {
            body: ['a', 'b'],
            headers: { 'x-test-id': id },
          }),
        (e: unknown) => e instanceof ConnectionClosedError && e.staleConnection,
      );
      assert.equal((await fresh.stats()).replays, 0);
      // Nor on a retried status, nor on a 307.
      const status: Streamed = await client.stream(
        'PUT',
        a.url(`/flaky/sp-put-${face.name}?fail=1&status=503&after=0`),
        { body: ['x'], retry: 2 },
      );
      assert.equal(status.status, 503);
      assert.equal(status.retries, 0);
      await status.cancel();
      await assert.rejects(
        async () => client.stream('PUT', a.url('/redirect/307?to=/echo'), { body: ['x'] }),
        RedirectError,
      );
      const totals = await settled(client);
      assert.equal(totals.busy, 0);
      assert.equal(totals.running, 0);
    });

    test(`${face.name}: throwHttpErrors reads the body into the error`, async () => {
      const client = face.make({ throwHttpErrors: true, retry: 0 });
      await assert.rejects(
        async () => client.stream('GET', a.url('/status/404')),
        (e: unknown) => e instanceof HTTPStatusError && e.response.text() === 'status 404',
      );
    });
  }
});

describe('stream() and timeout.total', () => {
  for (const face of FACES) {
    test(`${face.name}: a stalled head fails with TotalTimeoutError; so does a stalled body`, async () => {
      const client = face.make({ timeout: { total: 600 } });
      await assert.rejects(async () => client.stream('GET', a.url('/hang')), TotalTimeoutError);
      const res: Streamed = await client.stream('GET', a.url('/stall-body'));
      assert.equal(res.status, 200);
      await assert.rejects(async () => res.bytes(), TotalTimeoutError);
      const totals = await settled(client);
      assert.equal(totals.busy, 0);
      assert.equal(totals.running, 0);
    });
  }

  test('async: an AbortSignal cancels the head wait, and a body being read', async () => {
    const early = new AbortController();
    setTimeout(() => early.abort(), 200);
    await assert.rejects(http.stream('GET', a.url('/hang'), { signal: early.signal }), AbortedError);
    await assert.rejects(http.stream('GET', a.url('/echo'), { signal: AbortSignal.abort() }), AbortedError);
    const late = new AbortController();
    const res = await http.stream('GET', a.url('/stall-body'), { signal: late.signal });
    setTimeout(() => late.abort(), 200);
    await assert.rejects(res.bytes(), AbortedError);
    const totals = await settled(http);
    assert.equal(totals.busy, 0);
    assert.equal(totals.running, 0);
  });
});
