/**
 * Proxies (issue 7): forwarding, CONNECT tunnels (HTTP/1.1 and HTTP/2 inside), SOCKS5, the
 * environment, NO_PROXY, pool keys, and the proxy's refusals, on both faces. Real squid and dante
 * where installed (required with CI=true); Node proxies in a child process for the fault cases.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ConnectionClosedError,
  http,
  httpSync,
  InvalidHeaderError,
  ProxyError,
  type RequestOptions,
  type Response,
} from 'onepool';
import { noProxyMatches, proxyFor } from '../src/core/proxy.ts';
import { poolKey } from '../src/core/transport-key.ts';
import {
  DANTE,
  type FakeProxies,
  missing,
  missingSocksUser,
  type RealProxy,
  SOCKS_PASSWORD,
  SOCKS_USER,
  SQUID,
  startDante,
  startFakeProxies,
  startSquid,
} from './helpers/proxies.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

const FACES = {
  async: (method: string, url: string, o?: RequestOptions) => http.request(method, url, o),
  sync: async (method: string, url: string, o?: RequestOptions) => httpSync.request(method, url, o),
} as const;

async function failure(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the request to fail');
}

const echoed = (res: Response) => res.json() as { headers: Record<string, string>; url: string };

test('NO_PROXY matrix', () => {
  const cases: [noProxy: string, url: string, exempt: boolean][] = [
    ['*', 'http://anything.test/', true],
    ['example.com', 'http://example.com/', true],
    ['example.com', 'http://a.example.com/', true],
    ['example.com', 'http://badexample.com/', false],
    ['.example.com', 'http://example.com/', false],
    ['.example.com', 'http://a.b.example.com/', true],
    ['*.example.com', 'https://x.example.com/', true],
    ['EXAMPLE.com', 'http://Example.COM./', true],
    ['example.com:8080', 'http://example.com:8080/', true],
    ['example.com:8080', 'http://example.com/', false],
    ['example.com:443', 'https://example.com/', true],
    ['10.0.0.0/8', 'http://10.20.30.40/', true],
    ['10.0.0.0/8', 'http://11.0.0.1/', false],
    ['10.0.0.0/8', 'http://ten.example/', false],
    ['127.0.0.1', 'http://127.0.0.1:9/', true],
    ['127.0.0.1:80', 'http://127.0.0.1:9/', false],
    ['::1', 'http://[::1]/', true],
    ['[::1]:8080', 'http://[::1]:8080/', true],
    ['fd00::/8', 'http://[fd12::1]/', true],
    ['fd00::/8', 'http://[fe80::1]/', false],
    ['a.test, b.test  c.test', 'http://c.test/', true],
    ['a.test,,', 'http://b.test/', false],
    ['', 'http://a.test/', false],
    ['localhost', 'http://127.0.0.1/', false],
  ];
  for (const [noProxy, url, exempt] of cases)
    assert.equal(noProxyMatches(noProxy, new URL(url)), exempt, `NO_PROXY=${noProxy} ${url}`);
});

test('environment: scheme, precedence, ALL_PROXY, NO_PROXY, proxy:false, httpoxy', () => {
  const http1 = new URL('http://a.test/');
  const https1 = new URL('https://a.test/');
  const via = (option: RequestOptions['proxy'], url: URL, env: Record<string, string>) =>
    proxyFor(option, url, env)?.display;
  assert.equal(via(undefined, http1, { HTTP_PROXY: 'http://p:1' }), 'http://p:1');
  assert.equal(via(undefined, https1, { HTTP_PROXY: 'http://p:1' }), undefined);
  assert.equal(via(undefined, https1, { HTTPS_PROXY: 'p2:2' }), 'http://p2:2');
  assert.equal(
    via(undefined, https1, { https_proxy: 'http://low:1', HTTPS_PROXY: 'http://up:1' }),
    'http://low:1',
  );
  assert.equal(
    via(undefined, https1, { ALL_PROXY: 'socks5h://s:9' }),
    'socks5h://s:1080'.replace('1080', '9'),
  );
  assert.equal(via(undefined, http1, { all_proxy: 'socks5://s' }), 'socks5://s:1080');
  assert.equal(via(undefined, http1, { HTTP_PROXY: 'http://p:1', NO_PROXY: 'a.test' }), undefined);
  assert.equal(via(undefined, http1, { HTTP_PROXY: 'http://p:1', no_proxy: '*' }), undefined);
  assert.equal(via(false, http1, { HTTP_PROXY: 'http://p:1' }), undefined);
  assert.equal(via('http://o:3', http1, { NO_PROXY: '*' }), 'http://o:3');
  // httpoxy: in a CGI process HTTP_PROXY may come from a request header
  assert.equal(via(undefined, http1, { HTTP_PROXY: 'http://evil:1', REQUEST_METHOD: 'GET' }), undefined);
  assert.equal(via(undefined, http1, { http_proxy: 'http://ok:1', REQUEST_METHOD: 'GET' }), 'http://ok:1');
  assert.throws(() => proxyFor('ftp://x', http1, {}), /unsupported proxy scheme/);
});

test('pool keys: proxies and credentials split, credentials never shown', () => {
  const t = { id: '', config: undefined };
  const key = (p: string) => poolKey(0, 'https://o.test', t, proxyFor(p, new URL('https://o.test')));
  assert.equal(key('http://127.0.0.1:3128'), 'https://o.test via http://127.0.0.1:3128');
  const a = key('http://u:secret1@127.0.0.1:3128');
  const b = key('http://u:secret2@127.0.0.1:3128');
  assert.notEqual(a, b);
  assert.notEqual(a, key('http://127.0.0.1:3129'));
  assert.notEqual(key('socks5://127.0.0.1:1080'), key('socks5h://127.0.0.1:1080'));
  for (const k of [a, b]) {
    assert.match(k, /^https:\/\/o\.test via http:\/\/127\.0\.0\.1:3128 \(auth [0-9a-f]{12}\)$/);
    assert.ok(!k.includes('secret') && !k.includes('u:'));
  }
});

describe('through proxies', () => {
  let fake: FakeProxies;
  let authFake: FakeProxies;
  let a: TestServer;
  let b: TestServer;
  let sa: TestServer;
  let sb: TestServer;
  let h2: TestServer;
  let ca: string;

  before(async () => {
    [fake, authFake, a, b, sa, sb, h2] = await Promise.all([
      startFakeProxies(),
      startFakeProxies({ auth: 'alice:s3cret' }),
      startServer('http'),
      startServer('http'),
      startServer('https'),
      startServer('https'),
      startServer('h2'),
    ]);
    ca = sa.cert;
  });
  after(async () => {
    await Promise.all([fake, authFake, a, b, sa, sb, h2].map((s) => s?.close()));
  });

  for (const [face, request] of Object.entries(FACES)) {
    describe(`${face} face`, () => {
      test('two origins through one proxy land on their own origins (forward and CONNECT)', async () => {
        // per-face credentials (this proxy ignores them) give each face keys of its own
        const proxy = fake.url('ok', `${face}:x`);
        for (const [x, y] of [
          [a, b],
          [sa, sb],
        ] as const) {
          await Promise.all([x.reset(), y.reset()]);
          for (let i = 0; i < 3; i++) {
            const rx = await request('GET', x.url(`/echo?to=x${i}`), { proxy, tls: { ca } });
            const ry = await request('GET', y.url(`/echo?to=y${i}`), { proxy, tls: { ca } });
            assert.equal(echoed(rx).url, `/echo?to=x${i}`);
            assert.equal(echoed(ry).url, `/echo?to=y${i}`);
          }
          // checked at the servers: each saw all of its own requests and none of the other's
          const [sx, sy] = await Promise.all([x.stats(), y.stats()]);
          const urls = (st: typeof sx) => st.seen.map((r) => r.url).filter((u) => u.startsWith('/echo?to='));
          assert.deepEqual(new Set(urls(sx)), new Set([0, 1, 2].map((i) => `/echo?to=x${i}`)));
          assert.deepEqual(new Set(urls(sy)), new Set([0, 1, 2].map((i) => `/echo?to=y${i}`)));
        }
        const seen = await fake.seen();
        assert.ok(seen.some((s) => s.kind === 'forward' && s.target.startsWith(a.origin)));
        assert.ok(seen.some((s) => s.kind === 'connect' && s.target === sa.origin.slice('https://'.length)));
      });

      test('connections are reused through a tunnel, and stats show the proxied key', async () => {
        const proxy = fake.url('ok');
        // a key of this test's own (a TLS setting per face), so no connection of another test is reused
        const tls =
          face === 'async'
            ? { ca, minVersion: 'TLSv1.2' as const }
            : { ca: [ca], minVersion: 'TLSv1.3' as const };
        await sa.reset();
        const first = await request('GET', sa.url('/echo'), { proxy, tls });
        const second = await request('GET', sa.url('/echo'), { proxy, tls });
        assert.equal(second.connection.id, first.connection.id);
        assert.equal(second.connection.reused, true);
        assert.equal((await sa.stats()).connections, 1);
        const stats = await http.pool.stats();
        const key = stats.keys.find((k) => k.key.startsWith(sa.origin) && k.key.includes(proxy));
        assert.ok(key, JSON.stringify(stats.keys.map((k) => k.key)));
        assert.equal(key.key.endsWith(` via ${proxy}`) || key.key.includes(` via ${proxy} (`), true);
      });

      test('a client through P1 and another through P2 share no connection', async () => {
        await sa.reset();
        const p1 = fake.url('ok');
        const p2 = fake.url('socks');
        const r1 = await request('GET', sa.url('/echo'), { proxy: p1, tls: { ca } });
        const r2 = await request('GET', sa.url('/echo'), { proxy: p2, tls: { ca } });
        const r3 = await request('GET', sa.url('/echo'), { proxy: false, tls: { ca } });
        const ids = [r1, r2, r3].map((r) => r.headers.get('x-conn-id'));
        assert.equal(new Set(ids).size, 3, `server connection ids ${ids}`);
        assert.equal(new Set([r1, r2, r3].map((r) => r.connection.id)).size, 3);
      });

      test('HTTP/2 to the origin inside a CONNECT tunnel', async () => {
        const res = await request('GET', h2.url('/echo'), { proxy: fake.url('ok'), tls: { ca } });
        assert.equal(res.httpVersion, '2');
        assert.equal(res.connection.protocol, 'h2');
        assert.equal(echoed(res).headers['proxy-authorization'], undefined);
      });

      test('SOCKS5 with credentials, socks5 and socks5h', async () => {
        const [, url] = [0, authFake.url('socks', 'alice:s3cret')];
        for (const scheme of ['socks5', 'socks5h']) {
          const proxy = url.replace('socks5', scheme);
          const rh = await request('GET', a.url('/echo?socks=1'), { proxy });
          const rs = await request('GET', sa.url('/echo?socks=2'), { proxy, tls: { ca } });
          assert.equal(echoed(rh).url, '/echo?socks=1');
          assert.equal(echoed(rs).url, '/echo?socks=2');
        }
        const seen = (await authFake.seen()).filter((s) => s.kind === 'socks');
        assert.ok(seen.length >= 4 && seen.every((s) => s.user === 'alice'));
        const bad = await failure(() =>
          request('GET', a.url('/echo'), { proxy: authFake.url('socks', 'alice:wrong') }),
        );
        assert.ok(bad instanceof ProxyError, String(bad));
      });

      test('CONNECT answered 407, 500, or 200 with a body: ProxyError, nothing reaches the origin', async () => {
        await sa.reset();
        for (const [mode, status] of [
          ['407', 407],
          ['500', 500],
          ['body', 200],
        ] as const) {
          const error = await failure(() =>
            request('GET', sa.url('/echo'), { proxy: fake.url(mode), tls: { ca } }),
          );
          assert.ok(error instanceof ProxyError, `${mode}: ${error}`);
          assert.equal(error.code, 'ONEPOOL_ERR_PROXY');
          assert.equal(error.status, status);
        }
        const stats = await sa.stats();
        assert.equal(stats.connections, 0);
        assert.equal(stats.requests, 0);
      });

      test('a forward proxy answering 407 is a ProxyError', async () => {
        const error = await failure(() =>
          request('GET', a.url('/echo'), { proxy: authFake.url('ok', 'alice:wrong') }),
        );
        assert.ok(error instanceof ProxyError, String(error));
        assert.equal(error.status, 407);
      });

      test('a proxy closing mid-tunnel fails the exchange with ConnectionClosedError', async () => {
        const error = await failure(() =>
          request('GET', sa.url('/bytes/2000000'), { proxy: fake.url('cut'), tls: { ca } }),
        );
        assert.ok(error instanceof ConnectionClosedError, String(error));
      });

      test('CVE-2023-32681: Proxy-Authorization goes only into CONNECT, never to an origin', async () => {
        await Promise.all([authFake.reset(), sa.reset(), sb.reset()]);
        const proxy = authFake.url('ok', 'alice:s3cret');
        // The second hop is what a redirect from sa to sb sends: the same options, another origin.
        const first = await request('GET', sa.url('/echo'), { proxy, tls: { ca } });
        const second = await request('GET', sb.url('/echo'), { proxy, tls: { ca } });
        for (const res of [first, second])
          assert.equal(echoed(res).headers['proxy-authorization'], undefined);
        for (const server of [sa, sb])
          for (const s of (await server.stats()).seen)
            assert.equal(s.headers['proxy-authorization'], undefined);
        const connects = (await authFake.seen()).filter((s) => s.kind === 'connect');
        assert.deepEqual(
          connects.map((s) => s.target).sort(),
          [sa.origin, sb.origin].map((o) => o.slice('https://'.length)).sort(),
        );
        const basic = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;
        assert.ok(connects.every((s) => s.proxyAuth === basic));
        const refused = await failure(() =>
          request('GET', sb.url('/echo'), { proxy, tls: { ca }, headers: { 'Proxy-Authorization': basic } }),
        );
        assert.ok(refused instanceof InvalidHeaderError, String(refused));
      });

      test('the environment is read at each request; proxy:false ignores it', async () => {
        const saved = { ...process.env };
        try {
          // a TLS configuration of this test's own per face, and the pool's per-key exchange counts as the oracle
          const tls = face === 'async' ? { ca, servername: 'localhost' } : { ca: [ca, ca] };
          const count = async () => {
            const out = { via: 0, direct: 0 };
            for (const k of (await http.pool.stats()).keys)
              if (k.key.startsWith(sa.origin)) out[k.key.includes(' via ') ? 'via' : 'direct'] += k.exchanges;
            return out;
          };
          const before = await count();
          process.env.HTTPS_PROXY = fake.url('ok');
          delete process.env.NO_PROXY;
          delete process.env.no_proxy;
          delete process.env.https_proxy;
          await request('GET', sa.url('/echo?env=1'), { tls });
          process.env.NO_PROXY = '127.0.0.1';
          await request('GET', sa.url('/echo?env=2'), { tls });
          delete process.env.NO_PROXY;
          await request('GET', sa.url('/echo?env=3'), { tls, proxy: false });
          delete process.env.HTTPS_PROXY;
          await request('GET', sa.url('/echo?env=4'), { tls });
          process.env.HTTPS_PROXY = fake.url('ok');
          await request('GET', sa.url('/echo?env=5'), { tls });
          const now = await count();
          // exchanges 1 and 5 went through the proxy, 2 (NO_PROXY), 3 (proxy: false) and 4 (no env) did not
          assert.deepEqual(
            { via: now.via - before.via, direct: now.direct - before.direct },
            { via: 2, direct: 3 },
          );
        } finally {
          for (const name of ['HTTPS_PROXY', 'NO_PROXY']) delete process.env[name];
          Object.assign(process.env, saved);
        }
      });
    });
  }
});

describe('real proxies: squid and dante', () => {
  const skipSquid = missing(SQUID);
  const skipDante = missing(DANTE);
  const skipSocksAuth = missingSocksUser();
  let squid: RealProxy;
  let squidAuth: RealProxy;
  let dante: RealProxy;
  let danteAuth: RealProxy;
  let a: TestServer;
  let sa: TestServer;
  let sb: TestServer;
  let h2: TestServer;

  before(async () => {
    [a, sa, sb, h2] = await Promise.all([
      startServer('http'),
      startServer('https'),
      startServer('https'),
      startServer('h2'),
    ]);
    // One at a time, each kept as soon as it runs, so after() stops whichever started.
    if (!skipSquid) {
      squid = await startSquid();
      squidAuth = await startSquid('bob:pa55word');
    }
    if (!skipDante) dante = await startDante();
    if (!skipSocksAuth) danteAuth = await startDante({ auth: true });
  });
  after(async () => {
    await Promise.all([squid, squidAuth, dante, danteAuth, a, sa, sb, h2].map((s) => s?.close()));
  });

  for (const [face, request] of Object.entries(FACES)) {
    test(`${face}: squid forwards http and tunnels https (h1 and h2), with basic auth`, {
      skip: skipSquid,
    }, async () => {
      const ca = sa.cert;
      const withAuth = squidAuth.url.replace('http://', 'http://bob:pa55word@');
      for (const proxy of [squid.url, withAuth]) {
        const rh = await request('GET', a.url('/echo?squid=1'), { proxy });
        assert.equal(rh.status, 200);
        assert.equal(echoed(rh).headers['proxy-authorization'], undefined);
        const rs = await request('GET', sa.url('/echo?squid=2'), { proxy, tls: { ca } });
        assert.equal(echoed(rs).url, '/echo?squid=2');
        assert.equal(echoed(rs).headers['proxy-authorization'], undefined);
        const r2 = await request('GET', h2.url('/echo'), { proxy, tls: { ca } });
        assert.equal(r2.httpVersion, '2');
        // then the other origin, as a redirect's next hop would be
        const rb = await request('GET', sb.url('/echo'), { proxy, tls: { ca } });
        assert.equal(echoed(rb).headers['proxy-authorization'], undefined);
      }
      const wrong = squidAuth.url.replace('http://', 'http://bob:nope@');
      const e1 = await failure(() => request('GET', sa.url('/echo'), { proxy: wrong, tls: { ca } }));
      assert.ok(e1 instanceof ProxyError && e1.status === 407, String(e1));
      const e2 = await failure(() => request('GET', a.url('/echo'), { proxy: wrong }));
      assert.ok(e2 instanceof ProxyError && e2.status === 407, String(e2));
    });

    test(`${face}: squid as an https:// proxy (TLS to the proxy) forwards http and tunnels https (h1 and h2)`, {
      skip: skipSquid,
    }, async () => {
      const ca = sa.cert;
      const authed = squidAuth.httpsUrl!.replace('https://', `https://bob:pa55word@`);
      for (const [url, cert] of [
        [squid.httpsUrl!, squid.cert!],
        [authed, squidAuth.cert!],
      ] as const) {
        const proxy = { url, tls: { ca: cert } };
        const rh = await request('GET', a.url(`/echo?tls-proxy=${face}`), { proxy });
        assert.equal(echoed(rh).url, `/echo?tls-proxy=${face}`);
        assert.equal(echoed(rh).headers['proxy-authorization'], undefined);
        const rs = await request('GET', sa.url('/echo?tls-proxy=2'), { proxy, tls: { ca } });
        assert.equal(rs.httpVersion, '1.1');
        assert.equal(echoed(rs).url, '/echo?tls-proxy=2');
        assert.equal(echoed(rs).headers['proxy-authorization'], undefined);
        // TLS to the origin inside TLS to the proxy, h2 negotiated with the origin through the tunnel
        const r2 = await request('GET', h2.url('/echo'), { proxy, tls: { ca } });
        assert.equal(r2.httpVersion, '2');
        assert.equal(r2.connection.protocol, 'h2');
      }
      // The proxy's certificate is checked against proxy.tls, never against the origin's `tls`.
      const e1 = await failure(() =>
        request('GET', sa.url('/echo'), { proxy: { url: squid.httpsUrl!, tls: { ca } }, tls: { ca } }),
      );
      assert.equal((e1 as { code?: string }).code, 'ONEPOOL_ERR_TLS', String(e1));
      assert.match(e1.message, /proxy/, e1.message);
      const unverified = { url: squid.httpsUrl!, tls: { verify: false } };
      assert.equal((await request('GET', a.url('/echo'), { proxy: unverified })).status, 200);
      const wrong = squidAuth.httpsUrl!.replace('https://', 'https://bob:nope@');
      const e2 = await failure(() =>
        request('GET', sa.url('/echo'), { proxy: { url: wrong, tls: { ca: squidAuth.cert! } }, tls: { ca } }),
      );
      assert.ok(e2 instanceof ProxyError && e2.status === 407, String(e2));
    });

    test(`${face}: dante (SOCKS5) with username and password (RFC 1929)`, {
      skip: skipSocksAuth,
    }, async () => {
      const userinfo = `${SOCKS_USER}:${SOCKS_PASSWORD}@`;
      for (const scheme of ['socks5://', 'socks5h://']) {
        const proxy = danteAuth.url.replace('socks5://', scheme + userinfo);
        const rh = await request('GET', a.url(`/echo?da=${face}`), { proxy });
        assert.equal(echoed(rh).url, `/echo?da=${face}`);
        const rs = await request('GET', sa.url('/echo?da=2'), { proxy, tls: { ca: sa.cert } });
        assert.equal(echoed(rs).url, '/echo?da=2');
      }
      for (const proxy of [
        danteAuth.url.replace('socks5://', `socks5://${SOCKS_USER}:nope@`),
        danteAuth.url,
      ]) {
        const error = await failure(() => request('GET', a.url('/echo'), { proxy }));
        assert.ok(error instanceof ProxyError, String(error));
      }
    });

    test(`${face}: dante (SOCKS5) reaches two origins, http and https`, { skip: skipDante }, async () => {
      for (const proxy of [dante.url, dante.url.replace('socks5:', 'socks5h:')]) {
        const rh = await request('GET', a.url(`/echo?d=${face}1`), { proxy });
        const rs = await request('GET', sa.url(`/echo?d=${face}2`), { proxy, tls: { ca: sa.cert } });
        assert.equal(echoed(rh).url, `/echo?d=${face}1`);
        assert.equal(echoed(rs).url, `/echo?d=${face}2`);
      }
      const marked = (st: { seen: { url: string }[] }) =>
        st.seen.map((r) => r.url).filter((u) => u.startsWith(`/echo?d=${face}`));
      assert.deepEqual(marked(await a.stats()), [`/echo?d=${face}1`, `/echo?d=${face}1`]);
      assert.deepEqual(marked(await sa.stats()), [`/echo?d=${face}2`, `/echo?d=${face}2`]);
    });
  }
});
