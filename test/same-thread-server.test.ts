/**
 * A sync call to a server on its own thread can only time out (the blocked thread cannot run the
 * server): its timeout says why. The server under test is in this thread on purpose: that is the
 * situation the hint is for. The control cases use a child-process server.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ReadTimeoutError, SyncClient } from 'onepool';
import { FACES } from './helpers/face-kinds.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

const HINT = 'a server on the same thread cannot answer until the call returns';

let child: TestServer;
before(async () => {
  child = await startServer('http');
});
after(() => child.close());

/** A server in this thread that never answers (it would, if the thread were free). */
async function sameThreadServer(): Promise<{ server: Server; url: string }> {
  const server = createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

const options = { timeout: { read: 300 }, retry: 0 } as const;

describe('a sync call to a server on its own thread', () => {
  for (const face of FACES) {
    test(`${face.name}: without a listening server in this thread, a read timeout has no hint`, async () => {
      await assert.rejects(
        async () => face.make(options).get(child.url('/hang')),
        (e: unknown) => e instanceof ReadTimeoutError && !e.message.includes(HINT),
      );
    });
  }

  test('sync: a read timeout against loopback while this thread listens carries the hint', async () => {
    const { server, url } = await sameThreadServer();
    try {
      const sync = new SyncClient(options);
      assert.throws(
        () => sync.get(url),
        (e: unknown) => e instanceof ReadTimeoutError && e.message.includes(HINT) && e.stack!.includes(HINT),
      );
      // all() runs its exchanges through another loop: the same hint there
      const [result] = sync.all([{ url }]);
      assert.ok(!result!.ok && result!.error instanceof ReadTimeoutError);
      assert.ok((result!.error as Error).message.includes(HINT));
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('async: the same server answers the async face, whose timeouts never carry the hint', async () => {
    const server = createServer((_req, res) => res.end('answered'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = FACES.find((f) => f.name === 'async')!.make(options);
      const port = (server.address() as AddressInfo).port;
      assert.equal((await client.get(`http://127.0.0.1:${port}/`)).text(), 'answered');
      await assert.rejects(
        async () => client.get(child.url('/hang')),
        (e: unknown) => e instanceof ReadTimeoutError && !e.message.includes(HINT),
      );
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
