/**
 * onepool: one HTTP client, two mirrored faces, one process-wide connection pool.
 *
 * ```ts
 * import { http, httpSync } from 'onepool';
 * const a = await http.get('https://example.test/items', { params: { q: 'x' } });
 * const b = httpSync.get('https://example.test/items', { params: { q: 'x' } });
 * ```
 */

import { Client } from './async/client.js';
import type { SyncClient } from './sync/client.js';

/**
 * tough-cookie's jar type. The class itself comes from `tough-cookie` (a dependency of onepool, but
 * importable by the user only where the package manager hoists it: README, Cookies); not re-exported,
 * because onepool loads it only when a client first needs a jar of its own, to keep imports fast.
 */
export type { CookieJar } from 'tough-cookie';
export { Client } from './async/client.js';
export { StreamingResponse } from './async/streaming.js';
export type { AllOptions, AllRequest, AllResult } from './core/all.js';
export type { AuthOption } from './core/auth.js';
export { loadCookieJar, saveCookieJar } from './core/cookie-file.js';
export type { CookiesOption } from './core/cookies.js';
export type {
  DiagnosticsRequest,
  DiagnosticsResponse,
  RedirectMessage,
  RequestEndMessage,
  RequestErrorMessage,
  RequestEvent,
  RequestHeadersMessage,
  RequestStartMessage,
  RetryMessage,
} from './core/diagnostics.js';
export {
  AbortedError,
  ConnectError,
  ConnectionClosedError,
  ConnectTimeoutError,
  type ErrorCode,
  type ErrorRequestInfo,
  HTTPStatusError,
  InvalidArgumentError,
  InvalidHeaderError,
  InvalidRequestError,
  InvalidURLError,
  JSONDecodeError,
  MockNotMatchedError,
  NotProcessedError,
  OnepoolError,
  PoolClosedError,
  PoolTimeoutError,
  ProxyError,
  ReadTimeoutError,
  RedirectError,
  RequestError,
  ResponseError,
  ResponseTooLargeError,
  StaleConnectionError,
  TimeoutError,
  TLSError,
  TooManyRedirectsError,
  TotalTimeoutError,
  WorkerCrashedError,
  WriteTimeoutError,
} from './core/errors.js';
export { Headers } from './core/headers.js';
export type { HookName, HookRequest, Hooks, RedirectInfo, RetryInfo } from './core/hooks.js';
export type {
  Body,
  FormInit,
  HeadersInit,
  HeaderValue,
  Params,
  ParamValue,
  PoolRef,
  RequestOptions,
  Timeouts,
} from './core/options.js';
export type { PoolOptions } from './core/pool-options.js';
export type { Progress, ProgressCallback } from './core/progress.js';
export { type ConnectionInfo, Response } from './core/response.js';
export type { RetryOptions } from './core/retry.js';
export { type Counters, describeStats, type KeyStats, type PoolStats } from './core/stats.js';
export type { StreamHead } from './core/streaming.js';
export type { TimingPhases, Timings } from './core/timings.js';
export type { PEM, TLSOptions, TLSVersion, TransportOptions } from './core/transport-key.js';
export {
  type Chunk,
  FileBody,
  file,
  type Multipart,
  type MultipartValue,
  type StreamBody,
} from './core/upload.js';
export type { InterceptOptions, Matcher, MockInterceptor, MockScope } from './mock/interceptor.js';
export { createMockPool, type MockHandler, MockPool, type MockPoolOptions } from './mock/mock-pool.js';
export type { MockReply, MockResult } from './mock/mock-reply.js';
export type { MockRequest } from './mock/mock-request.js';
export { createRecordingPool, type RecordingPoolOptions, type RecordMode } from './mock/recording-pool.js';
export { configurePool, createPool, Pool, type PoolView, poolOptions } from './pools.js';
export { SyncClient } from './sync/client.js';
export { SyncStreamingResponse } from './sync/streaming.js';

/** The global async client: no cookies, default timeouts, the process-wide pool. */
export const http: Client = new Client();
/** The global sync client: the same configuration as `http`, blocking. */
export const httpSync: SyncClient = http.sync;
