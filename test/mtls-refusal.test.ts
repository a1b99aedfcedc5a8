/**
 * A server that refuses the client certificate (mutual TLS) is a TLSError naming what happened
 * (the alert, when the server sent one) on HTTP/1.1 and HTTP/2, on both faces; it was a
 * ConnectionClosedError "other side closed" (HTTP/1.1) or a connect timeout (HTTP/2).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TLSError } from 'onepool';
import { FACES } from './helpers/face-kinds.ts';
import { selfSigned, startServer, type TestServer } from './helpers/servers.ts';

// The CA the servers trust for client certificates, and a certificate it did not sign.
const trusted = selfSigned('client-ca');
const stranger = selfSigned('client-stranger');

const servers: Partial<Record<'https' | 'h2', TestServer>> = {};
before(async () => {
  servers.https = await startServer('https', { clientCA: trusted.cert });
  servers.h2 = await startServer('h2', { clientCA: trusted.cert });
});
after(() => Promise.all(Object.values(servers).map((s) => s.close())));

describe('a refused client certificate', () => {
  for (const face of FACES) {
    for (const kind of ['https', 'h2'] as const) {
      test(`${face.name} ${kind}: no client certificate: TLSError with the alert`, async () => {
        const server = servers[kind]!;
        await assert.rejects(
          async () => face.make({ tls: { ca: server.cert }, retry: 0 }).get(server.url('/echo')),
          (e: unknown) =>
            e instanceof TLSError &&
            e.message.includes('alert 116 (certificate required)') &&
            e.message.includes('tls.cert and tls.key'),
        );
      });

      test(`${face.name} ${kind}: a certificate from another CA: TLSError, not "other side closed"`, async () => {
        const server = servers[kind]!;
        const tls = { ca: server.cert, cert: stranger.cert, key: stranger.key };
        await assert.rejects(
          async () => face.make({ tls, retry: 0 }).get(server.url('/echo')),
          (e: unknown) =>
            e instanceof TLSError &&
            e.message.includes('right after the handshake') &&
            e.message.includes('client certificate'),
        );
      });

      test(`${face.name} ${kind}: an accepted certificate still gets its answer`, async () => {
        const server = servers[kind]!;
        const tls = { ca: server.cert, cert: trusted.cert, key: trusted.key };
        const res = await face.make({ tls }).get(server.url('/echo'));
        assert.equal(res.status, 200);
        assert.equal(res.httpVersion, kind === 'h2' ? '2' : '1.1');
      });
    }
  }
});
