/**
 * Streamed request bodies over HTTP/2: a file read in the worker, an iterable of chunks and a
 * multipart form all reach an h2 server intact, on both faces, over the multiplexed connection.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client, file } from 'onepool';
import { startServer, type TestServer } from './helpers/servers.ts';

interface UploadReport {
  bytes: number;
  sha256: string;
}

let server: TestServer;
let client: Client;
let dir: string;
const size = 3 * 1024 * 1024 + 17;
const data = new Uint8Array(size).map((_, i) => (i * 13 + 5) & 0xff);
const sha = createHash('sha256').update(data).digest('hex');

before(async () => {
  server = await startServer('h2');
  client = new Client({ tls: { ca: server.cert } });
  dir = mkdtempSync(join(tmpdir(), 'onepool-h2-upload-'));
  writeFileSync(join(dir, 'body.bin'), data);
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await server.close();
});

function* chunks(): Generator<Uint8Array> {
  for (let at = 0; at < size; at += 100_000) yield data.subarray(at, at + 100_000);
}

for (const face of ['async', 'sync'] as const) {
  const post = (url: string, options: Parameters<Client['post']>[1]) =>
    face === 'async' ? client.post(url, options) : Promise.resolve(client.sync.post(url, options));

  test(`${face}: a file body over h2 arrives intact`, async () => {
    const res = await post(server.url('/upload-sha'), { body: file(join(dir, 'body.bin')) });
    assert.equal(res.httpVersion, '2');
    assert.equal(res.json<UploadReport>().bytes, size);
    assert.equal(res.json<UploadReport>().sha256, sha);
  });

  test(`${face}: an iterable body over h2 arrives intact, with progress to 100 %`, async () => {
    const seen: number[] = [];
    const body =
      face === 'async'
        ? (async function* () {
            yield* chunks();
          })()
        : chunks();
    const res = await post(server.url('/upload-sha'), {
      body,
      onUploadProgress: (p) => seen.push(p.percent ?? 0),
    });
    assert.equal(res.httpVersion, '2');
    assert.equal(res.json<UploadReport>().sha256, sha);
    assert.equal(seen.at(-1), 100);
  });

  test(`${face}: a multipart form over h2 carries its fields and file`, async () => {
    const res = await post(server.url('/echo'), {
      multipart: { note: 'hello', doc: { value: 'file body', filename: 'a.txt' } },
    });
    assert.equal(res.httpVersion, '2');
    const echoed = res.json<{ body: string; headers: Record<string, string> }>();
    assert.match(echoed.headers['content-type']!, /^multipart\/form-data; boundary=/);
    assert.match(echoed.body, /name="note"\r\n\r\nhello\r\n/);
    assert.match(echoed.body, /filename="a.txt"[\s\S]*\r\n\r\nfile body\r\n/);
  });
}
