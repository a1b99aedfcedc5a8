/**
 * The mirror, enforced: both faces export the same verbs with the same types (the sync return type
 * is the awaited async one), and one scenario table gives identical observable results on both.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { expectTypeOf } from 'expect-type';
import { type Client, http, httpSync, type RequestOptions, type Response, type SyncClient } from 'onepool';
import { refusedURL as refused, startServer, type TestServer } from './helpers/servers.ts';

const VERBS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options', 'request'] as const;

function methodNames(object: object): string[] {
  const names = new Set<string>();
  for (let p = Object.getPrototypeOf(object); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      const d = Object.getOwnPropertyDescriptor(p, name);
      if (name !== 'constructor' && typeof d?.value === 'function') names.add(name);
    }
  }
  return [...names].sort();
}

test('both faces have the same methods, and the sync types are the awaited async types', () => {
  assert.deepEqual(methodNames(http), methodNames(httpSync));
  for (const verb of VERBS) assert.equal(typeof httpSync[verb], 'function');
  assert.deepEqual(Object.keys(http.pool).sort(), Object.keys(httpSync.pool).sort());

  expectTypeOf<ReturnType<SyncClient['get']>>().toEqualTypeOf<Awaited<ReturnType<Client['get']>>>();
  expectTypeOf<ReturnType<SyncClient['head']>>().toEqualTypeOf<Awaited<ReturnType<Client['head']>>>();
  expectTypeOf<ReturnType<SyncClient['post']>>().toEqualTypeOf<Awaited<ReturnType<Client['post']>>>();
  expectTypeOf<ReturnType<SyncClient['put']>>().toEqualTypeOf<Awaited<ReturnType<Client['put']>>>();
  expectTypeOf<ReturnType<SyncClient['patch']>>().toEqualTypeOf<Awaited<ReturnType<Client['patch']>>>();
  expectTypeOf<ReturnType<SyncClient['delete']>>().toEqualTypeOf<Awaited<ReturnType<Client['delete']>>>();
  expectTypeOf<ReturnType<SyncClient['options']>>().toEqualTypeOf<Awaited<ReturnType<Client['options']>>>();
  expectTypeOf<ReturnType<SyncClient['request']>>().toEqualTypeOf<Awaited<ReturnType<Client['request']>>>();
  expectTypeOf<Parameters<SyncClient['request']>>().toEqualTypeOf<Parameters<Client['request']>>();
  expectTypeOf<Parameters<SyncClient['get']>>().toEqualTypeOf<Parameters<Client['get']>>();
  expectTypeOf<ReturnType<SyncClient['pool']['stats']>>().toEqualTypeOf<
    Awaited<ReturnType<Client['pool']['stats']>>
  >();
});

interface Observation {
  status?: number;
  statusText?: string;
  headers?: Record<string, string | string[]>;
  bodyLength?: number;
  bodySha?: string;
  text?: string;
  error?: { name: string; code: string; isError: boolean };
}

const VOLATILE = new Set(['date', 'x-conn-id', 'keep-alive', 'connection']);

function observe(response: Response): Observation {
  const headers = Object.fromEntries(
    Object.entries(response.headers.toJSON()).filter(([k]) => !VOLATILE.has(k)),
  );
  const body = response.bytes();
  return {
    status: response.status,
    statusText: response.statusText,
    headers,
    bodyLength: body.byteLength,
    bodySha: createHash('sha256').update(body).digest('hex'),
    text: body.byteLength < 10_000 ? response.text() : undefined,
  };
}

const observeError = (error: unknown): Observation => {
  const e = error as { name: string; code: string };
  return { error: { name: e.name, code: e.code, isError: error instanceof Error } };
};

function runSync(method: string, url: string, options?: RequestOptions): Observation {
  try {
    return observe(httpSync.request(method, url, options));
  } catch (error) {
    return observeError(error);
  }
}

async function runAsync(method: string, url: string, options?: RequestOptions): Promise<Observation> {
  try {
    return observe(await http.request(method, url, options));
  } catch (error) {
    return observeError(error);
  }
}

let server: TestServer;
let refusedURL: string;
before(async () => {
  server = await startServer('http');
  refusedURL = await refused();
});
after(() => server.close());

type Scenario = [
  name: string,
  method: string,
  url: () => string,
  options?: RequestOptions,
  expect?: Partial<Observation>,
];

const scenarios: Scenario[] = [
  ['200', 'GET', () => server.url('/status/200'), undefined, { status: 200, text: 'status 200' }],
  ['204', 'GET', () => server.url('/status/204'), undefined, { status: 204, bodyLength: 0 }],
  ['404', 'GET', () => server.url('/status/404'), undefined, { status: 404 }],
  ['500', 'GET', () => server.url('/status/500'), undefined, { status: 500 }],
  ['JSON round trip', 'POST', () => server.url('/echo'), { json: { a: [1, 'two', null], é: true } }],
  ['form body', 'POST', () => server.url('/echo'), { form: { a: 'x y', b: ['1', '2'], c: '&=' } }],
  ['params', 'GET', () => server.url('/echo?z=0'), { params: { q: 'a b&c', list: [1, 2], skip: undefined } }],
  ['unicode body', 'GET', () => server.url('/unicode')],
  [
    'unicode request',
    'PUT',
    () => server.url('/echo'),
    { body: 'ünïcödé ✓', headers: { 'x-note': 'plain' } },
  ],
  ['5 MB body', 'GET', () => server.url('/bytes/5242880'), undefined, { status: 200, bodyLength: 5_242_880 }],
  ['HEAD', 'HEAD', () => server.url('/status/200'), undefined, { status: 200, bodyLength: 0 }],
  ['multi-value headers', 'GET', () => server.url('/headers')],
  [
    'connection refused',
    'GET',
    () => refusedURL,
    undefined,
    { error: { name: 'ConnectError', code: 'ONEPOOL_ERR_CONNECT', isError: true } },
  ],
  [
    'invalid URL',
    'GET',
    () => 'http://exa mple.com:99999/',
    undefined,
    { error: { name: 'InvalidURLError', code: 'ONEPOOL_ERR_INVALID_URL', isError: true } },
  ],
  [
    'unsupported scheme',
    'GET',
    () => 'ftp://127.0.0.1/x',
    undefined,
    { error: { name: 'InvalidURLError', code: 'ONEPOOL_ERR_INVALID_URL', isError: true } },
  ],
  [
    'CRLF in a header',
    'GET',
    () => server.url('/echo'),
    { headers: { 'x-evil': 'a\r\nInjected: 1' } },
    { error: { name: 'InvalidHeaderError', code: 'ONEPOOL_ERR_INVALID_HEADER', isError: true } },
  ],
  [
    'read timeout',
    'GET',
    () => server.url('/hang'),
    { timeout: { read: 300 } },
    { error: { name: 'ReadTimeoutError', code: 'ONEPOOL_ERR_READ_TIMEOUT', isError: true } },
  ],
];

for (const [name, method, url, options, expected] of scenarios) {
  test(`parity: ${name}`, async () => {
    const sync = runSync(method, url(), options);
    const async = await runAsync(method, url(), options);
    assert.deepEqual(sync, async, 'both faces observe the same thing');
    if (expected)
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(sync[k as keyof Observation], v, k);
    if (!sync.error) assert.equal(typeof sync.status, 'number');
  });
}

test('parity: the echoed request is the same from both faces', async () => {
  const options: RequestOptions = { json: { x: 1 }, params: { p: 'ü' }, headers: { 'X-Custom': ['a', 'b'] } };
  const sync = httpSync
    .post(server.url('/echo'), options)
    .json<{ url: string; headers: Record<string, string>; body: string }>();
  const async = (await http.post(server.url('/echo'), options)).json<typeof sync>();
  assert.equal(sync.url, '/echo?p=%C3%BC');
  assert.equal(sync.headers['x-custom'], 'a, b');
  assert.equal(sync.headers['content-type'], 'application/json');
  assert.equal(sync.body, '{"x":1}');
  assert.deepEqual(sync, async);
});
