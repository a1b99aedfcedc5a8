/**
 * Cookies on both faces: none on the global clients, a jar per client with `cookies: true` shared by
 * its two faces, every redirect hop read and written, tough-cookie's rules, origin binding, and a
 * jar that survives a restart through a JSON file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, http, httpSync, type Response } from 'onepool';
import { CookieJar } from 'tough-cookie';
import { FACES } from './helpers/face-kinds.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let server: TestServer;
let otherPort: TestServer; // the same host (127.0.0.1), another port
let tlsServer: TestServer; // the same host over https
before(async () => {
  [server, otherPort, tlsServer] = await Promise.all([
    startServer('http'),
    startServer('http'),
    startServer('https'),
  ]);
});
after(() => Promise.all([server, otherPort, tlsServer].map((s) => s.close())));

const setting = (...lines: string[]) =>
  server.url(`/set-cookie?${lines.map((l) => `c=${encodeURIComponent(l)}`).join('&')}`);
const cookieAt = (res: Response) => res.json<{ headers: Record<string, string> }>().headers.cookie;

describe('cookies', () => {
  test('the global http and httpSync keep no cookies', async () => {
    assert.equal(http.cookies, null);
    assert.equal(httpSync.cookies, null);
    await http.get(setting('g=1; Path=/'));
    httpSync.get(setting('g=2; Path=/'));
    assert.equal(cookieAt(await http.get(server.url('/echo'))), undefined);
    assert.equal(cookieAt(httpSync.get(server.url('/echo'))), undefined);
  });

  test('cookies: true gives a client its own jar, shared by client.sync and client.async', async () => {
    const client = new Client({ cookies: true });
    // A tough-cookie jar (its class is checked with instanceof in packaging.test.ts, under plain node:
    // this file runs under tsx, whose loader gives `import 'tough-cookie'` a module instance of its own).
    assert.equal(typeof client.cookies?.setCookieSync, 'function');
    assert.equal(CookieJar.fromJSON(client.cookies!.toJSON()!).getCookiesSync('http://x/').length, 0);
    assert.equal(client.sync.cookies, client.cookies);
    assert.equal(client.sync.async, client.sync.async);
    await client.get(setting('from=async; Path=/'));
    client.sync.get(setting('also=sync; Path=/'));
    assert.equal(cookieAt(client.sync.get(server.url('/echo'))), 'from=async; also=sync');
    assert.equal(cookieAt(await client.get(server.url('/echo'))), 'from=async; also=sync');
    assert.equal(cookieAt(await new Client({ cookies: true }).get(server.url('/echo'))), undefined);
    assert.equal(client.extend({ headers: { x: '1' } }).cookies, client.cookies, 'extend keeps the jar');
    assert.notEqual(http.extend({ cookies: true }).cookies, null);
  });

  for (const face of FACES) {
    test(`${face.name}: every redirect hop stores and sends cookies`, async () => {
      const client = face.make({ cookies: true });
      const to = encodeURIComponent('/redirect/302?to=/echo');
      const res = await client.get(
        server.url(`/redirect/302?cookie=${encodeURIComponent('hop=1; Path=/')}&to=${to}`),
      );
      assert.equal(res.history.length, 2);
      assert.equal(cookieAt(res), 'hop=1');
    });

    test(`${face.name}: tough-cookie's rules hold (public suffix, __proto__, path, secure, expiry)`, async () => {
      const client = face.make({ cookies: true });
      await client.get(
        setting(
          'ok=1; Path=/',
          'suffix=1; Domain=co.uk; Path=/',
          '__proto__=1; Path=/x',
          'proto=1; Domain=__proto__; Path=/',
          'deep=1; Path=/echo/deeper',
          'secure=1; Secure; Path=/',
          'gone=1; Path=/; Max-Age=0',
          'old=1; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
        ),
      );
      assert.equal(cookieAt(await client.get(server.url('/echo'))), 'ok=1');
      assert.equal(({} as Record<string, unknown>).proto, undefined);
      assert.equal(Object.hasOwn(Object.prototype, 'proto'), false);
    });

    test(`${face.name}: a jar saved to a JSON file and loaded again keeps its cookies`, async () => {
      const first = face.make({ cookies: true });
      await first.get(setting('keep=me; Path=/; Max-Age=3600'));
      const file = join(mkdtempSync(join(tmpdir(), 'onepool-jar-')), 'jar.json');
      writeFileSync(file, JSON.stringify(first.cookies!.toJSON()));
      const restarted = face.make({ cookies: CookieJar.deserializeSync(readFileSync(file, 'utf8')) });
      assert.equal(cookieAt(await restarted.get(server.url('/echo'))), 'keep=me');
    });

    test(`${face.name}: a cookie from a response goes back only to its origin (host-only: scheme and port)`, async () => {
      const client = face.make({ cookies: true, tls: { ca: tlsServer.cert } });
      const here = (path: string) => server.url(path);
      const there = (path: string) => otherPort.url(path);
      await client.get(
        setting(
          'hostonly=1; Path=/',
          'domain=1; Domain=127.0.0.1; Path=/',
          // A binding the server sends itself is overruled by the client's own.
          `forged=1; Path=/; onepool-bound=http:${new URL(otherPort.origin).port}`,
        ),
      );
      await client.get(tlsServer.url(`/set-cookie?c=${encodeURIComponent('fromtls=1; Path=/')}`));
      assert.equal(cookieAt(await client.get(here('/echo'))), 'hostonly=1; domain=1; forged=1');
      // another port of the same host: only the Domain cookie (and never the one set over https)
      assert.equal(cookieAt(await client.get(there('/echo'))), 'domain=1');
      assert.equal(cookieAt(await client.get(tlsServer.url('/echo'))), 'fromtls=1');
      // The binding survives a jar saved as JSON and loaded again.
      const reloaded = face.make({ cookies: CookieJar.fromJSON(JSON.stringify(client.cookies!.toJSON())) });
      assert.equal(cookieAt(await reloaded.get(there('/echo'))), 'domain=1');
      assert.equal(cookieAt(await reloaded.get(here('/echo'))), 'hostonly=1; domain=1; forged=1');
      // A cookie put in the jar by other code has no binding: RFC 6265 host scope.
      const mine = new CookieJar();
      mine.setCookieSync('manual=1; Path=/', server.origin);
      assert.equal(cookieAt(await face.make({ cookies: mine }).get(there('/echo'))), 'manual=1');
    });

    test(`${face.name}: an explicit Cookie header and the jar's cookies are both sent`, async () => {
      const client = face.make({ cookies: true, headers: { cookie: 'mine=1' } });
      await client.get(setting('jar=1; Path=/'));
      assert.equal(cookieAt(await client.get(server.url('/echo'))), 'mine=1; jar=1');
    });
  }
});
