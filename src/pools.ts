/**
 * The pools as callers see them: the process-wide pool's policy (`configurePool`), private pools
 * (`createPool`), and read-only views with stats on both faces.
 *
 * A pool's settings travel with the exchanges: the first exchange of each channel after a change
 * (a private pool: its first exchange) carries them, and the worker applies them before that
 * exchange. Nobody waits for them, so the async face never blocks. Exchanges of the process-wide
 * pool with default settings carry nothing.
 *
 * The process-wide pool serves every thread, so its settings are stamped option by option (the
 * worker keeps the newest value of each, see pool-worker/settings.ts). configurePool also sends them
 * at once to a pool this thread can reach (without starting one), and leaves them in environment
 * data, where the threads this one starts later find them.
 */
import { setEnvironmentData } from 'node:worker_threads';
import { callAsync, notifyAsync } from './async/channel.js';
import { PoolClosedError } from './core/errors.js';
import type { PoolRef } from './core/options.js';
import {
  mergePoolOptions,
  POOL_OPTION_DEFAULTS,
  type PoolOptions,
  type ResolvedPoolOptions,
} from './core/pool-options.js';
import type { WirePoolSettings } from './core/protocol.js';
import { stamp } from './core/stamps.js';
import { describeStats, emptyStats, type PoolStats } from './core/stats.js';
import {
  type ChannelName,
  DEFAULTS_KEY,
  existingWorker,
  nextId,
  nextPoolId,
  type PoolConfig,
  probeWorker,
  threadRecord,
  type WorkerHandle,
  whenSettled,
} from './pool-worker/handle.js';
import { callSync, pumpSync } from './sync/channel.js';

const record = threadRecord();

/**
 * The settings an exchange of `pool` must carry on this channel of this worker (undefined when the
 * worker has them already), marked as sent. Throws PoolClosedError for a closed pool.
 */
export function settingsToSend(
  handle: WorkerHandle,
  channel: ChannelName,
  pool: number,
): WirePoolSettings | undefined {
  const config = record.pools.get(pool);
  if (!config) throw new PoolClosedError(`pool ${pool} was closed`);
  if (config.version === 0) return undefined;
  const sent = handle.sent[channel];
  if (sent.get(pool) === config.version) return undefined;
  sent.set(pool, config.version);
  return wireSettings(config);
}

const wireSettings = (config: PoolConfig): WirePoolSettings => ({
  version: config.version,
  options: { ...config.set },
  stamps: { ...config.stamps },
});

/**
 * Sets the process-wide pool's policy; options not given keep their current value. Works before or
 * after the first request: existing connections stay, new limits apply from the next exchange
 * (changing connectionsPerOrigin or keepAliveTimeout lets current HTTP/1.1 connections finish their
 * exchanges and close). Throws InvalidArgumentError for an unknown option or a bad value.
 */
export function configurePool(options: PoolOptions): void {
  const config = record.pools.get(0)!;
  config.options = mergePoolOptions(config.options, options);
  const at = stamp();
  for (const key of Object.keys(options) as (keyof ResolvedPoolOptions)[]) {
    if (options[key] === undefined) continue;
    (config.set as Record<string, unknown>)[key] = config.options[key];
    config.stamps[key] = at;
  }
  config.version = at;
  setEnvironmentData(DEFAULTS_KEY, { set: config.set, stamps: config.stamps, version: config.version });
  // The pool may serve other threads already: tell it now (never starting one, never waiting).
  const handle = probeWorker();
  if (!handle) return;
  const settings = settingsToSend(handle, 'async', 0);
  if (settings) notifyAsync({ t: 'settings', pool: 0, settings });
}

/** The pool's policy as this thread set it or inherited it (the defaults merged with its configurePool calls). */
export function poolOptions(): ResolvedPoolOptions {
  return { ...record.pools.get(0)!.options };
}

/** Stats and description of one pool, returning values (sync face) or promises (async face). */
export interface PoolView<Stats, Text> {
  /** Per key and total counters. Reading them never starts a worker. */
  stats(): Stats;
  /** One line, e.g. `onepool [h2 https://a:443 — 1 conn, 37 streams, 0 queued | opened 1, reused 9999]`. */
  describe(): Text;
}

export function asyncView(pool: number): PoolView<Promise<PoolStats>, Promise<string>> {
  return {
    async stats() {
      // The pool may have been started by another thread: look for it, without starting one.
      const handle = probeWorker();
      if (handle) await whenSettled(handle);
      if (!existingWorker()) return emptyStats(pool);
      const reply = await callAsync({ t: 'stats', id: nextId(), pool });
      return reply.t === 'stats' ? reply.stats : emptyStats(pool);
    },
    async describe() {
      return describeStats(await this.stats());
    },
  };
}

export function syncView(pool: number): PoolView<PoolStats, string> {
  return {
    stats() {
      const handle = probeWorker();
      if (handle?.state === 'connecting') pumpSync(handle, () => handle.state !== 'connecting');
      if (!existingWorker()) return emptyStats(pool);
      const reply = callSync({ t: 'stats', id: nextId(), pool });
      return reply.t === 'stats' ? reply.stats : emptyStats(pool);
    },
    describe() {
      return describeStats(this.stats());
    },
  };
}

/**
 * A private pool: its own connections (never shared with the process-wide pool or another private
 * pool) and its own policy, in the same worker. Use it with `new Client({ pool })` or
 * `new SyncClient({ pool })`; close it with `close()` when done.
 */
export class Pool implements PoolRef, PoolView<Promise<PoolStats>, Promise<string>> {
  /** The pool's id in the worker, unique in the process. */
  readonly id: number;
  /** The same pool seen from the sync face. */
  readonly sync: PoolView<PoolStats, string> & {
    /** close(), blocking until the worker has closed the pool's connections. */
    close(): void;
  };
  readonly #async: PoolView<Promise<PoolStats>, Promise<string>>;

  constructor(options: PoolOptions = {}) {
    const options_ = mergePoolOptions(POOL_OPTION_DEFAULTS, options);
    this.id = nextPoolId();
    const at = stamp();
    const stamps: PoolConfig['stamps'] = {};
    for (const key of Object.keys(options_) as (keyof ResolvedPoolOptions)[]) stamps[key] = at;
    record.pools.set(this.id, { options: options_, set: { ...options_ }, stamps, version: at });
    this.#async = asyncView(this.id);
    this.sync = {
      ...syncView(this.id),
      close: () => {
        if (this.#forget()) callSync({ t: 'close-pool', id: nextId(), pool: this.id });
      },
    };
  }

  stats(): Promise<PoolStats> {
    return this.#async.stats();
  }

  describe(): Promise<string> {
    return this.#async.describe();
  }

  /** true once close() was called */
  get closed(): boolean {
    return !record.pools.has(this.id);
  }

  /**
   * Closes the pool: idle connections now, busy ones as soon as their exchanges end. Later requests
   * through it throw PoolClosedError. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#forget()) await callAsync({ t: 'close-pool', id: nextId(), pool: this.id });
  }

  /** Refuses later requests; true when the worker must be told (it is running, and this was the first close). */
  #forget(): boolean {
    return record.pools.delete(this.id) && existingWorker() !== undefined;
  }
}

/** Makes a private pool; see {@link Pool}. Throws InvalidArgumentError for bad options. */
export function createPool(options: PoolOptions = {}): Pool {
  return new Pool(options);
}
