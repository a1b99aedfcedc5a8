// Every HTTP/1.1 and TLS fault scenario against both faces of onepool. For each: the typed error (or a
// correct response) within timeout + 250 ms; no response that belongs to another request; and the pool
// still serves a healthy server afterwards on the same face.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type FaultHost, scenarioNames, startFaults } from '../helpers/faults.js';
import {
  assertFirstAttempt,
  assertOwnResponse,
  attempt,
  describeError,
  FACES,
  healthyFollowUp,
  sleep,
} from './harness.js';

let host: FaultHost;
before(async () => {
  host = await startFaults(scenarioNames((s) => s.protocol === 'h1'));
});
after(() => host?.close());

/** Gaps between requests that straddle the stale-keepalive servers' idle close. */
const STALE_GAPS: Record<string, number[]> = {
  'stale-keepalive': [50, 90, 100, 110, 150],
  'stale-keepalive-rst': [50, 90, 100, 110, 150],
  'stale-keepalive-hint': [950, 1000, 1050],
};

for (const face of FACES) {
  describe(`HTTP/1.1 faults, ${face} face`, () => {
    for (const name of scenarioNames((s) => s.protocol === 'h1')) {
      test(name, { timeout: 30_000 }, async () => {
        const srv = host.get(name);
        const id = `first-${name}-${face}`;
        const first = await attempt(face, srv, id);
        assertFirstAttempt(srv, first, srv.outcomes.includes(first.outcome as never));

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
        await healthyFollowUp(host, face, srv, srv.scheme === 'https' ? 'tls-ok' : 'ok');
      });
    }
  });
}
