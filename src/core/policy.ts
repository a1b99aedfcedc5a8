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
  DEFAULT_RETRY,
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
  /** Digest credentials and where challenges are remembered (the client's, else the call's own); null: no Digest */
  digest: (DigestCredentials & { sessions: DigestSessions }) | null;
}

export const DEFAULT_POLICY: PolicyConfig = Object.freeze({
  maxRedirects: DEFAULT_MAX_REDIRECTS,
  retry: DEFAULT_RETRY,
  jar: null,
  hooks: {},
  total: 0,
  signal: undefined,
  digest: null,
});

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
    hooks: validateHooks(options.hooks),
    total: totalTimeout(options.timeout),
    signal: options.signal,
    digest: credentials && { ...credentials, sessions: sessions ?? new DigestSessions() },
  };
}

/** The policy of one call, from the options already merged over a client's defaults. */
export function callPolicy(method: string, url: string | URL, options: RequestOptions): Policy {
  return send(withEnvironment(prepare(method, url, options), options), policyConfig(options));
}

/** The policy of one `stream()` call: the same, answering with the final response's head. */
export function streamPolicy(method: string, url: string | URL, options: RequestOptions): Policy<StreamHead> {
  return send(withEnvironment(prepare(method, url, options), options), policyConfig(options), true);
}

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

function check(cfg: PolicyConfig, deadline: number, request: PreparedRequest): void {
  const info = { method: request.method, url: request.url.href };
  if (cfg.signal?.aborted)
    throw Object.assign(new AbortedError('the request was aborted'), { request: info });
  if (Date.now() >= deadline) {
    throw Object.assign(new TotalTimeoutError(`timeout.total (${cfg.total} ms) passed`), { request: info });
  }
}

/**
 * The whole life of one call. With `stream`, each exchange answers at its response head (a
 * StreamHead whose body is still in the worker): the responses the call does not return (redirects
 * it follows, statuses it retries) are discarded without reading their bodies, and the final one is
 * returned unread. Nothing is retried once the final response has been returned.
 */
export function send(first: PreparedRequest, cfg?: PolicyConfig): Policy;
export function send(first: PreparedRequest, cfg: PolicyConfig, stream: true): Policy<StreamHead>;
export function* send(
  first: PreparedRequest,
  cfg: PolicyConfig = DEFAULT_POLICY,
  stream = false,
): Policy<Response | StreamHead> {
  const held: Held = { open: undefined };
  try {
    return yield* attempts(first, cfg, stream, held);
  } finally {
    // Thrown out of (TooManyRedirectsError, a hook's error, a timeout): nobody will read this body.
    held.open?.discard();
  }
}

/** A streamed response whose body is open and that is not (yet) the call's result. */
interface Held {
  open: StreamHead | undefined;
}

function* attempts(
  first: PreparedRequest,
  cfg: PolicyConfig,
  stream: boolean,
  held: Held,
): Policy<Response | StreamHead> {
  const deadline = cfg.total > 0 ? Date.now() + cfg.total : Number.POSITIVE_INFINITY;
  const history: Response[] = [];
  let retries = 0;
  let staleRetried = false;
  const discard = () => {
    held.open?.discard();
    held.open = undefined;
  };
  let request = yield* hookedRequest(cfg, 'beforeRequest', first, (plain) => plain);
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
    check(cfg, deadline, request);
    let sent = cfg.jar
      ? { ...request, headers: withJarCookies(request.headers, request.url, cfg.jar) }
      : request;
    if (digest && findHeader(sent.headers, 'authorization') === -1) {
      // Made per exchange, not carried in `request`: it signs this method and target, with the next nc.
      const { url } = sent;
      const value = digest.sessions.authorization(url.origin, digest, sent.method, url.pathname + url.search);
      if (value !== undefined) sent = { ...sent, headers: [...sent.headers, 'authorization', value] };
    }
    let result: unknown;
    try {
      result = yield {
        kind: 'exchange',
        request: sent as PreparedRequest,
        deadline,
        signal: cfg.signal,
        stream,
      };
    } catch (error) {
      // A body that was streamed out is gone: nothing sends it again.
      if (request.replayable && staleRetry(error, request.method, staleRetried)) {
        staleRetried = true;
        if (observingRetries()) yield retried(request, retries, 0, { error });
        retries++;
        continue;
      }
      const wait = request.replayable ? retryAfterError(error, request.method, retries, cfg.retry) : null;
      if (wait === null || Date.now() + wait >= deadline) throw staleError(error, request.method, cfg.retry);
      request = yield* backOff(cfg, request, retries, wait, { error });
      retries++;
      continue;
    }
    let response: Response | StreamHead;
    if (stream) {
      held.open = result as StreamHead;
      held.open.place(history, retries);
      response = held.open;
    } else response = new Response(result as ExchangeResult, request.url.href, history, retries);
    if (cfg.jar) storeCookies(cfg.jar, request.url, response.headers.getSetCookie());
    // The plain request is made only for hooks that will see it: most calls have none.
    const replaced = cfg.hooks.afterResponse?.length
      ? yield* hooks(cfg, 'afterResponse', response, toHookRequest(request))
      : undefined;
    if (stream ? replaced instanceof StreamHead : replaced instanceof Response) {
      if (replaced !== held.open) discard();
      response = replaced as Response | StreamHead;
      if (response instanceof StreamHead) {
        held.open = response;
        held.open.place(history, retries);
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
        discard();
        continue;
      }
    }
    const wait = request.replayable ? retryAfterResponse(seen, request.method, retries, cfg.retry) : null;
    if (wait !== null && Date.now() + wait < deadline) {
      discard();
      request = yield* backOff(cfg, request, retries, wait, { response });
      retries++;
      continue;
    }
    const next = nextHop(request, seen, history, cfg.maxRedirects);
    if (next) {
      discard();
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
      request = yield* hookedRequest(cfg, 'beforeRedirect', next, (plain) => ({ request: plain, response }));
      continue;
    }
    if (first.throwHttpErrors && response.status >= 400) {
      if (response instanceof Response) response.raiseForStatus();
      else {
        // The error carries the body, as request()'s does: read it, then throw.
        const body = (yield { kind: 'read', response }) as Uint8Array;
        throw new HTTPStatusError(response.toResponse(body));
      }
    }
    held.open = undefined;
    return response;
  }
}
