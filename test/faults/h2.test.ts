// Every HTTP/2 fault scenario against both faces of onepool (h2 negotiated over ALPN with the fixture CA).
// Besides the checks every scenario gets (harness.ts), the h2 scenarios carry server-side promises:
// at most one replay of an unprocessed stream, the peer's stream limit kept under concurrent load, and
// no stream opened on a session after its GOAWAY or while the limit is 0.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { http, httpSync, NotProcessedError } from 'onepool';
import {
  type FaultHost,
  type FaultServer,
  type Observed,
  scenarioNames,
  startFaults,
} from '../helpers/faults.js';
import {
  allowed,
  assertFirstAttempt,
  assertOwnResponse,
  attempt,
  describeError,
  FACES,
  type Face,
  healthyFollowUp,
  optionsFor,
} from './harness.js';

const H2 = scenarioNames((s) => s.protocol === 'h2');

let host: FaultHost;
before(async () => {
  host = await startFaults(H2);
});
after(() => host?.close());

/** Requests opened at once against the limit scenarios. */
const CONCURRENT = 12;

async function concurrently(face: Face, srv: FaultServer, ids: string[]) {
  const requests = ids.map((id) => ({ method: srv.method, url: srv.url, ...optionsFor(srv, id) }));
  return face === 'async'
    ? http.all(requests, { concurrency: ids.length })
    : httpSync.all(requests, { concurrency: ids.length });
}

/** At most one replay of a stream the server refused or did not process (RFC 9113 §8.7). */
async function atMostOneReplay(srv: FaultServer, before: Observed) {
  const seen = (await srv.observed()).requests.length - before.requests.length;
  assert.ok(seen >= 1 && seen <= 2, `server saw ${seen} requests for one call`);
}

/** Scenario-specific server-side checks, run after the first attempt. */
const extra: Record<string, (face: Face, srv: FaultServer, before: Observed) => Promise<void>> = {
  'h2-refused-stream-always': (_face, srv, before) => atMostOneReplay(srv, before),
  'h2-goaway-error-always': (_face, srv, before) => atMostOneReplay(srv, before),
  'h2-max-concurrent-1': async (face, srv) => {
    await srv.reset();
    const ids = Array.from({ length: CONCURRENT }, (_, i) => `mc1-${face}-${i}`);
    const results = await concurrently(face, srv, ids);
    for (const [i, r] of results.entries()) {
      assert.ok(r.ok, `request ${i}: ${r.ok ? '' : String(r.error)}`);
      if (r.ok) assertOwnResponse(r.response, ids[i]!, `concurrent request ${i}`);
    }
    const o = await srv.observed();
    assert.ok(o.maxConcurrentStreams <= 1, `server saw ${o.maxConcurrentStreams} concurrent streams`);
  },
  'h2-max-concurrent-0-then-raised': async (face, srv) => {
    const results = await concurrently(
      face,
      srv,
      Array.from({ length: CONCURRENT }, (_, i) => `mc0-${face}-${i}`),
    );
    for (const [i, r] of results.entries()) assert.ok(r.ok, `request ${i}: ${r.ok ? '' : String(r.error)}`);
  },
  // Streams above the GOAWAY's last id go to a new session, each at most once: with more requests in
  // flight than the server answers per session, the rest fail with the retryable NotProcessedError.
  'h2-goaway-graceful-after-3': async (face, srv, before) => {
    const ids = Array.from({ length: CONCURRENT }, (_, i) => `ga3-${face}-${i}`);
    const results = await concurrently(face, srv, ids);
    let ok = 0;
    for (const [i, r] of results.entries()) {
      if (r.ok) {
        ok++;
        assertOwnResponse(r.response, ids[i]!, `concurrent request ${i}`);
      } else assert.ok(r.error instanceof NotProcessedError, `request ${i}: ${String(r.error)}`);
    }
    assert.ok(ok >= 3, `only ${ok} of ${CONCURRENT} answered`);
    const seen = new Map<string, number>();
    for (const q of (await srv.observed()).requests.slice(before.requests.length))
      if (q.requestId?.startsWith('ga3-')) seen.set(q.requestId, (seen.get(q.requestId) ?? 0) + 1);
    for (const [rid, n] of seen) assert.ok(n <= 2, `${rid} sent ${n} times`);
  },
};

for (const face of FACES) {
  describe(`HTTP/2 faults, ${face} face`, () => {
    for (const name of H2) {
      test(name, { timeout: 30_000 }, async () => {
        const srv = host.get(name);
        // No reset(): it clears scenario state that connections still alive from the other face rely on.
        const before = await srv.observed();
        const id = `first-${name}-${face}`;
        const first = await attempt(face, srv, id);
        assertFirstAttempt(srv, first, allowed(first, srv.outcomes));
        if (first.outcome === 'ok') {
          const r = first.response!;
          assert.equal(r.httpVersion, '2', 'the fixture speaks only h2: ALPN must have chosen it');
          if (r.headers.get('x-request-id') !== null) assertOwnResponse(r, id, 'first');
          if (srv.followUpOk) {
            for (let i = 0; i < 4; i++) {
              const nextId = `next-${name}-${face}-${i}`;
              const next = await attempt(face, srv, nextId);
              // A flooding server floods every connection: a later request may end as the first could.
              assert.ok(
                allowed(next, srv.outcomes),
                `request ${i + 2}: expected ${srv.outcomes.join(' | ')}, got ${describeError(next)}`,
              );
              if (next.response && next.response.headers.get('x-request-id') !== null)
                assertOwnResponse(next.response, nextId, `request ${i + 2}`);
            }
          }
        }
        await extra[name]?.(face, srv, before);
        const violations = (await srv.observed()).events
          .slice(before.events.length)
          .filter((e) => e.startsWith('violation'));
        assert.deepEqual(violations, [], 'the client broke the server’s rules');
        await healthyFollowUp(host, face, srv, 'h2-ok');
      });
    }
  });
}
