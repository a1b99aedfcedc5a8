/**
 * Clients as frozen configuration, both faces: baseURL that cannot be escaped, headers merged by
 * case-insensitive name, params adding up, auth, `extend`, and defaults that cannot be mutated.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { InvalidURLError, type Response } from 'onepool';
import { FACES } from './helpers/face-kinds.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let server: TestServer;
before(async () => {
  server = await startServer('http');
});
after(() => server.close());

type Echo = { url: string; headers: Record<string, string> };
const echo = (res: Response) => res.json<Echo>();

describe('clients', () => {
  for (const face of FACES) {
    test(`${face.name}: baseURL keeps every path on the base origin`, async () => {
      const client = face.make({ baseURL: server.url('/echo/') });
      for (const path of ['a', '/a', '//evil.test/a', '\\\\evil.test\\a', '%2F%2Fevil.test']) {
        const res = await client.get(path);
        assert.equal(new URL(res.url).origin, server.origin, path);
        assert.ok(echo(res).url.startsWith('/echo/'), path);
      }
      for (const outside of ['http://evil.test/', 'https://127.0.0.1/', new URL('http://evil.test/')])
        await assert.rejects(async () => client.get(outside), InvalidURLError);
    });

    test(`${face.name}: headers merge case-insensitively, params add up, auth, extend`, async () => {
      const base = face.make({
        headers: { 'X-Team': 'a', Accept: 'text/plain' },
        params: { v: 1 },
        auth: { bearer: 'tok' },
      });
      const child = base.extend({ headers: { 'x-team': 'b' }, params: { w: 2 } });
      const seen = echo(await child.get(server.url('/echo'), { params: { z: 3 } }));
      assert.equal(seen.headers['x-team'], 'b');
      assert.equal(seen.headers.accept, 'text/plain');
      assert.equal(seen.headers.authorization, 'Bearer tok');
      assert.equal(seen.url, '/echo?v=1&w=2&z=3');
      const basic = echo(await base.get(server.url('/echo'), { auth: { username: 'u', password: 'p:w' } }));
      assert.equal(basic.headers.authorization, `Basic ${Buffer.from('u:p:w').toString('base64')}`);
    });

    test(`${face.name}: configuration is frozen once built`, () => {
      const headers = { 'x-a': '1' };
      const client = face.make({ headers, hooks: { beforeRequest: [] } });
      headers['x-a'] = 'changed';
      assert.equal((client.defaults.headers as Record<string, string>)['x-a'], '1');
      assert.ok(Object.isFrozen(client.defaults));
      assert.ok(Object.isFrozen(client.defaults.headers));
      assert.ok(Object.isFrozen(client.defaults.hooks?.beforeRequest));
      assert.throws(() => {
        (client.defaults as { timeout?: number }).timeout = 1;
      }, TypeError);
    });
  }
});
