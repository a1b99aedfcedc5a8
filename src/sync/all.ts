/**
 * `httpSync.all()`: up to `concurrency` policies in flight from one blocking call. Each policy is
 * driven like runSync drives one, except that its exchanges are posted without waiting and the
 * replies, in whatever order they come, resume the policy they belong to.
 */
import type { AllResult } from '../core/all.js';
import type { PreparedRequest } from '../core/options.js';
import type { ExchangeResult, Op, Policy } from '../core/policy.js';
import type { Response } from '../core/response.js';
import { exchangeMessage, exchangeResult } from '../core/wire.js';
import { nextId } from '../pool-worker/handle.js';
import { ensurePool } from '../pools.js';
import { postSync, waitSync } from './channel.js';
import { sleepSync } from './driver.js';

interface Lane {
  index: number;
  policy: Policy;
  request?: PreparedRequest;
  wakeAt?: number;
}

export function runSyncAll(policies: readonly (() => Policy)[], concurrency: number): AllResult[] {
  const results = new Array<AllResult>(policies.length);
  const waiting = new Map<number, Lane>();
  const sleeping = new Set<Lane>();
  let running = 0;
  let next = 0;

  const settle = (lane: Lane, result: AllResult) => {
    results[lane.index] = result;
    running--;
  };

  /** Resumes a policy and carries it to its next exchange, sleep or end. */
  const resume = (lane: Lane, step: () => IteratorResult<Op, Response>) => {
    let result: IteratorResult<Op, Response>;
    try {
      result = step();
    } catch (error) {
      return settle(lane, { ok: false, error });
    }
    if (result.done) return settle(lane, { ok: true, response: result.value });
    const op = result.value;
    if (op.kind === 'sleep') {
      lane.wakeAt = Date.now() + op.ms;
      sleeping.add(lane);
      return;
    }
    const id = nextId();
    try {
      ensurePool(op.request.pool);
      postSync(exchangeMessage(op.request, id));
    } catch (error) {
      return resume(lane, () => lane.policy.throw(error));
    }
    lane.request = op.request;
    waiting.set(id, lane);
  };

  for (;;) {
    while (running < concurrency && next < policies.length) {
      const lane: Lane = { index: next++, policy: undefined as unknown as Policy };
      running++;
      try {
        lane.policy = policies[lane.index]!();
      } catch (error) {
        settle(lane, { ok: false, error });
        continue;
      }
      resume(lane, () => lane.policy.next());
    }
    if (running === 0) break;
    const now = Date.now();
    let wake = Number.POSITIVE_INFINITY;
    for (const lane of sleeping) {
      if (lane.wakeAt! <= now) {
        sleeping.delete(lane);
        resume(lane, () => lane.policy.next(undefined));
      } else wake = Math.min(wake, lane.wakeAt!);
    }
    if (waiting.size === 0) {
      if (sleeping.size > 0) sleepSync(Math.max(0, wake - Date.now()));
      continue;
    }
    let reply: ReturnType<typeof waitSync> | undefined;
    try {
      reply = Number.isFinite(wake)
        ? waitSync((id) => waiting.has(id), wake)
        : waitSync((id) => waiting.has(id));
    } catch (error) {
      // The worker died: every exchange in flight failed with it; their policies decide what follows.
      const lanes = [...waiting.values()];
      waiting.clear();
      for (const lane of lanes) resume(lane, () => lane.policy.throw(error));
      continue;
    }
    if (!reply) continue;
    const lane = waiting.get(reply.id)!;
    waiting.delete(reply.id);
    const answer = reply;
    let result: ExchangeResult;
    try {
      result = exchangeResult(answer, lane.request!);
    } catch (error) {
      resume(lane, () => lane.policy.throw(error));
      continue;
    }
    resume(lane, () => lane.policy.next(result));
  }
  return results;
}
