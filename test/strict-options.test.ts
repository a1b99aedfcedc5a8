/**
 * Strict options: an unknown key at any level is an InvalidArgumentError naming it (with its path)
 * and the nearest valid key, thrown before anything is sent, on both faces; every valid key, even
 * set to undefined, is accepted.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type AllResult,
  CancelToken,
  configurePool,
  createPool,
  file,
  InvalidArgumentError,
  type Pool,
  type RequestOptions,
} from 'onepool';
import {
  allKeys,
  allRequestKeys,
  backoffKeys,
  hookKeys,
  poolKeys,
  proxyTLSKeys,
  requestKeys,
  retryKeys,
  timeoutKeys,
  tlsKeys,
} from '../src/core/option-keys.ts';
import { type AnyFace, FACES, type FaceKind } from './helpers/face-kinds.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

let server: TestServer;
/** The same server's routes on a Unix socket, for the `socketPath` option's valid value. */
let unixServer: TestServer;
const unixSocket = join(mkdtempSync(join(tmpdir(), 'onepool-strict-unix-')), 'echo.sock');
const pools: Pool[] = [];
before(async () => {
  server = await startServer('http');
  unixServer = await startServer('http', { socketPath: unixSocket });
});
after(async () => {
  for (const pool of pools) await pool.close();
  await Promise.all([server.close(), unixServer.close()]);
});

/** What a call threw (synchronously or as a rejection), or a failure if it did not throw. */
async function thrown(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  assert.fail('expected the call to throw');
}

function assertInvalid(error: unknown, message: string): void {
  assert.ok(error instanceof InvalidArgumentError, `expected InvalidArgumentError, got ${String(error)}`);
  assert.equal(error.code, 'ONEPOOL_ERR_INVALID_ARGUMENT');
  assert.equal(error.message, message);
}

const list = (level: object): string => Object.keys(level).join(', ');
const bad = (options: unknown) => options as RequestOptions;

interface Case {
  name: string;
  run(face: AnyFace, url: string, kind: FaceKind): unknown;
  message: string;
}

const get = (options: unknown) => (face: AnyFace, url: string) => face.get(url, bad(options));

