/**
 * The sync face: the same verbs, options, Response and errors as the async face, blocking the
 * calling thread until the pool worker answers. Never call it on a thread that runs the server it
 * talks to (the server could not answer while the thread is blocked).
 */
import { Client } from '../async/client.js';
import {
  type AllOptions,
  type AllRequest,
  type AllResult,
  allConcurrency,
  allPolicies,
} from '../core/all.js';
import { Face } from '../core/face.js';
import { mergeOptions, prepare, type RequestOptions } from '../core/options.js';
import { send } from '../core/policy.js';
import type { Response } from '../core/response.js';
import type { PoolStats } from '../core/stats.js';
import { type PoolView, syncView } from '../pools.js';
import { runSyncAll } from './all.js';
import { runSync } from './driver.js';

export class SyncClient extends Face<Response> {
  /** This client's defaults, applied under every call's own options. */
  readonly defaults: Readonly<RequestOptions>;
  /** Stats of the pool this client uses (the process-wide one unless `pool` was given). */
  readonly pool: PoolView<PoolStats, string>;
  #async: Client | undefined;

  constructor(defaults: RequestOptions = {}) {
    super();
    this.defaults = Object.freeze({ ...defaults });
    this.pool = syncView(defaults.pool?.id ?? 0);
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
    return runSync(send(prepare(method, url, mergeOptions(this.defaults, options))));
  }

  /** A new client with these options on top of this one's. */
  extend(options: RequestOptions): SyncClient {
    return new SyncClient(mergeOptions(this.defaults, options));
  }

  /** The async face of the same configuration. */
  get async(): Client {
    this.#async ??= new Client(this.defaults);
    return this.#async;
  }
}
