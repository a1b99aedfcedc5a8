/**
 * Every error onepool throws, on both faces. Match on `code` (stable across versions) or on the class.
 *
 * ```
 * OnepoolError                         ONEPOOL_ERR
 * ├── RequestError                     the exchange failed; `request` says which one
 * │   ├── ConnectError                 ONEPOOL_ERR_CONNECT            no connection (refused, DNS, unreachable, closed before HTTP/2 SETTINGS)
 * │   │   └── ProxyError               ONEPOOL_ERR_PROXY              the proxy refused: CONNECT not 2xx (`status`), 407, SOCKS5 failure
 * │   ├── ConnectionClosedError        ONEPOOL_ERR_CONNECTION_CLOSED  the peer closed or reset mid-exchange
 * │   │   ├── StaleConnectionError     ONEPOOL_ERR_STALE_CONNECTION   a reused connection closed before a complete response head;
 * │   │                                                               a non-idempotent request was not replayed (safe to retry)
 * │   │   └── NotProcessedError        ONEPOOL_ERR_NOT_PROCESSED      the server refused it unprocessed (HTTP/2 GOAWAY): safe to retry
 * │   ├── TLSError                     ONEPOOL_ERR_TLS                handshake or certificate verification failed
 * │   ├── ResponseError                ONEPOOL_ERR_RESPONSE           a malformed response (bad framing, bad headers)
 * │   │   └── ResponseTooLargeError    ONEPOOL_ERR_RESPONSE_TOO_LARGE the decoded body passed maxResponseSize
 * │   ├── RedirectError                ONEPOOL_ERR_REDIRECT           a redirect that cannot be followed (scheme, body)
 * │   │   └── TooManyRedirectsError    ONEPOOL_ERR_TOO_MANY_REDIRECTS more than maxRedirects; carries the history
 * │   ├── AbortedError                 ONEPOOL_ERR_ABORTED            the caller's AbortSignal fired
 * │   ├── TimeoutError                 ONEPOOL_ERR_TIMEOUT
 * │   │   ├── ConnectTimeoutError      ONEPOOL_ERR_CONNECT_TIMEOUT    no connection within timeout.connect
 * │   │   ├── ReadTimeoutError         ONEPOOL_ERR_READ_TIMEOUT       no byte from the server within timeout.read
 * │   │   ├── WriteTimeoutError        ONEPOOL_ERR_WRITE_TIMEOUT      no progress sending the request body within timeout.write
 * │   │   ├── TotalTimeoutError        ONEPOOL_ERR_TOTAL_TIMEOUT      the whole call (every hop and retry) passed timeout.total
 * │   │   └── PoolTimeoutError         ONEPOOL_ERR_POOL_TIMEOUT       no connection slot under maxConnections within poolTimeout
 * │   ├── WorkerCrashedError           ONEPOOL_ERR_WORKER_CRASHED     the pool worker died; the next call starts a new one
 * │   └── MockNotMatchedError          ONEPOOL_ERR_MOCK_NOT_MATCHED   a mock pool had no answer for the request (nothing was sent)
 * ├── InvalidRequestError              nothing was sent
 * │   ├── InvalidURLError              ONEPOOL_ERR_INVALID_URL
 * │   ├── InvalidHeaderError           ONEPOOL_ERR_INVALID_HEADER     CR, LF or NUL in a header, a bad name, conflicting framing
 * │   ├── InvalidArgumentError         ONEPOOL_ERR_INVALID_ARGUMENT   options that contradict each other or have the wrong type
 * │   └── PoolClosedError              ONEPOOL_ERR_POOL_CLOSED        the private pool was closed
 * ├── HTTPStatusError                  ONEPOOL_ERR_HTTP_STATUS        4xx/5xx, from raiseForStatus() or throwHttpErrors
 * └── JSONDecodeError                  ONEPOOL_ERR_JSON               res.json() on a body that is not JSON; `position`, `text`
 * ```
 *
 * Every class has a literal `name` and a static `code` (the instance's `code` is the same string), so
 * neither depends on `constructor.name`, which a minifier renames. The codes above are public: they are
 * the wire format between the threads (src/core/wire-error.ts) and the lineage `instanceof` checks across
 * two copies of this module (the ESM and the CJS build loaded in one process).
 */

