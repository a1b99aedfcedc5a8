/**
 * The sync face's channel to the pool worker: post on this thread's sync BroadcastChannel to the
 * pool, then block in Atomics.wait on this thread's control block's sequence word, which the worker
 * bumps after every reply to this thread; pick replies up with receiveMessageOnPort.
 *
 * The wait is sliced: between slices the caller checks the pool's exit word (a worker's 'exit'
 * event cannot fire while this thread is blocked, so the worker, or the thread that started it,
 * writes the death there) and its heartbeat (a worker terminated with the thread that started it, or
 * stuck in a loop, writes nothing). While connecting, each slice also progresses the connection
 * (hello, and starting a pool when none answers). Replies are routed by id to
 * the listeners waiting for them (a buffered call, or an open stream, which may be read between
 * other calls); replies nobody waits for any more (abandoned calls) are dropped.
 */
import type { Transferable } from 'node:worker_threads';
import { InvalidArgumentError, WorkerCrashedError } from '../core/errors.js';
import { POOL_FIELD } from '../core/packed-request.js';
import { Control, type FromWorker, HEARTBEAT_MS, isFinal, type ToWorker } from '../core/protocol.js';
import {
  declareDead,
  handleFor,
  poolDeath,
  resetBeat,
  tick,
  unrouted,
  type WorkerHandle,
  workerHandle,
} from '../pool-worker/handle.js';

/** How long a wait slice lasts before the liveness checks run again. */
const SLICE_MS = HEARTBEAT_MS;
/** A slice while connecting: the hello is said again this often. */
const CONNECTING_SLICE_MS = 10;

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
    if (message.t === 'exchange') handle.sent.sync.delete(message.req[POOL_FIELD]);
    throw new InvalidArgumentError(`request cannot be sent to the pool worker: ${(error as Error).message}`);
  }
  return handle;
}

/** Posts a message that expects no reply to the pool its exchange runs on (a dead one has nothing to hear). */
export function notifySync(message: ToWorker, transfer: Transferable[] = []): void {
  handleFor('id' in message ? message.id : 0, 'sync')?.syncPort.postMessage(message, transfer);
}

/** Stops routing replies for `id`; later ones are dropped. */
export function unlisten(id: number): void {
  handleFor(id, 'sync')?.syncListeners.delete(id);
}

/**
 * Blocks, routing replies to their listeners, until `done()` is true (returns true) or the
 * Date.now() deadline `until` passes (returns false). It waits on `wake` (this thread's SEQ word,
 * or a CancelToken's wake word, which the worker bumps too for the call that carries the token). Replies nobody listens for (those of calls
 * that were abandoned) are dropped. Throws WorkerCrashedError when the worker exits or stops
 * responding meanwhile.
 */
export function pumpSync(
  handle: WorkerHandle,
  done: () => boolean,
  until?: number,
  wake: { words: Int32Array; index: number } = { words: handle.control, index: Control.SEQ },
): boolean {
  const { words, index } = wake;
  let seen = Atomics.load(words, index);
  resetBeat(handle);
  for (;;) {
    if (handle.state === 'connecting') {
      tick(handle);
      // tick() may have moved the state on (a welcome): count heartbeat silence from now.
      if ((handle.state as string) === 'ready') resetBeat(handle);
    }
    drainSync(handle);
    if (done()) return true;
    if (!handle.alive) {
      throw new WorkerCrashedError(
        'the pool worker died during a sync call (or none could be reached); the next request connects to a new one',
      );
    }
    const death = poolDeath(handle);
    if (death) {
      declareDead(handle, death);
      throw new WorkerCrashedError(
        `${death} during a sync call; the next request connects to a new pool worker`,
      );
    }
    const now = Date.now();
    if (until !== undefined && now >= until) return false;
    const sliceMs = handle.state === 'connecting' ? CONNECTING_SLICE_MS : SLICE_MS;
    const slice = until === undefined ? sliceMs : Math.min(sliceMs, Math.max(1, until - now));
    Atomics.wait(words, index, seen, slice);
    seen = Atomics.load(words, index);
  }
}

/** Routes the replies that arrived on the sync channel; a `retired` notice retires the handle. */
function drainSync(handle: WorkerHandle): void {
  for (let reply = handle.syncPort.receive(); reply; reply = handle.syncPort.receive()) {
    const listener = handle.syncListeners.get(reply.id);
    if (listener) listener(reply);
    else unrouted(handle, reply, (message, transfer) => handle.syncPort.postMessage(message, transfer));
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
