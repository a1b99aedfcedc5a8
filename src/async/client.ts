/**
 * The async face. A Client is frozen configuration: `extend()` makes a new one, nothing mutates.
 * Every call goes through the process-wide pool worker.
 */
import { Face } from '../core/face.js';
import { mergeOptions, prepare, type RequestOptions } from '../core/options.js';
import { send } from '../core/policy.js';
import type { Response } from '../core/response.js';
import { describeStats, emptyStats, type PoolStats } from '../core/stats.js';
import { existingWorker, nextId } from '../pool-worker/handle.js';
import { SyncClient } from '../sync/client.js';
import { callAsync } from './channel.js';
import { runAsync } from './driver.js';
import { checkStatusAsync, openStreamAsync, type StreamingResponse } from './streaming.js';

/** The pool as the async face sees it. Reading stats never starts a worker. */
export const asyncPool = {
  async stats(): Promise<PoolStats> {
    if (!existingWorker()) return emptyStats();
    const reply = await callAsync({ t: 'stats', id: nextId() });
    return reply.t === 'stats' ? reply.stats : emptyStats();
  },
  async describe(): Promise<string> {
    return describeStats(await this.stats());
  },
};

export class Client extends Face<Promise<Response>, Promise<StreamingResponse>> {
  /** This client's defaults, applied under every call's own options. */
  readonly defaults: Readonly<RequestOptions>;
  readonly pool = asyncPool;
  #sync: SyncClient | undefined;

  constructor(defaults: RequestOptions = {}) {
    super();
    this.defaults = Object.freeze({ ...defaults });
  }

  async request(method: string, url: string | URL, options?: RequestOptions): Promise<Response> {
    return runAsync(send(prepare(method, url, mergeOptions(this.defaults, options))));
  }

  /**
   * Sends one request and resolves at the response head; read the body with `for await`, `res.body`
   * (a web ReadableStream) or `res.toNodeStream()`, or drop it with `res.cancel()`. Rejects like
   * request() (and with HTTPStatusError, after reading the body, under throwHttpErrors).
   */
  async stream(method: string, url: string | URL, options?: RequestOptions): Promise<StreamingResponse> {
    const request = prepare(method, url, mergeOptions(this.defaults, options));
    return checkStatusAsync(await openStreamAsync(request));
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
