/**
 * netrc on both faces: with no `auth` and no Authorization header, `$NETRC`'s entry for the host
 * (port ignored) is sent as Basic; `default` for other hosts; explicit credentials win; a redirect
 * to another origin drops it; `trustEnv: false` ignores netrc and the proxy environment alike; a
 * malformed file is ignored; the file is read again only when it changes. NETRC points at temp
 * files: netrc is read in the caller's thread, so the pool worker's environment does not matter.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ConnectError, type Response } from 'onepool';
import { parseNetrc } from '../src/core/netrc.ts';
import { FACES } from './helpers/face-kinds.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let server: TestServer; // 127.0.0.1
let otherPort: TestServer; // 127.0.0.1, another port: the same host, another origin
let otherHost: TestServer; // 127.0.0.2
const dir = mkdtempSync(join(tmpdir(), 'onepool-netrc-'));
const saved = { ...process.env };

before(async () => {
  [server, otherPort, otherHost] = await Promise.all([
    startServer('http'),
    startServer('http'),
    startServer('http', { host: '127.0.0.2' }),
  ]);
});
after(async () => {
  process.env = saved;
  await Promise.all([server, otherPort, otherHost].map((s) => s.close()));
});
beforeEach(() => {
  // No proxy from the machine's environment may answer in the servers' place.
  for (const name of ['http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY', 'no_proxy', 'NO_PROXY'])
    delete process.env[name];
});

let files = 0;
/** A netrc file with `text`, made the one in use. */
function useNetrc(text: string): string {
  const path = join(dir, `netrc-${files++}`);
  writeFileSync(path, text);
  process.env.NETRC = path;
  return path;
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const authorizationAt = (res: Response) =>
  res.json<{ headers: Record<string, string | undefined> }>().headers.authorization;

describe('netrc: the parser', () => {
  test('tokens across lines, comments, quotes, macdef, account; the first machine of a host wins', () => {
    const netrc = parseNetrc(
      [
        '# a comment line',
        'machine Example.COM',
        '  login alice   # a comment after a value',
        '  password "s3 \\"cret\\""',
        'machine example.com login second password ignored',
        'macdef init',
        'cd /pub',
        'machine inside-a-macro',
        '',
        'machine other.example account acct login bob',
        'password',
        '#not-a-comment',
        'default login anon password guest',
      ].join('\n'),
    );
    assert.ok(netrc);
    assert.deepEqual(netrc.machines.get('example.com'), { login: 'alice', password: 's3 "cret"' });
    assert.deepEqual(netrc.machines.get('other.example'), { login: 'bob', password: '#not-a-comment' });
    assert.equal(netrc.machines.has('inside-a-macro'), false);
    assert.deepEqual(netrc.default, { login: 'anon', password: 'guest' });
  });

  test('malformed files parse to null, never throw', () => {
    for (const text of [
      'machine',
      'machine a login',
      'login x password y',
      'machine a port 21',
      'machine a password "unterminated',
      '\u0000\u0001 binary',
    ])
      assert.equal(parseNetrc(text), null, JSON.stringify(text));
    assert.deepEqual(parseNetrc(''), { machines: new Map(), default: undefined });
  });
});

for (const face of FACES) {
  describe(`${face.name}: netrc`, () => {
    test("the host's entry is sent as Basic, whatever the port; other hosts get nothing", async () => {
      useNetrc('machine 127.0.0.1\n  login alice\n  password s3cret\n');
      const client = face.make();
      assert.equal(authorizationAt(await client.get(server.url('/echo'))), basic('alice', 's3cret'));
      assert.equal(authorizationAt(await client.get(otherPort.url('/echo'))), basic('alice', 's3cret'));
      assert.equal(authorizationAt(await client.get(otherHost.url('/echo'))), undefined);
    });

    test('the default entry is for every host without a machine entry', async () => {
      useNetrc('machine 127.0.0.1 login alice password a\ndefault login anon password guest\n');
      const client = face.make();
      assert.equal(authorizationAt(await client.get(otherHost.url('/echo'))), basic('anon', 'guest'));
      assert.equal(authorizationAt(await client.get(server.url('/echo'))), basic('alice', 'a'));
    });

    test('explicit auth, an Authorization header or URL credentials win', async () => {
      useNetrc('default login anon password guest\n');
      const client = face.make();
      const url = server.url('/echo');
      assert.equal(
        authorizationAt(await client.get(url, { auth: { username: 'u', password: 'p' } })),
        basic('u', 'p'),
      );
      assert.equal(authorizationAt(await client.get(url, { auth: { bearer: 't' } })), 'Bearer t');
      assert.equal(
        authorizationAt(await client.get(url, { headers: { authorization: 'Mine 1' } })),
        'Mine 1',
      );
      const userinfo = url.replace('http://', 'http://x:y@');
      assert.equal(authorizationAt(await client.get(userinfo)), basic('x', 'y'));
      // Digest waits for a challenge (the echo server sends none): netrc's Basic is not sent instead.
      const digest = { username: 'u', password: 'p', type: 'digest' } as const;
      assert.equal(authorizationAt(await client.get(url, { auth: digest })), undefined);
    });

    test('a redirect to another origin drops it, even to the same host on another port', async () => {
      useNetrc('machine 127.0.0.1 login alice password s3cret\n');
      const client = face.make();
      for (const target of [otherPort, otherHost]) {
        const to = encodeURIComponent(target.url('/echo'));
        const res = await client.get(server.url(`/redirect/302?to=${to}`));
        assert.equal(res.url, target.url('/echo'));
        assert.equal(authorizationAt(res), undefined, target.origin);
      }
      const same = await client.get(server.url('/redirect/302?to=/echo'));
      assert.equal(authorizationAt(same), basic('alice', 's3cret'), 'kept on the same origin');
    });

    test('trustEnv: false ignores netrc and the proxy environment, as a call or a client option', async () => {
      useNetrc('default login anon password guest\n');
      // A proxy that refuses connections: a request that used it would fail.
      process.env.http_proxy = 'http://127.0.0.1:1';
      const untrusting = face.make({ trustEnv: false });
      const res = await untrusting.get(server.url('/echo'));
      assert.equal(res.status, 200);
      assert.equal(authorizationAt(res), undefined);
      const perCall = await face.make().get(server.url('/echo'), { trustEnv: false });
      assert.equal(authorizationAt(perCall), undefined);
      await assert.rejects(async () => face.make().get(server.url('/echo'), { retry: 0 }), ConnectError);
      // An explicit proxy option is not the environment: trustEnv: false leaves it alone.
      const explicit = await untrusting.get(server.url('/echo'), { proxy: server.origin });
      assert.equal(explicit.status, 200);
      await assert.rejects(async () =>
        face.make({ trustEnv: 'no' as unknown as boolean }).get(server.url('/echo')),
      );
    });

    test('a malformed, missing or unreadable netrc is ignored', async () => {
      const client = face.make();
      for (const text of [
        'machine 127.0.0.1 login alice password',
        'machine 127.0.0.1 port 80 login a password b',
      ]) {
        useNetrc(text);
        const res = await client.get(server.url('/echo'));
        assert.equal(res.status, 200);
        assert.equal(authorizationAt(res), undefined, text);
      }
      for (const path of [join(dir, 'no-such-file'), dir]) {
        process.env.NETRC = path;
        assert.equal(authorizationAt(await client.get(server.url('/echo'))), undefined, path);
      }
    });

    test('the file is read once per modification: same mtime and size, the cached entry; a change is seen after a second', async () => {
      const path = useNetrc('machine 127.0.0.1 login alice password aaaa\n');
      // Whole seconds: a timestamp read back from stat and set again would lose its sub-ms part.
      const mtime = Math.floor(Date.now() / 1000) - 60;
      utimesSync(path, mtime, mtime);
      const client = face.make();
      assert.equal(authorizationAt(await client.get(server.url('/echo'))), basic('alice', 'aaaa'));
      writeFileSync(path, 'machine 127.0.0.1 login alice password bbbb\n');
      utimesSync(path, mtime, mtime);
      assert.equal(
        authorizationAt(await client.get(server.url('/echo'))),
        basic('alice', 'aaaa'),
        'not re-read',
      );
      utimesSync(path, mtime + 5, mtime + 5);
      // A look at the file is trusted for a second (a stat per request would cost a tenth of its CPU).
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      assert.equal(
        authorizationAt(await client.get(server.url('/echo'))),
        basic('alice', 'bbbb'),
        'changed: re-read',
      );
    });
  });
}
