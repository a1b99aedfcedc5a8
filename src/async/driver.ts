/** Drives the shared policy generator with the async transport. */
import type { PreparedRequest } from '../core/options.js';
import type { ExchangeResult, Op, Policy } from '../core/policy.js';
import type { Response } from '../core/response.js';
import { interimHandler } from '../core/streaming.js';
import { abortedError, exchangeMessage, exchangeResult, totalTimeoutError } from '../core/wire.js';
import { nextId } from '../pool-worker/handle.js';
import { ensurePool } from '../pools.js';
import { callAsync, notifyAsync } from './channel.js';
import { openStreamAsync } from './streaming.js';

export async function exchangeAsync(
  request: PreparedRequest,
  deadline = Number.POSITIVE_INFINITY,
  signal?: AbortSignal,
): Promise<ExchangeResult> {
  // Download progress needs the body in pieces: stream it, then hand over the whole.
  if (request.onDownloadProgress) {
    const res = await openStreamAsync(request);
    return res.result(await res.bytes());
  }
  ensurePool(request.pool);
  const id = nextId();
  const interim = interimHandler(request, id, notifyAsync, 'async');
  const bounds = {
    deadline,
    signal,
    timedOut: () => totalTimeoutError(request),
    aborted: () => abortedError(request),
  };
  return exchangeResult(await callAsync(exchangeMessage(request, id), [], interim, bounds), request);
}

const perform = (op: Op): unknown => {
  if (op.kind === 'exchange') return exchangeAsync(op.request, op.deadline, op.signal);
  if (op.kind === 'sleep') return new Promise((resolve) => setTimeout(resolve, op.ms));
  return op.fn(...(op.args as never[]));
};

export async function runAsync(policy: Policy): Promise<Response> {
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
