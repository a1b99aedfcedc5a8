/**
 * The pool worker: one per process, owning every connection, serving every thread that uses onepool.
 *
 * It is a round-tripper: one resolved request in; one response (or one transport error) out. It
 * never interprets status codes, redirects, cookies or auth; that is policy, and runs in the
 * caller. Its event loop never blocks: sync callers block in their own thread, and are woken
 * through their control block after each reply on their sync channel. Callers find it on the lobby
 * (callers.ts).
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type Transferable, workerData } from 'node:worker_threads';
import { wakeToken } from '../core/cancel-token.js';
import { RequestError } from '../core/errors.js';
import { unpackRequest, wakeOf } from '../core/packed-request.js';
import {
  Control,
  type FromWorker,
  HEARTBEAT_MS,
  isFinal,
  markExited,
  STATE_RUNNING,
  type ToWorker,
  type WorkerData,
} from '../core/protocol.js';
import { toWire } from '../core/wire-error.js';
import { adoptOwner, allCallers, type Caller, openLobby, retired, wake } from './callers.js';
import { startExchange } from './exchange.js';
import { liveExchange } from './exchanges.js';
import { lentBuffersMade, takeBack } from './lent-buffers.js';
import { closePool, poolStats } from './registry.js';
import { applySettings, forgetSettings } from './settings.js';
import { startStream } from './stream-exchange.js';

const { control: controlBuffer, owner } = workerData as WorkerData;
const control = new Int32Array(controlBuffer);

// A sync caller cannot see this worker's 'exit' event while it is blocked: write the death into
// shared memory and wake every caller. (A worker terminated with the thread that started it runs
// no exit handler: that thread writes the word if it can, and the heartbeat stops in any case.)
process.on('exit', (code) => {
  markExited(control, code);
  for (const caller of allCallers()) wake(caller);
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

/** Posts a reply on a caller's sync channel (one caller waits for exactly this message). */
function postSync(caller: Caller, message: FromWorker, transfer?: Transferable[]): void {
  try {
    caller.sync.post(message, transfer);
  } catch (error) {
    caller.sync.post(unsendable(message, error as Error));
  }
}

// While any exchange is pending (from any thread) the callers watch this counter to tell a slow
// worker from a dead one; when none is pending the worker stays fully idle. The timer is stopped by
// its own first tick that finds nothing pending, not when the last exchange ends: sequential calls
// would otherwise set and clear an interval per request.
const pending = new Set<number>();
let heartbeat: NodeJS.Timeout | undefined;
function beat(): void {
  if (pending.size > 0) {
    Atomics.add(control, Control.HEARTBEAT, 1);
    return;
  }
  clearInterval(heartbeat);
  heartbeat = undefined;
}
function started(id: number): void {
  pending.add(id);
  if (heartbeat === undefined) {
    heartbeat = setInterval(beat, HEARTBEAT_MS);
    heartbeat.unref();
  }
}
function ended(id: number): void {
  if (!pending.delete(id) || pending.size > 0) return;
  if (retired()) exitWhenIdle();
}

/** A retired pool exits once nothing has been pending for a moment (a late call may still arrive). */
function exitWhenIdle(): void {
  setTimeout(() => {
    if (pending.size === 0) process.exit(0);
  }, 1000).unref();
}

function handle(
  message: ToWorker,
  caller: Caller,
  reply: (m: FromWorker, transfer?: Transferable[]) => void,
): void {
  switch (message.t) {
    case 'exchange': {
      const req = unpackRequest(message.req);
      if (req.poolSettings) applySettings(req.pool, req.poolSettings);
      if (req.stream) startStream(req, reply);
      else startExchange(req, reply);
      return;
    }
    case 'settings':
      applySettings(message.pool, message.settings);
      return;
    case 'cancel': {
      const exchange = liveExchange(message.id);
      if (!exchange) return;
      exchange.cancel(message.abort === true);
      ended(message.id);
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
      forgetSettings(message.pool);
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
      caller.async.post({
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

/** The messages that are answered (an exchange until its final reply). */
const REPLIED: ReadonlySet<ToWorker['t']> = new Set(['exchange', 'stats', 'close-pool', 'heap']);

function onMessage(caller: Caller, channel: 'async' | 'sync', message: ToWorker): void {
  if (message.t === 'batch') {
    for (const one of message.messages) onMessage(caller, channel, one);
    return;
  }
  // credit, upload and cancel carry an id but get no reply: counting them would keep the heartbeat
  // running for good after the first stream.
  const expectsReply = REPLIED.has(message.t) && 'id' in message;
  if (expectsReply) started(message.id);
  // A sync call with a CancelToken waits on the token's word, not on the caller's SEQ.
  const token = message.t === 'exchange' && channel === 'sync' ? wakeOf(message.req) : undefined;
  const send =
    channel === 'async'
      ? (reply: FromWorker, transfer?: Transferable[]) => caller.asyncOutbox.post(reply, transfer)
      : (reply: FromWorker, transfer?: Transferable[]) => {
          postSync(caller, reply, transfer);
          wake(caller);
          if (token) wakeToken(token);
        };
  handle(message, caller, (reply, transfer) => {
    try {
      send(reply, transfer);
    } finally {
      // A streamed exchange replies several times; it is pending until its final message.
      if (expectsReply && isFinal(reply)) ended(reply.id);
    }
  });
}

const handlers = { message: onMessage, unsendable, retired: () => pending.size === 0 && exitWhenIdle() };
adoptOwner(owner, controlBuffer, handlers);
openLobby(controlBuffer, handlers);

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
