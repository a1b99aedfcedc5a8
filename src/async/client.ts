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
import { mergeOptions } from '../core/merge-options.js';
import { checkRequestOptions } from '../core/option-keys.js';
import type { RequestOptions } from '../core/options.js';
import type { Response } from '../core/response.js';
import type { PoolStats } from '../core/stats.js';
import { asyncView, type PoolView } from '../pools.js';
import { SyncClient } from '../sync/client.js';
import { runAsyncAll } from './all.js';
import { requestAsync, runAsync } from './driver.js';
import type { StreamingResponse } from './streaming.js';

/**
 * The async face: every verb returns a Promise. `new Client(defaults)` makes a client whose defaults
 * apply under each call's own options; `client.sync` is its blocking twin.
 */
export class Client extends Face<Promise<Response>, Promise<StreamingResponse>> {
  /** Stats of the pool this client uses (the process-wide one unless `pool` was given). */
  readonly pool: PoolView<Promise<PoolStats>, Promise<string>>;
  constructor(defaults: RequestOptions = {}) {
    super(defaults);
    this.pool = asyncView(this.defaults.pool?.id ?? 0);
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
    return requestAsync(this.call(method, url, options));
  }

  /**
   * Sends one request, following redirects and retrying as request() does, and resolves at the final
   * response's head; read the body with `for await`, `res.body` (a web ReadableStream) or
   * `res.toNodeStream()`, or drop it with `res.cancel()`. Rejects like request() (and with
   * HTTPStatusError, after reading the body, under throwHttpErrors). timeout.total and `signal`
   * bound the body too: a read past them rejects with TotalTimeoutError or AbortedError.
   */
  async stream(method: string, url: string | URL, options?: RequestOptions): Promise<StreamingResponse> {
    // The async driver answers streamed exchanges with StreamingResponses.
    return runAsync(this.streamPolicy(method, url, options)) as Promise<StreamingResponse>;
  }

  /** A new client with these options on top of this one's. */
  extend(options: RequestOptions): Client {
    // Checked before the merge, which keeps only the hook names it knows.
    checkRequestOptions(options);
    return new Client(mergeOptions(this.defaults, options));
  }

  /** The sync face of the same configuration (the same cookie jar). */
  get sync(): SyncClient {
    return partner(this, () => new SyncClient(this.defaults));
  }
}

/**
 * Each face's other face, made on first use from the same defaults and then fixed, so
 * `client.sync.async === client`. The pairing lives here, in the one file that knows both classes,
 * so that sync/client.ts does not import this file back.
 */
const partners = new WeakMap<Client | SyncClient, Client | SyncClient>();

function partner<F extends Client | SyncClient>(face: Client | SyncClient, make: () => F): F {
  let other = partners.get(face) as F | undefined;
  if (!other) {
    other = make();
    partners.set(face, other);
    partners.set(other, face);
  }
  return other;
}

Object.defineProperty(SyncClient.prototype, 'async', {
  get(this: SyncClient): Client {
    return partner(this, () => new Client(this.defaults));
  },
  configurable: true,
});
