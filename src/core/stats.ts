/**
 * Pool statistics: the same plain object on both faces, and the oracle the tests use for connection
 * reuse ("1 connection opened, 9 exchanges reused") instead of timing.
 */

export interface Counters {
  /** connections open now */
  open: number;
  /** open connections with no exchange in flight */
  idle: number;
  /** open connections with at least one exchange in flight */
  busy: number;
  /** exchanges on a connection now */
  running: number;
  /** exchanges waiting for a connection now */
  queued: number;
  /** connections opened since the worker started */
  opened: number;
  /** exchanges that ran on a connection an earlier exchange had used, since the worker started */
  reused: number;
  /** exchanges finished (response or error) since the worker started */
  exchanges: number;
}

export interface KeyStats extends Counters {
  /** the pool key: origin, plus '#digest' when the transport configuration is not the default */
  key: string;
  origin: string;
  /** protocol of the most recently opened connection; null before the first */
  protocol: 'h1' | 'h2' | null;
}

export interface PoolStats {
  totals: Counters;
  keys: KeyStats[];
}

export const zeroCounters = (): Counters => ({
  open: 0,
  idle: 0,
  busy: 0,
  running: 0,
  queued: 0,
  opened: 0,
  reused: 0,
  exchanges: 0,
});

export const emptyStats = (): PoolStats => ({ totals: zeroCounters(), keys: [] });

/** One line for logs and assertions: `onepool [h1 http://127.0.0.1:8080 — 1 conn, 0 running, 0 queued | opened 1, reused 4]`. */
export function describeStats(stats: PoolStats): string {
  if (stats.keys.length === 0) return 'onepool [idle]';
  const parts = stats.keys.map(
    (k) =>
      `${k.protocol ?? '--'} ${k.key} — ${k.open} conn, ${k.running} running, ${k.queued} queued | opened ${k.opened}, reused ${k.reused}`,
  );
  return `onepool [${parts.join('; ')}]`;
}
