/**
 * Bytes cross the thread boundary exactly: a small body arrives in a buffer of its own size (not a
 * view on Node's 8 KiB pool slab), a request body given as a view sends only its own bytes, and the
 * async channel's batches keep order and survive a message that cannot be cloned.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { http, httpSync } from 'onepool';
import { Outbox } from '../src/core/outbox.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let server: TestServer;
before(async () => {
  server = await startServer('http');
});
after(() => server.close());

for (const face of ['async', 'sync'] as const) {
  const get = (url: string) => (face === 'async' ? http.get(url) : Promise.resolve(httpSync.get(url)));
  const post = (url: string, body: Uint8Array) =>
    face === 'async' ? http.post(url, { body }) : Promise.resolve(httpSync.post(url, { body }));

  test(`${face}: small and large bodies arrive in buffers of their own size`, async () => {
    for (const path of ['/status/200', '/bytes/100', '/bytes/5000', '/bytes/70000']) {
      const body = (await get(server.url(path))).bytes();
      assert.equal(body.buffer.byteLength, body.byteLength, `${path}: backing buffer is exactly the body`);
    }
  });

  test(`${face}: a request body given as a view of a larger buffer sends exactly its bytes`, async () => {
    const big = new Uint8Array(1_000_000).map((_, i) => i & 0xff);
    const view = big.subarray(1000, 1010);
    const echoed = (await post(server.url('/echo'), view)).json<{ bodyLength: number }>();
    assert.equal(echoed.bodyLength, 10);
    assert.equal(big[1000], 1000 & 0xff, 'the caller keeps its buffer');
  });
}

test('outbox: messages posted in one turn leave as one batch, in order; a lone message leaves alone', async () => {
  const { port1, port2 } = new MessageChannel();
  const box = new Outbox<{ n: number }>(port1, queueMicrotask, () => assert.fail('nothing unsendable'));
  box.post({ n: 1 });
  box.post({ n: 2 });
  box.post({ n: 3 });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(receiveMessageOnPort(port2)?.message, {
    t: 'batch',
    messages: [{ n: 1 }, { n: 2 }, { n: 3 }],
  });
  box.post({ n: 4 });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(receiveMessageOnPort(port2)?.message, { n: 4 });
  port1.close();
});

test('outbox: a message that cannot be cloned fails alone; the others of its batch are sent', async () => {
  const { port1, port2 } = new MessageChannel();
  const failed: unknown[] = [];
  const box = new Outbox<{ n: number; f?: () => void }>(port1, queueMicrotask, (m) => failed.push(m.n));
  box.post({ n: 1 });
  box.post({ n: 2, f: () => {} });
  box.post({ n: 3 });
  await new Promise((resolve) => setImmediate(resolve));
  const got = [receiveMessageOnPort(port2)?.message, receiveMessageOnPort(port2)?.message];
  assert.deepEqual(got, [{ n: 1 }, { n: 3 }]);
  assert.deepEqual(failed, [2]);
  port1.close();
});
