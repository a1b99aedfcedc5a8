/**
 * The pool worker: one per process (per caller thread that uses onepool), owning every connection.
 *
 * It is a round-tripper: one resolved request in; one response (or one transport error) out. It
 * never interprets status codes, redirects, cookies or auth; that is policy, and runs in the
 * caller. Its event loop never blocks: sync callers block in their own thread, and are woken
 * through the control block after each reply on the sync channel.
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type MessagePort, type Transferable, workerData } from 'node:worker_threads';
import { RequestError } from '../core/errors.js';
import { Outbox } from '../core/outbox.js';
import {
  Control,
  type FromWorker,
  HEARTBEAT_MS,
  isFinal,
  STATE_EXITED,
  STATE_RUNNING,
  type ToWorker,
  type WirePoolSettings,
  type WorkerData,
} from '../core/protocol.js';
import { toWire } from '../core/wire-error.js';
import { startExchange } from './exchange.js';
import { liveExchange } from './exchanges.js';
import { lentBuffersMade, takeBack } from './lent-buffers.js';
import { closePool, configurePool, poolStats } from './registry.js';
import { startStream } from './stream-exchange.js';

const { asyncPort, syncPort, control: controlBuffer } = workerData as WorkerData;
const control = new Int32Array(controlBuffer);

// A sync caller cannot see this worker's 'exit' event while it is blocked: write the death into
// shared memory and wake it.
process.on('exit', (code) => {
  Atomics.store(control, Control.STATE, STATE_EXITED | (code & 0xff));
  Atomics.add(control, Control.SEQ, 1);
  Atomics.notify(control, Control.SEQ);
});

/**
 * The error that stands in for a reply that cannot be cloned, so no caller waits forever. A
 * RequestError, not WorkerCrashedError: the worker is alive, and the next call needs no new one.
 */
function unsendable(message: FromWorker, error: Error): FromWorker {
  return {
    t: 'error',
    id: message.id,
    error: toWire(new RequestError(`reply could not be sent: ${error.message}`)),
  };
}

/** Posts a reply on the sync channel (one caller waits for exactly this message). */
function post(port: MessagePort, message: FromWorker, transfer: Transferable[] = []): void {
  try {
    port.postMessage(message, transfer);
  } catch (error) {
    port.postMessage(unsendable(message, error as Error));
  }
}

// Async replies completed in one event-loop turn leave in one message (see outbox.ts).
const asyncOutbox = new Outbox<FromWorker>(asyncPort, setImmediate, (message, error) =>
  asyncPort.postMessage(unsendable(message, error)),
);

function wakeSyncCaller(): void {
  Atomics.add(control, Control.SEQ, 1);
  Atomics.notify(control, Control.SEQ);
}

// While a sync exchange is pending the caller watches this counter to tell a slow worker from a
// stuck one; when none is pending the worker stays fully idle.
let syncPending = 0;
let heartbeat: NodeJS.Timeout | undefined;
function syncStarted(): void {
  if (syncPending++ === 0) {
    heartbeat = setInterval(() => Atomics.add(control, Control.HEARTBEAT, 1), HEARTBEAT_MS);
    heartbeat.unref();
  }
}
function syncEnded(): void {
  if (--syncPending === 0) clearInterval(heartbeat);
}

/** The settings version each pool runs with: settings sent on both channels arrive twice, in either order. */
const settingsVersions = new Map<number, number>();

function applySettings(pool: number, settings: WirePoolSettings): void {
  if ((settingsVersions.get(pool) ?? 0) >= settings.version) return;
  settingsVersions.set(pool, settings.version);
  configurePool(pool, settings.options);
}

function handle(
  message: ToWorker,
  port: MessagePort,
  reply: (m: FromWorker, t?: Transferable[]) => void,
): void {
  switch (message.t) {
    case 'exchange':
      if (message.req.poolSettings) applySettings(message.req.pool, message.req.poolSettings);
      if (message.req.stream) startStream(message.req, reply);
      else startExchange(message.req, reply);
      return;
    case 'cancel': {
      const exchange = liveExchange(message.id);
      if (!exchange) return;
      exchange.cancel(message.abort === true);
      if (port === syncPort) syncEnded();
      return;
    }
    case 'credit':
      // Buffers come back even when their exchange has just ended: the next stream reuses them.
      takeBack(message.returned);
      liveExchange(message.id)?.credit(message.bytes);
      return;
    case 'upload':
      liveExchange(message.id)?.feed(message.chunk, message.error);
      return;
    case 'stats':
      reply({ t: 'stats', id: message.id, stats: poolStats(message.pool) });
      return;
    case 'close-pool':
      // Answered at once: idle connections close now, busy ones when their exchanges end.
      // Closed for good: a late exchange that carries its settings must not bring it back.
      settingsVersions.set(message.pool, Number.POSITIVE_INFINITY);
      closePool(message.pool).catch(() => {});
      reply({ t: 'ok', id: message.id });
      return;
    case 'heap':
      reply({ t: 'heap', id: message.id, heapUsed: heapAfterGC(), lentMade: lentBuffersMade() });
      return;
    case 'crash':
      // A timer, so a test can kill the worker while its own thread is blocked in a sync call.
      setTimeout(() => {
        if (message.how === 'exit') process.exit(70);
        throw new Error('onepool test crash');
      }, message.afterMs);
      return;
    default:
      port.postMessage({
        t: 'error',
        id: (message as { id?: number }).id ?? 0,
        error: unknownMessage(message),
      });
  }
}

const unknownMessage = (message: unknown) => ({
  code: 'ONEPOOL_ERR_INVALID_ARGUMENT' as const,
  message: `pool worker: unknown message ${JSON.stringify(message)?.slice(0, 100)}`,
});

function onAsyncMessage(message: ToWorker): void {
  if (message.t === 'batch') {
    for (const one of message.messages) onAsyncMessage(one);
    return;
  }
  handle(message, asyncPort, (reply, transfer) => asyncOutbox.post(reply, transfer));
}
asyncPort.on('message', onAsyncMessage);

/** The messages that are answered (an exchange until its final reply). */
const REPLIED: ReadonlySet<ToWorker['t']> = new Set(['exchange', 'stats', 'close-pool', 'heap']);

syncPort.on('message', (message: ToWorker) => {
  // credit, upload and cancel carry an id but get no reply: counting them would keep the heartbeat
  // running for good after the first sync stream.
  const expectsReply = REPLIED.has(message.t);
  if (expectsReply) syncStarted();
  handle(message, syncPort, (reply, transfer) => {
    try {
      post(syncPort, reply, transfer);
    } finally {
      // A streamed exchange replies several times; it is pending until its final message.
      if (expectsReply && isFinal(reply)) syncEnded();
      wakeSyncCaller();
    }
  });
});

Atomics.store(control, Control.STATE, STATE_RUNNING);

/**
 * The worker's heap after a full collection, for the leak tests only (the test-only `heap` message,
 * like `crash`). The worker runs without --expose-gc, so gc is fetched here, on demand.
 */
function heapAfterGC(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}
