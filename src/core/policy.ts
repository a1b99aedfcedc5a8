/**
 * Policy, written once: a generator that yields the I/O it needs ({@link Op}) and receives the
 * results. The async face drives it with `runAsync`, the sync face with `runSync`; neither face
 * decides anything itself, so both behave the same by construction.
 *
 * One call: beforeRequest hooks; then per attempt: jar cookies in, exchange, cookies out,
 * afterResponse hooks, then either a retry (status or transport failure, after a backoff), a
 * redirect hop, or the final response. timeout.total and the AbortSignal bound all of it.
 */
import type { CookieJar } from 'tough-cookie';
import { resolveJar, storeCookies, withJarCookies } from './cookies.js';
import { AbortedError, InvalidArgumentError, TotalTimeoutError } from './errors.js';
import {
  fromHookRequest,
  type HookName,
  type HookRequest,
  type Hooks,
  toHookRequest,
  validateHooks,
} from './hooks.js';
import { type PreparedRequest, prepare, type RequestOptions, totalTimeout } from './options.js';
import type { WireResponse } from './protocol.js';
import { DEFAULT_MAX_REDIRECTS, nextHop } from './redirects.js';
import { Response } from './response.js';
import {
  DEFAULT_RETRY,
  type RetryPolicy,
  resolveRetry,
  retryAfterError,
  retryAfterResponse,
  staleError,
  staleRetry,
} from './retry.js';

/** One exchange on the pool: the worker's answer, or a thrown OnepoolError. */
export type ExchangeResult = Omit<WireResponse, 't' | 'id'>;

export type Op =
  /** One HTTP exchange; the driver fails it with TotalTimeoutError at `deadline` (ms since epoch) or AbortedError on `signal`. */
  | { kind: 'exchange'; request: PreparedRequest; deadline: number; signal: AbortSignal | undefined }
  /** Wait (retry backoff); never past the call's deadline. */
  | { kind: 'sleep'; ms: number }
  /** Call a user hook; the async face awaits what it returns, the sync face refuses a promise. */
  | { kind: 'hook'; name: HookName; fn: (...args: never[]) => unknown; args: unknown[] };

export type Policy = Generator<Op, Response, unknown>;

/** Everything about a call that is not the request itself, resolved once per call. */
export interface PolicyConfig {
  maxRedirects: number;
  retry: RetryPolicy;
  jar: CookieJar | null;
  hooks: Hooks;
  /** ms for the whole call; 0: no limit */
  total: number;
  signal: AbortSignal | undefined;
}

export const DEFAULT_POLICY: PolicyConfig = Object.freeze({
  maxRedirects: DEFAULT_MAX_REDIRECTS,
  retry: DEFAULT_RETRY,
  jar: null,
  hooks: {},
  total: 0,
  signal: undefined,
});

/** The policy half of a call's options. */
export function policyConfig(options: RequestOptions): PolicyConfig {
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  if (!Number.isInteger(maxRedirects) || maxRedirects < 0)
    throw new InvalidArgumentError('maxRedirects must be an integer >= 0');
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal))
    throw new InvalidArgumentError('signal must be an AbortSignal');
  return {
    maxRedirects,
    retry: resolveRetry(options.retry),
    jar: resolveJar(options.cookies),
    hooks: validateHooks(options.hooks),
    total: totalTimeout(options.timeout),
    signal: options.signal,
  };
}

/** The policy of one call, from the options already merged over a client's defaults. */
export function callPolicy(method: string, url: string | URL, options: RequestOptions): Policy {
  return send(prepare(method, url, options), policyConfig(options));
}

/** Runs every hook of `name` in order; returns the last value one of them returned. */
function* hooks(cfg: PolicyConfig, name: HookName, ...args: unknown[]): Generator<Op, unknown, unknown> {
  let last: unknown;
  for (const fn of cfg.hooks[name] ?? []) {
    const value = yield { kind: 'hook', name, fn: fn as (...a: never[]) => unknown, args };
    if (value !== undefined) last = value;
  }
  return last;
}

/** Lets hooks change a request through its plain form. */
function* hookedRequest(
  cfg: PolicyConfig,
  name: 'beforeRequest' | 'beforeRetry' | 'beforeRedirect',
  request: PreparedRequest,
  info: (plain: HookRequest) => unknown,
): Generator<Op, PreparedRequest, unknown> {
  if (!cfg.hooks[name]?.length) return request;
  const plain = toHookRequest(request);
  const returned = yield* hooks(cfg, name, info(plain));
  return fromHookRequest(request, name === 'beforeRequest' && returned ? (returned as HookRequest) : plain);
}

function check(cfg: PolicyConfig, deadline: number, request: PreparedRequest): void {
  const info = { method: request.method, url: request.url.href };
  if (cfg.signal?.aborted)
    throw Object.assign(new AbortedError('the request was aborted'), { request: info });
  if (Date.now() >= deadline) {
    throw Object.assign(new TotalTimeoutError(`timeout.total (${cfg.total} ms) passed`), { request: info });
  }
}

/** The whole life of one call. */
export function* send(first: PreparedRequest, cfg: PolicyConfig = DEFAULT_POLICY): Policy {
  const deadline = cfg.total > 0 ? Date.now() + cfg.total : Number.POSITIVE_INFINITY;
  const history: Response[] = [];
  let retries = 0;
  let staleRetried = false;
  let request = yield* hookedRequest(cfg, 'beforeRequest', first, (plain) => plain);
  for (;;) {
    check(cfg, deadline, request);
    const sent = cfg.jar
      ? { ...request, headers: withJarCookies(request.headers, request.url, cfg.jar) }
      : request;
    let result: ExchangeResult;
    try {
      result = (yield {
        kind: 'exchange',
        request: sent as PreparedRequest,
        deadline,
        signal: cfg.signal,
      }) as ExchangeResult;
    } catch (error) {
      if (staleRetry(error, request.method, staleRetried)) {
        staleRetried = true;
        retries++;
        continue;
      }
      const wait = retryAfterError(error, request.method, retries, cfg.retry);
      if (wait === null || Date.now() + wait >= deadline) throw staleError(error, request.method, cfg.retry);
      request = yield* hookedRequest(cfg, 'beforeRetry', request, (plain) => ({
        request: plain,
        retryCount: retries,
        delay: wait,
        error,
      }));
      yield { kind: 'sleep', ms: wait };
      retries++;
      continue;
    }
    let response = new Response(result, request.url.href, history, retries);
    if (cfg.jar) storeCookies(cfg.jar, request.url, response.headers.getSetCookie());
    const replaced = yield* hooks(cfg, 'afterResponse', response, toHookRequest(request));
    if (replaced instanceof Response) response = replaced;

    const wait = retryAfterResponse(response, request.method, retries, cfg.retry);
    if (wait !== null && Date.now() + wait < deadline) {
      request = yield* hookedRequest(cfg, 'beforeRetry', request, (plain) => ({
        request: plain,
        retryCount: retries,
        delay: wait,
        response,
      }));
      yield { kind: 'sleep', ms: wait };
      retries++;
      continue;
    }
    const next = nextHop(request, response, history, cfg.maxRedirects);
    if (next) {
      history.push(response);
      request = yield* hookedRequest(cfg, 'beforeRedirect', next, (plain) => ({ request: plain, response }));
      continue;
    }
    if (first.throwHttpErrors) response.raiseForStatus();
    return response;
  }
}
