// Every HTTP/1.1 and TLS fault scenario against both faces of onepool. For each: the typed error (or a
// correct response) within timeout + 250 ms; no response that belongs to another request; and the pool
// still serves a healthy server afterwards on the same face.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { http, httpSync, type RequestOptions, type Response } from 'onepool';
import { type FaultHost, type FaultServer, scenarioNames, startFaults } from '../helpers/faults.js';

/** Slack on top of the configured timeout, from reliability.md (d). */
const SLACK_MS = 250;

let host: FaultHost;
before(async () => {
  host = await startFaults(scenarioNames((s) => s.protocol === 'h1'));
});
after(() => host?.close());

type Face = 'async' | 'sync';

interface Attempt {
  outcome: string;
  elapsed: number;
  response?: Response;
  error?: unknown;
}

function optionsFor(srv: FaultServer, requestId?: string): RequestOptions {
  const o = srv.clientOptions(requestId);
  return {
    headers: o.headers,
    // onepool has connect and read timeouts only; a scenario's `total` has no equivalent yet.
    timeout: { connect: o.timeout.connect, read: o.timeout.read },
    ...(o.tls ? { tls: o.tls } : {}),
    ...(o.body ? { body: o.body } : {}),
  };
}

async function attempt(face: Face, srv: FaultServer, requestId?: string): Promise<Attempt> {
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

const describeError = (a: Attempt) =>
  a.error
    ? `${(a.error as Error).name} ${(a.error as { code?: string }).code} (${(a.error as { causeCode?: string }).causeCode}): ${(a.error as Error).message}`
    : `response ${a.response?.status}`;

/** The outcome arrives within the timeout that governs it, plus slack. */
function budgetFor(srv: FaultServer, outcome: string): number {
  return (outcome === 'ConnectTimeoutError' ? srv.timeout.connect : srv.timeout.read) + SLACK_MS;
}

function assertOwnResponse(r: Response, requestId: string, what: string) {
  const echoed = r.headers.get('x-request-id');
  assert.equal(echoed, requestId, `${what}: got the response of '${echoed}'`);
}

async function healthyFollowUp(face: Face, srv: FaultServer) {
  const healthy = host.get(srv.scheme === 'https' ? 'tls-ok' : 'ok');
  const id = `healthy-${srv.name}-${face}`;
  const a = await attempt(face, healthy, id);
  assert.equal(a.outcome, 'ok', `healthy server after ${srv.name}: ${describeError(a)}`);
  assertOwnResponse(a.response!, id, 'healthy follow-up');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Gaps between requests that straddle the stale-keepalive servers' idle close. */
const STALE_GAPS: Record<string, number[]> = {
  'stale-keepalive': [50, 90, 100, 110, 150],
  'stale-keepalive-rst': [50, 90, 100, 110, 150],
  'stale-keepalive-hint': [950, 1000, 1050],
};

for (const face of ['async', 'sync'] as const) {
  describe(`HTTP/1.1 faults, ${face} face`, () => {
    for (const name of scenarioNames((s) => s.protocol === 'h1')) {
      test(name, { timeout: 30_000 }, async () => {
        const srv = host.get(name);
        const id = `first-${name}-${face}`;
        const first = await attempt(face, srv, id);
        assert.ok(
          srv.outcomes.includes(first.outcome as never),
          `expected ${srv.outcomes.join(' | ')}, got ${describeError(first)}`,
        );
        const budget = budgetFor(srv, first.outcome);
        assert.ok(
          first.elapsed <= budget,
          `${first.outcome} after ${Math.round(first.elapsed)} ms (budget ${budget})`,
        );

        if (first.outcome === 'ok') {
          const r = first.response!;
          if (r.headers.get('x-request-id') !== null || srv.method === 'HEAD')
            assertOwnResponse(r, id, 'first');
          if (srv.method === 'HEAD' || r.status === 204 || r.status === 304) {
            assert.equal(r.bytes().length, 0, `${r.status} to ${srv.method} must have no body`);
          }
          if (srv.followUpOk) {
            const gaps = STALE_GAPS[name] ?? [0, 0, 0];
            for (const [i, gap] of gaps.entries()) {
              await sleep(gap);
              const nextId = `next-${name}-${face}-${i}`;
              const next = await attempt(face, srv, nextId);
              assert.equal(next.outcome, 'ok', `request ${i + 2} (after ${gap} ms): ${describeError(next)}`);
              assertOwnResponse(next.response!, nextId, `request ${i + 2}`);
            }
          }
        }
        await healthyFollowUp(face, srv);
      });
    }
  });
}
