/**
 * The async face. A Client is frozen configuration: `extend()` makes a new one, nothing mutates.
 * Every call goes through the process-wide pool worker.
 */
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
import { asyncView, type PoolView } from '../pools.js';
import { SyncClient } from '../sync/client.js';
import { runAsyncAll } from './all.js';
import { runAsync } from './driver.js';

export class Client extends Face<Promise<Response>> {
  /** This client's defaults, applied under every call's own options. */
  readonly defaults: Readonly<RequestOptions>;
  /** Stats of the pool this client uses (the process-wide one unless `pool` was given). */
  readonly pool: PoolView<Promise<PoolStats>, Promise<string>>;
  #sync: SyncClient | undefined;

  constructor(defaults: RequestOptions = {}) {
    super();
    this.defaults = Object.freeze({ ...defaults });
    this.pool = asyncView(defaults.pool?.id ?? 0);
  }

  /**
   * Sends many requests, up to `concurrency` at a time, and resolves once all have ended, with one
   * result per request in the same order: `{ ok: true, response }` or `{ ok: false, error }` (an
   * error in one request never loses the others). Rejects only for bad arguments.
   */
  async all(requests: readonly AllRequest[], options?: AllOptions): Promise<AllResult[]> {
    return runAsyncAll(allPolicies(this.defaults, requests), allConcurrency(options));
  }

  async request(method: string, url: string | URL, options?: RequestOptions): Promise<Response> {
    return runAsync(send(prepare(method, url, mergeOptions(this.defaults, options))));
  }

  /** A new client with these options on top of this one's. */
  extend(options: RequestOptions): Client {
    return new Client(mergeOptions(this.defaults, options));
  }

  /** The sync face of the same configuration. */
  get sync(): SyncClient {
    this.#sync ??= new SyncClient(this.defaults);
    return this.#sync;
  }
}
