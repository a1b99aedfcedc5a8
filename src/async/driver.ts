/** Drives the shared policy generator with the async transport. */
import type { PreparedRequest } from '../core/options.js';
import type { ExchangeResult, Op, Policy } from '../core/policy.js';
import type { Response } from '../core/response.js';
import { exchangeMessage, exchangeResult } from '../core/wire.js';
import { nextId } from '../pool-worker/handle.js';
import { ensurePool } from '../pools.js';
import { callAsync } from './channel.js';

export async function exchangeAsync(request: PreparedRequest): Promise<ExchangeResult> {
  ensurePool(request.pool);
  return exchangeResult(await callAsync(exchangeMessage(request, nextId())), request);
}

const perform = (op: Op): Promise<ExchangeResult | undefined> =>
  op.kind === 'exchange'
    ? exchangeAsync(op.request)
    : new Promise((resolve) => setTimeout(() => resolve(undefined), op.ms));

export async function runAsync(policy: Policy): Promise<Response> {
  let step = policy.next();
  while (!step.done) {
    let result: ExchangeResult | undefined;
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
