/**
 * A HEAD keeps its HTTP/1.1 connection for the next exchange, as curl and Go do (undici closes it
 * by default), and a server that sends a body after a HEAD response cannot slip it into the next
 * exchange: those bytes retire the connection.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { after, before, test } from 'node:test';
import { Client, createPool } from 'onepool';
import { FACES, request } from './helpers/faces.js';
import { ask, startServer, type TestServer } from './helpers/servers.js';

let server: TestServer;
let raw: ChildProcess;
let rawOrigin = '';
before(async () => {
  server = await startServer('http');
  raw = fork(new URL('./helpers/head-body-server.mjs', import.meta.url), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [],
  });
  const port = await new Promise<number>((resolve) =>
    raw.once('message', (m: { port: number }) => resolve(m.port)),
  );
  rawOrigin = `http://127.0.0.1:${port}`;
});
after(async () => {
  raw.kill();
  await server.close();
});

const rawConnections = async () => (await ask<{ connections: number }>(raw, 'stats', 'stats')).connections;

for (const face of FACES) {
  test(`${face}: 20 sequential HEADs, then a GET, on one connection`, async () => {
    await server.reset();
    const pool = createPool();
    const client = new Client({ pool });
    for (let i = 0; i < 20; i++) {
      const res = await request(face, 'HEAD', server.url(`/echo?i=${i}`), undefined, client);
      assert.equal(res.status, 200);
      assert.equal(res.connection.reused, i > 0, `HEAD ${i}`);
    }
    const get = await request(face, 'GET', server.url('/echo'), undefined, client);
    assert.equal(get.json<{ method: string }>().method, 'GET');
    const seen = await server.stats();
    assert.equal(seen.requests, 21);
    assert.equal(seen.connections, 1, 'connections accepted by the server');
    const key = (await pool.stats()).keys[0]!;
    assert.equal(key.opened, 1);
    assert.equal(key.reused, 20);
    await pool.close();
  });

  test(`${face}: a body after a HEAD response retires the connection; the next GET gets its own response`, async () => {
    const pool = createPool();
    const client = new Client({ pool });
    const before = await rawConnections();
    for (let i = 0; i < 5; i++) {
      const head = await request(face, 'HEAD', `${rawOrigin}/body-after`, undefined, client);
      assert.equal(head.status, 200);
      assert.equal(head.text(), '', 'a HEAD response has no body');
      const get = await request(face, 'GET', `${rawOrigin}/after-${i}`, undefined, client);
      assert.equal(get.text(), `GET /after-${i} on ${get.headers.get('x-conn-id')}`);
      assert.notEqual(
        get.headers.get('x-conn-id'),
        head.headers.get('x-conn-id'),
        'the HEAD connection was retired',
      );
    }
    // A well-behaved HEAD on the same server keeps its connection.
    const head = await request(face, 'HEAD', `${rawOrigin}/plain`, undefined, client);
    const get = await request(face, 'GET', `${rawOrigin}/plain`, undefined, client);
    assert.equal(get.headers.get('x-conn-id'), head.headers.get('x-conn-id'));
    assert.equal(get.connection.reused, true);
    // Connection: close on a HEAD asks for the old behaviour: that connection is not kept.
    const closing = await request(
      face,
      'HEAD',
      `${rawOrigin}/plain`,
      { headers: { connection: 'close' } },
      client,
    );
    const next = await request(face, 'GET', `${rawOrigin}/plain`, undefined, client);
    assert.notEqual(next.headers.get('x-conn-id'), closing.headers.get('x-conn-id'));
    assert.equal((await rawConnections()) - before, 7);
    await pool.close();
  });
}
