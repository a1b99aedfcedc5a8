/**
 * An HTTP/2 connection the server closes before its first SETTINGS (h2c prior knowledge sent to an
 * HTTP/1.1-only server; a TLS server that picks h2 by ALPN and hangs up) fails its exchanges at once
 * with a ConnectError that says so, instead of reconnecting in a loop until `timeout.connect`
 * (thousands of connections a second, reported as a ConnectTimeoutError). Connections are counted
 * at the server: one per exchange at most, fewer while the key backs off.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnectError, type RequestOptions } from 'onepool';
import { FACES } from './helpers/face-kinds.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

const CALLS = 20;

const cases: {
  name: string;
  start(): Promise<TestServer>;
  options(server: TestServer): RequestOptions;
  message: RegExp;
}[] = [
  {
    name: 'h2c prior knowledge to an HTTP/1.1-only server',
    start: () => startServer('http'),
    options: () => ({ http2: 'prior-knowledge' }),
    message: /closed the connection before HTTP\/2 SETTINGS: it may not speak h2c/,
  },
  {
    name: 'a TLS server that picks h2 by ALPN and closes',
    start: () => startServer('h2-hangup'),
    options: (server) => ({ tls: { ca: server.cert } }),
    message: /closed the connection before HTTP\/2 SETTINGS: though it chose h2 by ALPN/,
  },
];

describe('HTTP/2 connection closed before SETTINGS', () => {
  for (const c of cases) {
    for (const face of FACES) {
      test(`${face.name}: ${c.name} fails with ConnectError, without a reconnect storm`, async (t) => {
        // A server of its own: the back-off belongs to the pool key, which the faces share.
        const server = await c.start();
        try {
          // A generous connect timeout: before the fix the storm ran until it, then reported it.
          const client = face.make({ ...c.options(server), timeout: { connect: 2_000 }, retry: false });
          const expected = (error: unknown) => {
            assert.ok(error instanceof ConnectError, `${(error as Error).name}: ${(error as Error).message}`);
            assert.equal(error.code, 'ONEPOOL_ERR_CONNECT');
            assert.match(error.message, c.message);
            return true;
          };
          await assert.rejects(async () => client.get(server.url('/echo')), expected);
          const first = (await server.stats()).connections;
          assert.equal(first, 1, 'one exchange, one connection');
          for (let i = 1; i < CALLS; i++)
            await assert.rejects(async () => client.get(server.url('/echo')), expected);
          const total = (await server.stats()).connections;
          t.diagnostic(`connections at the server: ${first} after 1 call, ${total} after ${CALLS}`);
          assert.ok(total >= 1 && total <= CALLS, `${total} connections for ${CALLS} calls`);
        } finally {
          await server.close();
        }
      });
    }
  }
});
