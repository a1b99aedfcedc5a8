/**
 * Declared interceptors, in undici MockAgent's shape: what a request must look like
 * ({@link InterceptOptions}), what it gets back, and how often. Matching says not only whether a
 * request fits but what differed, so an unmatched request can name the interceptors it nearly hit.
 */
import { isDeepStrictEqual } from 'node:util';
import { InvalidArgumentError, type OnepoolError } from '../core/errors.js';
import { checkKeys, interceptKeys } from '../core/option-keys.js';
import { appendParams, type ParamValue } from '../core/options.js';
import { type MockReply, type MockResult, toAnswer } from './mock-reply.js';
import type { MockRequest } from './mock-request.js';

/** A string compares exactly, a RegExp is tested, a function decides. */
export type Matcher<T = string> = string | RegExp | ((value: T) => boolean);

/** What a request must look like; every field given must match, fields left out match anything. */
export interface InterceptOptions {
  /** Default 'GET'; compared in upper case. */
  method?: string | RegExp;
  /** scheme://host[:port], as in `new URL(url).origin`; any origin when left out. */
  origin?: Matcher;
  /**
   * A string without '?' compares to the path alone (the query is then matched by `query`, if
   * given); a string with '?' compares to the path and query as sent. A RegExp or function sees the
   * path and query.
   */
  path: Matcher;
  /** The query, exactly: the same names and values (in any order), and no others. */
  query?: Record<string, ParamValue> | URLSearchParams;
  /** Header names in any case; a function gets null for a header that was not sent. */
  headers?: Record<string, string | RegExp | ((value: string | null) => boolean)>;
  /**
   * A string compares to the body as text, a RegExp is tested on it, a function gets the text, bytes
   * compare exactly, and any other value is compared with the body parsed as JSON.
   */
  body?: string | RegExp | Uint8Array | ((text: string) => boolean) | object | number | boolean | null;
}

/** What an interceptor answers: a fixed reply, a function of the request, or an error. */
export type InterceptorAnswer =
  | { kind: 'reply'; reply: MockReply }
  | { kind: 'function'; fn: (request: MockRequest) => MockResult | Promise<MockResult> }
  | { kind: 'error'; error: OnepoolError };

export interface Interceptor {
  readonly options: InterceptOptions;
  readonly query: URLSearchParams | undefined;
  answer: InterceptorAnswer | undefined;
  /** answers left; Infinity once persisted */
  remaining: number;
  /** answers given */
  used: number;
  delay: number;
}

/** How often an interceptor answers, and after how long. */
export class MockScope {
  readonly #interceptor: Interceptor;

  /** @internal made by MockInterceptor's reply methods */
  constructor(interceptor: Interceptor) {
    this.#interceptor = interceptor;
  }

  /** Answers `n` requests (default: one), then stops matching. */
  times(n: number): this {
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('times(n) takes an integer >= 1');
    this.#interceptor.remaining = n;
    return this;
  }

  /** Answers every matching request, for good. */
  persist(): this {
    this.#interceptor.remaining = Number.POSITIVE_INFINITY;
    return this;
  }

  /** Waits `ms` before answering (timeout.total and the AbortSignal still apply meanwhile). */
  delay(ms: number): this {
    if (typeof ms !== 'number' || !(ms >= 0)) throw new InvalidArgumentError('delay(ms) takes a number >= 0');
    this.#interceptor.delay = ms;
    return this;
  }
}

/** An interceptor waiting for its answer: `reply(...)` or `replyWithError(...)`. */
export class MockInterceptor {
  readonly #interceptor: Interceptor;

  /** @internal made by MockPool.intercept */
  constructor(interceptor: Interceptor) {
    this.#interceptor = interceptor;
  }

  /**
   * Answers with `status` and `body`: a string, bytes, or any other value sent as JSON (with
   * Content-Type: application/json unless `headers` sets one); no body without one (or with null). Or answers with what `fn` returns
   * for the request (a promise of it on the async face only).
   */
  reply(
    status: number,
    body?: string | Uint8Array | ArrayBuffer | unknown,
    options?: Pick<MockReply, 'headers' | 'statusText' | 'trailers'>,
  ): MockScope;
  reply(fn: (request: MockRequest) => MockResult | Promise<MockResult>): MockScope;
  reply(
    status: number | ((request: MockRequest) => MockResult | Promise<MockResult>),
    body?: unknown,
    options: Pick<MockReply, 'headers' | 'statusText' | 'trailers'> = {},
  ): MockScope {
    if (typeof status === 'function') return this.#answer({ kind: 'function', fn: status });
    const bytes = typeof body === 'string' || body instanceof Uint8Array || body instanceof ArrayBuffer;
    const reply: MockReply = { status, ...options };
    if (bytes) reply.body = body;
    else if (body !== undefined && body !== null) reply.json = body;
    // A bad status or header fails here, where it was written, not in the test that first hits it.
    toAnswer(reply);
    return this.#answer({ kind: 'reply', reply });
  }

