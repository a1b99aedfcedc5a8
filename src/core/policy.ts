/**
 * Policy, written once: a generator that yields the I/O it needs ({@link Op}) and receives the
 * results. The async face drives it with `runAsync`, the sync face with `runSync`; neither face
 * decides anything itself, so both behave the same by construction.
 *
 * One call: beforeRequest hooks; then per attempt: jar cookies and Digest credentials in, exchange,
 * cookies out, afterResponse hooks, then either the answer to a Digest challenge, a retry (status or
 * transport failure, after a backoff), a redirect hop, or the final response. timeout.total and the
 * AbortSignal bound all of it. A `stream()` call runs the same policy, on response heads (see
 * {@link send}).
 */
import type { CookieJar } from 'tough-cookie';
import { digestCredentials } from './auth.js';
import { CancelToken } from './cancel-token.js';
import { resolveJar, storeCookies, withJarCookies } from './cookies.js';
import { observingRedirects, observingRetries, publishRedirect, publishRetry } from './diagnostics.js';
import {
  DIGEST_SESSIONS,
  type DigestCredentials,
  DigestSessions,
  digestChallenge,
  type WithDigestSessions,
} from './digest.js';
import { AbortedError, HTTPStatusError, InvalidArgumentError, TotalTimeoutError } from './errors.js';
import {
  fromHookRequest,
  type HookName,
  type HookRequest,
  type Hooks,
  replacement,
  toHookRequest,
  validateHooks,
} from './hooks.js';
import { withEnvironment } from './netrc.js';
import { findHeader, type PreparedRequest, prepare, type RequestOptions, totalTimeout } from './options.js';
import type { WireResponse } from './protocol.js';
import { DEFAULT_MAX_REDIRECTS, nextHop } from './redirects.js';
import { Response } from './response.js';
import {
  type RetryPolicy,
  resolveRetry,
  retryAfterError,
  retryAfterResponse,
  staleError,
  staleRetry,
} from './retry.js';
import { StreamHead } from './streaming.js';

/** One exchange on the pool: the worker's answer, or a thrown OnepoolError. */
export type ExchangeResult = Omit<WireResponse, 't' | 'id'>;

export type Op =
  /**
   * One HTTP exchange; the driver fails it with TotalTimeoutError at `deadline` (ms since epoch) or
   * AbortedError on `signal`. Its result is an ExchangeResult, or with `stream` the face's streaming
   * response, returned at the head (the deadline and signal then bound its body too).
   */
  | {
      kind: 'exchange';
      request: PreparedRequest;
      deadline: number;
      signal: AbortSignal | undefined;
      cancel: CancelToken | undefined;
      stream: boolean;
    }
  /** Wait (retry backoff); never past the call's deadline. */
  | { kind: 'sleep'; ms: number }
  /** Call a user hook; the async face awaits what it returns, the sync face refuses a promise. */
  | { kind: 'hook'; name: HookName; fn: (...args: never[]) => unknown; args: unknown[] }
  /** Read a streamed response's body to its end (the bytes; a promise of them on the async face). */
  | { kind: 'read'; response: StreamHead }
  /** Publish a diagnostics message (diagnostics.ts), which needs the face; yielded only when someone listens. */
  | { kind: 'observe'; publish: (face: 'async' | 'sync') => void };

/** A call's policy; it returns a Response, or for `stream()` a StreamHead (made by the face's driver). */
export type Policy<R = Response> = Generator<Op, R, unknown>;

/** Everything about a call that is not the request itself, resolved once per call. */
export interface PolicyConfig {
  maxRedirects: number;
  retry: RetryPolicy;
  jar: CookieJar | null;
  hooks: Hooks;
  /** ms for the whole call; 0: no limit */
  total: number;
  signal: AbortSignal | undefined;
  /** a cancellation that crosses threads (either face, and it wakes a blocked sync call) */
  cancel: CancelToken | undefined;
  /** Digest credentials and where challenges are remembered (the client's, else the call's own); null: no Digest */
  digest: (DigestCredentials & { sessions: DigestSessions }) | null;
}

const NO_HOOKS: Hooks = Object.freeze({});

