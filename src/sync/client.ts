/**
 * The sync face: the same verbs, options, Response and errors as the async face, blocking the
 * calling thread until the pool worker answers. Never call it on a thread that runs the server it
 * talks to (the server could not answer while the thread is blocked).
 */
import type { Client } from '../async/client.js';
import {
  type AllOptions,
  type AllRequest,
  type AllResult,
  allConcurrency,
  allPolicies,
} from '../core/all.js';
import { Face } from '../core/face.js';
import { mergeOptions } from '../core/merge-options.js';
import { checkRequestOptions } from '../core/option-keys.js';
import type { RequestOptions } from '../core/options.js';
import type { Response } from '../core/response.js';
import type { PoolStats } from '../core/stats.js';
import { type PoolView, syncView } from '../pools.js';
import { runSyncAll } from './all.js';
import { requestSync, runSync } from './driver.js';
import type { SyncStreamingResponse } from './streaming.js';

/**
 * The sync face: every verb blocks until the response is complete. Made by `new SyncClient(defaults)`
 * or as `client.sync`; `syncClient.async` is its async twin.
 */
export class SyncClient extends Face<Response, SyncStreamingResponse> {
  /** Stats of the pool this client uses (the process-wide one unless `pool` was given). */
  readonly pool: PoolView<PoolStats, string>;
  /**
   * The async face of the same configuration (the same cookie jar); its `sync` is this client.
   * Defined in async/client.ts, the one file that knows both faces.
   */
  declare readonly async: Client;

  constructor(defaults: RequestOptions = {}) {
    super(defaults);
    this.pool = syncView(this.defaults.pool?.id ?? 0);
  }

  /**
   * Sends many requests, up to `concurrency` in flight at once, from one blocking call (on HTTP/2
   * they share one connection), and returns one result per request in the same order:
   * `{ ok: true, response }` or `{ ok: false, error }` (an error in one request never loses the
   * others). Throws only for bad arguments.
   */
  all(requests: readonly AllRequest[], options?: AllOptions): AllResult[] {
    return runSyncAll(allPolicies(this.defaults, requests), allConcurrency(options));
  }

  request(method: string, url: string | URL, options?: RequestOptions): Response {
    return requestSync(this.call(method, url, options));
  }

  /**
   * Sends one request, following redirects and retrying as request() does, and returns at the final
   * response's head; read the body with `for (const chunk of res)` (each chunk a blocking read), or
   * drop it with `res.cancel()`. Throws like request() (and HTTPStatusError, after reading the body,
   * under throwHttpErrors). A read never blocks past timeout.total: it throws TotalTimeoutError.
   */
  stream(method: string, url: string | URL, options?: RequestOptions): SyncStreamingResponse {
    // The sync driver answers streamed exchanges with SyncStreamingResponses.
    return runSync(this.streamPolicy(method, url, options)) as SyncStreamingResponse;
  }

  /** A new client with these options on top of this one's. */
  extend(options: RequestOptions): SyncClient {
    // Checked before the merge, which keeps only the hook names it knows.
    checkRequestOptions(options);
    return new SyncClient(mergeOptions(this.defaults, options));
  }
}
