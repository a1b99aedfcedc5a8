// Runs fault scenarios against one face of onepool: the attempt, its outcome and timing, and the checks
// every scenario shares (the outcome is one the scenario allows, within its timeout + 250 ms; a response
// is the one this request asked for; a healthy server is still served afterwards).

import assert from 'node:assert/strict';
import * as onepool from 'onepool';
import { http, httpSync, type RequestOptions, type Response } from 'onepool';
import type { FaultHost, FaultServer, Outcome } from '../helpers/faults.js';

/** Slack on top of the configured timeout, from reliability.md (d). */
export const SLACK_MS = 250;

export type Face = 'async' | 'sync';
export const FACES: readonly Face[] = ['async', 'sync'];

export interface Attempt {
  outcome: string;
  elapsed: number;
  response?: Response;
  error?: unknown;
}

export function optionsFor(srv: FaultServer, requestId?: string): RequestOptions {
  const o = srv.clientOptions(requestId);
  return {
    headers: o.headers,
    // A scenario's read budget also bounds sending the body (timeout.write); its `total` has no
    // equivalent yet.
    timeout: { connect: o.timeout.connect, read: o.timeout.read, write: o.timeout.read },
    ...(o.tls ? { tls: o.tls } : {}),
    ...(o.body ? { body: o.body } : {}),
  };
}

export async function attempt(face: Face, srv: FaultServer, requestId?: string): Promise<Attempt> {
  const opts = optionsFor(srv, requestId);
  const start = performance.now();
  try {
    const response =
      face === 'async'
        ? await http.request(srv.method, srv.url, opts)
        : httpSync.request(srv.method, srv.url, opts);
    return { outcome: 'ok', elapsed: performance.now() - start, response };
  } catch (error) {
    return { outcome: (error as Error).name, elapsed: performance.now() - start, error };
  }
}

export const describeError = (a: Attempt) =>
  a.error
    ? `${(a.error as Error).name} ${(a.error as { code?: string }).code} (${(a.error as { causeCode?: string }).causeCode}): ${(a.error as Error).message}`
    : `response ${a.response?.status}`;

/** The outcome arrives within the timeout that governs it, plus slack. */
export function budgetFor(srv: FaultServer, outcome: string): number {
  return (outcome === 'ConnectTimeoutError' ? srv.timeout.connect : srv.timeout.read) + SLACK_MS;
}

/**
 * True if the attempt is one of the allowed outcomes: 'ok', or an error of that class. A subclass counts
 * (NotProcessedError is the more specific ConnectionClosedError the pool raises when an HTTP/2 server
 * says it did not process a stream).
 */
export function allowed(a: Attempt, outcomes: readonly Outcome[]): boolean {
  return outcomes.some((o) => {
    if (o === 'ok') return a.outcome === 'ok';
    const cls = (onepool as unknown as Record<string, new (...args: never[]) => Error>)[o];
    return cls !== undefined && a.error instanceof cls;
  });
}

/** The first attempt's outcome is one the scenario allows (`ok`), and it arrived within its time budget. */
export function assertFirstAttempt(srv: FaultServer, first: Attempt, ok: boolean): void {
  assert.ok(ok, `expected ${srv.outcomes.join(' | ')}, got ${describeError(first)}`);
  const budget = budgetFor(srv, first.outcome);
  assert.ok(
    first.elapsed <= budget,
    `${first.outcome} after ${Math.round(first.elapsed)} ms (budget ${budget})`,
  );
}

export function assertOwnResponse(r: Response, requestId: string, what: string) {
  const echoed = r.headers.get('x-request-id');
  assert.equal(echoed, requestId, `${what}: got the response of '${echoed}'`);
}

export async function healthyFollowUp(host: FaultHost, face: Face, srv: FaultServer, healthyName: string) {
  const healthy = host.get(healthyName);
  const id = `healthy-${srv.name}-${face}`;
  const a = await attempt(face, healthy, id);
  assert.equal(a.outcome, 'ok', `healthy server after ${srv.name}: ${describeError(a)}`);
  assertOwnResponse(a.response!, id, 'healthy follow-up');
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
