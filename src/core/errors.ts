/**
 * Every error onepool throws, on both faces. Match on `code` (stable across versions) or on the class.
 *
 * ```
 * OnepoolError                         ONEPOOL_ERR
 * ├── RequestError                     the exchange failed; `request` says which one
 * │   ├── ConnectError                 ONEPOOL_ERR_CONNECT            no connection (refused, DNS, unreachable)
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
 * │   │   ├── TotalTimeoutError        ONEPOOL_ERR_TOTAL_TIMEOUT      the whole call (every hop and retry) passed timeout.total
 * │   │   └── PoolTimeoutError         ONEPOOL_ERR_POOL_TIMEOUT       no connection slot under maxConnections within poolTimeout
 * │   └── WorkerCrashedError           ONEPOOL_ERR_WORKER_CRASHED     the pool worker died; the next call starts a new one
 * ├── InvalidRequestError              nothing was sent
 * │   ├── InvalidURLError              ONEPOOL_ERR_INVALID_URL
 * │   ├── InvalidHeaderError           ONEPOOL_ERR_INVALID_HEADER     CR, LF or NUL in a header, a bad name, conflicting framing
 * │   ├── InvalidArgumentError         ONEPOOL_ERR_INVALID_ARGUMENT   options that contradict each other or have the wrong type
 * │   └── PoolClosedError              ONEPOOL_ERR_POOL_CLOSED        the private pool was closed
 * └── HTTPStatusError                  ONEPOOL_ERR_HTTP_STATUS        4xx/5xx, from raiseForStatus() or throwHttpErrors
 * ```
 *
 * Errors cross the thread boundary as plain data ({@link WireError}) because structured clone drops
 * the class and `code`; {@link fromWire} rebuilds the same class on the caller's side, with the caller's
 * stack, so `instanceof` and `code` work the same on both faces.
 */

import type { Response } from './response.js';

/** The request an error belongs to, as plain data (no body, no credentials). */
export interface ErrorRequestInfo {
  method: string;
  url: string;
}

export class OnepoolError extends Error {
  readonly code: string = 'ONEPOOL_ERR';
  /** The low-level cause when there is one: the system or undici code and message, e.g. ECONNREFUSED. */
  readonly causeCode: string | undefined;

  constructor(message: string, options?: { cause?: unknown; causeCode?: string | undefined }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.causeCode = options?.causeCode;
  }

  override get name(): string {
    return this.constructor.name;
  }
}

export class RequestError extends OnepoolError {
  override readonly code: string = 'ONEPOOL_ERR_REQUEST';
  request: ErrorRequestInfo | undefined;
  /**
   * true when the exchange failed on a connection an earlier exchange had used, before any byte of
   * the response arrived: the mark of a keep-alive connection the server had already closed.
   */
  staleConnection = false;
}

export class ConnectError extends RequestError {
  override readonly code: string = 'ONEPOOL_ERR_CONNECT';
}
/**
 * The proxy did not give a way to the origin: CONNECT answered with anything but 2xx (or with bytes
 * after its answer), a forward proxy answered 407, or a SOCKS5 handshake failed. Nothing was sent to
 * the origin. `status` is the proxy's HTTP status when it gave one.
 */
export class ProxyError extends ConnectError {
  override readonly code: string = 'ONEPOOL_ERR_PROXY';
  status: number | undefined;
}
export class ConnectionClosedError extends RequestError {
  override readonly code: string = 'ONEPOOL_ERR_CONNECTION_CLOSED';
}
/**
 * A non-idempotent request (POST, PATCH) failed on a reused connection before any response byte.
 * The server most likely closed the idle connection before reading the request, so sending it again
 * is usually safe; onepool does not do so on its own, because it cannot know.
 */
export class StaleConnectionError extends ConnectionClosedError {
  override readonly code: string = 'ONEPOOL_ERR_STALE_CONNECTION';
  /** Always true: the caller may retry when the request is safe to repeat. */
  readonly retryable = true;
}
/**
 * The server closed the stream without processing the request (an HTTP/2 GOAWAY whose last stream id
 * is below this stream's). Idempotent requests are replayed once by the pool before this is thrown;
 * for others, the server's word is that retrying is safe.
 */
