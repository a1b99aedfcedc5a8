/**
 * The async face's channel to the pool worker: one MessagePort, requests tagged with ids, replies
 * routed by id to whoever waits for them. The port is ref'd only while something waits, so pending
 * work keeps the process alive and an idle pool does not.
 */
import type { Transferable } from 'node:worker_threads';
import { InvalidArgumentError, type OnepoolError, type WorkerCrashedError } from '../core/errors.js';
import { Outbox } from '../core/outbox.js';
import { type FromWorker, isFinal, type ToWorker } from '../core/protocol.js';
import { existingWorker, onWorkerDeath, type WorkerHandle, workerHandle } from '../pool-worker/handle.js';

/** Who receives the messages for one id (a buffered call, or a stream until its last message). */
export interface Listener {
  message(reply: FromWorker): void;
  fail(error: OnepoolError): void;
}

interface Pending {
  handle: WorkerHandle;
  listener: Listener;
}

const pending = new Map<number, Pending>();
const outboxes = new WeakMap<WorkerHandle, Outbox<ToWorker>>();

function settle(handle: WorkerHandle, id: number): Pending | undefined {
  const entry = pending.get(id);
  if (!entry) return undefined;
  pending.delete(id);
  if (--handle.asyncPending === 0) handle.asyncPort.unref();
  return entry;
}

function route(handle: WorkerHandle, reply: FromWorker): void {
  if (reply.t === 'batch') {
    for (const one of reply.messages) route(handle, one);
    return;
  }
  const entry = isFinal(reply) ? settle(handle, reply.id) : pending.get(reply.id);
  entry?.listener.message(reply);
}

/**
 * The outbox to this worker's async port (listening to the port on first use). Everything the
 * async face sends goes through it, in order; requests issued in one microtask turn leave together.
 */
function outbox(handle: WorkerHandle): Outbox<ToWorker> {
  let box = outboxes.get(handle);
  if (box) return box;
  const port = handle.asyncPort;
  port.on('message', (reply: FromWorker) => route(handle, reply));
  // Attaching a 'message' listener refs the port: unref after attaching.
  port.unref();
  box = new Outbox<ToWorker>(port, queueMicrotask, (message, error) => {
    // A DataCloneError: nothing was sent, so nothing will answer.
    if (!('id' in message)) return;
    settle(handle, message.id)?.listener.fail(
      new InvalidArgumentError(`request cannot be sent to the pool worker: ${error.message}`),
    );
  });
  outboxes.set(handle, box);
  return box;
}

onWorkerDeath((handle: WorkerHandle, error: WorkerCrashedError) => {
  for (const [id, entry] of pending) if (entry.handle === handle) settle(handle, id)?.listener.fail(error);
});

/**
 * Posts one message and routes every reply with its id to `listener` until the final one
 * (see isFinal). When the message cannot be sent, `listener.fail` is told at once.
 */
export function openAsync(
  message: ToWorker & { id: number },
  listener: Listener,
  transfer: Transferable[] = [],
): void {
  const handle = workerHandle();
  const box = outbox(handle);
  pending.set(message.id, { handle, listener });
  if (++handle.asyncPending === 1) handle.asyncPort.ref();
  box.post(message, transfer);
}

/** Stops routing replies for `id` (a cancelled stream); later replies are dropped. */
export function closeAsync(id: number): void {
  const entry = pending.get(id);
  if (entry) settle(entry.handle, id);
}

/** When to give up on a reply: the worker is told to cancel, and the call fails with the given error. */
export interface Bounds {
  /** ms since the epoch; Infinity for none */
  deadline: number;
  signal: AbortSignal | undefined;
  timedOut: () => OnepoolError;
  aborted: () => OnepoolError;
}

/**
 * Posts one message that expects one reply with the same id; other replies go to `interim`. With
 * `bounds`, gives up at the deadline or on abort: the worker is told to cancel, the call rejects.
 */
export function callAsync(
  message: ToWorker & { id: number },
  transfer: Transferable[] = [],
  interim?: (reply: FromWorker) => void,
  bounds?: Bounds,
): Promise<FromWorker> {
  return new Promise<FromWorker>((resolve, reject) => {
    let settled = false;
    let release: (() => void) | undefined;
    const end = () => {
      settled = true;
      release?.();
    };
    const message_ = (reply: FromWorker) => {
      if (!isFinal(reply)) return interim?.(reply);
      end();
      resolve(reply);
    };
    const fail = (error: OnepoolError) => {
      end();
      reject(error);
    };
    openAsync(message, { message: message_, fail }, transfer);
    if (bounds && !settled) {
      release = bound(bounds, (error) => {
        closeAsync(message.id);
        notifyAsync({ t: 'cancel', id: message.id });
        fail(error());
      });
    }
  });
}

/** Arms the deadline and the abort signal of one call; returns their release. */
export function bound(bounds: Bounds, giveUp: (error: () => OnepoolError) => void): () => void {
  if (bounds.signal?.aborted) {
    giveUp(bounds.aborted);
    return () => {};
  }
  const timer = Number.isFinite(bounds.deadline)
    ? setTimeout(() => giveUp(bounds.timedOut), Math.max(0, bounds.deadline - Date.now()))
    : undefined;
  const onAbort = () => giveUp(bounds.aborted);
  bounds.signal?.addEventListener('abort', onAbort, { once: true });
  return () => {
    clearTimeout(timer);
    bounds.signal?.removeEventListener('abort', onAbort);
  };
}

/** Posts a message that expects no reply to the running worker (a dead one has nothing to hear). */
export function notifyAsync(message: ToWorker, transfer: Transferable[] = []): void {
  const handle = existingWorker();
  if (handle) outbox(handle).post(message, transfer);
}
