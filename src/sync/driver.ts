/** Drives the shared policy generator with the blocking transport. */
import type { PreparedRequest } from '../core/options.js';
import type { ExchangeResult, Op, Policy } from '../core/policy.js';
import type { Response } from '../core/response.js';
import { exchangeMessage, exchangeResult } from '../core/wire.js';
import { nextId } from '../pool-worker/handle.js';
import { ensurePool } from '../pools.js';
import { callSync } from './channel.js';

export function exchangeSync(request: PreparedRequest): ExchangeResult {
  ensurePool(request.pool);
  return exchangeResult(callSync(exchangeMessage(request, nextId())), request);
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Sleeps without spinning a core. */
export const sleepSync = (ms: number): undefined => {
  Atomics.wait(sleeper, 0, 0, ms);
  return undefined;
};

const perform = (op: Op): ExchangeResult | undefined =>
  op.kind === 'exchange' ? exchangeSync(op.request) : sleepSync(op.ms);

export function runSync(policy: Policy): Response {
  let step = policy.next();
  while (!step.done) {
    let result: ExchangeResult | undefined;
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
