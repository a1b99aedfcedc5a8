/**
 * A pool that answers in the caller's thread instead of the network: {@link MockPool}. It goes
 * wherever `pool:` goes (per call, `new Client({ pool })`, `extend`); the drivers of both faces look
 * a request's pool up here and, for a mock, answer its exchange with synthesized worker replies, so
 * redirects, retries, cookies, auth, hooks, decoding, `stream()` and `all()` run unchanged above it.
 *
 * Mock pools are kept in the thread's shared record (see pool-worker/handle.ts), so a mock made by
 * one copy of onepool (the ESM build) answers requests made through another (the CJS build).
 */
import { AssertionError } from 'node:assert';
import {
  InvalidArgumentError,
  MockNotMatchedError,
  type OnepoolError,
  PoolClosedError,
} from '../core/errors.js';
import { checkKeys, mockPoolKeys } from '../core/option-keys.js';
import type { PoolRef } from '../core/options.js';
import type { WireError } from '../core/wire-error.js';
import { nextPoolId, threadRecord } from '../pool-worker/handle.js';
import {
  describeInterceptor,
  differences,
  type InterceptOptions,
  type Interceptor,
  MockInterceptor,
  makeInterceptor,
} from './interceptor.js';
import { type MockAnswer, type MockResult, toAnswer, toWireError } from './mock-reply.js';
import type { MockRequest } from './mock-request.js';

/** A function that answers requests; undefined passes the request on (to the next handler). */
export type MockHandler = (request: MockRequest) => MockResult | undefined | Promise<MockResult | undefined>;

/** How a mock resolved one request. */
export type Resolution =
  | { kind: 'answer'; answer: MockAnswer; delay: number }
  | { kind: 'error'; error: WireError; delay: number }
  /** the real pool answers; `keep` sees the answer (a recording pool stores it) */
  | { kind: 'network'; keep?: (answer: MockAnswer) => void };

/** @internal What a recording pool adds after the handlers. */
export interface MockFallback {
  resolve(request: MockRequest): Resolution | undefined;
  /** why it had no answer, for MockNotMatchedError's message */
  unmatched(request: MockRequest): string;
}

/** The options of `createMockPool()`. */
export interface MockPoolOptions {
  /** The pool that pass-through (and a recording pool's real) requests use; default the process-wide one. */
  pool?: PoolRef;
}

type Maybe<T> = T | Promise<T>;

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null && typeof (value as PromiseLike<unknown>)?.then === 'function';

function refuseOnSync(value: PromiseLike<unknown>): never {
  // Nobody will await it: keep its rejection from surfacing as an unhandled one.
  Promise.resolve(value).catch(() => {});
  throw new InvalidArgumentError(
    'a mock handler returned a promise: the sync face answers mocks synchronously ' +
      '(use a sync handler, which serves both faces, or the async face)',
  );
}

function resolution(result: MockResult, delay: number): Resolution {
  if (result instanceof Error) return { kind: 'error', error: toWireError(result), delay };
  return { kind: 'answer', answer: toAnswer(result), delay: result.delay ?? delay };
}

/**
 * Mock pools by id. Held weakly: a test suite makes many and seldom closes them, and a pool nobody
 * holds can be given to no request. A closed one stays as null, so its requests fail here, without
 * starting a worker.
 */
interface MockRegistry {
  readonly pools: Map<number, WeakRef<MockPool> | null>;
  readonly forget: FinalizationRegistry<number>;
}

const registry = (): MockRegistry => {
  const record = threadRecord() as ReturnType<typeof threadRecord> & { mocks?: MockRegistry };
  if (!record.mocks) {
    const pools = new Map<number, WeakRef<MockPool> | null>();
    const forget = new FinalizationRegistry<number>((id) => {
      if (pools.get(id) !== null) pools.delete(id);
    });
    record.mocks = { pools, forget };
  }
  return record.mocks;
};

/** The mock pool with this id, or undefined when `pool` is not one. Throws PoolClosedError for a closed one. */
export function mockPoolFor(pool: number): MockPool | undefined {
  if (pool === 0) return undefined;
  const entry = registry().pools.get(pool);
  if (entry === null) throw new PoolClosedError(`mock pool ${pool} was closed`);
  return entry?.deref();
}

/**
 * A fake transport for tests. Answers from interceptors (`intercept(...).reply(...)`), then from
 * handlers (`handle(fn)`), in the order they were declared; a request none answers fails with
 * MockNotMatchedError, unless its origin is passed through (`passThrough(origin)`). Sync handlers
 * serve both faces; one that returns a promise serves the async face only.
 */
export class MockPool implements PoolRef {
  readonly id: number;
  /** The pool that pass-through requests use. */
  readonly network: PoolRef;
  readonly #interceptors: Interceptor[] = [];
  readonly #handlers: MockHandler[] = [];
  readonly #passThrough: (string | RegExp)[] = [];
  readonly #calls: MockRequest[] = [];
  readonly #fallback: MockFallback | undefined;

  /** @param fallback internal: what a recording pool answers after the handlers */
  constructor(options: MockPoolOptions = {}, fallback?: MockFallback) {
    if (typeof options !== 'object' || options === null)
      throw new InvalidArgumentError('options must be an object');
    checkKeys(options, mockPoolKeys, '', 'createMockPool() option');
    this.id = nextPoolId();
    this.network = options.pool ?? { id: 0 };
    this.#fallback = fallback;
    const { pools, forget } = registry();
    pools.set(this.id, new WeakRef(this));
    forget.register(this, this.id);
  }

