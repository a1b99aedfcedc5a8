/**
 * The pools as callers see them: the process-wide pool's policy (`configurePool`), private pools
 * (`createPool`), and read-only views with stats on both faces.
 *
 * A pool's policy reaches the worker as one `configure` message, sent blocking (so it is applied
 * before any later message on either channel) before the first exchange that needs it, and again
 * after a change or a worker restart. Exchanges of the default pool with default policy send nothing.
 */
import { callAsync } from './async/channel.js';
import { PoolClosedError } from './core/errors.js';
import type { PoolRef } from './core/options.js';
import {
  mergePoolOptions,
  POOL_OPTION_DEFAULTS,
  type PoolOptions,
  type ResolvedPoolOptions,
} from './core/pool-options.js';
import { describeStats, emptyStats, type PoolStats } from './core/stats.js';
import { existingWorker, nextId, type WorkerHandle, workerHandle } from './pool-worker/handle.js';
import { callSync } from './sync/channel.js';

interface PoolConfig {
  options: ResolvedPoolOptions;
  /** bumped on every change; 0 = the defaults, which the worker already has */
  version: number;
}

const configs = new Map<number, PoolConfig>([[0, { options: POOL_OPTION_DEFAULTS, version: 0 }]]);
const applied = new WeakMap<WorkerHandle, Map<number, number>>();
let lastPoolId = 0;

/** Makes sure the worker runs `pool` with its current policy. Throws PoolClosedError for a closed pool. */
export function ensurePool(pool: number): void {
  const config = configs.get(pool);
  if (!config) throw new PoolClosedError(`pool ${pool} was closed`);
  if (config.version === 0) return;
  const handle = workerHandle();
  let sent = applied.get(handle);
  if (!sent) {
    sent = new Map();
    applied.set(handle, sent);
  }
  if (sent.get(pool) === config.version) return;
  callSync({ t: 'configure', id: nextId(), pool, options: config.options });
  sent.set(pool, config.version);
}

/**
 * Sets the process-wide pool's policy; options not given keep their current value. Works before or
 * after the first request: existing connections stay, new limits apply from the next exchange
 * (changing connectionsPerOrigin or keepAliveTimeout lets current HTTP/1.1 connections finish their
 * exchanges and close). Throws InvalidArgumentError for an unknown option or a bad value.
 */
export function configurePool(options: PoolOptions): void {
  const config = configs.get(0)!;
  config.options = mergePoolOptions(config.options, options);
  config.version++;
  if (existingWorker()) ensurePool(0);
}

/** The pool's policy as it stands (the defaults merged with every configurePool call). */
export function poolOptions(): ResolvedPoolOptions {
  return { ...configs.get(0)!.options };
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
  readonly id: number;
  /** The same pool seen from the sync face. */
  readonly sync: PoolView<PoolStats, string> & { close(): void };
  readonly #async: PoolView<Promise<PoolStats>, Promise<string>>;

  constructor(options: PoolOptions = {}) {
    this.id = ++lastPoolId;
    configs.set(this.id, { options: mergePoolOptions(POOL_OPTION_DEFAULTS, options), version: 1 });
    this.#async = asyncView(this.id);
    this.sync = { ...syncView(this.id), close: () => this.#close() };
  }

  stats(): Promise<PoolStats> {
    return this.#async.stats();
  }

  describe(): Promise<string> {
    return this.#async.describe();
  }

  /** true once close() was called */
  get closed(): boolean {
    return !configs.has(this.id);
  }

  /**
   * Closes the pool: idle connections now, busy ones as soon as their exchanges end. Later requests
   * through it throw PoolClosedError. Idempotent.
   */
  async close(): Promise<void> {
    this.#close();
  }

  #close(): void {
    if (!configs.delete(this.id)) return;
    if (existingWorker()) callSync({ t: 'close-pool', id: nextId(), pool: this.id });
  }
}

/** Makes a private pool; see {@link Pool}. Throws InvalidArgumentError for bad options. */
export function createPool(options: PoolOptions = {}): Pool {
  return new Pool(options);
}
