/**
 * The async face's channel to the pool worker: one MessagePort, requests tagged with ids, replies
 * matched by id. The port is ref'd only while an exchange is pending, so pending work keeps the
 * process alive and an idle pool does not.
 */
import type { MessagePort, Transferable } from 'node:worker_threads';
import { InvalidArgumentError, type OnepoolError, type WorkerCrashedError } from '../core/errors.js';
import type { FromWorker, ToWorker } from '../core/protocol.js';
import { onWorkerDeath, type WorkerHandle, workerHandle } from '../pool-worker/handle.js';

interface Pending {
  handle: WorkerHandle;
  resolve: (reply: FromWorker) => void;
  reject: (error: OnepoolError) => void;
  /** stops the deadline timer and the abort listener */
  release?: () => void;
}

/** When to give up on a reply: the worker is told to cancel, and the call fails with the given error. */
export interface Bounds {
  /** ms since the epoch; Infinity for none */
  deadline: number;
  signal: AbortSignal | undefined;
  timedOut: () => OnepoolError;
  aborted: () => OnepoolError;
}

const pending = new Map<number, Pending>();
const listening = new WeakSet<WorkerHandle>();

function settle(handle: WorkerHandle, id: number): Pending | undefined {
  const entry = pending.get(id);
  if (!entry) return undefined;
  pending.delete(id);
  entry.release?.();
  if (--handle.asyncPending === 0) handle.asyncPort.unref();
  return entry;
}

function listen(handle: WorkerHandle): MessagePort {
  const port = handle.asyncPort;
  if (!listening.has(handle)) {
    listening.add(handle);
    port.on('message', (reply: FromWorker) => settle(handle, reply.id)?.resolve(reply));
    // Attaching a 'message' listener refs the port: unref after attaching.
    port.unref();
  }
  return port;
}

onWorkerDeath((handle: WorkerHandle, error: WorkerCrashedError) => {
  for (const [id, entry] of pending) if (entry.handle === handle) settle(handle, id)?.reject(error);
});

/** Posts one message that expects one reply with the same id. */
export function callAsync(
  message: ToWorker & { id: number },
  transfer: Transferable[] = [],
  bounds?: Bounds,
): Promise<FromWorker> {
  const handle = workerHandle();
  const port = listen(handle);
  return new Promise<FromWorker>((resolve, reject) => {
    try {
      port.postMessage(message, transfer);
    } catch (error) {
      // A DataCloneError: nothing was sent, so nothing will answer.
      reject(
        new InvalidArgumentError(`request cannot be sent to the pool worker: ${(error as Error).message}`),
      );
      return;
    }
    const entry: Pending = { handle, resolve, reject };
    pending.set(message.id, entry);
    if (++handle.asyncPending === 1) port.ref();
    if (bounds) entry.release = bound(handle, message.id, bounds);
  });
}

/** Arms the deadline and the abort signal of one pending call; returns their release. */
function bound(handle: WorkerHandle, id: number, bounds: Bounds): (() => void) | undefined {
  const giveUp = (error: () => OnepoolError) => () => {
    const entry = settle(handle, id);
    if (!entry) return;
    handle.asyncPort.postMessage({ t: 'cancel', id } satisfies ToWorker);
    entry.reject(error());
  };
  if (bounds.signal?.aborted) {
    giveUp(bounds.aborted)();
    return undefined;
  }
  const timer = Number.isFinite(bounds.deadline)
    ? setTimeout(giveUp(bounds.timedOut), Math.max(0, bounds.deadline - Date.now()))
    : undefined;
  const onAbort = giveUp(bounds.aborted);
  bounds.signal?.addEventListener('abort', onAbort, { once: true });
  return () => {
    clearTimeout(timer);
    bounds.signal?.removeEventListener('abort', onAbort);
  };
}

/** Posts a message that expects no reply. */
export function notifyAsync(message: ToWorker): void {
  listen(workerHandle()).postMessage(message);
}