import type { Response } from './response.js';

/** The request an error belongs to, as plain data (no body, no credentials). */
export interface ErrorRequestInfo {
  /** The HTTP method, upper case. */
  method: string;
  /** The absolute URL of the hop that failed (after redirects), without credentials. */
  url: string;
}

// Each class's `code` is typed as the codes of its whole subtree: a value typed `TimeoutError` (or
// `typeof TimeoutError`) may be a ReadTimeoutError, so only leaf classes can promise one literal.
type ProxyErrorCode = 'ONEPOOL_ERR_PROXY';
type ConnectErrorCode = 'ONEPOOL_ERR_CONNECT' | ProxyErrorCode;
type StaleConnectionErrorCode = 'ONEPOOL_ERR_STALE_CONNECTION';
type NotProcessedErrorCode = 'ONEPOOL_ERR_NOT_PROCESSED';
type ConnectionClosedErrorCode =
  | 'ONEPOOL_ERR_CONNECTION_CLOSED'
  | StaleConnectionErrorCode
  | NotProcessedErrorCode;
type TLSErrorCode = 'ONEPOOL_ERR_TLS';
type ResponseTooLargeErrorCode = 'ONEPOOL_ERR_RESPONSE_TOO_LARGE';
type ResponseErrorCode = 'ONEPOOL_ERR_RESPONSE' | ResponseTooLargeErrorCode;
type TooManyRedirectsErrorCode = 'ONEPOOL_ERR_TOO_MANY_REDIRECTS';
type RedirectErrorCode = 'ONEPOOL_ERR_REDIRECT' | TooManyRedirectsErrorCode;
type AbortedErrorCode = 'ONEPOOL_ERR_ABORTED';
type ConnectTimeoutErrorCode = 'ONEPOOL_ERR_CONNECT_TIMEOUT';
type ReadTimeoutErrorCode = 'ONEPOOL_ERR_READ_TIMEOUT';
type WriteTimeoutErrorCode = 'ONEPOOL_ERR_WRITE_TIMEOUT';
type TotalTimeoutErrorCode = 'ONEPOOL_ERR_TOTAL_TIMEOUT';
type PoolTimeoutErrorCode = 'ONEPOOL_ERR_POOL_TIMEOUT';
type TimeoutErrorCode =
  | 'ONEPOOL_ERR_TIMEOUT'
  | ConnectTimeoutErrorCode
  | ReadTimeoutErrorCode
  | WriteTimeoutErrorCode
  | TotalTimeoutErrorCode
  | PoolTimeoutErrorCode;
type WorkerCrashedErrorCode = 'ONEPOOL_ERR_WORKER_CRASHED';
type MockNotMatchedErrorCode = 'ONEPOOL_ERR_MOCK_NOT_MATCHED';
type RequestErrorCode =
  | 'ONEPOOL_ERR_REQUEST'
  | ConnectErrorCode
  | ConnectionClosedErrorCode
  | TLSErrorCode
  | ResponseErrorCode
  | RedirectErrorCode
  | AbortedErrorCode
  | TimeoutErrorCode
  | WorkerCrashedErrorCode
  | MockNotMatchedErrorCode;
type InvalidURLErrorCode = 'ONEPOOL_ERR_INVALID_URL';
type InvalidHeaderErrorCode = 'ONEPOOL_ERR_INVALID_HEADER';
type InvalidArgumentErrorCode = 'ONEPOOL_ERR_INVALID_ARGUMENT';
type PoolClosedErrorCode = 'ONEPOOL_ERR_POOL_CLOSED';
type InvalidRequestErrorCode =
  | 'ONEPOOL_ERR_INVALID_REQUEST'
  | InvalidURLErrorCode
  | InvalidHeaderErrorCode
  | InvalidArgumentErrorCode
  | PoolClosedErrorCode;
