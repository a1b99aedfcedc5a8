/**
 * The sync face's channel to the pool worker: post on a dedicated MessageChannel, then block in
 * Atomics.wait on the control block's sequence word, which the worker bumps after every sync reply;
 * pick the reply up with receiveMessageOnPort.
 *
 * The wait is sliced: between slices the caller checks the worker's exit word (a worker's 'exit'
 * event cannot fire while this thread is blocked, so the worker writes its own death there) and its
 * heartbeat (a worker stuck in a loop or out of memory writes nothing). Replies to calls that were
 * abandoned (their ids are no longer awaited) are skipped.
 */
import { receiveMessageOnPort, type Transferable } from 'node:worker_threads';
import { InvalidArgumentError, WorkerCrashedError } from '../core/errors.js';
import { Control, type FromWorker, STATE_EXITED, type ToWorker } from '../core/protocol.js';
import { declareDead, workerHandle } from '../pool-worker/handle.js';

/** How long a wait slice lasts before the liveness checks run again. */
const SLICE_MS = 200;
/** A worker whose heartbeat has not moved for this long while a sync call waits is declared dead. */
const UNRESPONSIVE_MS = 10_000;

/** Posts one message and blocks until the reply with the same id arrives. */
export function callSync(message: ToWorker & { id: number }, transfer: Transferable[] = []): FromWorker {
  postSync(message, transfer);
  return waitSync((id) => id === message.id);
}

/** Posts one message without waiting; pick the reply up with {@link waitSync}. */
export function postSync(message: ToWorker, transfer: Transferable[] = []): void {
  const handle = workerHandle();
  try {
    handle.syncPort.postMessage(message, transfer);
  } catch (error) {
    throw new InvalidArgumentError(`request cannot be sent to the pool worker: ${(error as Error).message}`);
  }
}

/**
 * Blocks until a reply whose id `wanted` accepts arrives, and returns it. Replies nobody waits for
 * (calls that were abandoned) are dropped. With `until` (a Date.now() deadline), returns undefined
 * when it passes first.
 */
export function waitSync(wanted: (id: number) => boolean): FromWorker;
export function waitSync(wanted: (id: number) => boolean, until: number): FromWorker | undefined;
export function waitSync(wanted: (id: number) => boolean, until?: number): FromWorker | undefined {
  const handle = workerHandle();
  const control = handle.control;
  // Read before draining the port: a reply posted after this read bumps the word and ends the wait.
  let seen = Atomics.load(control, Control.SEQ);
  let beat = Atomics.load(control, Control.HEARTBEAT);
  let beatAt = Date.now();
  for (;;) {
    for (let got = receiveMessageOnPort(handle.syncPort); got; got = receiveMessageOnPort(handle.syncPort)) {
      const reply = got.message as FromWorker;
      if (wanted(reply.id)) return reply;
    }
    const state = Atomics.load(control, Control.STATE);
    if (state & STATE_EXITED) {
      declareDead(handle, `the pool worker exited with code ${state & 0xff}`);
      throw new WorkerCrashedError(
        'the pool worker died during a sync call; the next request starts a new worker',
      );
    }
    const now = Date.now();
    if (until !== undefined && now >= until) return undefined;
    const heartbeat = Atomics.load(control, Control.HEARTBEAT);
    if (heartbeat !== beat) {
      beat = heartbeat;
      beatAt = now;
    } else if (now - beatAt > UNRESPONSIVE_MS) {
      declareDead(handle, `the pool worker stopped responding for ${UNRESPONSIVE_MS} ms`);
      throw new WorkerCrashedError(
        'the pool worker stopped responding; the next request starts a new worker',
      );
    }
    const slice = until === undefined ? SLICE_MS : Math.min(SLICE_MS, Math.max(1, until - now));
    Atomics.wait(control, Control.SEQ, seen, slice);
    seen = Atomics.load(control, Control.SEQ);
  }
}