/** The policy half of a call's options. */
export function policyConfig(options: RequestOptions): PolicyConfig {
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  if (!Number.isInteger(maxRedirects) || maxRedirects < 0)
    throw new InvalidArgumentError('maxRedirects must be an integer >= 0');
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal))
    throw new InvalidArgumentError('signal must be an AbortSignal');
  const credentials = digestCredentials(options.auth);
  const sessions = (options as WithDigestSessions)[DIGEST_SESSIONS];
  return {
    maxRedirects,
    retry: resolveRetry(options.retry),
    jar: resolveJar(options.cookies),
    hooks: options.hooks === undefined ? NO_HOOKS : validateHooks(options.hooks),
    total: totalTimeout(options.timeout),
    signal: options.signal,
    cancel: options.cancel === undefined ? undefined : CancelToken.from(options.cancel),
    digest: credentials && { ...credentials, sessions: sessions ?? new DigestSessions() },
  };
}

/** One call, resolved: its first request, its policy and when it must end (ms since the epoch; Infinity: never). */
export interface Call {
  request: PreparedRequest;
  cfg: PolicyConfig;
  deadline: number;
}

/** One call, from the options already merged over a client's defaults. */
export function prepareCall(method: string, url: string | URL, options: RequestOptions): Call {
  return callOf(withEnvironment(prepare(method, url, options), options), policyConfig(options));
}

/** A call of `request` under `cfg`, starting now. */
export const callOf = (request: PreparedRequest, cfg: PolicyConfig): Call => ({
  request,
  cfg,
  deadline: cfg.total > 0 ? Date.now() + cfg.total : Number.POSITIVE_INFINITY,
});

/** The policy of one call, from the options already merged over a client's defaults. */
export function callPolicy(method: string, url: string | URL, options: RequestOptions): Policy {
  return policyOf(prepareCall(method, url, options));
}

/** The policy of one `stream()` call: the same, answering with the final response's head. */
export function streamPolicy(method: string, url: string | URL, options: RequestOptions): Policy<StreamHead> {
  return send(prepareCall(method, url, options), true);
}

/**
 * Whether a buffered call runs its first exchange without the generator: nothing runs around it
 * (no hooks, no cookie jar, no Digest). A face then sends `call.request` itself, asks
 * {@link directResponse} whether its result ends the call, and enters the policy
 * ({@link policyOf} with the outcome) only when it does not: a redirect, a retry, an error. Most
 * calls end there, with no generator, no ops and no history made for them. When true, the call has
 * been checked as the policy checks each exchange (AbortedError, TotalTimeoutError thrown); when
 * false, run `policyOf(call)`.
 */
export function direct(call: Call): boolean {
  const { cfg } = call;
  if (cfg.jar !== null || cfg.digest !== null || cfg.hooks !== NO_HOOKS) return false;
  check(cfg, call.deadline, call.request);
  return true;
}

/**
 * The Response a direct call's first exchange ends with, as the policy would return it (or throw
 * it, under throwHttpErrors); undefined when the policy has more to do with it ({@link policyOf}, with the result).
 */
export function directResponse(call: Call, result: ExchangeResult): Response | undefined {
  const { request, cfg } = call;
  const response = new Response(result, request.url.href);
  if (retryWait(request, response, 0, cfg, call.deadline) !== null) return undefined;
  if (nextHop(request, response, response.history, cfg.maxRedirects)) return undefined;
  return finalResponse(request, response);
}

/** The policy of a buffered call; with `first`, from the outcome of its first exchange on (see {@link direct}). */
export const policyOf = (call: Call, first?: Outcome): Policy => send(call, false, first);

/** What a first exchange that already ran gave: its result, or what it threw. */
export type Outcome = { result: ExchangeResult } | { error: unknown };

/** The wait before retrying after `seen`, or null when the call does not retry it. */
function retryWait(
  request: PreparedRequest,
  seen: Response,
  retries: number,
  cfg: PolicyConfig,
  deadline: number,
): number | null {
  const wait = request.replayable ? retryAfterResponse(seen, request.method, retries, cfg.retry) : null;
  return wait !== null && Date.now() + wait < deadline ? wait : null;
}

/** A buffered call's final response, or its HTTPStatusError under throwHttpErrors. */
const finalResponse = (first: PreparedRequest, response: Response): Response =>
  first.throwHttpErrors ? response.raiseForStatus() : response;

