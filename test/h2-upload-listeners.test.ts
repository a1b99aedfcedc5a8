/**
 * A long streamed upload over HTTP/2 waits for 'drain' many times: each wait must leave no listener
 * behind on the stream. Listeners that pile up print MaxListenersExceededWarning from the pool worker
 * (and leak until the stream closes), so the upload runs in a fresh process whose stderr must stay
 * clean, on both faces, against a server that reads slowly (the writes are held back for most of it).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runScript } from './helpers/scripts.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

const MiB = 1024 * 1024;
const SIZE = 32 * MiB;

let server: TestServer;

before(async () => {
  server = await startServer('h2');
});
after(async () => {
  await server.close();
});

// The script reports what the server read. The worker's warnings reach the process's stderr through
// the main thread's event loop, which the sync face blocks during the upload: one async request
// afterwards runs that loop, so what the worker printed meanwhile is written out before the exit.
const upload = (face: 'async' | 'sync', url: string, ca: string) => `
import { Client } from 'onepool';
const warnings = []; // the main thread's own (the worker's are on stderr)
process.on('warning', (w) => warnings.push(w.name));
const client = new Client({ tls: { ca: ${JSON.stringify(ca)} }, timeout: { read: 60000 } });
const piece = new Uint8Array(64 * 1024).fill(7);
const count = ${SIZE} / piece.byteLength;
function* chunks() { for (let i = 0; i < count; i++) yield piece; }
async function* asyncChunks() { yield* chunks(); }
const res = ${face === 'sync'}
  ? client.sync.post(${JSON.stringify(url)}, { body: chunks() })
  : await client.post(${JSON.stringify(url)}, { body: asyncChunks() });
await client.get(${JSON.stringify(url)});
console.log(JSON.stringify({ status: res.status, httpVersion: res.httpVersion, ...res.json(), warnings }));
`;

for (const face of ['async', 'sync'] as const) {
  test(`${face}: a 32 MiB streamed h2 upload to a slow reader leaves no listeners behind (no MaxListenersExceededWarning)`, async () => {
    const url = server.url(`/slow-read?burst=${MiB}&pause=5`);
    const run = await runScript(upload(face, url, server.cert), { timeoutMs: 120_000 });
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    assert.equal(out.status, 200);
    assert.equal(out.httpVersion, '2');
    assert.equal(out.bytes, SIZE);
    assert.deepEqual(out.warnings, []);
    assert.doesNotMatch(run.stderr, /MaxListenersExceededWarning/);
    assert.equal(run.stderr, '');
  });
}
