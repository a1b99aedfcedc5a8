/**
 * What onepool tells observers in the caller's thread, for every exchange on both faces: the
 * diagnostics channels (node:diagnostics_channel) and the `NODE_DEBUG=onepool` line (debug-log.ts).
 * Published from the one caller-side exchange path (exchange.ts) and from the policy (redirects and
 * retries, policy.ts), so `request()`, `stream()`, `all()` and the mock pool all publish alike.
 *
 * Nothing is built when nobody listens: an exchange checks {@link observing} once, when it starts,
 * and an exchange nobody observed then costs nothing more. A message never carries a body, and
 * never a credential: the URL loses its user and password, and Authorization, Cookie,
 * Proxy-Authorization (and a response's Set-Cookie) are redacted.
 */
import { channel } from 'node:diagnostics_channel';
import { debugExchange, debugLogging } from './debug-log.js';
import type { OnepoolError } from './errors.js';
import { Headers } from './headers.js';
import type { PreparedRequest } from './options.js';
import { unpackHead } from './packed-response.js';
import type { FromWorker, WireConnection, WireHead, WireResponse } from './protocol.js';
import type { ConnectionInfo } from './response.js';
import { type Timings, timingsFromWire, type WireTimings } from './timings.js';

/** A request as observers see it: no body, no credential. */
export interface DiagnosticsRequest {
  /** The HTTP method. */
  readonly method: string;
  /** The URL, without user name and password. */
  readonly url: string;
  /** The request headers as sent, Authorization, Cookie and Proxy-Authorization redacted. */
  readonly headers: Headers;
}

/** A response head as observers see it (the body is not part of any message). */
export interface DiagnosticsResponse {
  /** The HTTP status code. */
  readonly status: number;
  /** The reason phrase (empty on HTTP/2). */
  readonly statusText: string;
  /** The response headers, Set-Cookie redacted. */
  readonly headers: Headers;
  /** The HTTP version. */
  readonly httpVersion: '1.1' | '2';
  /** The connection that carried it. */
  readonly connection: ConnectionInfo;
}

/** What every message of one exchange carries. */
export interface RequestEvent {
  /** The exchange's number, the same in its start, headers, end and error messages. */
  readonly id: number;
  /** The face that made the call. */
  readonly face: 'async' | 'sync';
  /** The request of this exchange (a redirect or a retry is another exchange). */
  readonly request: DiagnosticsRequest;
}

/** `onepool:request:start`: an exchange is about to be sent. */
export type RequestStartMessage = RequestEvent;

/** `onepool:request:headers`: the final response head of an exchange arrived. */
export interface RequestHeadersMessage extends RequestEvent {
  /** The response head. */
  readonly response: DiagnosticsResponse;
  /** The timings so far (no download, no total yet); start 0 and no phases when unmeasured. */
  readonly timings: Timings;
}

/** `onepool:request:end`: an exchange's response is complete (for `stream()`: its body has arrived). */
export interface RequestEndMessage extends RequestEvent {
  /** The response head. */
  readonly response: DiagnosticsResponse;
  /** The exchange's timings. */
  readonly timings: Timings;
}

/** `onepool:request:error`: an exchange failed (an HTTP error status is not a failure: it ends). */
export interface RequestErrorMessage extends RequestEvent {
  /** What the exchange failed with. */
  readonly error: OnepoolError;
  /** The response head, when the failure came after it (a body that broke off). */
  readonly response: DiagnosticsResponse | undefined;
  /** The worker's timings until the failure; undefined when it failed in the caller (timeout.total, abort, no worker). */
  readonly timings: Timings | undefined;
}

/** `onepool:redirect`: the policy follows a redirect. */
export interface RedirectMessage {
  /** The face that made the call. */
  readonly face: 'async' | 'sync';
  /** The request that was redirected. */
  readonly request: DiagnosticsRequest;
  /** The redirect response (head). */
  readonly response: DiagnosticsResponse;
  /** Where it goes next (without user name and password). */
  readonly location: string;
  /** Redirects followed so far in this call, this one included. */
  readonly count: number;
}

/** `onepool:retry`: the policy sends a request again, after `delay` ms. */
export interface RetryMessage {
  /** The face that made the call. */
  readonly face: 'async' | 'sync';
  /** The request that is sent again. */
  readonly request: DiagnosticsRequest;
  /** Which retry this is: 1 for the first. */
  readonly attempt: number;
  /** The wait before it, in ms (0 for a stale keep-alive connection's immediate retry). */
  readonly delay: number;
  /** The failure that is retried, or undefined when a response is. */
  readonly error: unknown;
  /** The response whose status is retried, or undefined when a failure is. */
  readonly response: DiagnosticsResponse | undefined;
}

const start = channel('onepool:request:start');
const headers = channel('onepool:request:headers');
const end = channel('onepool:request:end');
const error = channel('onepool:request:error');
const redirect = channel('onepool:redirect');
const retry = channel('onepool:retry');

/** Whether anything observes exchanges now: a subscriber to one of their channels, or the debug log. */
export const observing = (): boolean =>
  start.hasSubscribers ||
  headers.hasSubscribers ||
  end.hasSubscribers ||
  error.hasSubscribers ||
  debugLogging();

/** Whether anything observes the policy's redirects or retries now. */
export const observingRedirects = (): boolean => redirect.hasSubscribers;
export const observingRetries = (): boolean => retry.hasSubscribers;

const SECRET_REQUEST = new Set(['authorization', 'cookie', 'proxy-authorization']);
const SECRET_RESPONSE = new Set(['set-cookie']);
const REDACTED = '[REDACTED]';

function redacted(flat: readonly string[], secret: ReadonlySet<string>): Headers {
  const out = flat.slice();
  for (let i = 0; i < out.length; i += 2) if (secret.has(out[i]!.toLowerCase())) out[i + 1] = REDACTED;
  return new Headers(out);
}

