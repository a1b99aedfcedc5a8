/**
 * `httpSync.all()`: up to `concurrency` policies in flight from one blocking call. Each policy is
 * driven like runSync drives one, except that its exchanges are posted without waiting and the
 * replies, in whatever order they come, resume the policy they belong to.
 */
import type { AllResult } from '../core/all.js';
import { Exchange } from '../core/exchange.js';
import { refusePromise } from '../core/hooks.js';
import type { ExchangeResult, Op, Policy } from '../core/policy.js';
import type { Response } from '../core/response.js';
import { totalTimeoutError } from '../core/wire.js';
import { mockPoolFor } from '../mock/mock-pool.js';
import { nextId, type WorkerHandle } from '../pool-worker/handle.js';
import { pumpSync, unlisten } from './channel.js';
import { answerMockSync, MOCK_SYNC, SYNC, sleepSync, startSync } from './driver.js';
import { withSameThreadHint } from './same-thread-server.js';

interface Lane {
  index: number;
  policy: Policy;
  wakeAt?: number;
  /** the exchange's timeout.total deadline (ms since the epoch) */
  deadline?: number;
}

export function runSyncAll(policies: readonly (() => Policy)[], concurrency: number): AllResult[] {
  const results = new Array<AllResult>(policies.length);
  const waiting = new Map<Exchange, Lane>();
  const sleeping = new Set<Lane>();
  /** exchanges that became ready, in arrival order */
  const arrived: Exchange[] = [];
  let handle: WorkerHandle | undefined;
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
    if (op.kind === 'hook') {
      let value: unknown;
      try {
        value = refusePromise(op.name, op.fn(...(op.args as never[])));
      } catch (error) {
        return resume(lane, () => lane.policy.throw(error));
      }
      return resume(lane, () => lane.policy.next(value));
    }
    if (op.kind === 'observe') {
      op.publish('sync');
      return resume(lane, () => lane.policy.next(undefined));
    }
    if (op.kind === 'sleep') {
      lane.wakeAt = Date.now() + op.ms;
      sleeping.add(lane);
      return;
    }
    // all() buffers its responses: its policies never stream, so never ask to read a stream.
    if (op.kind === 'read') return resume(lane, () => lane.policy.next(op.response.bytes()));
    let exchange: Exchange;
    try {
      const mock = mockPoolFor(op.request.pool);
      exchange = new Exchange(nextId(), op.request, false, mock ? MOCK_SYNC : SYNC);
      if (mock) {
        // Answered before the next lane starts: a mock's delay (or a pass-through) holds up the others.
        answerMockSync(exchange, mock, op.deadline, op.cancel);
        arrived.push(exchange);
      } else handle = startSync(exchange, (ready) => arrived.push(ready));
    } catch (error) {
      return resume(lane, () => lane.policy.throw(error));
    }
    lane.deadline = op.deadline;
    waiting.set(exchange, lane);
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
    for (const [exchange, lane] of waiting) {
      if (lane.deadline! <= now) {
        waiting.delete(exchange);
        unlisten(exchange.id);
        const error = totalTimeoutError(exchange.request);
        exchange.abort(error);
        resume(lane, () => lane.policy.throw(error));
      } else wake = Math.min(wake, lane.deadline!);
    }
    if (waiting.size === 0) {
      if (sleeping.size > 0) sleepSync(Math.max(0, wake - Date.now()));
      continue;
    }
    if (arrived.length === 0) {
      try {
        pumpSync(handle!, () => arrived.length > 0, Number.isFinite(wake) ? wake : undefined);
      } catch (error) {
        // The worker died: every exchange in flight failed with it; their policies decide what follows.
        const lanes = [...waiting.entries()];
        waiting.clear();
        for (const [exchange, lane] of lanes) {
          unlisten(exchange.id);
          resume(lane, () => lane.policy.throw(error));
        }
        continue;
      }
    }
    const exchange = arrived.shift();
    const lane = exchange && waiting.get(exchange);
    if (!exchange || !lane) continue; // timed out meanwhile
    waiting.delete(exchange);
    let result: ExchangeResult;
    try {
      result = exchange.result();
    } catch (error) {
      const hinted = withSameThreadHint(error, exchange.request.url);
      resume(lane, () => lane.policy.throw(hinted));
      continue;
    }
    resume(lane, () => lane.policy.next(result));
  }
  return results;
}
