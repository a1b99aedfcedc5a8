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
}

const pending = new Map<number, Pending>();
const listening = new WeakSet<WorkerHandle>();

function settle(handle: WorkerHandle, id: number): Pending | undefined {
  const entry = pending.get(id);
  if (!entry) return undefined;
  pending.delete(id);
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
    pending.set(message.id, { handle, resolve, reject });
    if (++handle.asyncPending === 1) port.ref();
  });
}

/** Posts a message that expects no reply. */
export function notifyAsync(message: ToWorker): void {
  listen(workerHandle()).postMessage(message);
}
