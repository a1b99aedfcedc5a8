/**
 * A streamed exchange starts on the pool exactly as a buffered one does: through the request's
 * proxy (the pool entry it creates carries the proxy, so later buffered calls of the same key go
 * through it too), and with an exact read timer on the response head.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { http, httpSync, ReadTimeoutError } from 'onepool';
import { type FakeProxies, startFakeProxies } from './helpers/proxies.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let server: TestServer;
let fake: FakeProxies;
before(async () => {
  [server, fake] = await Promise.all([startServer('http'), startFakeProxies()]);
});
after(() => Promise.all([server.close(), fake.close()]));

for (const face of ['async', 'sync'] as const) {
  test(`${face}: stream() goes through the proxy, and so does the next buffered call on its key`, async () => {
    await fake.reset();
    // userinfo makes a key of this test's own (the fake proxy ignores it)
    const proxy = fake.url('ok', `stream-${face}:x`);
    const url = server.url(`/echo?face=${face}`);
    const streamed =
      face === 'async' ? await http.stream('GET', url, { proxy }) : httpSync.stream('GET', url, { proxy });
    const body = face === 'async' ? await streamed.bytes() : (streamed as { bytes(): Uint8Array }).bytes();
    assert.equal(JSON.parse(new TextDecoder().decode(body)).url, `/echo?face=${face}`);
    const buffered = face === 'async' ? await http.get(url, { proxy }) : httpSync.get(url, { proxy });
    assert.equal(buffered.status, 200);
    const forwarded = (await fake.seen()).filter(
      (s) => s.kind === 'forward' && s.target.includes(`face=${face}`),
    );
    assert.equal(forwarded.length, 2, 'both the streamed and the buffered request went through the proxy');
  });

  test(`${face}: stream() against a server that never answers fails with ReadTimeoutError on time`, async () => {
    const read = 300;
    const t0 = Date.now();
    const call = () =>
      face === 'async'
        ? http.stream('GET', server.url('/hang'), { timeout: { read } })
        : Promise.resolve().then(() => httpSync.stream('GET', server.url('/hang'), { timeout: { read } }));
    await assert.rejects(call(), ReadTimeoutError);
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= read - 50, `fired early: ${elapsed} ms`);
    // undici's own timers alone would fire after read + 2 s (its backstop) in ~500 ms steps
    assert.ok(elapsed < read + 1500, `fired late: ${elapsed} ms`);
  });
}