type HTTPStatusErrorCode = 'ONEPOOL_ERR_HTTP_STATUS';
type JSONDecodeErrorCode = 'ONEPOOL_ERR_JSON';

/** Every code an onepool error can have. */
export type ErrorCode =
  | 'ONEPOOL_ERR'
  | RequestErrorCode
  | InvalidRequestErrorCode
  | HTTPStatusErrorCode
  | JSONDecodeErrorCode;

/**
 * The brand every onepool error carries: its lineage of codes, most specific first. Symbol.for is
 * shared by every copy of this module in the process (and by other versions of onepool), so this
 * array's shape is a contract between copies: extend it only compatibly.
 */
const BRAND = Symbol.for('onepool.error');

// One lineage per class, shared (frozen) by its instances.
const lineages = new WeakMap<object, readonly string[]>();

function lineageOf(Class: typeof OnepoolError): readonly string[] {
  let lineage = lineages.get(Class);
  if (lineage === undefined) {
    const codes: string[] = [];
    // Only classes with a code of their own count: a user's subclass adds nothing to the lineage, so an
    // instance of it is recognised by other copies as its nearest onepool ancestor.
    for (let c: object | null = Class; c !== null && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
      if (Object.hasOwn(c, 'code')) codes.push((c as typeof OnepoolError).code);
    }
    lineage = Object.freeze(codes);
    lineages.set(Class, lineage);
  }
  return lineage;
}

/**
 * The lineage a value is branded with, from any copy of onepool, or undefined. Only an array of strings
 * counts as a brand, so a stray property under the same key that is not onepool's shape matches nothing.
 */
function brandOf(value: unknown): readonly string[] | undefined {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined;
  const brand: unknown = (value as Record<symbol, unknown>)[BRAND];
  return Array.isArray(brand) && brand.every((code) => typeof code === 'string') ? brand : undefined;
}

function isInstance(Class: typeof OnepoolError, value: unknown): boolean {
  if (Function.prototype[Symbol.hasInstance].call(Class, value)) return true;
  // A class without a code of its own is a user's subclass: by its inherited code, every error of its
  // parent's class from another copy would count as one of its instances.
  if (!Object.hasOwn(Class, 'code')) return false;
  return brandOf(value)?.includes(Class.code) ?? false;
}

/**
 * Puts the name on the prototype the way Error.prototype has it (writable, not enumerable): the literal
 * survives minification, it stays out of inspect output, and a user's subclass can still assign its own.
 * Called after each class, not from a static block: a class that names itself in its body is emitted by
 * esbuild under a second binding (`_ConnectError`), and util.inspect prints that constructor name.
 */
function named(Class: abstract new (...args: never[]) => OnepoolError, name: string): void {
  Object.defineProperty(Class.prototype, 'name', { value: name, writable: true, configurable: true });
}

/** The root of every onepool error: catch this to catch them all. */
export class OnepoolError extends Error {
  /** The class's code, to match a caught error against without `instanceof`. */
  static readonly code: ErrorCode = 'ONEPOOL_ERR';
  /** The stable code of this error's class: what to match on (see {@link ErrorCode}). */
  readonly code: ErrorCode;
  /** The low-level cause when there is one: the system or undici code and message, e.g. ECONNREFUSED. */
  readonly causeCode: string | undefined;

  constructor(message: string, options?: { cause?: unknown; causeCode?: string | undefined }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    // new.target, not a per-class field: a user's subclass without a code of its own gets its parent's.
    this.code = new.target.code;
    this.causeCode = options?.causeCode;
    Object.defineProperty(this, BRAND, { value: lineageOf(new.target) });
  }

