/**
 * Drives the shared policy generator with the async transport: each exchange is one core
 * {@link Exchange} whose replies arrive as port messages, waited for with a promise.
 */
import { type CancelToken, watchToken } from '../core/cancel-token.js';
import type { OnepoolError } from '../core/errors.js';
import { Exchange, type ExchangeChannel } from '../core/exchange.js';
import type { PreparedRequest } from '../core/options.js';
import type { Call, ExchangeResult, Op, Policy } from '../core/policy.js';
import { direct, directResponse, policyOf } from '../core/policy.js';
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
  const waiter = new Waiter(new Exchange(nextId(), request, stream, mock ? MOCK : ASYNC));
  const promise = new Promise<ExchangeResult | StreamingResponse>((resolve, reject) => {
    waiter.resolve = resolve;
    waiter.reject = reject;
  });
  if (mock) answerMock(waiter.exchange, mock, deadline, signal, cancel, waiter);
  else openAsync((handle) => waiter.exchange.open(settingsToSend(handle, 'async', request.pool)), waiter);
  if (!waiter.settled && (Number.isFinite(deadline) || signal || cancel))
    waiter.release = bound(deadline, signal, cancel, request, (error) => waiter.abandon(error));
  return promise;
}

/**
 * What waits for one exchange: it listens for the exchange's replies and settles the exchange's
 * promise once it is ready. One object per exchange, rather than a closure per role.
 */
class Waiter implements Listener {
  readonly exchange: Exchange;
  resolve: (value: ExchangeResult | StreamingResponse) => void = noop;
  reject: (error: unknown) => void = noop;
  /** a streamed body's reader, woken at each reply (made only for an exchange with a body on the wire) */
  readonly wake: Wake | undefined;
  settled = false;
  /** the caller gave up: later replies are dropped */
  #abandoned = false;
  /** disarms the deadline, signal and token, once the exchange is over */
  release: () => void = noop;

  constructor(exchange: Exchange) {
    this.exchange = exchange;
    if (exchange.body) this.wake = { resolve: undefined };
  }

  message(reply: FromWorker): void {
    if (this.#abandoned) return;
    this.exchange.accept(reply);
    this.#update();
  }

  fail(error: OnepoolError): void {
    this.exchange.fail(error);
    this.#update();
  }

  abandon(error: OnepoolError): void {
    this.#abandoned = true;
    if (this.exchange.abort(error)) closeAsync(this.exchange.id);
    this.#update();
  }

  #update(): void {
    const exchange = this.exchange;
    const body = exchange.body;
    if (!this.settled && exchange.ready) {
      this.settled = true;
      if (exchange.streamed && body?.head)
        this.resolve(new StreamingResponse(body, this.wake!, () => this.release()));
      else {
        try {
          this.resolve(exchange.result());
        } catch (error) {
          this.reject(error);
        }
      }
    }
    if (body ? body.ended || body.error || body.cancelled : exchange.ready) this.release();
    const wake = this.wake;
    if (wake?.resolve) {
      const w = wake.resolve;
      wake.resolve = undefined;
      w();
    }
  }
}

const noop = (): void => {};

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
    return noop;
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

/**
 * One buffered call. A direct one ({@link direct}) sends its first exchange here and enters the
 * policy only when the result asks for it; any other runs the policy from its start.
 */
export function requestAsync(call: Call): Promise<Response> {
  if (!direct(call)) return runAsync(policyOf(call));
  const { request, cfg } = call;
  return (
    exchangeAsync(request, false, call.deadline, cfg.signal, cfg.cancel) as Promise<ExchangeResult>
  ).then(
    (result) => directResponse(call, result) ?? runAsync(policyOf(call, { result })),
    (error: unknown) => runAsync(policyOf(call, { error })),
  );
}

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
