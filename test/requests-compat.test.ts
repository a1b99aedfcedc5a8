/**
 * What requests users expect, on both faces, against real loopback servers: fragments kept across
 * redirects, a typed error for a body that is not JSON, headers removed with null, form bodies of
 * every shape, values of the wrong type refused before anything is sent, and a cancelled stream
 * that yields nothing more.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Response } from 'onepool';
import { FACES } from './helpers/face-kinds.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let server: TestServer;

before(async () => {
  server = await startServer('http');
});
after(() => server.close());

type Echo = {
  method: string;
  url: string;
  headers: Record<string, string>;
  rawHeaders: string[];
  body: string;
};
const echo = (res: Response) => res.json<Echo>();

describe('fragments on redirect (RFC 9110 §10.2.2)', () => {
  for (const face of FACES) {
    test(`${face.name}: a Location without a fragment keeps the original one`, async () => {
      const client = face.make();
      const res = await client.get(server.url(`/redirect/302?to=${encodeURIComponent('/echo')}#view=edit`));
      assert.equal(res.status, 200);
      assert.equal(new URL(res.url).pathname, '/echo');
      assert.ok(res.url.endsWith('/echo#view=edit'), res.url);
      // The fragment shapes res.url only: neither request line carried it.
      assert.equal(echo(res).url, '/echo');
      assert.equal(res.history.length, 1);
      assert.ok(res.history[0]!.url.endsWith('#view=edit'), res.history[0]!.url);
    });

    test(`${face.name}: a Location with its own fragment uses that one`, async () => {
      const client = face.make();
      const res = await client.get(
        server.url(`/redirect/301?to=${encodeURIComponent('/echo#section-2')}#view=edit`),
      );
      assert.ok(res.url.endsWith('/echo#section-2'), res.url);
      assert.equal(echo(res).url, '/echo');
    });

    test(`${face.name}: the fragment survives a chain of hops, and stream() sees it too`, async () => {
      const client = face.make();
      const res = await client.get(server.url('/chain/3#top'));
      assert.ok(res.url.endsWith('/echo#top'), res.url);
      assert.equal(res.history.length, 3);
      const streamed = await client.stream('GET', server.url('/chain/2#top'));
      assert.ok(streamed.url.endsWith('/echo#top'), streamed.url);
      await streamed.cancel();
      const { seen } = await server.stats();
      assert.ok(
        seen.every((r) => !r.url.includes('#')),
        'no fragment on any request line',
      );
    });
  }
});
