/**
 * timeout.read runs from when the request has been sent, not during the upload; timeout.write bounds
 * a stall while the body goes out. Against servers (child processes) that read an upload slowly, in
 * paced bursts, or never; on both faces, HTTP/1.1 and HTTP/2, direct and through a proxy.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Body, Client, file, type RequestOptions, TimeoutError, WriteTimeoutError } from 'onepool';
import { FACES, rejection, request } from './helpers/faces.js';
import { type FakeProxies, startFakeProxies } from './helpers/proxies.js';
import { startServer, type TestServer } from './helpers/servers.js';

const MiB = 1024 * 1024;
/**
 * Read in 1 MiB bursts with 100 ms of nothing after each: 32 MiB take at least 3.1 s at the server,
 * longer than READ, while the part still in the socket buffers once the last chunk is handed over
 * (measured: about 0.7 s of reading on HTTP/1.1 here, far less on HTTP/2's flow control) is read
 * well within it.
 */
const SLOW = '/slow-read?burst=1048576&pause=100';
const UPLOAD = 32 * MiB;
const READ = 2_500;
/** More than the loopback socket buffers (and a proxy's) take before the sender stalls. */
const STALLED_UPLOAD = 48 * MiB;

const kinds = ['http', 'h2'] as const;
const servers: Partial<Record<(typeof kinds)[number], TestServer>> = {};
let proxies: FakeProxies;
let dir = '';
let bigFile = '';
before(async () => {
  servers.http = await startServer('http');
  servers.h2 = await startServer('h2');
  proxies = await startFakeProxies();
  dir = mkdtempSync(join(tmpdir(), 'onepool-write-timeout-'));
  bigFile = join(dir, 'upload.bin');
  writeFileSync(bigFile, new Uint8Array(UPLOAD).fill(7));
});
after(async () => {
  await Promise.all([...Object.values(servers).map((s) => s.close()), proxies.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const bodies: Record<string, () => Body> = {
  bytes: () => new Uint8Array(UPLOAD).fill(1),
  file: () => file(bigFile),
};

const clientFor = (extra: RequestOptions = {}) => new Client({ tls: { ca: servers.h2!.cert }, ...extra });

describe('a slow upload that keeps moving succeeds past timeout.read', () => {
  for (const kind of kinds)
    for (const face of FACES)
      for (const [name, body] of Object.entries(bodies))
        test(`${kind}, ${face}, ${name}: 32 MiB read in 3 s or more, timeout.read 2500`, async () => {
          const server = servers[kind]!;
          const res = await request(
            face,
            'POST',
            server.url(SLOW),
            { body: body(), timeout: { read: READ, write: 10_000 } },
            clientFor(),
          );
          assert.equal(res.status, 200);
          assert.deepEqual(res.json(), { bytes: UPLOAD });
          assert.equal(res.httpVersion, kind === 'h2' ? '2' : '1.1');
        });

  test('async, a streamed body (async iterable) read slowly, timeout.read 2500', async () => {
    async function* chunks() {
      for (let i = 0; i < UPLOAD / (256 * 1024); i++) yield new Uint8Array(256 * 1024).fill(2);
    }
    for (const kind of kinds) {
      const res = await clientFor().post(servers[kind]!.url(SLOW), {
        body: chunks(),
        timeout: { read: READ, write: 10_000 },
      });
      assert.equal(res.status, 200, kind);
      assert.deepEqual(res.json(), { bytes: UPLOAD }, kind);
    }
  });

  for (const face of FACES)
    for (const kind of kinds)
      test(`${kind}, ${face}: through a proxy (${kind === 'http' ? 'forwarded' : 'CONNECT tunnel'})`, async () => {
        const res = await request(
          face,
          'POST',
          servers[kind]!.url(SLOW),
          { body: bodies.bytes!(), timeout: { read: READ, write: 10_000 } },
          clientFor({ proxy: proxies.url('ok') }),
        );
        assert.equal(res.status, 200);
        assert.deepEqual(res.json(), { bytes: UPLOAD });
        const seen = await proxies.seen();
        assert.ok(
          seen.some((s) => s.kind === (kind === 'http' ? 'forward' : 'connect')),
          'the exchange went through the proxy',
        );
      });
});

describe('an upload the server stops reading fails with WriteTimeoutError', () => {
  for (const kind of kinds)
    for (const face of FACES)
      for (const via of ['direct', 'proxy'] as const)
        test(`${kind}, ${face}, ${via}: the server never reads; timeout.write 1000 (timeout.read 3000)`, async () => {
          const options: RequestOptions = {
            body: new Uint8Array(STALLED_UPLOAD),
            timeout: { read: 3_000, write: 1_000 },
          };
          const client = clientFor(via === 'proxy' ? { proxy: proxies.url('ok') } : {});
          const error = await rejection(() =>
            request(face, 'POST', servers[kind]!.url('/no-read'), options, client),
          );
          assert.ok(error instanceof WriteTimeoutError, String(error));
          assert.ok(error instanceof TimeoutError);
          assert.equal(error.code, 'ONEPOOL_ERR_WRITE_TIMEOUT');
          assert.equal(WriteTimeoutError.code, 'ONEPOOL_ERR_WRITE_TIMEOUT');
          assert.match(error.message, /timeout\.write|write timeout/);
        });

  test('a number sets timeout.write too; 0 disables it (then timeout.total ends the call)', async () => {
    for (const face of FACES) {
      const url = servers.http!.url('/no-read');
      const numbered = await rejection(() =>
        request(face, 'POST', url, { body: new Uint8Array(STALLED_UPLOAD), timeout: 1_000 }),
      );
      assert.ok(numbered instanceof WriteTimeoutError, `${face}: ${numbered}`);
      const disabled = await rejection(() =>
        request(face, 'POST', url, {
          body: new Uint8Array(STALLED_UPLOAD),
          timeout: { read: 500, write: 0, total: 2_000 },
        }),
      );
      assert.equal((disabled as TimeoutError).code, 'ONEPOOL_ERR_TOTAL_TIMEOUT', `${face}: ${disabled}`);
    }
  });
});
