/**
 * The sync face's channel to the pool worker: post on a dedicated MessageChannel, then block in
 * Atomics.wait on the control block's sequence word, which the worker bumps after every sync reply;
 * pick replies up with receiveMessageOnPort.
 *
 * The wait is sliced: between slices the caller checks the worker's exit word (a worker's 'exit'
 * event cannot fire while this thread is blocked, so the worker writes its own death there) and its
 * heartbeat (a worker stuck in a loop or out of memory writes nothing). Replies are routed by id to
 * the listeners waiting for them (a buffered call, or an open stream, which may be read between
 * other calls); replies nobody waits for any more (abandoned calls) are dropped.
 */
import { receiveMessageOnPort, type Transferable } from 'node:worker_threads';
import { InvalidArgumentError, WorkerCrashedError } from '../core/errors.js';
import { Control, type FromWorker, isFinal, STATE_EXITED, type ToWorker } from '../core/protocol.js';
import { unreadReturn } from '../core/streaming.js';
import { declareDead, existingWorker, type WorkerHandle, workerHandle } from '../pool-worker/handle.js';

/** How long a wait slice lasts before the liveness checks run again. */
const SLICE_MS = 200;
/** A worker whose heartbeat has not moved for this long while a sync call waits is declared dead. */
const UNRESPONSIVE_MS = 10_000;

type Listener = (reply: FromWorker) => void;

/**
 * Posts a message built for `handle` (the live worker) on the sync channel, routing every later
 * reply with its id to `listener` (until {@link unlisten}); no waiting. Returns the handle to wait on.
 */
export function postSync(
  build: (handle: WorkerHandle) => ToWorker & { id: number },
  listener: Listener,
  transfer: Transferable[] = [],
): WorkerHandle {
  const handle = workerHandle();
  const message = build(handle);
  handle.syncListeners.set(message.id, listener);
  try {
    handle.syncPort.postMessage(message, transfer);
  } catch (error) {
    handle.syncListeners.delete(message.id);
    if (message.t === 'exchange') handle.sent.sync.delete(message.req.pool);
    throw new InvalidArgumentError(`request cannot be sent to the pool worker: ${(error as Error).message}`);
  }
  return handle;
}

/** Posts a message that expects no reply to the running worker (a dead one has nothing to hear). */
export function notifySync(message: ToWorker, transfer: Transferable[] = []): void {
  existingWorker()?.syncPort.postMessage(message, transfer);
}

/** Stops routing replies for `id`; later ones are dropped. */
export function unlisten(id: number): void {
  existingWorker()?.syncListeners.delete(id);
}

/**
 * Blocks, routing replies to their listeners, until `done()` is true (returns true) or the
 * Date.now() deadline `until` passes (returns false). Replies nobody listens for (those of calls
 * that were abandoned) are dropped. Throws WorkerCrashedError when the worker exits or stops
 * responding meanwhile.
 */
export function pumpSync(handle: WorkerHandle, done: () => boolean, until?: number): boolean {
  const control = handle.control;
  let seen = Atomics.load(control, Control.SEQ);
  let beat = Atomics.load(control, Control.HEARTBEAT);
  let beatAt = Date.now();
  for (;;) {
    for (let got = receiveMessageOnPort(handle.syncPort); got; got = receiveMessageOnPort(handle.syncPort)) {
      const reply = got.message as FromWorker;
      const listener = handle.syncListeners.get(reply.id);
      if (listener) listener(reply);
      else {
        const back = unreadReturn(reply);
        if (back) handle.syncPort.postMessage(back.message, back.transfer);
      }
    }
    if (done()) return true;
    const state = Atomics.load(control, Control.STATE);
    if (state & STATE_EXITED) {
      declareDead(handle, `the pool worker exited with code ${state & 0xff}`);
      throw new WorkerCrashedError(
        'the pool worker died during a sync call; the next request starts a new worker',
      );
    }
    const now = Date.now();
    if (until !== undefined && now >= until) return false;
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

/** Posts one message and blocks until the reply with the same id arrives. */
export function callSync(message: ToWorker & { id: number }): FromWorker {
  let result: FromWorker | undefined;
  const handle = postSync(
    () => message,
    (reply) => {
      if (isFinal(reply)) result = reply;
    },
  );
  try {
    pumpSync(handle, () => result !== undefined);
    return result!;
  } finally {
    handle.syncListeners.delete(message.id);
  }
}