  /** Fails the request with `error`, an onepool error (ConnectError, ReadTimeoutError...), as the pool would. */
  replyWithError(error: OnepoolError): MockScope {
    return this.#answer({ kind: 'error', error });
  }

  #answer(answer: InterceptorAnswer): MockScope {
    if (this.#interceptor.answer) throw new InvalidArgumentError('this interceptor has its answer already');
    this.#interceptor.answer = answer;
    return new MockScope(this.#interceptor);
  }
}

export function makeInterceptor(options: InterceptOptions): Interceptor {
  if (typeof options !== 'object' || options === null || options.path === undefined)
    throw new InvalidArgumentError('intercept() takes { path, method?, origin?, query?, headers?, body? }');
  checkKeys(options, interceptKeys, '', 'intercept() option');
  let query: URLSearchParams | undefined;
  if (options.query !== undefined) {
    const url = new URL('http://q/');
    appendParams(url, options.query);
    query = url.searchParams;
  }
  return { options, query, answer: undefined, remaining: 1, used: 0, delay: 0 };
}

const show = (value: unknown): string =>
  value instanceof RegExp || typeof value === 'function' ? String(value) : JSON.stringify(value);

function test(matcher: Matcher | RegExp, value: string): boolean {
  if (typeof matcher === 'string') return matcher === value;
  if (matcher instanceof RegExp) {
    matcher.lastIndex = 0;
    return matcher.test(value);
  }
  return matcher(value) === true;
}

const sortedPairs = (params: URLSearchParams) => [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

function bodyMatches(expected: NonNullable<InterceptOptions['body']> | null, request: MockRequest): boolean {
  if (typeof expected === 'string' || expected instanceof RegExp || typeof expected === 'function')
    return test(expected as Matcher, request.text());
  if (expected instanceof Uint8Array)
    return request.body !== null && Buffer.from(expected).equals(Buffer.from(request.body));
  try {
    return isDeepStrictEqual(request.json(), expected);
  } catch {
    return false;
  }
}

/** What differs between the interceptor and the request, one phrase each; empty when it matches. */
export function differences(interceptor: Interceptor, request: MockRequest): string[] {
  const { options, query } = interceptor;
  const out: string[] = [];
  const method = options.method ?? 'GET';
  const methodOk =
    typeof method === 'string' ? method.toUpperCase() === request.method : test(method, request.method);
  if (!methodOk) out.push(`method ${show(method)} ≠ ${request.method}`);
  if (options.origin !== undefined && !test(options.origin, request.origin))
    out.push(`origin ${show(options.origin)} ≠ ${request.origin}`);
  const path = options.path;
  const against = typeof path === 'string' && !path.includes('?') ? request.pathname : request.path;
  if (!test(path, against)) out.push(`path ${show(path)} ≠ ${against}`);
  if (query && !isDeepStrictEqual(sortedPairs(query), sortedPairs(request.query)))
    out.push(`query ${query.toString() || '(none)'} ≠ ${request.query.toString() || '(none)'}`);
  for (const [name, expected] of Object.entries(options.headers ?? {})) {
    const value = request.headers.get(name);
    const ok =
      typeof expected === 'function'
        ? expected(value) === true
        : value !== null && test(expected as Matcher, value);
    if (!ok) out.push(`header ${name} ${show(expected)} ≠ ${value === null ? '(absent)' : show(value)}`);
  }
  if (options.body !== undefined && !bodyMatches(options.body, request))
    out.push(`body ${show(options.body)} ≠ ${JSON.stringify(request.text().slice(0, 200))}`);
  return out;
}

/** One line that names the interceptor, for messages. */
export function describeInterceptor(interceptor: Interceptor): string {
  const { options } = interceptor;
  const method = options.method ?? 'GET';
  const origin = options.origin === undefined ? '' : `${show(options.origin)} `;
  const left = Number.isFinite(interceptor.remaining) ? `, ${interceptor.remaining} left` : ', persisted';
  return `${typeof method === 'string' ? method.toUpperCase() : show(method)} ${origin}${show(options.path)} (used ${interceptor.used}${left})`;
}