export class NotProcessedError extends ConnectionClosedError {
  override readonly code: string = 'ONEPOOL_ERR_NOT_PROCESSED';
  readonly retryable = true;
}
export class TLSError extends RequestError {
  override readonly code: string = 'ONEPOOL_ERR_TLS';
}
export class ResponseError extends RequestError {
  override readonly code: string = 'ONEPOOL_ERR_RESPONSE';
}
/** The decoded response body grew past maxResponseSize (this also stops decompression bombs). */
export class ResponseTooLargeError extends ResponseError {
  override readonly code: string = 'ONEPOOL_ERR_RESPONSE_TOO_LARGE';
}
/** A redirect that cannot be followed: a scheme other than http(s), or a body that cannot be replayed. */
export class RedirectError extends RequestError {
  override readonly code: string = 'ONEPOOL_ERR_REDIRECT';
}
/** More redirects than maxRedirects. `history` holds every response of the chain, oldest first. */
export class TooManyRedirectsError extends RedirectError {
  override readonly code: string = 'ONEPOOL_ERR_TOO_MANY_REDIRECTS';
  history: readonly Response[] = [];
}
/** The AbortSignal given as `signal` fired; the exchange in the worker was cancelled. */
export class AbortedError extends RequestError {
  override readonly code: string = 'ONEPOOL_ERR_ABORTED';
}
export class TimeoutError extends RequestError {
  override readonly code: string = 'ONEPOOL_ERR_TIMEOUT';
}
export class ConnectTimeoutError extends TimeoutError {
  override readonly code: string = 'ONEPOOL_ERR_CONNECT_TIMEOUT';
}
export class ReadTimeoutError extends TimeoutError {
  override readonly code: string = 'ONEPOOL_ERR_READ_TIMEOUT';
}
/** timeout.total passed: it bounds the whole call, across every redirect hop, retry and backoff. */
export class TotalTimeoutError extends TimeoutError {
  override readonly code: string = 'ONEPOOL_ERR_TOTAL_TIMEOUT';
}
export class PoolTimeoutError extends TimeoutError {
  override readonly code: string = 'ONEPOOL_ERR_POOL_TIMEOUT';
}
export class WorkerCrashedError extends RequestError {
  override readonly code: string = 'ONEPOOL_ERR_WORKER_CRASHED';
}

export class InvalidRequestError extends OnepoolError {
  override readonly code: string = 'ONEPOOL_ERR_INVALID_REQUEST';
}
export class InvalidURLError extends InvalidRequestError {
  override readonly code: string = 'ONEPOOL_ERR_INVALID_URL';
}
export class InvalidHeaderError extends InvalidRequestError {
  override readonly code: string = 'ONEPOOL_ERR_INVALID_HEADER';
}
export class InvalidArgumentError extends InvalidRequestError {
  override readonly code: string = 'ONEPOOL_ERR_INVALID_ARGUMENT';
}

export class PoolClosedError extends InvalidRequestError {
  override readonly code: string = 'ONEPOOL_ERR_POOL_CLOSED';
}

/** Thrown by `raiseForStatus()` (and by every call when `throwHttpErrors` is on) for 4xx and 5xx. */
export class HTTPStatusError extends OnepoolError {
  override readonly code: string = 'ONEPOOL_ERR_HTTP_STATUS';
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

/**
 * The classes that can cross the thread boundary, by name. HTTPStatusError never crosses: it is made
 * in the caller's thread from a response.
 */
const wireClasses = {
  OnepoolError,
  RequestError,
  ConnectError,
  ProxyError,
  ConnectionClosedError,
  NotProcessedError,
  TLSError,
  ResponseError,
  ResponseTooLargeError,
  TimeoutError,
  ConnectTimeoutError,
  ReadTimeoutError,
  PoolTimeoutError,
  WorkerCrashedError,
  InvalidRequestError,
  InvalidURLError,
  InvalidHeaderError,
  InvalidArgumentError,
  PoolClosedError,
} as const;

export type WireErrorName = keyof typeof wireClasses;

/** An error as plain, structured-clone-safe data. */
export interface WireError {
  name: WireErrorName;
  message: string;
  causeCode?: string | undefined;
  causeMessage?: string | undefined;
  /** ProxyError: the proxy's HTTP status */
  status?: number | undefined;
}

export function toWire(error: OnepoolError): WireError {
  const name = (
    error.constructor.name in wireClasses ? error.constructor.name : 'OnepoolError'
  ) as WireErrorName;
  const wire: WireError = { name, message: error.message, causeCode: error.causeCode };
  if (error instanceof ProxyError) wire.status = error.status;
  return wire;
}

/** Rebuilds the error class on the caller's side; the stack is the caller's. */
export function fromWire(wire: WireError, request?: ErrorRequestInfo): OnepoolError {
  const Class = wireClasses[wire.name] ?? OnepoolError;
  const cause =
    wire.causeCode || wire.causeMessage
      ? Object.assign(new Error(wire.causeMessage ?? wire.causeCode), { code: wire.causeCode })
      : undefined;
  const error = new Class(wire.message, { cause, causeCode: wire.causeCode });
  if (error instanceof RequestError && request) error.request = request;
  if (error instanceof ProxyError) error.status = wire.status;
  return error;
}
