/** Drives the shared policy generator with the async transport. */
import type { PreparedRequest } from '../core/options.js';
import type { ExchangeResult, Op, Policy } from '../core/policy.js';
import type { Response } from '../core/response.js';
import { abortedError, exchangeMessage, exchangeResult, totalTimeoutError } from '../core/wire.js';
import { nextId } from '../pool-worker/handle.js';
import { ensurePool } from '../pools.js';
import { callAsync } from './channel.js';

export async function exchangeAsync(
  request: PreparedRequest,
  deadline = Number.POSITIVE_INFINITY,
  signal?: AbortSignal,
): Promise<ExchangeResult> {
  ensurePool(request.pool);
  const bounds = {
    deadline,
    signal,
    timedOut: () => totalTimeoutError(request),
    aborted: () => abortedError(request),
  };
  return exchangeResult(await callAsync(exchangeMessage(request, nextId()), [], bounds), request);
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
