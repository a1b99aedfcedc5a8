/**
 * The policy generator driven by hand: no worker, no network. Each test plays the transport,
 * answering the generator's ops, and checks what it asks for next.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CookieJar } from 'tough-cookie';
import { joinBaseURL } from '../src/core/base-url.ts';
import {
  ConnectionClosedError,
  InvalidArgumentError,
  InvalidURLError,
  ReadTimeoutError,
  RedirectError,
  StaleConnectionError,
  TooManyRedirectsError,
} from '../src/core/errors.ts';
import { prepare, type RequestOptions } from '../src/core/options.ts';
import { callOf, type ExchangeResult, type Op, type Policy, policyConfig, send } from '../src/core/policy.ts';
import type { Response } from '../src/core/response.ts';
import { backoff, DEFAULT_RETRY, parseRetryAfter } from '../src/core/retry.ts';

const enc = new TextEncoder();

function reply(status: number, headers: string[] = [], body = ''): ExchangeResult {
  return {
    status,
    statusText: '',
    headers,
    body: enc.encode(body),
    httpVersion: '1.1',
    connection: { id: 1, reused: false, protocol: 'h1' },
  };
}

function start(method: string, url: string, options: RequestOptions = {}): { gen: Policy; op: Op } {
  const gen = send(callOf(prepare(method, url, options), policyConfig(options)));
  const step = gen.next();
  assert.equal(step.done, false);
  return { gen, op: step.value as Op };
}

function next(gen: Policy, value: unknown): Op | Response {
  const step = gen.next(value);
  return step.value as Op | Response;
}

function exchange(op: Op | Response): Extract<Op, { kind: 'exchange' }> {
  assert.equal((op as Op).kind, 'exchange');
  return op as Extract<Op, { kind: 'exchange' }>;
}

const header = (op: Extract<Op, { kind: 'exchange' }>, name: string): string | undefined => {
  const h = op.request.headers;
  for (let i = 0; i < h.length; i += 2) if (h[i]!.toLowerCase() === name) return h[i + 1];
  return undefined;
};

describe('redirects', () => {
  test('303 after POST: GET without body or body headers; 307 keeps method and body', () => {
    for (const [status, method, hasBody] of [
      [301, 'GET', false],
      [302, 'GET', false],
      [303, 'GET', false],
      [307, 'POST', true],
      [308, 'POST', true],
    ] as const) {
      const { gen, op } = start('POST', 'http://a.test/x', { json: { a: 1 } });
      assert.equal(exchange(op).request.method, 'POST');
      const hop = exchange(next(gen, reply(status, ['Location', '/y'])));
      assert.equal(hop.request.method, method, `${status}`);
      assert.equal(hop.request.url.href, 'http://a.test/y');
      assert.equal(hop.request.body !== null, hasBody, `${status} body`);
      assert.equal(header(hop, 'content-type') !== undefined, hasBody, `${status} content-type`);
      const res = next(gen, reply(200)) as Response;
      assert.equal(res.status, 200);
      assert.deepEqual(
        res.history.map((r) => r.status),
        [status],
      );
      assert.equal(res.url, 'http://a.test/y');
    }
  });

  test('HEAD stays HEAD on 301/302/303', () => {
    const { gen } = start('HEAD', 'http://a.test/x');
    assert.equal(exchange(next(gen, reply(303, ['location', '/y']))).request.method, 'HEAD');
  });

  test('credentials dropped when scheme, host or port change, kept on the same origin', () => {
    const cases = [
      ['http://a.test/y', true],
      ['http://a.test:81/y', false],
      ['http://b.test/y', false],
      ['https://a.test/y', false],
    ] as const;
    for (const [to, kept] of cases) {
      const { gen } = start('GET', 'http://a.test/x', {
        headers: { authorization: 'Bearer t', cookie: 'sid=1', 'proxy-authorization': 'Basic x' },
      });
      const hop = exchange(next(gen, reply(302, ['location', to])));
      for (const name of ['authorization', 'cookie', 'proxy-authorization'])
        assert.equal(header(hop, name) !== undefined, kept, `${to} ${name}`);
    }
  });

  test('maxRedirects: past it TooManyRedirectsError with the history; 0 returns the 3xx', () => {
    const { gen } = start('GET', 'http://a.test/0', { maxRedirects: 2 });
    exchange(next(gen, reply(302, ['location', '/1'])));
    exchange(next(gen, reply(302, ['location', '/2'])));
    assert.throws(
      () => gen.next(reply(302, ['location', '/3'])),
      (e: unknown) => e instanceof TooManyRedirectsError && e.history.length === 3,
    );
    const zero = start('GET', 'http://a.test/0', { maxRedirects: 0 });
    assert.equal((next(zero.gen, reply(301, ['location', '/1'])) as Response).status, 301);
  });

  test('a redirect to another scheme is refused', () => {
    for (const to of ['ftp://a.test/', 'file:///etc/passwd', 'javascript:alert(1)']) {
      const { gen } = start('GET', 'http://a.test/x');
      assert.throws(() => gen.next(reply(302, ['location', to])), RedirectError);
    }
  });
});

describe('retries', () => {
  test('503 with Retry-After: 1 sleeps 1000 ms, then retries; res.retries counts it', () => {
    const { gen } = start('GET', 'http://a.test/x');
    const sleep = next(gen, reply(503, ['retry-after', '1'])) as Op;
    assert.deepEqual(sleep, { kind: 'sleep', ms: 1000 });
    exchange(next(gen, undefined));
    const res = next(gen, reply(200)) as Response;
    assert.equal(res.retries, 1);
  });

  test('Retry-After as an HTTP date; a wait beyond maxRetryAfter is not waited for', () => {
    const at = new Date(Date.now() + 5000).toUTCString();
    const { gen } = start('GET', 'http://a.test/x');
    const sleep = next(gen, reply(429, ['retry-after', at])) as Extract<Op, { kind: 'sleep' }>;
    assert.equal(sleep.kind, 'sleep');
    assert.ok(sleep.ms > 3000 && sleep.ms <= 5000, String(sleep.ms));
    const capped = start('GET', 'http://a.test/x', { retry: { maxRetryAfter: 1000 } });
    assert.equal((next(capped.gen, reply(429, ['retry-after', '30'])) as Response).status, 429);
  });

  test('POST is not retried unless listed; limit bounds the attempts', () => {
    const post = start('POST', 'http://a.test/x', { body: 'x' });
    assert.equal((next(post.gen, reply(503)) as Response).status, 503);
    const listed = start('POST', 'http://a.test/x', { body: 'x', retry: { methods: ['POST'], limit: 1 } });
    assert.equal((next(listed.gen, reply(503)) as Op).kind, 'sleep');
    exchange(next(listed.gen, undefined));
    assert.equal((next(listed.gen, reply(503)) as Response).status, 503);
  });

  test('connection failures are retried only with retry.errors, timeouts never', () => {
    const closed = () => new ConnectionClosedError('reset');
    const off = start('GET', 'http://a.test/x');
    assert.throws(() => off.gen.throw(closed()), ConnectionClosedError);
    const on = start('GET', 'http://a.test/x', { retry: { errors: true, backoff: { base: 1, cap: 1 } } });
    assert.equal((on.gen.throw(closed()).value as Op).kind, 'sleep');
    const timeout = start('GET', 'http://a.test/x', { retry: { errors: true } });
    assert.throws(() => timeout.gen.throw(new ReadTimeoutError('slow')), ReadTimeoutError);
  });

  test('a retry that cannot finish within timeout.total is not made', () => {
    const { gen } = start('GET', 'http://a.test/x', { timeout: { total: 500 } });
    assert.equal((next(gen, reply(503, ['retry-after', '1'])) as Response).status, 503);
  });

  test('full jitter stays in [0, min(cap, base * 2^n)]; Retry-After parsing', () => {
    for (let n = 0; n < 8; n++) {
      assert.equal(
        backoff(DEFAULT_RETRY, n, () => 0),
        0,
      );
      assert.equal(
        backoff(DEFAULT_RETRY, n, () => 1),
        Math.min(10_000, 300 * 2 ** n),
      );
    }
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter('soon'), null);
    assert.equal(parseRetryAfter(new Date(1000).toUTCString(), 0), 1000);
    assert.equal(parseRetryAfter(new Date(0).toUTCString(), 5000), 0);
  });
});

describe('stale keep-alive connections', () => {
  const stale = () =>
    Object.assign(new ConnectionClosedError('other side closed'), { staleConnection: true });

  test('an idempotent request is sent once more at once, and only once', () => {
    const { gen } = start('GET', 'http://a.test/x', { retry: 0 });
    exchange(gen.throw(stale()).value as Op);
    assert.throws(() => gen.throw(stale()), ConnectionClosedError);
  });

  test('a POST is never replayed: StaleConnectionError, marked retryable', () => {
    const { gen } = start('POST', 'http://a.test/x', { body: 'once' });
    assert.throws(
      () => gen.throw(stale()),
      (e: unknown) =>
        e instanceof StaleConnectionError && e.retryable && e.code === 'ONEPOOL_ERR_STALE_CONNECTION',
    );
  });
});

describe('cookies, hooks, options', () => {
  test('the jar is written after each hop and read before the next', () => {
    const jar = new CookieJar();
    const { gen, op } = start('GET', 'http://a.test/login', { cookies: jar });
    assert.equal(header(exchange(op), 'cookie'), undefined);
    const hop = exchange(
      next(
        gen,
        reply(302, [
          'set-cookie',
          'sid=1; Path=/',
          'set-cookie',
          'bad=1; Domain=co.uk',
          'set-cookie',
          'p=1; Domain=__proto__',
          'location',
          '/home',
        ]),
      ),
    );
    assert.equal(header(hop, 'cookie'), 'sid=1');
    assert.equal(jar.getCookiesSync('http://a.test/').length, 1);
    assert.equal(({} as Record<string, unknown>).p, undefined);
  });

  test('hooks are ops; a beforeRequest hook changes the request', () => {
    const beforeRequest = (r: { headers: Record<string, string> }) => {
      r.headers['x-added'] = '1';
    };
    const { gen, op } = start('GET', 'http://a.test/x', { hooks: { beforeRequest: [beforeRequest] } });
    assert.equal((op as Extract<Op, { kind: 'hook' }>).name, 'beforeRequest');
    const hook = op as Extract<Op, { kind: 'hook' }>;
    hook.fn(...(hook.args as never[]));
    assert.equal(header(exchange(next(gen, undefined)), 'x-added'), '1');
  });

  test('options are validated before anything is sent', () => {
    assert.throws(() => policyConfig({ maxRedirects: -1 }), InvalidArgumentError);
    assert.throws(() => policyConfig({ retry: { limit: -1 } }), InvalidArgumentError);
    assert.throws(() => policyConfig({ hooks: { beforeRequest: ['x' as never] } }), InvalidArgumentError);
    assert.throws(() => policyConfig({ cookies: 'yes' as never }), InvalidArgumentError);
    assert.throws(
      () => prepare('GET', 'http://a.test/', { auth: { user: 'x' } as never }),
      InvalidArgumentError,
    );
  });

  test('baseURL: a path never leaves the base origin', () => {
    const base = 'http://api.test/v1/';
    const table: [string, string | null][] = [
      ['users', 'http://api.test/v1/users'],
      ['/users?x=1', 'http://api.test/v1/users?x=1'],
      ['//evil.test/x', 'http://api.test/v1/evil.test/x'],
      ['\\\\evil.test', 'http://api.test/v1/evil.test'],
      ['/\\evil.test', 'http://api.test/v1/evil.test'],
      ['%2F%2Fevil.test', 'http://api.test/v1/%2F%2Fevil.test'],
      ['http://api.test/other', 'http://api.test/other'],
      ['http://evil.test/', null],
      ['https://api.test/', null],
    ];
    for (const [input, expected] of table) {
      if (expected === null) assert.throws(() => joinBaseURL(base, input), InvalidURLError, input);
      else assert.equal(joinBaseURL(base, input), expected, input);
    }
  });

  test('auth becomes an Authorization header; an explicit header wins', () => {
    const basic = prepare('GET', 'http://a.test/', { auth: { username: 'u', password: 'p' } });
    assert.ok(basic.headers.includes(`Basic ${Buffer.from('u:p').toString('base64')}`));
    const bearer = prepare('GET', 'http://a.test/', {
      auth: { bearer: 't' },
      headers: { Authorization: 'X' },
    });
    assert.ok(bearer.headers.includes('X') && !bearer.headers.includes('Bearer t'));
  });
});
