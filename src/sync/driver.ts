/** Drives the shared policy generator with the blocking transport. */
import { refusePromise } from '../core/hooks.js';
import type { PreparedRequest } from '../core/options.js';
import type { ExchangeResult, Op, Policy } from '../core/policy.js';
import type { Response } from '../core/response.js';
import { interimHandler } from '../core/streaming.js';
import { exchangeMessage, exchangeResult, totalTimeoutError } from '../core/wire.js';
import { nextId } from '../pool-worker/handle.js';
import { ensurePool } from '../pools.js';
import { callSync, notifySync } from './channel.js';
import { openStreamSync } from './streaming.js';

export function exchangeSync(request: PreparedRequest, deadline = Number.POSITIVE_INFINITY): ExchangeResult {
  // Download progress needs the body in pieces: stream it, then hand over the whole.
  if (request.onDownloadProgress) {
    const res = openStreamSync(request);
    return res.result(res.bytes());
  }
  ensurePool(request.pool);
  const id = nextId();
  const interim = interimHandler(request, id, notifySync, 'sync');
  const timedOut = () => totalTimeoutError(request);
  return exchangeResult(callSync(exchangeMessage(request, id), [], interim, deadline, timedOut), request);
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Sleeps without spinning a core. */
export const sleepSync = (ms: number): undefined => {
  Atomics.wait(sleeper, 0, 0, ms);
  return undefined;
};

const perform = (op: Op): unknown => {
  if (op.kind === 'exchange') return exchangeSync(op.request, op.deadline);
  if (op.kind === 'sleep') return sleepSync(op.ms);
  return refusePromise(op.name, op.fn(...(op.args as never[])));
};

export function runSync(policy: Policy): Response {
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