  /**
   * True for a real instance, and for an onepool error from another copy of this module (the ESM and
   * the CJS build in one process) whose lineage of codes includes this class's code. Codes, not names:
   * a minifier renames classes.
   *
   * The trade-off: the brand is under a registered symbol, so any code can forge one, and an object
   * branded with onepool's codes passes as that error. The brand carries no more than what `code`
   * already promises; a plain Error, an object without the brand, or one whose brand is not a list of
   * codes never matches.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class right of instanceof, often a subclass
    return isInstance(this, value);
  }
}
named(OnepoolError, 'OnepoolError');

/** The exchange failed after the request was valid: a connection, TLS, response, timeout or abort failure. */
export class RequestError extends OnepoolError {
  static override readonly code: RequestErrorCode = 'ONEPOOL_ERR_REQUEST';
  declare readonly code: RequestErrorCode;
  /** The request that failed (method and URL of the hop), when the failure belongs to one. */
  request: ErrorRequestInfo | undefined;
  /**
   * true when the exchange failed on a connection an earlier exchange had used, before any byte of
   * the response arrived: the mark of a keep-alive connection the server had already closed.
   */
  staleConnection = false;
}
named(RequestError, 'RequestError');

/** No connection to the origin (or the proxy): refused, DNS failure, unreachable. */
export class ConnectError extends RequestError {
  static override readonly code: ConnectErrorCode = 'ONEPOOL_ERR_CONNECT';
  declare readonly code: ConnectErrorCode;
}
named(ConnectError, 'ConnectError');
/**
 * The proxy did not give a way to the origin: CONNECT answered with anything but 2xx (or with bytes
 * after its answer), a forward proxy answered 407, or a SOCKS5 handshake failed. Nothing was sent to
 * the origin. `status` is the proxy's HTTP status when it gave one.
 */
export class ProxyError extends ConnectError {
  static override readonly code: ProxyErrorCode = 'ONEPOOL_ERR_PROXY';
  declare readonly code: ProxyErrorCode;
  /** The proxy's HTTP status (CONNECT answer or 407), undefined for a SOCKS5 failure. */
  status: number | undefined;
}
named(ProxyError, 'ProxyError');
/** The peer closed or reset the connection in the middle of the exchange. */
export class ConnectionClosedError extends RequestError {
  static override readonly code: ConnectionClosedErrorCode = 'ONEPOOL_ERR_CONNECTION_CLOSED';
  declare readonly code: ConnectionClosedErrorCode;
}
named(ConnectionClosedError, 'ConnectionClosedError');
/**
 * A non-idempotent request (POST, PATCH) failed on a reused connection before any response byte.
 * The server most likely closed the idle connection before reading the request, so sending it again
 * is usually safe; onepool does not do so on its own, because it cannot know.
 */
export class StaleConnectionError extends ConnectionClosedError {
  static override readonly code: StaleConnectionErrorCode = 'ONEPOOL_ERR_STALE_CONNECTION';
  declare readonly code: StaleConnectionErrorCode;
  /** Always true: the caller may retry when the request is safe to repeat. */
  readonly retryable = true;
}
named(StaleConnectionError, 'StaleConnectionError');
/**
 * The server closed the stream without processing the request (an HTTP/2 GOAWAY whose last stream id
 * is below this stream's). Idempotent requests are replayed once by the pool before this is thrown;
 * for others, the server's word is that retrying is safe.
 */
export class NotProcessedError extends ConnectionClosedError {
  static override readonly code: NotProcessedErrorCode = 'ONEPOOL_ERR_NOT_PROCESSED';
  declare readonly code: NotProcessedErrorCode;
  /** Always true: the server did not process the request, so sending it again is safe. */
  readonly retryable = true;
}
named(NotProcessedError, 'NotProcessedError');
/** The TLS handshake or the certificate verification failed. */
export class TLSError extends RequestError {
  static override readonly code: TLSErrorCode = 'ONEPOOL_ERR_TLS';
  declare readonly code: TLSErrorCode;
}
named(TLSError, 'TLSError');
/** The response was malformed: bad framing, bad headers, a body that does not decode. */
export class ResponseError extends RequestError {
  static override readonly code: ResponseErrorCode = 'ONEPOOL_ERR_RESPONSE';
  declare readonly code: ResponseErrorCode;
}
named(ResponseError, 'ResponseError');
/** The decoded response body grew past maxResponseSize (this also stops decompression bombs). */
export class ResponseTooLargeError extends ResponseError {
  static override readonly code: ResponseTooLargeErrorCode = 'ONEPOOL_ERR_RESPONSE_TOO_LARGE';
  declare readonly code: ResponseTooLargeErrorCode;
}
named(ResponseTooLargeError, 'ResponseTooLargeError');
/** A redirect that cannot be followed: a scheme other than http(s), or a body that cannot be replayed. */
export class RedirectError extends RequestError {
  static override readonly code: RedirectErrorCode = 'ONEPOOL_ERR_REDIRECT';
  declare readonly code: RedirectErrorCode;
}
named(RedirectError, 'RedirectError');
/** More redirects than maxRedirects. `history` holds every response of the chain, oldest first. */
export class TooManyRedirectsError extends RedirectError {
  static override readonly code: TooManyRedirectsErrorCode = 'ONEPOOL_ERR_TOO_MANY_REDIRECTS';
  declare readonly code: TooManyRedirectsErrorCode;
  /** Every response of the redirect chain, oldest first. */
  history: readonly Response[] = [];
}
named(TooManyRedirectsError, 'TooManyRedirectsError');
/** The AbortSignal given as `signal` fired; the exchange in the worker was cancelled. */
export class AbortedError extends RequestError {
  static override readonly code: AbortedErrorCode = 'ONEPOOL_ERR_ABORTED';
  declare readonly code: AbortedErrorCode;
}
named(AbortedError, 'AbortedError');
/** One of the `timeout` limits passed; the subclass says which. */
export class TimeoutError extends RequestError {
  static override readonly code: TimeoutErrorCode = 'ONEPOOL_ERR_TIMEOUT';
  declare readonly code: TimeoutErrorCode;
}
named(TimeoutError, 'TimeoutError');
/** No connection within `timeout.connect`. */
export class ConnectTimeoutError extends TimeoutError {
  static override readonly code: ConnectTimeoutErrorCode = 'ONEPOOL_ERR_CONNECT_TIMEOUT';
  declare readonly code: ConnectTimeoutErrorCode;
}
named(ConnectTimeoutError, 'ConnectTimeoutError');
/** No byte from the server within `timeout.read`. */
export class ReadTimeoutError extends TimeoutError {
  static override readonly code: ReadTimeoutErrorCode = 'ONEPOOL_ERR_READ_TIMEOUT';
  declare readonly code: ReadTimeoutErrorCode;
}
named(ReadTimeoutError, 'ReadTimeoutError');
/** timeout.write passed without progress while the request body was being sent (the server stopped reading it). */
export class WriteTimeoutError extends TimeoutError {
  static override readonly code: WriteTimeoutErrorCode = 'ONEPOOL_ERR_WRITE_TIMEOUT';
  declare readonly code: WriteTimeoutErrorCode;
}
named(WriteTimeoutError, 'WriteTimeoutError');
/** timeout.total passed: it bounds the whole call, across every redirect hop, retry and backoff. */
export class TotalTimeoutError extends TimeoutError {
  static override readonly code: TotalTimeoutErrorCode = 'ONEPOOL_ERR_TOTAL_TIMEOUT';
  declare readonly code: TotalTimeoutErrorCode;
}
named(TotalTimeoutError, 'TotalTimeoutError');
/** No connection slot under the pool's `maxConnections` within `poolTimeout`. */
export class PoolTimeoutError extends TimeoutError {
  static override readonly code: PoolTimeoutErrorCode = 'ONEPOOL_ERR_POOL_TIMEOUT';
  declare readonly code: PoolTimeoutErrorCode;
}
named(PoolTimeoutError, 'PoolTimeoutError');
/** The pool worker thread died during the exchange; the next call starts a new worker. */
export class WorkerCrashedError extends RequestError {
  static override readonly code: WorkerCrashedErrorCode = 'ONEPOOL_ERR_WORKER_CRASHED';
  declare readonly code: WorkerCrashedErrorCode;
}
named(WorkerCrashedError, 'WorkerCrashedError');
/**
 * A mock pool (createMockPool, or a recording pool replaying) had no interceptor, handler or recorded
 * exchange for the request, and its origin is not passed through: nothing reached the network. The
 * message lists the closest interceptors and what differed.
 */
export class MockNotMatchedError extends RequestError {
  static override readonly code: MockNotMatchedErrorCode = 'ONEPOOL_ERR_MOCK_NOT_MATCHED';
  declare readonly code: MockNotMatchedErrorCode;
}
named(MockNotMatchedError, 'MockNotMatchedError');

/** The request was refused before anything was sent: fix the call, do not retry it. */
export class InvalidRequestError extends OnepoolError {
  static override readonly code: InvalidRequestErrorCode = 'ONEPOOL_ERR_INVALID_REQUEST';
  declare readonly code: InvalidRequestErrorCode;
}
named(InvalidRequestError, 'InvalidRequestError');
/** The URL (or `baseURL` plus the path) is not an absolute http(s) URL. */
export class InvalidURLError extends InvalidRequestError {
  static override readonly code: InvalidURLErrorCode = 'ONEPOOL_ERR_INVALID_URL';
  declare readonly code: InvalidURLErrorCode;
}
named(InvalidURLError, 'InvalidURLError');
/** A header with CR, LF or NUL, a bad name, or framing headers that contradict each other. */
export class InvalidHeaderError extends InvalidRequestError {
  static override readonly code: InvalidHeaderErrorCode = 'ONEPOOL_ERR_INVALID_HEADER';
  declare readonly code: InvalidHeaderErrorCode;
}
named(InvalidHeaderError, 'InvalidHeaderError');
/** Options that contradict each other, have the wrong type, or are unknown. */
export class InvalidArgumentError extends InvalidRequestError {
  static override readonly code: InvalidArgumentErrorCode = 'ONEPOOL_ERR_INVALID_ARGUMENT';
  declare readonly code: InvalidArgumentErrorCode;
}
named(InvalidArgumentError, 'InvalidArgumentError');

/** The call named a private pool that was closed. */
export class PoolClosedError extends InvalidRequestError {
  static override readonly code: PoolClosedErrorCode = 'ONEPOOL_ERR_POOL_CLOSED';
  declare readonly code: PoolClosedErrorCode;
}
named(PoolClosedError, 'PoolClosedError');

/** Thrown by `raiseForStatus()` (and by every call when `throwHttpErrors` is on) for 4xx and 5xx. */
export class HTTPStatusError extends OnepoolError {
  static override readonly code: HTTPStatusErrorCode = 'ONEPOOL_ERR_HTTP_STATUS';
  declare readonly code: HTTPStatusErrorCode;
  /** The response's status, 400 to 599. */
  readonly status: number;
  /** The response, body already read. */
  readonly response: Response;

