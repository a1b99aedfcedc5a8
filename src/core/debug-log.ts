/**
 * `NODE_DEBUG=onepool`: one line per exchange in the caller's thread, through util.debuglog (to
 * stderr, prefixed `ONEPOOL <pid>:`, as node's own debug logs are). node reads NODE_DEBUG once, at
 * startup, so whether it is on is known once: off, it costs the check of a constant.
 */
import { debuglog } from 'node:util';
import type { WireConnection } from './protocol.js';

const log = debuglog('onepool');
const ENABLED = log.enabled;

/** Whether NODE_DEBUG names onepool. */
export const debugLogging = (): boolean => ENABLED;

/**
 * One pool event's line in the pool worker (a connection opened or closed, an HTTP/2 GOAWAY),
 * prefixed `pool` (the caller's lines start with the face). The worker inherits the caller's
 * environment, so the caller's NODE_DEBUG turns it on there too.
 */
export function debugPool(format: string, ...args: unknown[]): void {
  if (ENABLED) log(`pool ${format}`, ...args);
}

/**
 * One exchange's line, e.g. `sync GET http://127.0.0.1:8080/path 200 12.3ms conn=4 reused`: the
 * error's code instead of a status when it failed; `conn=-` when it had no connection (mocked,
 * refused, timed out while queued).
 */
export function debugExchange(
  face: 'async' | 'sync',
  method: string,
  url: string,
  outcome: string,
  ms: number,
  connection: WireConnection | undefined,
): void {
  const conn =
    connection && connection.id > 0
      ? `conn=${connection.id} ${connection.reused ? 'reused' : 'new'}`
      : 'conn=-';
  log('%s %s %s %s %sms %s', face, method, url, outcome, ms.toFixed(1), conn);
}
