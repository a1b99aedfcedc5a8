/**
 * Drives the shared policy generator with the async transport: each exchange is one core
 * {@link Exchange} whose replies arrive as port messages, waited for with a promise.
 */
import { type CancelToken, watchToken } from '../core/cancel-token.js';
import type { OnepoolError } from '../core/errors.js';
import { Exchange, type ExchangeChannel } from '../core/exchange.js';
import type { PreparedRequest } from '../core/options.js';
import type { ExchangeResult, Op, Policy } from '../core/policy.js';
import type { FromWorker } from '../core/protocol.js';
import type { Response } from '../core/response.js';
import { abortedError, totalTimeoutError } from '../core/wire.js';
import { answerAsync, mockChannel } from '../mock/mock-exchange.js';
import { type MockPool, mockPoolFor } from '../mock/mock-pool.js';
import { type Listener, nextId } from '../pool-worker/handle.js';
import { settingsToSend } from '../pools.js';
import { closeAsync, notifyAsync, openAsync } from './channel.js';
import { StreamingResponse, type Wake } from './streaming.js';

const ASYNC: ExchangeChannel = {
  mode: 'async',
  notify: (message, transfer) => notifyAsync(message, transfer),
};
const MOCK = mockChannel('async');

/**
 * Runs one exchange; resolves with its result, or with `stream` at its head as a StreamingResponse.
 * At `deadline` (ms since the epoch), on `signal` or on `cancel` (a CancelToken, from any thread)
 * the exchange is cancelled in the worker and fails with TotalTimeoutError or AbortedError: before
 * the head, or for a stream at its next read.
 */
export function exchangeAsync(
  request: PreparedRequest,
  stream: boolean,
  deadline = Number.POSITIVE_INFINITY,
  signal?: AbortSignal,
  cancel?: CancelToken,
): Promise<ExchangeResult | StreamingResponse> {
  const mock = mockPoolFor(request.pool);
  const exchange = new Exchange(nextId(), request, stream, mock ? MOCK : ASYNC);
  return new Promise((resolve, reject) => {
    const wake: Wake = { resolve: undefined };
    let settled = false;
    let abandoned = false;
    let release = () => {};
    const update = () => {
      if (!settled && exchange.ready) {
        settled = true;
        const body = exchange.body;
        if (stream && body?.head) resolve(new StreamingResponse(body, wake, () => release()));
        else {
          try {
            resolve(exchange.result());
          } catch (error) {
            reject(error);
          }
        }
      }
      const body = exchange.body;
      if (body ? body.ended || body.error || body.cancelled : exchange.ready) release();
      const w = wake.resolve;
      wake.resolve = undefined;
      w?.();
    };
    const listener = {
      message: (reply: FromWorker) => {
        if (abandoned) return;
        exchange.accept(reply);
        update();
      },
      fail: (error: OnepoolError) => {
        exchange.fail(error);
        update();
      },
    };
    if (mock) answerMock(exchange, mock, deadline, signal, cancel, listener);
    else openAsync((handle) => exchange.open(settingsToSend(handle, 'async', request.pool)), listener);
    if (settled || (!Number.isFinite(deadline) && !signal && !cancel)) return;
    release = bound(deadline, signal, cancel, request, (error) => {
      abandoned = true;
      if (exchange.abort(error)) closeAsync(exchange.id);
      update();
    });
  });
}

/** A mock pool answers in this thread; a pass-through runs on the real pool within the same bounds. */
function answerMock(
  exchange: Exchange,
  mock: MockPool,
  deadline: number,
  signal: AbortSignal | undefined,
  cancel: CancelToken | undefined,
  listener: Listener,
): void {
  const network = (real: PreparedRequest) =>
    exchangeAsync(real, false, deadline, signal, cancel) as Promise<ExchangeResult>;
  answerAsync(exchange, mock, network).then(
    (replies) => {
      for (const reply of replies) listener.message(reply);
    },
    (error: OnepoolError) => listener.fail(error),
  );
}

/** Arms the deadline, the abort signal and the cancel token of one exchange; returns their release. */
function bound(
  deadline: number,
  signal: AbortSignal | undefined,
  cancel: CancelToken | undefined,
  request: PreparedRequest,
  giveUp: (error: OnepoolError) => void,
): () => void {
  if (signal?.aborted || cancel?.cancelled) {
    giveUp(abortedError(request));
    return () => {};
  }
  const timer = Number.isFinite(deadline)
    ? setTimeout(() => giveUp(totalTimeoutError(request)), Math.max(0, deadline - Date.now()))
    : undefined;
  const onAbort = () => giveUp(abortedError(request));
  signal?.addEventListener('abort', onAbort, { once: true });
  const unwatch = cancel ? watchToken(cancel, onAbort) : undefined;
  return () => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    unwatch?.();
  };
}

const perform = (op: Op): unknown => {
  if (op.kind === 'exchange') return exchangeAsync(op.request, op.stream, op.deadline, op.signal, op.cancel);
  if (op.kind === 'sleep') return new Promise((resolve) => setTimeout(resolve, op.ms));
  if (op.kind === 'read') return op.response.bytes();
  if (op.kind === 'observe') return op.publish('async');
  return op.fn(...(op.args as never[]));
};

export async function runAsync<R = Response>(policy: Policy<R>): Promise<R> {
  let step = policy.next();
  while (!step.done) {
    let result: unknown;
    try {
      result = await perform(step.value);
    } catch (error) {
      step = policy.throw(error);
      continue;
    }
    step = policy.next(result);
  }
  return step.value;
}
