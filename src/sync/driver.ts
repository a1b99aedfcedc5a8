/**
 * Drives the shared policy generator with the blocking transport: each exchange is one core
 * {@link Exchange} whose replies are read between sliced Atomics waits.
 */
import { type CancelToken, wakeWord } from '../core/cancel-token.js';
import type { OnepoolError } from '../core/errors.js';
import { Exchange, type ExchangeChannel } from '../core/exchange.js';
import { refusePromise } from '../core/hooks.js';
import type { PreparedRequest } from '../core/options.js';
import type { Call, ExchangeResult, Op, Policy } from '../core/policy.js';
import { direct, directResponse, policyOf } from '../core/policy.js';
import type { FromWorker } from '../core/protocol.js';
import type { Response } from '../core/response.js';
import { refuseAsyncSource } from '../core/upload.js';
import { abortedError, totalTimeoutError } from '../core/wire.js';
import { answerSync, mockChannel } from '../mock/mock-exchange.js';
import { type MockPool, mockPoolFor } from '../mock/mock-pool.js';
import { nextId, type WorkerHandle } from '../pool-worker/handle.js';
import { settingsToSend } from '../pools.js';
import { notifySync, postSync, pumpSync, unlisten } from './channel.js';
import { withSameThreadHint } from './same-thread-server.js';
import { SyncStreamingResponse } from './streaming.js';

export const SYNC: ExchangeChannel = {
  mode: 'sync',
  notify: (message, transfer) => notifySync(message, transfer),
};
export const MOCK_SYNC = mockChannel('sync');

/**
 * Answers an exchange of a mock pool in this thread, before returning: its replies go to the
 * exchange as the worker's would (a pass-through runs on the real pool, bounded by `deadline`).
 */
export function answerMockSync(
  exchange: Exchange,
  mock: MockPool,
  deadline: number,
  cancel?: CancelToken,
): void {
  const network = (real: PreparedRequest) => exchangeSync(real, false, deadline, cancel) as ExchangeResult;
  let replies: FromWorker[] | null;
  try {
    replies = answerSync(exchange, mock, deadline, network);
  } catch (error) {
    exchange.fail(error as OnepoolError);
    return;
  }
  if (replies === null) exchange.abort(totalTimeoutError(exchange.request));
  else for (const reply of replies) exchange.accept(reply);
}

/**
 * Starts one exchange without waiting: its replies go to the exchange as they are read, and
 * `arrived` is told when it is ready. Returns the worker handle to wait on.
 */
export function startSync(
  exchange: Exchange,
  arrived?: (exchange: Exchange) => void,
  cancel?: CancelToken,
): WorkerHandle {
  refuseAsyncSource(exchange.request.upload);
  return postSync(
    (handle) => exchange.open(settingsToSend(handle, 'sync', exchange.request.pool), cancel?.buffer),
    (reply) => {
      const wasReady = exchange.ready;
      if (exchange.accept(reply)) unlisten(exchange.id);
      if (!wasReady && exchange.ready) arrived?.(exchange);
    },
  );
}

/**
 * Runs one exchange; returns its result, or with `stream` its head as a SyncStreamingResponse.
 * Blocks no later than `deadline` (ms since the epoch): past it the exchange is cancelled in the
 * worker and TotalTimeoutError is thrown, here or at the read that reaches it. `cancel` (a
 * CancelToken) wakes the wait at once from any thread: the exchange is cancelled, AbortedError thrown.
 */
export function exchangeSync(
  request: PreparedRequest,
  stream: boolean,
  deadline = Number.POSITIVE_INFINITY,
  cancel?: CancelToken,
): ExchangeResult | SyncStreamingResponse {
  // Before the exchange exists, as on the async face: nothing starts, nothing is published.
  if (cancel?.cancelled) throw abortedError(request);
  const until = Number.isFinite(deadline) ? deadline : undefined;
  const mock = mockPoolFor(request.pool);
  if (mock) {
    const exchange = new Exchange(nextId(), request, stream, MOCK_SYNC);
    answerMockSync(exchange, mock, deadline, cancel);
    const body = exchange.body;
    if (stream && body?.head) return new SyncStreamingResponse(body, undefined, until);
    return exchange.result();
  }
  const exchange = new Exchange(nextId(), request, stream, SYNC);
  const handle = startSync(exchange, undefined, cancel);
  try {
    const error = waitSync(handle, () => exchange.ready, until, cancel, request);
    if (error) exchange.abort(error);
  } catch (error) {
    // The worker died: nothing more comes for this exchange.
    unlisten(exchange.id);
    exchange.fail(error as OnepoolError);
    throw error;
  }
  const body = exchange.body;
  if (stream && body?.head) return new SyncStreamingResponse(body, handle, until, cancel);
  unlisten(exchange.id);
  return exchange.result();
}

/**
 * Blocks until `ready()`; returns the error to abort with when it did not come: TotalTimeoutError
 * past `until` (or with no worker to wait on: a mock's body has all arrived), AbortedError when
 * `cancel` was cancelled. Throws WorkerCrashedError when the worker dies meanwhile.
 */
export function waitSync(
  handle: WorkerHandle | undefined,
  ready: () => boolean,
  until: number | undefined,
  cancel: CancelToken | undefined,
  request: PreparedRequest,
): OnepoolError | undefined {
  if (cancel?.cancelled) return abortedError(request);
  if (!handle) return totalTimeoutError(request);
  const done = cancel ? () => ready() || cancel.cancelled : ready;
  if (!pumpSync(handle, done, until, cancel && wakeWord(cancel))) return totalTimeoutError(request);
  return ready() ? undefined : abortedError(request);
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Sleeps without spinning a core. */
export const sleepSync = (ms: number): undefined => {
  Atomics.wait(sleeper, 0, 0, ms);
  return undefined;
};

function exchangeWithHint(
  request: PreparedRequest,
  stream: boolean,
  deadline: number,
  cancel: CancelToken | undefined,
): unknown {
  try {
    return exchangeSync(request, stream, deadline, cancel);
  } catch (error) {
    throw withSameThreadHint(error, request.url);
  }
}

const perform = (op: Op): unknown => {
  if (op.kind === 'exchange') return exchangeWithHint(op.request, op.stream, op.deadline, op.cancel);
  if (op.kind === 'sleep') return sleepSync(op.ms);
  if (op.kind === 'read') return op.response.bytes();
  if (op.kind === 'observe') return op.publish('sync');
  return refusePromise(op.name, op.fn(...(op.args as never[])));
};

/**
 * One buffered call. A direct one ({@link direct}) sends its first exchange here and enters the
 * policy only when the result asks for it; any other runs the policy from its start.
 */
export function requestSync(call: Call): Response {
  if (!direct(call)) return runSync(policyOf(call));
  let result: ExchangeResult;
  try {
    result = exchangeWithHint(call.request, false, call.deadline, call.cfg.cancel) as ExchangeResult;
  } catch (error) {
    return runSync(policyOf(call, { error }));
  }
  return directResponse(call, result) ?? runSync(policyOf(call, { result }));
}

export function runSync<R = Response>(policy: Policy<R>): R {
  let step = policy.next();
  while (!step.done) {
    let result: unknown;
    try {
      result = perform(step.value);
    } catch (error) {
      step = policy.throw(error);
      continue;
    }
    step = policy.next(result);
  }
  return step.value;
}
