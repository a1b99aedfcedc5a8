/**
 * Redirects on both faces, against real servers: the credentials matrix (no Authorization, basic
 * auth, Cookie header or jar cookie ever reaches another origin), method and body rules, history,
 * maxRedirects, refused schemes. What reached a server is read from its own echo of the request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RedirectError, type Response, TooManyRedirectsError } from 'onepool';
import { CookieJar } from 'tough-cookie';
import { FACES } from './helpers/face-kinds.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let a: TestServer; // the source for plain http
let port: TestServer; // same host, other port
let host: TestServer; // another host: 127.0.0.2
let secure: TestServer; // https source for https→http

before(async () => {
  [a, port, host, secure] = await Promise.all([
    startServer('http'),
    startServer('http'),
    startServer('http', { host: '127.0.0.2' }),
    startServer('https'),
  ]);
});
after(() => Promise.all([a, port, host, secure].map((s) => s.close())));

type Echo = { method: string; url: string; headers: Record<string, string>; body: string };
const echo = (res: Response) => res.json<Echo>();

const STATUSES = [301, 302, 303, 307, 308] as const;
const DESTINATIONS = ['same origin', 'other port', 'other host', 'https→http'] as const;
const CREDENTIALS = ['Authorization header', 'basic auth option', 'Cookie header', 'jar cookie'] as const;

describe('credentials matrix: {301,302,303,307,308} × destination × credential', () => {
  for (const face of FACES) {
    test(`${face.name}: none reaches another origin`, async () => {
      const leaks: string[] = [];
      let cells = 0;
      for (const status of STATUSES) {
        for (const dest of DESTINATIONS) {
          for (const cred of CREDENTIALS) {
            const token = `t${face.name}${status}${DESTINATIONS.indexOf(dest)}${CREDENTIALS.indexOf(cred)}`;
            const source = dest === 'https→http' ? secure : a;
            const target = { 'same origin': a, 'other port': port, 'other host': host, 'https→http': a }[
              dest
            ];
            const client = face.make({
              tls: { ca: secure.cert },
              cookies: cred === 'jar cookie' ? new CookieJar() : false,
              ...(cred === 'basic auth option' ? { auth: { username: token, password: 'pw' } } : {}),
              headers: {
                ...(cred === 'Authorization header' ? { authorization: `Bearer ${token}` } : {}),
                ...(cred === 'Cookie header' ? { cookie: `sid=${token}` } : {}),
              },
            });
            // The jar cookie comes from the source's own response, as a session cookie does; not
            // Secure even on https, so only the jar's origin binding can keep it from http.
            if (cred === 'jar cookie')
              await client.get(source.url(`/set-cookie?c=${encodeURIComponent(`sid=${token}; Path=/`)}`));
            const to = encodeURIComponent(target.url(`/echo?case=${token}`));
            const res = await client.get(source.url(`/redirect/${status}?to=${to}`));
            assert.equal(res.status, 200);
            assert.equal(res.history.length, 1);
            const seen = echo(res);
            assert.ok(seen.url.includes(token), 'the server echoed this case');
            const carried = [seen.headers.authorization, seen.headers.cookie].some(
              (v) => v?.includes(token) || v?.includes(Buffer.from(`${token}:pw`).toString('base64')),
            );
            cells++;
            if (dest === 'same origin') assert.ok(carried, `${status} ${cred}: kept on the same origin`);
            else if (carried) leaks.push(`${status} ${dest} ${cred}`);
          }
        }
      }
      assert.equal(cells, 80);
      assert.deepEqual(leaks, []);
    });
  }
});

describe('redirect rules', () => {
  for (const face of FACES) {
    test(`${face.name}: 301/302/303 become GET without body; 307/308 keep method and body`, async () => {
      const client = face.make();
      for (const status of STATUSES) {
        const res = await client.post(a.url(`/redirect/${status}?to=/echo`), { json: { n: status } });
        const seen = echo(res);
        if (status <= 303) {
          assert.equal(seen.method, 'GET', `${status}`);
          assert.equal(seen.body, '');
          assert.equal(seen.headers['content-type'], undefined);
          assert.equal(seen.headers['content-length'], undefined);
        } else {
          assert.equal(seen.method, 'POST', `${status}`);
          assert.deepEqual(JSON.parse(seen.body), { n: status });
        }
      }
      const head = await client.head(a.url('/redirect/303?to=/echo'));
      assert.equal(head.status, 200);
      assert.equal((await a.stats()).seen.at(-1)?.method, 'HEAD');
    });

    test(`${face.name}: history, final url, relative Location, maxRedirects`, async () => {
      const client = face.make();
      const res = await client.get(a.url('/chain/3'));
      assert.equal(res.url, a.url('/echo'));
      assert.deepEqual(
        res.history.map((r) => [r.status, new URL(r.url).pathname]),
        [
          [302, '/chain/3'],
          [302, '/chain/2'],
          [302, '/chain/1'],
        ],
      );
      await assert.rejects(
        async () => client.get(a.url('/chain/25')),
        (e: unknown) => e instanceof TooManyRedirectsError && e.history.length === 21,
      );
      await assert.rejects(
        async () => client.get(a.url('/chain/3'), { maxRedirects: 2 }),
        TooManyRedirectsError,
      );
      const raw = await client.get(a.url('/chain/3'), { maxRedirects: 0 });
      assert.equal(raw.status, 302);
      assert.equal(raw.headers.get('location'), '/chain/2');
    });

    test(`${face.name}: redirects to other schemes are refused`, async () => {
      const client = face.make();
      for (const to of ['ftp://127.0.0.1/x', 'file:///etc/passwd', 'data:text/plain,x']) {
        await assert.rejects(
          async () => client.get(a.url(`/redirect/302?to=${encodeURIComponent(to)}`)),
          (e: unknown) => e instanceof RedirectError && e.code === 'ONEPOOL_ERR_REDIRECT',
        );
      }
    });
  }
});
