/**
 * `socketPath`: HTTP/1.1 and h2c over a Unix domain socket (the Docker Engine API shape), on both
 * faces, against servers in child processes listening on socket files. The socket is part of the
 * pool key: two sockets behind the same URL origin never share a connection.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createPool, InvalidArgumentError, type KeyStats } from 'onepool';
import { withEnv } from './helpers/env.js';
import { FACES } from './helpers/face-kinds.js';
import { startServer, type TestServer } from './helpers/servers.js';

const dir = mkdtempSync(join(tmpdir(), 'onepool-unix-'));
const socket = (name: string) => join(dir, `${name}.sock`);
let h1: TestServer;
let other: TestServer;
let h2c: TestServer;
let https: TestServer;

before(async () => {
  [h1, other, h2c, https] = await Promise.all([
    startServer('http', { socketPath: socket('h1') }),
    startServer('http', { socketPath: socket('other') }),
    startServer('h2c', { socketPath: socket('h2c') }),
    startServer('https', { socketPath: socket('https') }),
  ]);
});
after(async () => {
  await Promise.all([h1, other, h2c, https].map((s) => s?.close()));
  rmSync(dir, { recursive: true, force: true });
});

const unixKeys = (keys: KeyStats[]) => keys.filter((k) => k.key.includes('unix='));

for (const face of FACES) {
  describe(`socketPath, ${face.name}`, () => {
    test('HTTP/1.1: 5 requests on one connection of the socket, the URL giving Host and path', async () => {
      await h1.reset();
      const pool = createPool();
      const client = face.make({ socketPath: socket('h1'), pool });
      for (let i = 0; i < 5; i++) {
        const res = await client.get(`http://localhost/echo?i=${i}`);
        assert.equal(res.status, 200);
        assert.equal(res.httpVersion, '1.1');
        const echo = res.json() as { url: string; headers: Record<string, string> };
        assert.equal(echo.url, `/echo?i=${i}`);
        assert.equal(echo.headers.host, 'localhost');
      }
      const stats = await h1.stats();
      assert.equal(stats.requests, 5);
      assert.equal(stats.connections, 1);
      const keys = unixKeys((await pool.stats()).keys);
      assert.equal(keys.length, 1);
      assert.equal(keys[0]!.key, `pool${pool.id}:http://localhost#unix=${JSON.stringify(socket('h1'))}`);
      assert.equal(keys[0]!.opened, 1);
      assert.equal(keys[0]!.reused, 4);
      await pool.close();
    });

    test('h2c with prior knowledge: 10 exchanges multiplexed on one connection', async () => {
      await h2c.reset();
      const pool = createPool();
      const client = face.make({ socketPath: socket('h2c'), http2: 'prior-knowledge', pool });
      for (let i = 0; i < 10; i++) {
        const res = await client.get('http://localhost/echo');
        assert.equal(res.status, 200);
        assert.equal(res.httpVersion, '2');
      }
      const stats = await h2c.stats();
      assert.equal(stats.requests, 10);
      assert.equal(stats.connections, 1);
      const keys = unixKeys((await pool.stats()).keys);
      assert.deepEqual(
        keys.map((k) => [k.protocol, k.opened]),
        [['h2', 1]],
      );
      await pool.close();
    });

    test('https: TLS over the socket, verified against the URL name, on 2 connections at once', async () => {
      await https.reset();
      const pool = createPool();
      const client = face.make({ socketPath: socket('https'), tls: { ca: https.cert }, pool });
      // The gate answers only once both requests are at the server: two connections, the first the
      // ALPN probe's, the second opened by undici's own connector.
      const url = `https://localhost/gate?key=${face.name}&n=2`;
      const results = await client.all([{ url }, { url }], { concurrency: 2 });
      for (const result of results) assert.equal(result.ok && result.response.status, 200);
      assert.equal((await https.stats()).connections, 2);
      await pool.close();
    });

    test('two sockets behind the same URL origin: a key and a connection each', async () => {
      await Promise.all([h1.reset(), other.reset()]);
      const pool = createPool();
      const client = face.make({ pool });
      for (let i = 0; i < 3; i++) {
        for (const name of ['h1', 'other']) {
          const res = await client.get('http://localhost/echo', { socketPath: socket(name) });
          assert.equal(res.status, 200);
        }
      }
      assert.deepEqual(
        [(await h1.stats()).requests, (await other.stats()).requests],
        [3, 3],
        'each server got its own requests',
      );
      assert.deepEqual([(await h1.stats()).connections, (await other.stats()).connections], [1, 1]);
      const keys = unixKeys((await pool.stats()).keys);
      assert.equal(keys.length, 2);
      await pool.close();
    });

    test('a proxy option is refused before anything is sent; environment proxies are not applied', async () => {
      await h1.reset();
      const client = face.make({ socketPath: socket('h1') });
      await assert.rejects(
        async () => client.get('http://localhost/echo', { proxy: 'http://127.0.0.1:9' }),
        (error: Error) => error instanceof InvalidArgumentError && /socketPath and proxy/.test(error.message),
      );
      assert.equal((await h1.stats()).requests, 0);
      // Port 9 (discard) has no listener on loopback: used, it would fail the call.
      await withEnv({ http_proxy: 'http://127.0.0.1:9' }, async () => {
        const res = await client.get('http://localhost/echo');
        assert.equal(res.status, 200);
      });
      assert.equal((await h1.stats()).requests, 1);
    });

    test('an empty socketPath is an InvalidArgumentError', async () => {
      const client = face.make();
      await assert.rejects(
        async () => client.get('http://localhost/echo', { socketPath: '' }),
        InvalidArgumentError,
      );
    });
  });
}
