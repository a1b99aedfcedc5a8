/**
 * Policy, written once: a generator that yields the I/O it needs ({@link Op}) and receives the
 * results. The async face drives it with `runAsync`, the sync face with `runSync`; neither face
 * decides anything itself, so both behave the same by construction.
 */
import type { PreparedRequest } from './options.js';
import type { WireResponse } from './protocol.js';
import { Response } from './response.js';

/** One exchange on the pool: the worker's answer, or a thrown OnepoolError. */
export type ExchangeResult = Omit<WireResponse, 't' | 'id'>;

export type Op = { kind: 'exchange'; request: PreparedRequest } | { kind: 'sleep'; ms: number };

/** The value an Op resumes the generator with. */
export type OpResult<O extends Op> = O extends { kind: 'exchange' } ? ExchangeResult : undefined;

export type Policy = Generator<Op, Response, ExchangeResult | undefined>;

/** The whole life of one call: send, build the Response, apply throwHttpErrors. */
export function* send(request: PreparedRequest): Policy {
  const result = (yield { kind: 'exchange', request }) as ExchangeResult;
  const response = new Response(result, request.url.href);
  if (request.throwHttpErrors) response.raiseForStatus();
  return response;
}
