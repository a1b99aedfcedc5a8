/**
 * createRecordingPool on both faces against a real server in a child process: a `record` run sends
 * every exchange and writes the file; a `replay` run answers the same calls from the file alone
 * (the server counts 0 connections and 0 requests) with the same responses; the file holds no
 * credential or cookie; `record-missing` replays what it has and records the rest.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createRecordingPool, InvalidArgumentError, MockNotMatchedError, type Response } from 'onepool';
import { type AnyFace, FACES } from './helpers/face-kinds.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let server: TestServer;
const dir = mkdtempSync(join(tmpdir(), 'onepool-recording-'));
const TOKEN = 'tok-3f9a-never-in-the-file';

before(async () => {
  server = await startServer('http');
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What a test compares between a live run and a replay (the connection is the only thing that differs). */
function summary(res: Response) {
  return {
    status: res.status,
    text: res.text(),
    url: res.url,
    retries: res.retries,
    history: res.history.map((r) => r.status),
    headers: res.headers.raw().filter((_, i, raw) => raw[i - (i % 2)]!.toLowerCase() !== 'set-cookie'),
  };
}

/** One session of calls: cookies, credentials, a redirect, a retried 503, a gzip body, a POST body. */
async function session(client: AnyFace, key: string) {
  return [
    summary(await client.get(server.url('/headers'))),
    summary(await client.get(server.url('/status/200'))),
    summary(await client.get(server.url('/redirect/302?to=/status/201'))),
    summary(await client.get(server.url(`/flaky/${key}?fail=1&after=0`))),
    summary(await client.get(server.url('/gzip'))),
    summary(await client.post(server.url('/status/202'), { json: { q: 1 } })),
  ];
}

for (const face of FACES) {
  describe(`${face.name}: record, then replay`, () => {
    const path = join(dir, `${face.name}.json`);
    const options = { headers: { authorization: `Bearer ${TOKEN}` }, cookies: true, retry: 1 } as const;
    let recorded: Awaited<ReturnType<typeof session>>;

    test('record: every exchange reaches the server and is written to the file, credentials redacted', async () => {
      await server.reset();
      const pool = createRecordingPool({ path, mode: 'record' });
      recorded = await session(face.make({ pool, ...options }), `${face.name}-record`);
      const stats = await server.stats();
      assert.equal(stats.requests, 8); // the redirect and the retry are one more exchange each
      assert.ok(stats.connections >= 1);
      // the second call sent the cookies set by the first
      assert.match(String(stats.seen[1]!.headers.cookie), /a=1/);
      assert.equal(recorded[4]!.text, 'compressed hello');
      assert.equal(recorded[3]!.retries, 1);
      const file = readFileSync(path, 'utf8');
      assert.equal(JSON.parse(file).entries.length, 8);
      assert.ok(!file.includes(TOKEN), 'the token reached the file');
      assert.ok(!file.includes('a=1'), 'a cookie reached the file');
      assert.ok(
        !/"(authorization|cookie|set-cookie)",\s*"(?!\[REDACTED\])/i.test(file),
        'an unredacted credential header',
      );
      assert.match(file, /\[REDACTED\]/);
    });

    test('replay: the same responses from the file, 0 connections and 0 requests on the server', async () => {
      await server.reset();
      const pool = createRecordingPool({ path, mode: 'replay' });
      const replayed = await session(face.make({ pool, ...options }), `${face.name}-record`);
      assert.deepEqual(replayed, recorded);
      const stats = await server.stats();
      assert.equal(stats.connections, 0);
      assert.equal(stats.requests, 0);
      assert.equal(pool.calls.length, 8);
      // each recorded exchange answers once: a ninth call has nothing left
      const client = face.make({ pool, ...options });
      await assert.rejects(
        async () => client.get(server.url('/status/200')),
        (error: unknown) =>
          error instanceof MockNotMatchedError && error.message.includes(`no exchange left in ${path}`),
      );
      assert.equal((await server.stats()).connections, 0);
    });

    test('record-missing: replays what the file has, records the rest', async () => {
      await server.reset();
      const pool = createRecordingPool({ path, mode: 'record-missing' });
      const client = face.make({ pool, ...options });
      assert.equal((await client.get(server.url('/status/200'))).text(), 'status 200');
      assert.equal((await client.get(server.url('/status/203'))).status, 203);
      const stats = await server.stats();
      assert.equal(stats.requests, 1);
      assert.equal(stats.seen.at(-1)!.url, '/status/203');
      assert.equal(JSON.parse(readFileSync(path, 'utf8')).entries.length, 9);
      const again = createRecordingPool({ path, mode: 'replay' });
      await server.reset();
      assert.equal((await face.make({ pool: again }).get(server.url('/status/203'))).status, 203);
      assert.equal((await server.stats()).requests, 0);
    });
  });
}

test('replay without a file, or with a bad mode, is refused before any request', () => {
  assert.throws(
    () => createRecordingPool({ path: join(dir, 'none.json'), mode: 'replay' }),
    InvalidArgumentError,
  );
  assert.throws(
    () => createRecordingPool({ path: join(dir, 'x.json'), mode: 'playback' as 'replay' }),
    InvalidArgumentError,
  );
  assert.throws(() => createRecordingPool({ path: join(dir, 'x.json'), mdoe: 'replay' } as never), /mdoe/);
});
