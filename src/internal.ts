/**
 * onepool's own test hooks, at the subpath `onepool/internal`: not part of the public API, never
 * needed by an application. It is a separate bundle, so it reaches the pool worker the way any other
 * copy of onepool in the thread does: through the shared record (see pool-worker/handle.ts).
 */
import { callAsync } from './async/channel.js';
import { Control, type CrashMode } from './core/protocol.js';
import { existingWorker, nextId } from './pool-worker/handle.js';

export { fromWire, toWire, type WireError } from './core/wire-error.js';

/** Kills the pool worker the way a bug would: process.exit inside it, or an uncaught throw. */
export function crashWorker(how: CrashMode, afterMs = 0): void {
  existingWorker()?.asyncPort.postMessage({ t: 'crash', how, afterMs });
}

export function workerRunning(): boolean {
  return existingWorker() !== undefined;
}

/** The worker's heartbeat counter (it moves only while an exchange is pending); undefined with no worker. */
export function workerHeartbeat(): number | undefined {
  const control = existingWorker()?.poolControl;
  return control ? Atomics.load(control, Control.HEARTBEAT) : undefined;
}

/** The pool worker's heap in bytes after a full garbage collection, for the leak tests. */
export async function workerHeapUsed(): Promise<number> {
  const reply = await callAsync({ t: 'heap', id: nextId() });
  return reply.t === 'heap' ? reply.heapUsed : Number.NaN;
}

/** How many lent stream-chunk buffers the pool worker has made so far (they are reused), for the memory tests. */
export async function workerLentBuffersMade(): Promise<number> {
  const reply = await callAsync({ t: 'heap', id: nextId() });
  return reply.t === 'heap' ? reply.lentMade : Number.NaN;
}
