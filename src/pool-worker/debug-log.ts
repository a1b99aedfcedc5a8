/**
 * `NODE_DEBUG=onepool` in the pool worker: its pool events (a connection opened or closed, an HTTP/2
 * GOAWAY). The worker inherits the caller's environment, so the caller's NODE_DEBUG turns it on;
 * node reads it once, so off it costs the check of a constant.
 */
import { debuglog } from 'node:util';

const log = debuglog('onepool');
const ENABLED = log.enabled;

/** One pool event's line, prefixed `pool` (the caller's lines start with the face). */
export function debugPool(format: string, ...args: unknown[]): void {
  if (ENABLED) log(`pool ${format}`, ...args);
}