/** Runs every hook of `name` in order; returns the last value one of them returned. */
function* hooks(cfg: PolicyConfig, name: HookName, ...args: unknown[]): Generator<Op, unknown, unknown> {
  let last: unknown;
  for (const fn of cfg.hooks[name] ?? []) {
    const value = yield { kind: 'hook', name, fn: fn as (...a: never[]) => unknown, args };
    // Only an object can replace anything: a one-line arrow such as `(req) => (req.headers.x = 'y')`
    // returns its assignment's value, which means "changed in place", not "replaced by 'y'".
    if (typeof value === 'object' && value !== null) last = value;
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
  return fromHookRequest(request, name === 'beforeRequest' && returned ? replacement(returned) : plain);
}

/** Before a retry: the beforeRetry hooks, told why (`cause`), then the wait. Returns the request to send again. */
function* backOff(
  cfg: PolicyConfig,
  request: PreparedRequest,
  retries: number,
  wait: number,
  cause: { error: unknown } | { response: Response | StreamHead },
): Generator<Op, PreparedRequest, unknown> {
  const next = yield* hookedRequest(cfg, 'beforeRetry', request, (plain) => ({
    request: plain,
    retryCount: retries,
    delay: wait,
    ...cause,
  }));
  if (observingRetries()) yield retried(next, retries, wait, cause);
  yield { kind: 'sleep', ms: wait };
  return next;
}

/** The `onepool:retry` message of a retry, for the face's driver to publish. */
const retried = (
  request: PreparedRequest,
  retries: number,
  wait: number,
  cause: { error: unknown } | { response: Response | StreamHead },
): Op => ({ kind: 'observe', publish: (face) => publishRetry(face, request, retries + 1, wait, cause) });

const requestInfo = (request: PreparedRequest) => ({ method: request.method, url: request.url.href });

function check(cfg: PolicyConfig, deadline: number, request: PreparedRequest): void {
  if (cfg.signal?.aborted || cfg.cancel?.cancelled)
    throw Object.assign(new AbortedError('the request was aborted'), { request: requestInfo(request) });
  if (deadline !== Number.POSITIVE_INFINITY && Date.now() >= deadline) {
    throw Object.assign(new TotalTimeoutError(`timeout.total (${cfg.total} ms) passed`), {
      request: requestInfo(request),
    });
  }
}

/**
 * The whole life of one call. With `stream`, each exchange answers at its response head (a
 * StreamHead whose body is still in the worker): the responses the call does not return (redirects
 * it follows, statuses it retries) are discarded without reading their bodies, and the final one is
 * returned unread. Nothing is retried once the final response has been returned. With `first`, the
 * call's first exchange has run already (a direct call's, see {@link direct}) and this is its outcome.
 */
export function send(call: Call): Policy;
export function send(call: Call, stream: true): Policy<StreamHead>;
export function send(call: Call, stream: false, first: Outcome | undefined): Policy;
export function* send(call: Call, stream = false, first?: Outcome): Policy<Response | StreamHead> {
  const { cfg, deadline } = call;
  // A streamed response whose body is open and that is not (yet) the call's result.
  let held: StreamHead | undefined;
  const history: Response[] = [];
  let retries = 0;
  let staleRetried = false;
  try {
    let request = cfg.hooks.beforeRequest?.length
      ? yield* hookedRequest(cfg, 'beforeRequest', call.request, (plain) => plain)
      : call.request;
    // An Authorization header of the caller's own (or a hook's) wins over Digest, as over Basic.
    let digest = cfg.digest && findHeader(request.headers, 'authorization') === -1 ? cfg.digest : null;
    if (digest && !request.replayable) {
      // Checked before anything is sent: answering a challenge means sending the body again. httpx
      // buffers such a body for its DigestAuth; here it streams from the caller, so it is refused.
      throw new InvalidArgumentError(
        "auth type 'digest' needs a body that can be sent again (a string, bytes, json, form, file() or multipart), not an iterable or stream",
      );
    }
    // At most one answer per challenge, and one more for a `stale=true` one: a wrong password ends
    // with its 401, never a loop. Counted per hop, since a redirect may lead to another realm.
    let answered = false;
    let staleAnswered = false;
    for (;;) {
      let result: unknown;
      try {
        if (first) {
          // Checked, and sent as it is (a direct call has no jar and no Digest), by the face.
          const outcome = first;
          first = undefined;
          if ('error' in outcome) throw outcome.error;
          result = outcome.result;
        } else {
          check(cfg, deadline, request);
          result = yield {
            kind: 'exchange',
            request: outgoing(request, cfg, digest),
            deadline,
            signal: cfg.signal,
            cancel: cfg.cancel,
            stream,
          };
        }
      } catch (error) {
        // A body that was streamed out is gone: nothing sends it again.
        if (request.replayable && staleRetry(error, request.method, staleRetried)) {
          staleRetried = true;
          if (observingRetries()) yield retried(request, retries, 0, { error });
          retries++;
          continue;
        }
        const wait = request.replayable ? retryAfterError(error, request.method, retries, cfg.retry) : null;
        if (wait === null || Date.now() + wait >= deadline)
          throw staleError(error, request.method, cfg.retry);
        request = yield* backOff(cfg, request, retries, wait, { error });
        retries++;
        continue;
      }
      let response: Response | StreamHead;
      if (stream) {
        held = result as StreamHead;
        held.place(history, retries);
        response = held;
      } else response = new Response(result as ExchangeResult, request.url.href, history, retries);
      if (cfg.jar) storeCookies(cfg.jar, request.url, response.headers.getSetCookie());
      // The plain request is made only for hooks that will see it: most calls have none.
      const replaced = cfg.hooks.afterResponse?.length
        ? yield* hooks(cfg, 'afterResponse', response, toHookRequest(request))
        : undefined;
      if (stream ? replaced instanceof StreamHead : replaced instanceof Response) {
        if (replaced !== held) held = discard(held);
        response = replaced as Response | StreamHead;
        if (response instanceof StreamHead) {
          held = response;
          held.place(history, retries);
        }
      }
      // What redirect and retry decisions (and the history) see: for a stream, the head, bodiless.
      const seen = response instanceof Response ? response : response.toResponse();

      if (digest && seen.status === 401) {
        const challenge = digestChallenge(seen.headers.getAll('www-authenticate'));
        if (challenge && (!answered || (challenge.stale && !staleAnswered))) {
          if (answered) staleAnswered = true;
          answered = true;
          // The 401's cookies are in the jar already (above), so the answer carries them.
          digest.sessions.remember(request.url.origin, challenge);
          held = discard(held);
          continue;
        }
      }
      const wait = retryWait(request, seen, retries, cfg, deadline);
      if (wait !== null) {
        held = discard(held);
        request = yield* backOff(cfg, request, retries, wait, { response });
        retries++;
        continue;
      }
      const next = nextHop(request, seen, history, cfg.maxRedirects);
      if (next) {
        held = discard(held);
        history.push(seen);
        if (observingRedirects()) {
          const from = request;
          const count = history.length;
          yield { kind: 'observe', publish: (face) => publishRedirect(face, from, seen, next.url, count) };
        }
        // As Authorization is (redirects.ts): never to another origin, for the rest of the chain.
        if (next.url.origin !== request.url.origin) digest = null;
        answered = false;
        staleAnswered = false;
        request = yield* hookedRequest(cfg, 'beforeRedirect', next, (plain) => ({
          request: plain,
          response,
        }));
        continue;
      }
      if (response instanceof Response) return finalResponse(call.request, response);
      if (call.request.throwHttpErrors && response.status >= 400) {
        // The error carries the body, as request()'s does: read it, then throw.
        const body = (yield { kind: 'read', response }) as Uint8Array;
        throw new HTTPStatusError(response.toResponse(body));
      }
      held = undefined;
      return response;
    }
  } finally {
    // Thrown out of (TooManyRedirectsError, a hook's error, a timeout): nobody will read this body.
    held?.discard();
  }
}

/** What goes out for `request` on this exchange: the jar's cookies added, and a Digest answer signed. */
function outgoing(
  request: PreparedRequest,
  cfg: PolicyConfig,
  digest: PolicyConfig['digest'],
): PreparedRequest {
  // The jar's list is read-only to the policy; the worker only reads it too.
  const sent = cfg.jar
    ? ({ ...request, headers: withJarCookies(request.headers, request.url, cfg.jar) } as PreparedRequest)
    : request;
  if (!digest || findHeader(sent.headers, 'authorization') !== -1) return sent;
  // Made per exchange, not carried in `request`: it signs this method and target, with the next nc.
  const { url } = sent;
  const value = digest.sessions.authorization(url.origin, digest, sent.method, url.pathname + url.search);
  return value === undefined ? sent : { ...sent, headers: [...sent.headers, 'authorization', value] };
}

/** Drops a streamed response the call will not return, unread; what is held after it (nothing). */
function discard(held: StreamHead | undefined): undefined {
  held?.discard();
  return undefined;
}
