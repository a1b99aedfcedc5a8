/**
 * Happy eyeballs and `resolve`, on both faces: a name mapped (without DNS or /etc/hosts) to an IPv6
 * address nothing listens on, then the IPv4 address where the server is. With autoSelectFamily (on
 * by default) the failed IPv6 attempt hands over to IPv4; with it off only the first address is
 * tried, and the call fails. Plain HTTP/1.1 (undici's connector), h2c and https (onepool's own
 * connects) all take the mapping.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConnectError, createPool, InvalidArgumentError, type KeyStats } from 'onepool';
import { withEnv } from './helpers/env.js';
import { FACES } from './helpers/face-kinds.js';
import { startServer, type TestServer } from './helpers/servers.js';

const NAME = 'dual-stack.onepool.test';
/** IPv6 first, as a dual-stack name answers: nothing listens on [::1] at the servers' ports. */
const DUAL = ['::1', '127.0.0.1'];

let h1: TestServer;
let h2c: TestServer;
let h2: TestServer;
before(async () => {
  [h1, h2c, h2] = await Promise.all([startServer('http'), startServer('h2c'), startServer('h2')]);
});
after(() => Promise.all([h1, h2c, h2].map((s) => s?.close())));

const port = (server: TestServer) => new URL(server.origin).port;
const mappedKeys = (keys: KeyStats[]) => keys.filter((k) => k.key.includes('resolve='));

for (const face of FACES) {
  describe(`resolve and happy eyeballs, ${face.name}`, () => {
    test('HTTP/1.1: the refused IPv6 address hands over to IPv4; the Host header is the name', async () => {
      await h1.reset();
      const pool = createPool();
      const client = face.make({ pool, resolve: { [NAME]: DUAL } });
      const url = `http://${NAME}:${port(h1)}/echo`;
      for (let i = 0; i < 3; i++) {
        const res = await client.get(url);
        assert.equal(res.status, 200);
        assert.equal((res.json() as { headers: Record<string, string> }).headers.host, `${NAME}:${port(h1)}`);
      }
      const stats = await h1.stats();
      assert.deepEqual([stats.requests, stats.connections], [3, 1]);
      assert.equal(mappedKeys((await pool.stats()).keys).length, 1);
      await pool.close();
    });

    test('autoSelectFamily false: only the first address is tried, and the call fails', async () => {
      await h1.reset();
      const client = face.make({ resolve: { [NAME]: DUAL }, autoSelectFamily: false, retry: { limit: 0 } });
      await assert.rejects(async () => client.get(`http://${NAME}:${port(h1)}/echo`), ConnectError);
      assert.equal((await h1.stats()).connections, 0);
    });

    test('an attempt delay of 10 ms still falls back, on its own pool key', async () => {
      const pool = createPool();
      const url = `http://${NAME}:${port(h1)}/echo`;
      const client = face.make({ pool, resolve: { [NAME]: DUAL } });
      assert.equal((await client.get(url)).status, 200);
      assert.equal((await client.get(url, { autoSelectFamilyAttemptTimeout: 10 })).status, 200);
      const keys = mappedKeys((await pool.stats()).keys).map((k) => k.key);
      assert.equal(keys.length, 2);
      assert.ok(
        keys.some((k) => k.endsWith(',afdelay=10')),
        keys.join(' '),
      );
      await pool.close();
    });

    test('h2c with prior knowledge and https with ALPN take the mapping too', async () => {
      await Promise.all([h2c.reset(), h2.reset()]);
      const pool = createPool();
      const plain = face.make({ pool, resolve: { [NAME]: DUAL }, http2: 'prior-knowledge' });
      const res = await plain.get(`http://${NAME}:${port(h2c)}/echo`);
      assert.deepEqual([res.status, res.httpVersion], [200, '2']);
      // The certificate names localhost: the mapped name is what TLS verifies.
      const secure = face.make({ pool, resolve: { localhost: DUAL }, tls: { ca: h2.cert } });
      const tls = await secure.get(`https://localhost:${port(h2)}/echo`);
      assert.deepEqual([tls.status, tls.httpVersion], [200, '2']);
      assert.deepEqual([(await h2c.stats()).connections, (await h2.stats()).connections], [1, 1]);
      await pool.close();
    });

    test('a proxy option is refused with resolve; environment proxies skip a mapped name', async () => {
      await h1.reset();
      const client = face.make({ resolve: { [NAME]: '127.0.0.1' } });
      const url = `http://${NAME}:${port(h1)}/echo`;
      await assert.rejects(
        async () => client.get(url, { proxy: 'http://127.0.0.1:9' }),
        (error: Error) => error instanceof InvalidArgumentError && /resolve and proxy/.test(error.message),
      );
      // Port 9 (discard) has no listener on loopback: used, it would fail the call.
      await withEnv({ http_proxy: 'http://127.0.0.1:9' }, async () => {
        assert.equal((await client.get(url)).status, 200);
      });
      assert.equal((await h1.stats()).requests, 1);
    });

    test('invalid values are InvalidArgumentErrors before anything is sent', async () => {
      const client = face.make();
      const url = `http://${NAME}:${port(h1)}/echo`;
      for (const options of [
        { resolve: { [NAME]: 'not-an-address' } },
        { resolve: { [NAME]: [] } },
        { resolve: { '127.0.0.1': '::1' } },
        { resolve: 'x' },
        { autoSelectFamily: 'yes' },
        { autoSelectFamilyAttemptTimeout: 5 },
        { autoSelectFamilyAttemptTimeout: 12.5 },
      ]) {
        await assert.rejects(
          async () => client.get(url, options as never),
          InvalidArgumentError,
          JSON.stringify(options),
        );
      }
    });
  });
}