  /** Every request this pool was asked, in order (each redirect hop and retry is one), answered or not. */
  get calls(): readonly MockRequest[] {
    return this.#calls;
  }

  /** Declares an interceptor; give its answer with `.reply(...)` or `.replyWithError(...)`. */
  intercept(options: InterceptOptions): MockInterceptor {
    const interceptor = makeInterceptor(options);
    this.#interceptors.push(interceptor);
    return new MockInterceptor(interceptor);
  }

  /** Adds a function that answers requests (after the interceptors and earlier handlers). */
  handle(handler: MockHandler): this {
    if (typeof handler !== 'function') throw new InvalidArgumentError('handle() takes a function');
    this.#handlers.push(handler);
    return this;
  }

  /** Lets requests to `origin` (exact, or a RegExp) that nothing here answers reach the network. */
  passThrough(origin: string | RegExp): this {
    if (typeof origin === 'string') origin = new URL(origin).origin;
    this.#passThrough.push(origin);
    return this;
  }

  /** The interceptors that still expect requests (persisted ones only when never used). */
  pendingInterceptors(): string[] {
    return this.#interceptors
      .filter((i) => (Number.isFinite(i.remaining) ? i.remaining > 0 : i.used === 0))
      .map(describeInterceptor);
  }

  /** Throws an AssertionError listing the interceptors that still expect requests. */
  assertNoPendingInterceptors(): void {
    const pending = this.pendingInterceptors();
    if (pending.length === 0) return;
    throw new AssertionError({
      message: `${pending.length} interceptor(s) still pending:\n${pending.map((line) => `  - ${line}`).join('\n')}`,
    });
  }

  /** true once close() was called */
  get closed(): boolean {
    return registry().pools.get(this.id) === null;
  }

  /** Later requests through the pool throw PoolClosedError. Idempotent. */
  close(): void {
    registry().pools.set(this.id, null);
  }

  /**
   * @internal Resolves one request, in order: interceptors, handlers, the fallback, pass-through.
   * A promise only on the async face and only when a handler returned one.
   */
  resolve(request: MockRequest, mode: 'sync' | 'async'): Maybe<Resolution> {
    this.#calls.push(request);
    const interceptor = this.#interceptors.find(
      (i) => i.remaining > 0 && i.answer !== undefined && differences(i, request).length === 0,
    );
    if (interceptor) {
      interceptor.remaining--;
      interceptor.used++;
      const answer = interceptor.answer!;
      if (answer.kind === 'reply') return resolution(answer.reply, interceptor.delay);
      if (answer.kind === 'error') return resolution(answer.error, interceptor.delay);
      const value = answer.fn(request);
      if (!isThenable(value)) return resolution(value, interceptor.delay);
      if (mode === 'sync') refuseOnSync(value);
      return Promise.resolve(value).then((result) => resolution(result, interceptor.delay));
    }
    return this.#fromHandlers(0, request, mode);
  }

  #fromHandlers(from: number, request: MockRequest, mode: 'sync' | 'async'): Maybe<Resolution> {
    for (let i = from; i < this.#handlers.length; i++) {
      const value = this.#handlers[i]!(request);
      if (isThenable(value)) {
        if (mode === 'sync') refuseOnSync(value);
        return Promise.resolve(value).then((result) =>
          result === undefined ? this.#fromHandlers(i + 1, request, mode) : resolution(result, 0),
        );
      }
      if (value !== undefined) return resolution(value, 0);
    }
    const fallback = this.#fallback?.resolve(request);
    if (fallback) return fallback;
    if (
      this.#passThrough.some((o) => (typeof o === 'string' ? o === request.origin : o.test(request.origin)))
    )
      return { kind: 'network' };
    throw this.#unmatched(request);
  }

  #unmatched(request: MockRequest): OnepoolError {
    const ranked = this.#interceptors
      .map((interceptor) => {
        const differ = differences(interceptor, request);
        if (interceptor.remaining <= 0) differ.push('used up');
        if (!interceptor.answer) differ.push('no reply declared');
        return { interceptor, differ };
      })
      .sort((a, b) => a.differ.length - b.differ.length)
      .slice(0, 3);
    const lines = ranked.map(
      ({ interceptor, differ }) => `  - ${describeInterceptor(interceptor)}: ${differ.join('; ')}`,
    );
    const declared =
      this.#interceptors.length === 0
        ? 'no interceptors declared'
        : `closest interceptors:\n${lines.join('\n')}`;
    const handlers = this.#handlers.length > 0 ? `; ${this.#handlers.length} handler(s) passed it on` : '';
    const fallback = this.#fallback ? `; ${this.#fallback.unmatched(request)}` : '';
    const error = new MockNotMatchedError(
      `mock pool ${this.id} has no answer for ${request.method} ${request.url} (nothing was sent)${handlers}${fallback}; ${declared}`,
    );
    error.request = { method: request.method, url: request.url };
    return error;
  }
}

/**
 * Makes a mock pool; see {@link MockPool}.
 *
 * ```ts
 * const mock = createMockPool();
 * mock.intercept({ origin: 'https://api.test', path: '/items' }).reply(200, { items: [] });
 * const res = httpSync.get('https://api.test/items', { pool: mock });
 * ```
 */
export function createMockPool(options: MockPoolOptions = {}): MockPool {
  return new MockPool(options);
}
