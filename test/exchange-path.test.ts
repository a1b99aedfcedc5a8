/**
 * One exchange path on the caller side: every way of making an exchange (`request`, `stream`, `all`)
 * on both faces, on the process-wide pool and on a private pool, with a streamed upload and both
 * progress callbacks, must give the same result. Each cell here was a separate hand-written path
 * once, and the paths had drifted: stream() and download progress failed on private pools with
 * PoolClosedError, httpSync.all() dropped upload pulls (it waited for timeout.read) and never called
 * the progress callbacks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type AllRequest,
  createPool,
  type Pool,
  type Progress,
  type RequestOptions,
  type Response,
} from 'onepool';
import { type AnyFace, FACES } from './helpers/face-kinds.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let server: TestServer;
let pool: Pool;
before(async () => {
  server = await startServer('http');
  pool = createPool({ connectionsPerOrigin: 2 });
});
after(async () => {
  await pool.close();
  await server.close();
});

type Way = 'request' | 'stream' | 'all';
const WAYS: readonly Way[] = ['request', 'stream', 'all'];

interface Outcome {
  status: number;
  body: string;
}

/** One POST through `way`, its body read whole whatever the way. */
async function send(face: AnyFace, way: Way, url: string, options: RequestOptions): Promise<Outcome> {
  const decode = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
  if (way === 'request') {
    const res = await face.request('POST', url, options);
    return { status: res.status, body: res.text() };
  }
  if (way === 'stream') {
    const res = await face.stream('POST', url, options);
    return { status: res.status, body: decode(await res.bytes()) };
  }
  const res = await allOne(face, { url, method: 'POST', ...options });
  return { status: res.status, body: res.text() };
}

async function allOne(face: AnyFace, request: AllRequest): Promise<Response> {
  const [result] = await face.all([request]);
  assert.ok(result?.ok, `all() failed: ${result && !result.ok ? String(result.error) : 'no result'}`);
  return result.response;
}

for (const kind of FACES) {
  for (const poolName of ['default pool', 'private pool'] as const) {
    describe(`${kind.name}, ${poolName}`, () => {
      for (const way of WAYS) {
        test(`${way}(): a streamed upload with upload and download progress`, async () => {
          const face = kind.make(poolName === 'private pool' ? { pool } : {});
          const uploads: Progress[] = [];
          const downloads: Progress[] = [];
          const outcome = await send(face, way, server.url('/echo'), {
            // A sync iterable: both faces can pull it. A dropped pull would wait for timeout.read.
            body: ['chunk-1,', 'chunk-2,', 'chunk-3'],
            timeout: { read: 5_000 },
            onUploadProgress: (p) => uploads.push(p),
            onDownloadProgress: (p) => downloads.push(p),
          });
          assert.equal(outcome.status, 200);
          const echoed = JSON.parse(outcome.body) as { body: string; method: string };
          assert.equal(echoed.method, 'POST');
          assert.equal(echoed.body, 'chunk-1,chunk-2,chunk-3');
          assert.deepEqual(uploads.at(-1), { transferred: 23, total: 23, percent: 100 });
          const length = Buffer.byteLength(outcome.body);
          assert.deepEqual(downloads.at(-1), { transferred: length, total: length, percent: 100 });
        });

        test(`${way}(): a plain GET with download progress`, async () => {
          const face = kind.make(poolName === 'private pool' ? { pool } : {});
          const downloads: Progress[] = [];
          const url = server.url('/bytes/70000');
          let status: number;
          let size: number;
          if (way === 'stream') {
            const res = await face.stream('GET', url, { onDownloadProgress: (p) => downloads.push(p) });
            status = res.status;
            size = (await res.bytes()).byteLength;
          } else {
            const res =
              way === 'request'
                ? await face.get(url, { onDownloadProgress: (p) => downloads.push(p) })
                : await allOne(face, { url, onDownloadProgress: (p) => downloads.push(p) });
            status = res.status;
            size = res.bytes().byteLength;
          }
          assert.equal(status, 200);
          assert.equal(size, 70_000);
          assert.deepEqual(downloads.at(-1), { transferred: 70_000, total: 70_000, percent: 100 });
        });
      }
    });
  }
}

test('the private pool ran the private-pool cells, and the process-wide pool the others', async () => {
  const privateStats = await pool.stats();
  // 2 faces x 3 ways x 2 cases
  assert.equal(privateStats.totals.exchanges, 12);
  assert.ok(privateStats.totals.opened >= 1 && privateStats.totals.opened <= 2);
});