const cases: Case[] = [
  { name: 'timout', run: get({ timout: 5 }), message: "unknown option 'timout' — did you mean 'timeout'?" },
  { name: 'retries', run: get({ retries: 3 }), message: "unknown option 'retries' — did you mean 'retry'?" },
  {
    name: 'dispatcher (far off: the valid keys are listed)',
    run: get({ dispatcher: {} }),
    message: `unknown option 'dispatcher' — valid keys: ${list(requestKeys)}`,
  },
  {
    // idle is 4 edits from read: too far to guess, so the valid keys are listed.
    name: 'timeout.idle',
    run: get({ timeout: { idle: 1 } }),
    message: "unknown option 'timeout.idle' — valid keys in 'timeout': connect, read, total, write",
  },
  {
    name: 'timeout.reed (near miss)',
    run: get({ timeout: { reed: 1 } }),
    message: "unknown option 'timeout.reed' — did you mean 'timeout.read'?",
  },
  {
    // Object.prototype's names are not options.
    name: 'constructor',
    run: get({ constructor: 1 }),
    message: `unknown option 'constructor' — valid keys: ${list(requestKeys)}`,
  },
  {
    name: 'a typo whose value is undefined',
    run: get({ timout: undefined }),
    message: "unknown option 'timout' — did you mean 'timeout'?",
  },
  {
    name: 'baseUrl (case slip)',
    run: get({ baseUrl: 'http://127.0.0.1/' }),
    message: "unknown option 'baseUrl' — did you mean 'baseURL'?",
  },
  {
    name: 'retry.backoff.bace',
    run: get({ retry: { limit: 1, backoff: { bace: 10 } } }),
    message: "unknown option 'retry.backoff.bace' — did you mean 'retry.backoff.base'?",
  },
  {
    name: 'retry.limt',
    run: get({ retry: { limt: 1 } }),
    message: "unknown option 'retry.limt' — did you mean 'retry.limit'?",
  },
  {
    name: 'tls.verfy',
    run: get({ tls: { verfy: false } }),
    message: "unknown option 'tls.verfy' — did you mean 'tls.verify'?",
  },
  {
    name: 'hooks.beforeReqest',
    run: get({ hooks: { beforeReqest: [] } }),
    message: "unknown option 'hooks.beforeReqest' — did you mean 'hooks.beforeRequest'?",
  },
  {
    name: 'auth.user (far off)',
    run: get({ auth: { user: 'u', password: 'p' } }),
    message: "unknown option 'auth.user' — valid keys in 'auth': username, password, type, bearer",
  },
  {
    name: 'proxy.tsl',
    run: get({ proxy: { url: 'http://127.0.0.1:1', tsl: {} } }),
    message: "unknown option 'proxy.tsl' — did you mean 'proxy.tls'?",
  },
  {
    name: 'proxy.tls.verfiy',
    run: get({ proxy: { url: 'http://127.0.0.1:1', tls: { verfiy: false } } }),
    message: "unknown option 'proxy.tls.verfiy' — did you mean 'proxy.tls.verify'?",
  },
  {
    name: 'multipart part filname',
    run: (face, url) => face.post(url, bad({ multipart: { a: 'x', b: [{ value: 'y', filname: 'b.txt' }] } })),
    message: "unknown option 'multipart.b.filname' — did you mean 'multipart.b.filename'?",
  },
  {
    name: 'file() option filname',
    run: (face, url) => face.post(url, { body: file('/tmp/x', bad({ filname: 'x' }) as never) }),
    message: "unknown file() option 'filname' — did you mean 'filename'?",
  },
  {
    name: 'stream() options',
    run: (face, url) => face.stream('GET', url, bad({ maxRedirect: 1 })),
    message: "unknown option 'maxRedirect' — did you mean 'maxRedirects'?",
  },
  {
    name: 'new Client / new SyncClient({ timout: 5 })',
    run: (_face, url, kind) => kind.make(bad({ timout: 5 })).get(url),
    message: "unknown option 'timout' — did you mean 'timeout'?",
  },
  {
    name: 'extend({ retries: 3 })',
    run: (face, url) => face.extend(bad({ retries: 3 })).get(url),
    message: "unknown option 'retries' — did you mean 'retry'?",
  },
  {
    // Merging hooks keeps only the names it knows: the check must come first.
    name: 'extend() of a client with hooks, by a misspelt hook',
    run: (face, url) =>
      face
        .extend({ hooks: { beforeRequest: [() => {}] } })
        .extend(bad({ hooks: { afterRespons: [() => {}] } }))
        .get(url),
    message: "unknown option 'hooks.afterRespons' — did you mean 'hooks.afterResponse'?",
  },
  {
    name: 'a misspelt hook on a call to a client with hooks',
    run: (face, url) =>
      face.extend({ hooks: { beforeRequest: [() => {}] } }).get(url, bad({ hooks: { beforeRedirekt: [] } })),
    message: "unknown option 'hooks.beforeRedirekt' — did you mean 'hooks.beforeRedirect'?",
  },
  {
    name: 'all() options',
    run: (face, url) => face.all([{ url }], { concurency: 2 } as never),
    message: "unknown all() option 'concurency' — did you mean 'concurrency'?",
  },
  {
    name: 'createPool({ maxConnection: 2 })',
    run: (face, url) => face.extend({ pool: createPool({ maxConnection: 2 } as never) }).get(url),
    message: "unknown pool option 'maxConnection' — did you mean 'maxConnections'?",
  },
  {
    name: 'configurePool({ keepAlive: 1 })',
    run: (face, url) => {
      configurePool({ keepAlive: 1 } as never);
      return face.get(url);
    },
    message: "unknown pool option 'keepAlive' — valid keys: " + list(poolKeys),
  },
];

