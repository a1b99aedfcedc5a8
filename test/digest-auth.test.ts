/**
 * Digest authentication (RFC 7616) on both faces, against a real Digest server in a child process
 * (test/helpers/digest-server.mjs) that checks every answer's hash, nonce count and echoed fields:
 * each algorithm, a wrong password (one answer, then the 401), a stale nonce (one more answer), a
 * client's pre-emptive answers with the nonce count going up, the 401's cookies on the answer, no
 * credentials across origins, bodies resent (or refused up front when they cannot be), stream().
 * The pure functions are checked against RFC 7616's own example first.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  Client,
  http,
  InvalidArgumentError,
  type StreamingResponse,
  type SyncClient,
  type SyncStreamingResponse,
} from 'onepool';
import { DigestSessions, digestAuthorization, digestChallenge, parseChallenges } from '../src/core/digest.ts';
import { DIGEST_USER, type DigestServer, startDigestServer } from './helpers/digest-servers.ts';
import { FACES } from './helpers/face-kinds.ts';

let server: DigestServer;
let other: DigestServer; // another origin (another port)
before(async () => {
  [server, other] = await Promise.all([startDigestServer(), startDigestServer()]);
});
after(() => Promise.all([server, other].map((s) => s.close())));

const auth = { username: DIGEST_USER.username, password: DIGEST_USER.password, type: 'digest' } as const;
const wrong = { ...auth, password: 'Hakuna Matata' };
const ALGORITHMS = ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess', 'SHA-512-256', 'SHA-512-256-sess'];
type Ok = { user: string; algorithm: string; nc: string; cookie?: string; body: string };

/** What the server saw for URLs containing `marker`. */
const seenFor = async (s: DigestServer, marker: string) =>
  (await s.seen()).filter((r) => r.url.includes(marker));

describe('digest: the pure functions', () => {
  // RFC 7616 §3.9.1, the MD5 and SHA-256 examples (the same request and cnonce).
  const challenge = (algorithm: string) =>
    digestChallenge([
      `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
    ])!;
  const mufasa = { username: 'Mufasa', password: 'Circle of Life' };
  const cnonce = 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ';
  for (const [algorithm, response] of [
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
  ] as const) {
    test(`RFC 7616's ${algorithm} example`, () => {
      const value = digestAuthorization(challenge(algorithm), mufasa, 'GET', '/dir/index.html', 1, cnonce);
      assert.match(value, new RegExp(`response="${response}"`));
      assert.match(
        value,
        /^Digest username="Mufasa", realm="http-auth@example.org", uri="\/dir\/index.html"/,
      );
      assert.match(value, new RegExp(`algorithm=${algorithm}, `));
      assert.match(value, /nc=00000001, cnonce="f2\/wE4q74E6zIJEtWaHKaf5wv\/H5QzzpXusqGemxURZJ", qop=auth/);
      assert.match(value, /opaque="FQhe\/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"$/);
    });
  }

  test('challenges: several per header, the strongest answerable one wins, auth-int alone is not answered', () => {
    assert.deepEqual(
      parseChallenges([
        'Basic realm="x", Digest realm="a, b", nonce="n\\"1"',
        'Negotiate a/b+c==, Bearer',
      ]).map((c) => [c.scheme, Object.fromEntries(c.params)]),
      [
        ['basic', { realm: 'x' }],
        ['digest', { realm: 'a, b', nonce: 'n"1' }],
        ['negotiate', {}],
        ['bearer', {}],
      ],
    );
    const picked = digestChallenge([
      'Digest realm="r", nonce="1", algorithm=MD5, qop="auth"',
      'Digest realm="r", nonce="2", algorithm=sha-256, qop="auth", stale=TRUE',
      'Digest realm="r", nonce="3", algorithm=SHA-512-256, qop="auth-int"',
      'Digest realm="r", nonce="4", algorithm=SHA-1',
    ]);
    assert.equal(picked?.nonce, '2');
    assert.equal(picked?.algorithm, 'SHA-256');
    assert.equal(picked?.stale, true);
    assert.equal(digestChallenge(['Basic realm="x"']), null);
    assert.equal(digestChallenge(['Digest realm="unterminated']), null);
    assert.equal(digestChallenge(['Digest realm="r", nonce="n"'])?.qop, undefined, 'RFC 2069: no qop');
  });

  test('sessions: nc counts per nonce, a new nonce starts again at 1, origins are kept apart', () => {
    const sessions = new DigestSessions();
    const nc = (origin: string) =>
      /nc=(\w+)/.exec(
        sessions.authorization(origin, { username: 'u', password: 'p' }, 'GET', '/') ?? '',
      )?.[1];
    assert.equal(nc('http://a'), undefined, 'never challenged: nothing pre-emptive');
    sessions.remember('http://a', digestChallenge(['Digest realm="r", nonce="1", qop="auth"'])!);
    assert.equal(nc('http://a'), '00000001');
    assert.equal(nc('http://a'), '00000002');
    sessions.remember('http://a', digestChallenge(['Digest realm="r", nonce="1", qop="auth"'])!);
    assert.equal(nc('http://a'), '00000003', 'the same nonce keeps counting');
    sessions.remember('http://a', digestChallenge(['Digest realm="r", nonce="2", qop="auth"'])!);
    assert.equal(nc('http://a'), '00000001');
    assert.equal(nc('http://b'), undefined);
  });
});

