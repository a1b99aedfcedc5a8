/**
 * Record and replay (vcrpy's cassettes, undici's SnapshotAgent), on both faces: a mock pool whose
 * answers come from a JSON file of real exchanges ({@link Cassette}). `record` sends every request
 * to the real pool and stores the exchange; `replay` answers from the file alone and never opens a
 * connection; `record-missing` replays what the file has and records the rest.
 */
import { existsSync } from 'node:fs';
import { InvalidArgumentError } from '../core/errors.js';
import { checkKeys, recordingKeys } from '../core/option-keys.js';
import type { PoolRef } from '../core/options.js';
import { Cassette, DEFAULT_REDACTED } from './cassette.js';
import { MockPool } from './mock-pool.js';

/**
 * `record`: real exchanges, written from scratch; `replay`: the file only; `record-missing`: the
 * file, and real exchanges appended for what it lacks.
 */
export type RecordMode = 'record' | 'replay' | 'record-missing';

/** The options of `createRecordingPool()`. */
export interface RecordingPoolOptions {
  /** The JSON file: written in `record` (from scratch) and `record-missing` (appended), read otherwise. */
  path: string;
  /** Default 'replay'. */
  mode?: RecordMode;
  /** The pool that real exchanges use; default the process-wide one. */
  pool?: PoolRef;
  /**
   * Headers whose values are replaced by [REDACTED] in the file, request and response alike.
   * Default: Authorization, Proxy-Authorization, Cookie and Set-Cookie. Replaces the default list.
   */
  redact?: readonly string[];
}

const MODES: readonly RecordMode[] = ['record', 'replay', 'record-missing'];

/**
 * Makes a recording pool: a {@link MockPool} (interceptors and handlers still come first) that
 * answers from, and records into, the file at `path`. A recorded exchange answers once, in the
 * order recorded; it matches a request with the same method, URL and body. A live answer reaches the
 * caller unredacted; a replayed one carries [REDACTED] where the file does.
 *
 * ```ts
 * const pool = createRecordingPool({ path: 'test/fixtures/api.json', mode: process.env.RECORD ? 'record' : 'replay' });
 * const client = new SyncClient({ pool });
 * ```
 */
export function createRecordingPool(options: RecordingPoolOptions): MockPool {
  checkKeys(options, recordingKeys, '', 'createRecordingPool() option');
  const { path, mode = 'replay', pool, redact = DEFAULT_REDACTED } = options;
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError('path must be a file path');
  if (!MODES.includes(mode)) throw new InvalidArgumentError(`mode must be one of ${MODES.join(', ')}`);
  if (!Array.isArray(redact) || !redact.every((name) => typeof name === 'string'))
    throw new InvalidArgumentError('redact must be an array of header names');
  if (mode === 'replay' && !existsSync(path))
    throw new InvalidArgumentError(
      `nothing to replay: no recording at ${path} (record it with mode 'record')`,
    );
  const cassette = new Cassette(path, redact, mode === 'record');
  return new MockPool(pool ? { pool } : {}, {
    resolve: (request) => {
      const answer = mode === 'record' ? undefined : cassette.take(request);
      if (answer) return { kind: 'answer', answer, delay: 0 };
      if (mode === 'replay') return undefined;
      return { kind: 'network', keep: (live) => cassette.add(request, live) };
    },
    unmatched: () => `no exchange left in ${path} with the same method, URL and body (mode ${mode})`,
  });
}