for (const kind of FACES) {
  describe(`strict options, ${kind.name} face`, () => {
    const face = kind.make();

    for (const c of cases) {
      test(`${c.name}: refused before anything is sent`, async () => {
        const { requests } = await server.stats();
        assertInvalid(await thrown(() => c.run(face, server.url('/echo'), kind)), c.message);
        assert.equal((await server.stats()).requests, requests, 'the server received no request');
      });
    }

    test('an all() item with a typo fails alone, as a bad URL does', async () => {
      const { requests } = await server.stats();
      const results: AllResult[] = await face.all([
        { url: server.url('/echo') },
        bad({ url: server.url('/echo'), metod: 'POST' }) as never,
        { url: server.url('/echo'), timeout: { conect: 1 } as never },
      ]);
      assert.equal(results[0]?.ok, true);
      for (const [index, message] of [
        [1, "unknown option 'metod' — did you mean 'method'?"],
        [2, "unknown option 'timeout.conect' — did you mean 'timeout.connect'?"],
      ] as const) {
        const result = results[index]!;
        assert.equal(result.ok, false);
        if (!result.ok) assertInvalid(result.error, message);
      }
      assert.equal((await server.stats()).requests, requests + 1, 'only the valid item was sent');
    });

    test('every valid key is accepted, set to undefined', async () => {
      const { requests } = await server.stats();
      const url = server.url('/echo');
      for (const key of Object.keys(requestKeys))
        assert.equal((await face.get(url, { [key]: undefined })).status, 200, key);
      const nested: [keyof RequestOptions, object][] = [
        ['timeout', timeoutKeys],
        ['retry', retryKeys],
        ['tls', tlsKeys],
        ['hooks', hookKeys],
      ];
      let sent = Object.keys(requestKeys).length;
      for (const [option, level] of nested) {
        for (const key of Object.keys(level)) {
          assert.equal(
            (await face.get(url, { [option]: { [key]: undefined } })).status,
            200,
            `${option}.${key}`,
          );
          sent++;
        }
      }
      for (const key of Object.keys(backoffKeys)) {
        assert.equal((await face.get(url, { retry: { backoff: { [key]: undefined } } })).status, 200, key);
        sent++;
      }
      const undefinedAll = Object.fromEntries(Object.keys(allRequestKeys).map((k) => [k, undefined]));
      const results = await face.all(
        [{ ...undefinedAll, url }],
        Object.fromEntries(Object.keys(allKeys).map((k) => [k, undefined])) as never,
      );
      assert.equal(results[0]?.ok, true);
      sent++;
      const pool = createPool(Object.fromEntries(Object.keys(poolKeys).map((k) => [k, undefined])) as never);
      pools.push(pool);
      assert.equal((await face.get(url, { pool })).status, 200);
      sent++;
      assert.equal((await server.stats()).requests, requests + sent);
    });

    test('every valid key is accepted with a valid value', async () => {
      const url = server.url('/echo');
      const dir = mkdtempSync(join(tmpdir(), 'onepool-strict-'));
      const path = join(dir, 'part.txt');
      writeFileSync(path, 'part');
      const pool = createPool({
        connectionsPerOrigin: 2,
        keepAliveTimeout: 1_000,
        maxConcurrentStreams: 10,
        maxConnections: 4,
        poolTimeout: 5_000,
      });
      pools.push(pool);
      const hook = () => {};
      // One value per key (the compiler checks the table is complete), in calls that can all succeed.
      const values: Record<keyof RequestOptions, unknown> = {
        params: { q: '1' },
        headers: { 'x-strict': '1' },
        json: { a: 1 },
        form: { a: '1' },
        body: 'x',
        multipart: {
          a: 'x',
          b: { value: 'y', filename: 'b.txt', type: 'text/plain' },
          c: file(path, { filename: 'c.txt', type: 'text/plain' }),
        },
        onUploadProgress: hook,
        onDownloadProgress: hook,
        timeout: { connect: 5_000, read: 5_000, total: 10_000 },
        throwHttpErrors: true,
        baseURL: server.origin,
        auth: { bearer: 't' },
        retry: {
          limit: 1,
          methods: ['GET', 'POST'],
          statuses: [503],
          backoff: { base: 1, cap: 2 },
          respectRetryAfter: true,
          maxRetryAfter: 1_000,
          errors: false,
        },
        maxRedirects: 3,
        cookies: true,
        hooks: { beforeRequest: [hook], afterResponse: [hook], beforeRetry: [hook], beforeRedirect: [hook] },
        decompress: true,
        maxResponseSize: 1_000_000,
        signal: new AbortController().signal,
        cancel: new CancelToken(),
        pool,
        tls: {
          verify: true,
          servername: 'localhost',
          minVersion: 'TLSv1.2',
          maxVersion: 'TLSv1.3',
          ciphers: 'DEFAULT',
        },
        http2: false,
        localAddress: '127.0.0.1',
        socketPath: unixSocket,
        resolve: { 'mapped.onepool.test': '127.0.0.1' },
        autoSelectFamily: true,
        autoSelectFamilyAttemptTimeout: 250,
        proxy: false,
        trustEnv: true,
      };
      for (const [key, value] of Object.entries(values)) {
        const response = await face.post(url, { [key]: value });
        assert.equal(response.status, 200, key);
      }
      assert.equal((await face.get(url, { auth: { username: 'u', password: 'p' } })).status, 200);
      // Every tls and proxy-tls key (PEMs as undefined: a CA or client key only matters on https).
      const tls = Object.fromEntries(Object.keys(tlsKeys).map((k) => [k, undefined]));
      assert.equal((await face.get(url, { tls: { ...tls, verify: true } })).status, 200);
      // A proxy object with every key: the test server answers the proxied request itself.
      const proxyTLS = Object.fromEntries(Object.keys(proxyTLSKeys).map((k) => [k, undefined]));
      const proxied = await face.get(url, { proxy: { url: server.origin, tls: proxyTLS } });
      assert.equal(typeof proxied.status, 'number');
    });
  });
}