for (const face of FACES) {
  describe(`${face.name}: digest against a real server`, () => {
    for (const algorithm of ALGORITHMS) {
      test(`${algorithm}, qop=auth: one challenge, one answer, 200`, async () => {
        const marker = `alg-${algorithm}-${face.name}`;
        const res = await face.make().get(server.url(`/digest/${algorithm}?m=${marker}`), { auth });
        assert.equal(res.status, 200);
        const ok = res.json<Ok>();
        assert.equal(ok.algorithm, algorithm);
        assert.equal(ok.nc, '00000001');
        assert.deepEqual(res.history, [], 'the challenge is not a redirect');
        const seen = await seenFor(server, marker);
        assert.equal(seen.length, 2);
        assert.equal(seen[0]!.authorization, undefined, 'the first request goes without credentials');
        assert.equal(seen[1]!.verdict, 'ok');
      });
    }

    test('several challenges: the strongest algorithm offered is answered', async () => {
      const res = await http.get(server.url(`/digest/any?offer=MD5,SHA-256&m=offer-${face.name}`), { auth });
      assert.equal(res.json<Ok>().algorithm, 'SHA-256');
    });

    test('RFC 2069 (no qop) and userhash challenges', async () => {
      const client = face.make();
      const legacy = await client.get(server.url(`/digest/MD5?qop=none&m=legacy-${face.name}`), { auth });
      assert.equal(legacy.status, 200);
      assert.equal(legacy.json<Ok>().nc, undefined);
      const hashed = await client.get(server.url(`/digest/SHA-256?userhash=1&m=uh-${face.name}`), { auth });
      assert.equal(hashed.status, 200);
    });

    test('a wrong password: one answer, then the 401 is returned (no loop)', async () => {
      const marker = `wrong-${face.name}`;
      const res = await face.make().get(server.url(`/digest/SHA-256?m=${marker}`), { auth: wrong });
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Digest /);
      const seen = await seenFor(server, marker);
      assert.deepEqual(
        seen.map((r) => r.verdict),
        [undefined, 'wrong response'],
      );
    });

    test('a stale nonce within one call: one more answer with the new nonce → 200', async () => {
      const marker = `stale-${face.name}`;
      const res = await face.make().get(server.url(`/digest/MD5?stale=first&m=${marker}`), { auth });
      assert.equal(res.status, 200);
      assert.deepEqual(
        (await seenFor(server, marker)).map((r) => r.verdict),
        [undefined, 'stale', 'ok'],
      );
    });

    test('a client answers later requests pre-emptively, nc counting up; an expired nonce is renewed', async () => {
      const client = face.make({ auth });
      const marker = `pre-${face.name}`;
      assert.equal((await client.get(server.url(`/digest/SHA-256?m=${marker}&n=1`))).status, 200);
      // The other face of the client and an extend()ed client share its memory of challenges.
      const partner = client instanceof Client ? client.sync : (client as SyncClient).async;
      const second = await partner.get(server.url(`/digest/SHA-256?m=${marker}&n=2`));
      assert.equal(second.status, 200);
      assert.equal(second.json<Ok>().nc, '00000002');
      const third = await client
        .extend({ headers: { 'x-n': '3' } })
        .get(server.url(`/digest/SHA-256?m=${marker}&n=3`));
      assert.equal(third.json<Ok>().nc, '00000003');
      let seen = await seenFor(server, marker);
      assert.deepEqual(
        seen.map((r) => [r.nc, r.verdict]),
        [
          [undefined, undefined],
          ['00000001', 'ok'],
          ['00000002', 'ok'],
          ['00000003', 'ok'],
        ],
      );
      await server.expire();
      const renewed = await client.get(server.url(`/digest/SHA-256?m=${marker}&n=4`));
      assert.equal(renewed.status, 200);
      assert.equal(renewed.json<Ok>().nc, '00000001', 'the new nonce counts from 1');
      seen = (await seenFor(server, marker)).slice(4);
      assert.deepEqual(
        seen.map((r) => [r.nc, r.verdict]),
        [
          ['00000004', 'stale'],
          ['00000001', 'ok'],
        ],
      );
      // A client of its own does not share the memory.
      const stranger = await face.make({ auth }).get(server.url(`/digest/SHA-256?m=${marker}&n=5`));
      assert.equal(stranger.status, 200);
      assert.equal((await seenFor(server, marker)).at(-2)!.authorization, undefined);
    });

    test("the 401's cookies are stored before the answer (jar clients)", async () => {
      const marker = `cookie-${face.name}`;
      const res = await face.make({ cookies: true }).get(server.url(`/digest/MD5?m=${marker}`), { auth });
      assert.equal(res.status, 200);
      assert.match(res.json<Ok>().cookie ?? '', /^challenged=\d+$/);
    });

    test('a redirect to another origin carries no Digest credentials, and its challenge is not answered', async () => {
      const marker = `cross-${face.name}`;
      const echo = encodeURIComponent(other.url(`/echo?m=${marker}`));
      const res = await face.make({ auth }).get(server.url(`/digest/MD5?m=${marker}&to=${echo}`));
      assert.equal(res.status, 200);
      assert.equal(res.json<{ authorization?: string }>().authorization, undefined);
      const challenged = encodeURIComponent(other.url(`/digest/MD5?m=${marker}-2`));
      const refused = await face.make({ auth }).get(server.url(`/digest/MD5?m=${marker}&to=${challenged}`));
      assert.equal(refused.status, 401, "another origin's challenge is returned, not answered");
      const atOther = await seenFor(other, marker);
      assert.deepEqual(
        atOther.map((r) => [r.url.split('?')[0], r.authorization]),
        [
          ['/echo', undefined],
          ['/digest/MD5', undefined],
        ],
      );
    });

    test('a same-origin redirect is signed afresh for its own target', async () => {
      const marker = `same-${face.name}`;
      const to = encodeURIComponent(`/digest/SHA-256?m=${marker}-target`);
      const res = await face.make({ auth }).get(server.url(`/digest/SHA-256?m=${marker}&to=${to}`));
      assert.equal(res.status, 200);
      assert.equal(res.json<Ok>().nc, '00000002');
    });

    test('POST: a bytes body is sent again with the answer', async () => {
      const marker = `post-${face.name}`;
      const body = new TextEncoder().encode(`payload-${face.name}`);
      const res = await face.make().post(server.url(`/digest/SHA-512-256?m=${marker}`), { auth, body });
      assert.equal(res.status, 200);
      assert.equal(res.json<Ok>().body, `payload-${face.name}`);
      assert.deepEqual(
        (await seenFor(server, marker)).map((r) => r.body),
        [`payload-${face.name}`, `payload-${face.name}`],
      );
    });

    test('an iterable body cannot be sent again: InvalidArgumentError before anything is sent', async () => {
      const marker = `iter-${face.name}`;
      const body = (function* () {
        yield new TextEncoder().encode('once');
      })();
      await assert.rejects(
        async () => face.make().post(server.url(`/digest/MD5?m=${marker}`), { auth, body }),
        (e: unknown) =>
          e instanceof InvalidArgumentError && /needs a body that can be sent again/.test(e.message),
      );
      assert.deepEqual(await seenFor(server, marker), []);
    });

    test('stream(): the 401 head is discarded and the answer streamed', async () => {
      const marker = `stream-${face.name}`;
      const client = face.make({ auth });
      const res: StreamingResponse | SyncStreamingResponse = await client.stream(
        'GET',
        server.url(`/digest/SHA-256-sess?m=${marker}`),
      );
      assert.equal(res.status, 200);
      const ok = JSON.parse(Buffer.from(await res.bytes()).toString('utf8')) as Ok;
      assert.equal(ok.algorithm, 'SHA-256-sess');
      assert.equal((await seenFor(server, marker)).length, 2);
      const stats = await client.pool.stats();
      assert.equal(stats.totals.busy, 0, 'the discarded 401 freed its connection');
    });

    test("an Authorization header of the caller's own wins over Digest", async () => {
      const marker = `header-${face.name}`;
      const res = await face
        .make({ auth })
        .get(server.url(`/digest/MD5?m=${marker}`), { headers: { authorization: 'Bearer mine' } });
      assert.equal(res.status, 401);
      assert.deepEqual(
        (await seenFor(server, marker)).map((r) => r.authorization),
        ['Bearer mine'],
      );
    });
  });
}

test("auth.type other than 'basic' or 'digest' is refused", async () => {
  await assert.rejects(
    async () =>
      http.get(server.url('/echo'), { auth: { username: 'u', password: 'p', type: 'ntlm' as 'digest' } }),
    InvalidArgumentError,
  );
});
