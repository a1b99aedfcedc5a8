/**
 * The two conversions both faces make around one exchange: a prepared request into the message the
 * worker receives, and the worker's reply into a result or a thrown error of the right class.
 */
import {
  AbortedError,
  ConnectionClosedError,
  InvalidHeaderError,
  NotProcessedError,
  type OnepoolError,
  type RequestError,
  ResponseError,
  TotalTimeoutError,
} from './errors.js';
import { findHeader, type PreparedRequest } from './options.js';
import type { RareFields } from './packed-request.js';
import { unpackResponse } from './packed-response.js';
import type { ExchangeResult } from './policy.js';
import type { ExchangeMessage, FromWorker, WireFailure, WirePoolSettings } from './protocol.js';
import { proxyFor } from './proxy.js';
import { IDEMPOTENT } from './retry.js';
import { poolKey } from './transport-key.js';
import { fromWire } from './wire-error.js';

/**
 * The request body is copied, not transferred: the caller keeps it, because a retry or a 307/308
 * redirect must send the same bytes again.
 */
export function exchangeMessage(
  req: PreparedRequest,
  id: number,
  stream = false,
  settings?: WirePoolSettings,
  wake?: SharedArrayBuffer,
): ExchangeMessage {
  const config = req.transport.config;
  const body = req.body;
  // Per exchange, not per call: a redirect to another origin or scheme gets its own route. A Unix
  // socket, or a name given its addresses by `resolve`, is connected directly: the environment's
  // proxies do not apply to it.
  const direct =
    config?.socketPath !== undefined ||
    (config?.resolve !== undefined && Object.hasOwn(config.resolve, req.url.hostname));
  const proxy = direct ? undefined : proxyFor(req.proxy, req.url);
  // Through a tunnel this header would reach the origin; proxy credentials belong in the proxy URL.
  if (proxy !== undefined && findHeader(req.headers, 'proxy-authorization') !== -1)
    throw new InvalidHeaderError('Proxy-Authorization is set from the proxy URL; do not set it as a header');
  // The fields most exchanges leave unset travel only when set (packed-request.ts).
  const rare: RareFields = {};
  if (config !== undefined) rare.transport = config;
  if (stream) rare.stream = true;
  if (req.dropRedirectBodies) rare.dropRedirectBody = true;
  if (req.upload) rare.upload = req.upload.wire;
  if (req.onUploadProgress) rare.uploadProgress = true;
  if (proxy !== undefined) rare.proxy = proxy;
  if (settings !== undefined) rare.poolSettings = settings;
  if (wake !== undefined) rare.wake = wake;
  const origin = req.url.origin;
  const message: ExchangeMessage = {
    t: 'exchange',
    id,
    req: [
      id,
      req.method,
      origin,
      req.url.pathname + req.url.search,
      req.headers,
      body,
      req.connectTimeout,
      req.readTimeout,
      req.writeTimeout,
      poolKey(req.pool, origin, req.transport, proxy),
      req.decompress,
      req.maxResponseSize,
      req.pool,
      req.replayable && IDEMPOTENT.has(req.method),
      hasFields(rare) ? rare : 0,
    ],
  };
  return message;
}

function hasFields(object: object): boolean {
  for (const _ in object) return true;
  return false;
}

/** The worker's reply as a result, or throws the rebuilt error (with this thread's stack). */
export function exchangeResult(reply: FromWorker, req: PreparedRequest): ExchangeResult {
  if (reply.t === 'response') return unpackResponse(reply.res);
  if (reply.t === 'error') throw failure(reply, req);
  throw new ResponseError(`pool worker answered an exchange with '${reply.t}'`);
}

/** A failed exchange's error, rebuilt, with what the stale keep-alive rule needs to know. */
export function failure(reply: WireFailure, req: PreparedRequest): OnepoolError {
  const error = fromWire(reply.error, { method: req.method, url: req.url.href });
  // NotProcessedError is the pool's own, more precise verdict (GOAWAY, REFUSED_STREAM).
  if (error instanceof ConnectionClosedError && !(error instanceof NotProcessedError))
    error.staleConnection = reply.reused === true && reply.responseStarted === false;
  return error;
}

function about<E extends RequestError>(error: E, req: PreparedRequest): E {
  error.request = { method: req.method, url: req.url.href };
  return error;
}

/** What a driver throws when timeout.total passes during an exchange (the worker is told to cancel it). */
export const totalTimeoutError = (req: PreparedRequest): TotalTimeoutError =>
  about(new TotalTimeoutError(`timeout.total passed during ${req.method} ${req.url.href}`), req);

/** What a driver throws when the call's AbortSignal fires during an exchange. */
export const abortedError = (req: PreparedRequest): AbortedError =>
  about(new AbortedError(`the request was aborted during ${req.method} ${req.url.href}`), req);
