/**
 * Pool policy: the few numbers that govern how many connections the pool keeps and for how long.
 * Configuration of requests lives on clients; this is the only configuration the pool itself has.
 */
import { InvalidArgumentError } from './errors.js';
import { checkKeys, poolKeys } from './option-keys.js';

/** The options of a pool: `configurePool()` for the process-wide one, `createPool()` for a private one. */
export interface PoolOptions {
  /** HTTP/1.1 connections per pool key (origin + configuration). Default 16. */
  connectionsPerOrigin?: number;
  /** ms an idle connection is kept open (a server's shorter Keep-Alive hint wins on HTTP/1.1). Default 4 000. */
  keepAliveTimeout?: number;
  /** Streams used at once on one HTTP/2 connection, below the server's own limit. Default 1 000. */
  maxConcurrentStreams?: number;
  /** Connections open at once across every origin of the pool; 0 = no cap. Default 0. */
  maxConnections?: number;
  /** ms an exchange may wait for a connection slot under `maxConnections` before PoolTimeoutError; 0 = no limit. Default 0. */
  poolTimeout?: number;
}

export type ResolvedPoolOptions = Required<PoolOptions>;

export const POOL_OPTION_DEFAULTS: ResolvedPoolOptions = {
  connectionsPerOrigin: 16,
  keepAliveTimeout: 4_000,
  maxConcurrentStreams: 1_000,
  maxConnections: 0,
  poolTimeout: 0,
};

const minimum: { readonly [K in keyof ResolvedPoolOptions]: number } = {
  connectionsPerOrigin: 1,
  keepAliveTimeout: 1,
  maxConcurrentStreams: 1,
  maxConnections: 0,
  poolTimeout: 0,
};

/** `base` with `extra` on top, validated. Throws InvalidArgumentError for an unknown or out-of-range option. */
export function mergePoolOptions(base: ResolvedPoolOptions, extra: PoolOptions): ResolvedPoolOptions {
  checkKeys(extra, poolKeys, '', 'pool option');
  const out = { ...base };
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) continue;
    const min = minimum[name as keyof ResolvedPoolOptions];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
      throw new InvalidArgumentError(`pool option ${name} must be an integer >= ${min}`);
    out[name as keyof ResolvedPoolOptions] = value;
  }
  return out;
}
