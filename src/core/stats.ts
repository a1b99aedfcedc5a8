/**
 * Pool statistics: the same plain object on both faces, and the oracle the tests use for connection
 * reuse ("1 connection opened, 9 exchanges reused") instead of timing.
 */

/** Connection and exchange counts, for a whole pool or one of its keys. */
export interface Counters {
  /** connections open now */
  open: number;
  /** open connections with no exchange in flight */
  idle: number;
  /** open connections with at least one exchange in flight */
  busy: number;
  /** exchanges on a connection now (on HTTP/2, the active streams) */
  running: number;
  /** exchanges waiting for a connection (or, on HTTP/2, for a stream slot) now */
  queued: number;
  /** connections opened since the worker started */
  opened: number;
  /** connections that closed while idle (keep-alive expiry, eviction under the cap, or the server) */
  closedIdle: number;
  /** exchanges that ran on a connection an earlier exchange had used, since the worker started */
  reused: number;
  /** exchanges finished (response or error) since the worker started */
  exchanges: number;
  /** HTTP/2 streams replayed on a new connection after GOAWAY or REFUSED_STREAM */
  replayed: number;
}

/** The counts of one pool key (one origin with one transport configuration). */
export interface KeyStats extends Counters {
  /** the pool key: origin, plus '#…' naming the transport configuration when it is not the default */
  key: string;
  /** the origin alone: scheme, host and port */
  origin: string;
  /** protocol of the most recently opened connection; null before the first */
  protocol: 'h1' | 'h2' | null;
}

/** A snapshot of one pool, from `client.pool.stats()` or `pool.stats()`. */
export interface PoolStats {
  /** 0 for the process-wide pool, else the private pool's id */
  pool: number;
  /**
   * The threadId of the pool worker that answered (one for the whole process, whichever thread
   * asks); null when no pool worker is running.
   */
  workerThreadId: number | null;
  /** the counts summed over every key */
  totals: Counters;
  /** one entry per pool key the pool has used */
  keys: KeyStats[];
}

export const zeroCounters = (): Counters => ({
  open: 0,
  idle: 0,
  busy: 0,
  running: 0,
  queued: 0,
  opened: 0,
  closedIdle: 0,
  reused: 0,
  exchanges: 0,
  replayed: 0,
});

export const emptyStats = (pool = 0): PoolStats => ({
  pool,
  workerThreadId: null,
  totals: zeroCounters(),
  keys: [],
});

/**
 * One line for logs and assertions, one part per key:
 * `onepool [h2 https://a:443 — 1 conn, 37 streams, 0 queued | opened 1, reused 9999]`
 * (HTTP/1.1 keys say `running` instead of `streams`).
 */
export function describeStats(stats: PoolStats): string {
  if (stats.keys.length === 0) return 'onepool [idle]';
  const parts = stats.keys.map(
    (k) =>
      `${k.protocol ?? '--'} ${k.key} — ${k.open} conn, ${k.running} ${k.protocol === 'h2' ? 'streams' : 'running'}, ` +
      `${k.queued} queued | opened ${k.opened}, reused ${k.reused}`,
  );
  return `onepool [${parts.join('; ')}]`;
}
