/**
 * The pools of this worker by id: the process-wide one (id 0, always there) and the private ones
 * from createPool (made by their first `configure`, forgotten by `close-pool`), each with its keys.
 */
import { threadId } from 'node:worker_threads';
import { POOL_OPTION_DEFAULTS, type ResolvedPoolOptions } from '../core/pool-options.js';
import type { WireProxy } from '../core/proxy.js';
import { type Counters, type PoolStats, zeroCounters } from '../core/stats.js';
import type { TransportConfig } from '../core/transport-key.js';
import { connectionsPerKey, Limits } from './limits.js';
import { KeyEntry } from './route.js';

/** One pool: its policy, its connection limit and its keys. */
export class PoolState {
  readonly id: number;
  options: ResolvedPoolOptions;
  readonly entries = new Map<string, KeyEntry>();
  readonly limits: Limits;

  constructor(id: number, options: ResolvedPoolOptions) {
    this.id = id;
    this.options = options;
    this.limits = new Limits(this, this.entries);
  }

  configure(options: ResolvedPoolOptions): void {
    const previous = this.options;
    this.options = options;
    const undiciChanged =
      connectionsPerKey(previous) !== connectionsPerKey(options) ||
      previous.keepAliveTimeout !== options.keepAliveTimeout;
    for (const entry of this.entries.values()) entry.reconfigure(undiciChanged);
    this.limits.grantWaiters();
  }

  /** Closes every connection: idle ones now, busy ones once their exchanges end. Pending waiters fail. */
  async close(): Promise<void> {
    this.limits.close();
    await Promise.all([...this.entries.values()].map((e) => e.close()));
  }

  stats(): PoolStats {
    const keys = [...this.entries.values()].map((e) => e.stats());
    const totals: Counters = zeroCounters();
    for (const k of keys)
      for (const name of Object.keys(totals) as (keyof Counters)[]) totals[name] += k[name];
    return { pool: this.id, workerThreadId: threadId, totals, keys };
  }
}

const pools = new Map<number, PoolState>([[0, new PoolState(0, POOL_OPTION_DEFAULTS)]]);

/** A pool by id; undefined for a private pool that was never configured or was closed. */
export function poolById(id: number): PoolState | undefined {
  return pools.get(id);
}

/** Sets a pool's policy, creating a private pool on first sight. */
export function configurePool(id: number, options: ResolvedPoolOptions): void {
  const pool = pools.get(id);
  if (pool) pool.configure(options);
  else pools.set(id, new PoolState(id, options));
}

/** Closes a private pool and forgets it. */
export async function closePool(id: number): Promise<void> {
  const pool = pools.get(id);
  if (!pool || id === 0) return;
  pools.delete(id);
  await pool.close();
}

/** The dispatcher for a pool key, created on first use. */
export function entryFor(
  pool: PoolState,
  key: string,
  origin: string,
  transport: TransportConfig | undefined,
  proxy?: WireProxy,
): KeyEntry {
  let entry = pool.entries.get(key);
  if (!entry) {
    entry = new KeyEntry(key, origin, transport, pool, proxy);
    pool.entries.set(key, entry);
  }
  return entry;
}

export function poolStats(id = 0): PoolStats {
  return pools.get(id)?.stats() ?? { pool: id, workerThreadId: threadId, totals: zeroCounters(), keys: [] };
}
