/**
 * The async face's channel to the pool worker: this thread's async BroadcastChannel to the pool,
 * messages tagged with ids, replies routed by id to whoever listens for them. The channel is ref'd
 * only while something listens, so pending work keeps the process alive and an idle pool does not;
 * meanwhile an unref'd watchdog checks the pool's exit word and heartbeat (the pool may die with
 * another thread). The routing table lives on the worker handle, which every copy of onepool in this
 * thread shares (see handle.ts).
 */
import type { Transferable } from 'node:worker_threads';
import { InvalidArgumentError, type OnepoolError } from '../core/errors.js';
import { Outbox } from '../core/outbox.js';
import { POOL_FIELD } from '../core/packed-request.js';
import { type FromWorker, isFinal, type ToWorker } from '../core/protocol.js';
import {
  handleFor,
  type Listener,
  onDrainAsync,
  startWatchdog,
  stopWatchdog,
  unrouted,
  type WorkerHandle,
  workerHandle,
} from '../pool-worker/handle.js';

function settle(handle: WorkerHandle, id: number): Listener | undefined {
  const listener = handle.asyncListeners.get(id);
  if (!listener) return undefined;
  handle.asyncListeners.delete(id);
  if (handle.asyncListeners.size === 0) {
    handle.asyncPort.unref();
    stopWatchdog(handle);
  }
  return listener;
}

function route(handle: WorkerHandle, reply: FromWorker): void {
  if (reply.t === 'batch') {
    for (const one of reply.messages) route(handle, one);
    return;
  }
  const listener = isFinal(reply) ? settle(handle, reply.id) : handle.asyncListeners.get(reply.id);
  if (listener) listener.message(reply);
  else unrouted(handle, reply, (message, transfer) => outbox(handle).post(message, transfer));
}

/**
 * The outbox to this worker's async port (listening to the port on first use). Everything the
 * async face sends goes through it, in order; messages posted in one microtask turn leave together.
 */
function outbox(handle: WorkerHandle): Outbox<ToWorker> {
  if (handle.outbox) return handle.outbox;
  const port = handle.asyncPort;
  port.on('message', (reply: FromWorker) => route(handle, reply));
  // Attaching a 'message' listener refs the port: unref after attaching.
  port.unref();
  handle.outbox = new Outbox<ToWorker>(port, queueMicrotask, (message, error) => {
    // A DataCloneError: nothing was sent, so nothing will answer; pool settings it carried were not delivered.
    if (message.t === 'exchange') handle.sent.async.delete(message.req[POOL_FIELD]);
    if (!('id' in message)) return;
    settle(handle, message.id)?.fail(
      new InvalidArgumentError(`request cannot be sent to the pool worker: ${error.message}`),
    );
  });
  return handle.outbox;
}

/**
 * Posts a message built for `handle` (the live worker) and routes every reply with its id to
 * `listener` until the final one (see isFinal). When the message cannot be sent, `listener.fail`
 * is told.
 */
export function openAsync(
  build: (handle: WorkerHandle) => ToWorker & { id: number },
  listener: Listener,
  transfer: Transferable[] = [],
): void {
  const handle = workerHandle();
  const message = build(handle);
  const box = outbox(handle);
  if (handle.asyncListeners.size === 0) {
    handle.asyncPort.ref();
    if (handle.state === 'ready') startWatchdog(handle);
  }
  handle.asyncListeners.set(message.id, listener);
  box.post(message, transfer);
}

/** Stops routing replies for `id` (an exchange the caller gave up on); later replies are dropped. */
export function closeAsync(id: number): void {
  const handle = handleFor(id, 'async');
  if (handle) settle(handle, id);
}

/** Posts one message that expects one reply with the same id, and resolves with that reply. */
export function callAsync(message: ToWorker & { id: number }): Promise<FromWorker> {
  return new Promise<FromWorker>((resolve, reject) =>
    openAsync(() => message, { message: resolve, fail: reject as (error: OnepoolError) => void }),
  );
}

/** Posts a message that expects no reply to the pool its exchange runs on (a dead one has nothing to hear). */
export function notifyAsync(message: ToWorker, transfer: Transferable[] = []): void {
  const handle = handleFor('id' in message ? message.id : 0, 'async');
  if (handle) outbox(handle).post(message, transfer);
}

// Before the watchdog decides a silent pool is dead, it routes replies already delivered (this
// thread may have been too busy to take them; the pool stops beating once nothing is pending).
onDrainAsync((handle) => {
  for (let reply = handle.asyncPort.receive(); reply; reply = handle.asyncPort.receive())
    route(handle, reply);
});
