/**
 * Pool settings as the worker merges them (runs in the worker). Settings come from every thread,
 * on two channels each, in any order and possibly twice: each option keeps the value with the newest
 * stamp (last writer wins, option by option), so `configurePool({ maxConnections: 2 })` in one thread
 * and `configurePool({ keepAliveTimeout: 1000 })` in another both hold, whatever reaches the worker first.
 */
import { POOL_OPTION_DEFAULTS, type ResolvedPoolOptions } from '../core/pool-options.js';
import type { WirePoolSettings } from '../core/protocol.js';
import { configurePool } from './registry.js';

type Key = keyof ResolvedPoolOptions;

interface Merged {
  options: ResolvedPoolOptions;
  stamps: Partial<Record<Key, number>>;
}

const merged = new Map<number, Merged>();
/** Pools closed for good: a late exchange that carries their settings must not bring them back. */
const closed = new Set<number>();

/** Merges settings into a pool, and applies them when an option changed. */
export function applySettings(pool: number, settings: WirePoolSettings): void {
  if (closed.has(pool)) return;
  let state = merged.get(pool);
  const isNew = !state;
  state ??= { options: { ...POOL_OPTION_DEFAULTS }, stamps: {} };
  let changed = false;
  for (const key of Object.keys(settings.options) as Key[]) {
    const stamp = settings.stamps[key] ?? settings.version;
    if ((state.stamps[key] ?? 0) >= stamp) continue;
    state.stamps[key] = stamp;
    (state.options as Record<Key, unknown>)[key] = settings.options[key];
    changed = true;
  }
  merged.set(pool, state);
  if (changed || isNew) configurePool(pool, { ...state.options });
}

export function forgetSettings(pool: number): void {
  closed.add(pool);
  merged.delete(pool);
}
