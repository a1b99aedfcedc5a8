/**
 * Retry decisions, as pure functions the policy generator asks: whether a failed exchange or a
 * response is worth another attempt, and how long to wait first (exponential backoff with full
 * jitter, or the server's Retry-After). Plus the stale keep-alive rule, which is always on.
 */
import {
  ConnectError,
  ConnectionClosedError,
  InvalidArgumentError,
  NotProcessedError,
  RequestError,
  StaleConnectionError,
} from './errors.js';
import type { Response } from './response.js';

/** The `retry` option in full; a number alone sets `limit`, and 0 or false turns retries off. */
export interface RetryOptions {
  /** Retries after the first attempt. Default 2. */
  limit?: number;
  /** Methods that may be retried. Default GET, HEAD, OPTIONS, PUT, DELETE, TRACE (never POST or PATCH unless listed). */
  methods?: readonly string[];
  /** Response statuses that are retried. Default 408, 413, 429, 500, 502, 503, 504. */
  statuses?: readonly number[];
  /** Exponential backoff with full jitter: a random wait in [0, min(cap, base * 2^attempt)] ms. Default { base: 300, cap: 10 000 }. */
  backoff?: {
    /** ms of the first retry's wait bound; it doubles with each retry. */
    base?: number;
    /** ms that no wait exceeds. */
    cap?: number;
  };
  /** Wait as long as a Retry-After header says (seconds or an HTTP date). Default true. */
  respectRetryAfter?: boolean;
  /** A Retry-After longer than this (ms) is not waited for: the response is returned as it is. Default 60 000. */
  maxRetryAfter?: number;
  /**
   * Also retry after a connection failure (refused, DNS, reset, closed; never after a timeout).
   * Default false: only statuses are retried, plus the always-on stale keep-alive rule.
   */
  errors?: boolean;
}

export interface RetryPolicy {
  limit: number;
  methods: ReadonlySet<string>;
  statuses: ReadonlySet<number>;
  base: number;
  cap: number;
  respectRetryAfter: boolean;
  maxRetryAfter: number;
  errors: boolean;
}

/** Methods that mean the same when sent twice (RFC 9110 §9.2.2). */
export const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  limit: 2,
  methods: IDEMPOTENT,
  statuses: new Set([408, 413, 429, 500, 502, 503, 504]),
  base: 300,
  cap: 10_000,
  respectRetryAfter: true,
  maxRetryAfter: 60_000,
  errors: false,
});

const NO_RETRY: RetryPolicy = Object.freeze({ ...DEFAULT_RETRY, limit: 0 });

function count(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value))
    throw new InvalidArgumentError(`retry.${name} must be a finite number >= 0`);
  return value;
}

/** `retry` as given (a number is the limit; false or 0 disables) → the policy. */
export function resolveRetry(option: number | false | RetryOptions | undefined): RetryPolicy {
  if (option === undefined) return DEFAULT_RETRY;
  if (option === false) return NO_RETRY;
  if (typeof option === 'number') return { ...DEFAULT_RETRY, limit: count('limit', option) };
  if (typeof option !== 'object' || option === null)
    throw new InvalidArgumentError('retry must be a number, false or an object');
  return {
    limit: option.limit === undefined ? DEFAULT_RETRY.limit : count('limit', option.limit),
    methods: option.methods ? new Set(option.methods.map((m) => m.toUpperCase())) : DEFAULT_RETRY.methods,
    statuses: option.statuses ? new Set(option.statuses) : DEFAULT_RETRY.statuses,
    base: count('backoff.base', option.backoff?.base ?? DEFAULT_RETRY.base),
    cap: count('backoff.cap', option.backoff?.cap ?? DEFAULT_RETRY.cap),
    respectRetryAfter: option.respectRetryAfter ?? true,
    maxRetryAfter: count('maxRetryAfter', option.maxRetryAfter ?? DEFAULT_RETRY.maxRetryAfter),
    errors: option.errors === true,
  };
}

/** Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): uniform in [0, min(cap, base·2^n)]. */
export function backoff(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  return Math.round(random() * Math.min(policy.cap, policy.base * 2 ** attempt));
}

/** Retry-After as ms from `now`: delay-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

/**
 * Errors about the transport that another attempt may not meet: no connection (refused, DNS), or a
 * connection closed or reset. Timeouts are not among them: a timeout is the caller's own bound on
 * waiting, and retrying would multiply it (and after a read timeout the server may still be working).
 */
function transient(error: unknown): boolean {
  // NotProcessedError (HTTP/2 GOAWAY, REFUSED_STREAM): the pool has already replayed an idempotent
  // request once, which is the whole rule for it; it reaches the caller as a retryable error.
  if (error instanceof NotProcessedError) return false;
  return error instanceof ConnectError || error instanceof ConnectionClosedError;
}

/**
 * The stale keep-alive rule: an idempotent request that failed on a reused connection before any
 * response byte is sent once more at once, whatever `retry` says (the server most likely closed the
 * idle connection while the request was on its way).
 */
export function staleRetry(error: unknown, method: string, alreadyRetried: boolean): boolean {
  return error instanceof RequestError && error.staleConnection && IDEMPOTENT.has(method) && !alreadyRetried;
}

/**
 * The same failure, said clearly for a request that must not be replayed on its own (POST, PATCH):
 * a StaleConnectionError, which tells the caller that a retry is most likely safe.
 */
export function staleError(error: unknown, method: string, policy: RetryPolicy): unknown {
  if (!(error instanceof RequestError) || !error.staleConnection || IDEMPOTENT.has(method)) return error;
  if (policy.methods.has(method)) return error;
  const stale = new StaleConnectionError(
    `${method} failed on a reused keep-alive connection that the server had closed, before any byte ` +
      'of the response: it was not sent again because it is not idempotent; retrying it is most likely safe',
    { cause: error, causeCode: error.causeCode },
  );
  stale.request = error.request;
  stale.staleConnection = true;
  return stale;
}

/** ms to wait before retrying after `error`, or null for no retry. */
export function retryAfterError(
  error: unknown,
  method: string,
  retries: number,
  policy: RetryPolicy,
): number | null {
  if (!policy.errors || retries >= policy.limit || !policy.methods.has(method) || !transient(error))
    return null;
  return backoff(policy, retries);
}

/** ms to wait before retrying after `response`, or null for no retry (the response stands). */
export function retryAfterResponse(
  response: Response,
  method: string,
  retries: number,
  policy: RetryPolicy,
): number | null {
  if (retries >= policy.limit || !policy.methods.has(method) || !policy.statuses.has(response.status))
    return null;
  if (policy.respectRetryAfter) {
    const wait = parseRetryAfter(response.headers.get('retry-after'));
    if (wait !== null) return wait > policy.maxRetryAfter ? null : wait;
  }
  return backoff(policy, retries);
}