/** A URL without its user name and password. */
export function publicURL(url: URL): string {
  if (url.username === '' && url.password === '') return url.href;
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}

/** A request as observers see it. */
export const requestInfo = (request: PreparedRequest): DiagnosticsRequest => ({
  method: request.method,
  url: publicURL(request.url),
  headers: redacted(request.headers, SECRET_REQUEST),
});

type Head = Pick<WireResponse, 'status' | 'statusText' | 'httpVersion'> & {
  headers: readonly string[] | Headers;
  connection: WireConnection | ConnectionInfo;
};

/** A response head (a wire head, or a Response's) as observers see it. */
export function responseInfo(head: Head): DiagnosticsResponse {
  const flat = head.headers instanceof Headers ? [...head.headers].flat() : head.headers;
  return {
    status: head.status,
    statusText: head.statusText,
    headers: redacted(flat, SECRET_RESPONSE),
    httpVersion: head.httpVersion,
    connection: Object.freeze({ ...head.connection }),
  };
}

/**
 * One observed exchange: what its messages share, made once, and whether it has ended (exactly one
 * end or error is published). Made by {@link observe} only when something listens.
 */
export class ObservedExchange {
  readonly #id: number;
  readonly #face: 'async' | 'sync';
  readonly #request: PreparedRequest;
  readonly #started = performance.now();
  #info: DiagnosticsRequest | undefined;
  #head: DiagnosticsResponse | undefined;
  #wireHead: WireHead | undefined;
  #over = false;

  constructor(id: number, face: 'async' | 'sync', request: PreparedRequest) {
    this.#id = id;
    this.#face = face;
    this.#request = request;
    if (start.hasSubscribers) start.publish(this.#base());
  }

  #base(): RequestEvent {
    this.#info ??= requestInfo(this.#request);
    return { id: this.#id, face: this.#face, request: this.#info };
  }

  #response(): DiagnosticsResponse | undefined {
    if (!this.#head && this.#wireHead) this.#head = responseInfo(this.#wireHead);
    return this.#head;
  }

  /** Takes a reply of the worker (or of the mock); `failure` is its error, rebuilt, for an `error` reply. */
  reply(reply: FromWorker, failure?: OnepoolError): void {
    if (this.#over) return;
    if (reply.t === 'head' || reply.t === 'response') {
      // Unpacked again here (the caller's own unpacking is its result's): only an observed exchange pays.
      const head = unpackHead(reply.res);
      this.#wireHead = head;
      if (headers.hasSubscribers)
        headers.publish({
          ...this.#base(),
          response: this.#response()!,
          timings: timingsFromWire(head.timings, head.connection.reused),
        } satisfies RequestHeadersMessage);
      if (reply.t === 'response') this.#ended(head.timings);
    } else if (reply.t === 'end') this.#ended(reply.timings ?? this.#wireHead?.timings);
    else if (reply.t === 'error' && failure) this.failed(failure, reply.timings);
  }

  #ended(timings: WireTimings | undefined): void {
    this.#over = true;
    const measured = timingsFromWire(timings, this.#wireHead!.connection.reused);
    if (end.hasSubscribers)
      end.publish({
        ...this.#base(),
        response: this.#response()!,
        timings: measured,
      } satisfies RequestEndMessage);
    if (debugLogging()) this.#debug(String(this.#wireHead!.status), this.#wireHead!.connection);
  }

  /**
   * A streamed body dropped before its end (cancel(), or a response the policy does not return: a
   * redirect it follows): the exchange ends there, with the head's timings.
   */
  cancelled(): void {
    if (!this.#over && this.#wireHead) this.#ended(this.#wireHead.timings);
  }

  /** The exchange failed (in the worker, or in the caller: timeout.total, abort, the worker gone). */
  failed(failure: OnepoolError, wireTimings?: WireTimings): void {
    if (this.#over) return;
    this.#over = true;
    if (error.hasSubscribers)
      error.publish({
        ...this.#base(),
        error: failure,
        response: this.#response(),
        timings: wireTimings && timingsFromWire(wireTimings, this.#wireHead?.connection.reused ?? false),
      } satisfies RequestErrorMessage);
    if (debugLogging()) this.#debug(failure.code, this.#wireHead?.connection);
  }

  /** The debug log's line; its duration is the exchange's as the caller saw it. */
  #debug(outcome: string, connection: WireConnection | undefined): void {
    const { method, url } = this.#request;
    debugExchange(this.#face, method, publicURL(url), outcome, performance.now() - this.#started, connection);
  }
}

/** The observer of a new exchange, or undefined (the common case) when nothing listens. */
export const observe = (
  id: number,
  face: 'async' | 'sync',
  request: PreparedRequest,
): ObservedExchange | undefined => (observing() ? new ObservedExchange(id, face, request) : undefined);

/** Publishes a redirect the policy follows. */
export function publishRedirect(
  face: 'async' | 'sync',
  request: PreparedRequest,
  response: Head,
  next: URL,
  count: number,
): void {
  redirect.publish({
    face,
    request: requestInfo(request),
    response: responseInfo(response),
    location: publicURL(next),
    count,
  } satisfies RedirectMessage);
}

/** Publishes a retry the policy makes. */
export function publishRetry(
  face: 'async' | 'sync',
  request: PreparedRequest,
  attempt: number,
  delay: number,
  cause: { error: unknown } | { response: Head },
): void {
  retry.publish({
    face,
    request: requestInfo(request),
    attempt,
    delay,
    error: 'error' in cause ? cause.error : undefined,
    response: 'response' in cause ? responseInfo(cause.response) : undefined,
  } satisfies RetryMessage);
}