  constructor(response: Response) {
    super(
      `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} for ${response.url}`,
    );
    this.status = response.status;
    this.response = response;
  }
}
named(HTTPStatusError, 'HTTPStatusError');

/**
 * `res.json()` on a body that is not JSON. Not a RequestError: the exchange succeeded, and the body
 * stays readable with `res.text()`. `position` is the offset (in UTF-16 code units of the text) where
 * parsing failed, when the parser says; `text` is the body as text, cut to its first
 * {@link JSONDecodeError.TEXT_LIMIT} characters so that a large HTML error page does not ride along
 * in every log line. The parser's SyntaxError is the `cause`.
 */
export class JSONDecodeError extends OnepoolError {
  static override readonly code: JSONDecodeErrorCode = 'ONEPOOL_ERR_JSON';
  declare readonly code: JSONDecodeErrorCode;
  /** The most characters of the body kept in `text`. */
  static readonly TEXT_LIMIT = 1024;
  /** Where parsing failed, in UTF-16 code units of `text`, when the parser says. */
  readonly position: number | undefined;
  /** The body as text, cut to its first {@link JSONDecodeError.TEXT_LIMIT} characters. */
  readonly text: string;

  constructor(
    message: string,
    options?: {
      cause?: unknown;
      causeCode?: string | undefined;
      text?: string;
      position?: number | undefined;
    },
  ) {
    super(message, options);
    const text = options?.text ?? '';
    this.text = text.length > JSONDecodeError.TEXT_LIMIT ? text.slice(0, JSONDecodeError.TEXT_LIMIT) : text;
    this.position = options?.position;
  }
}
named(JSONDecodeError, 'JSONDecodeError');

/**
 * Every class by its own code. The mapped type makes a code without a class, or a class for a code
 * that is not in ErrorCode, a compile error; the tests check each key against its class's `code`.
 * Internal: the main entry exports the classes, not this table.
 */
export const errorClasses = {
  ONEPOOL_ERR: OnepoolError,
  ONEPOOL_ERR_REQUEST: RequestError,
  ONEPOOL_ERR_CONNECT: ConnectError,
  ONEPOOL_ERR_PROXY: ProxyError,
  ONEPOOL_ERR_CONNECTION_CLOSED: ConnectionClosedError,
  ONEPOOL_ERR_STALE_CONNECTION: StaleConnectionError,
  ONEPOOL_ERR_NOT_PROCESSED: NotProcessedError,
  ONEPOOL_ERR_TLS: TLSError,
  ONEPOOL_ERR_RESPONSE: ResponseError,
  ONEPOOL_ERR_RESPONSE_TOO_LARGE: ResponseTooLargeError,
  ONEPOOL_ERR_REDIRECT: RedirectError,
  ONEPOOL_ERR_TOO_MANY_REDIRECTS: TooManyRedirectsError,
  ONEPOOL_ERR_ABORTED: AbortedError,
  ONEPOOL_ERR_TIMEOUT: TimeoutError,
  ONEPOOL_ERR_CONNECT_TIMEOUT: ConnectTimeoutError,
  ONEPOOL_ERR_READ_TIMEOUT: ReadTimeoutError,
  ONEPOOL_ERR_WRITE_TIMEOUT: WriteTimeoutError,
  ONEPOOL_ERR_TOTAL_TIMEOUT: TotalTimeoutError,
  ONEPOOL_ERR_POOL_TIMEOUT: PoolTimeoutError,
  ONEPOOL_ERR_WORKER_CRASHED: WorkerCrashedError,
  ONEPOOL_ERR_MOCK_NOT_MATCHED: MockNotMatchedError,
  ONEPOOL_ERR_INVALID_REQUEST: InvalidRequestError,
  ONEPOOL_ERR_INVALID_URL: InvalidURLError,
  ONEPOOL_ERR_INVALID_HEADER: InvalidHeaderError,
  ONEPOOL_ERR_INVALID_ARGUMENT: InvalidArgumentError,
  ONEPOOL_ERR_POOL_CLOSED: PoolClosedError,
  ONEPOOL_ERR_HTTP_STATUS: HTTPStatusError,
  ONEPOOL_ERR_JSON: JSONDecodeError,
} as const satisfies {
  readonly [C in ErrorCode]: { readonly code: ErrorCode; readonly prototype: OnepoolError };
};
