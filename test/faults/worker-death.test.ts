// The pool worker dies (process.exit or an uncaught throw inside it) with 500 async exchanges and one
// sync exchange in flight, 20 times over: every exchange settles with WorkerCrashedError within 1 s of
// the death, none is left pending, and the next request on a fresh worker succeeds.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { http, httpSync, WorkerCrashedError } from 'onepool';
import { settledAt, syncCallThroughCrash } from '../helpers/crash.ts';
import { startServer, type TestServer } from '../helpers/servers.ts';

const ROUNDS = 20;
const IN_FLIGHT = 500;
const CRASH_AFTER_MS = 300;

let server: TestServer;
before(async () => {
  server = await startServer('http');
});
after(() => server?.close());

test(`worker death with ${IN_FLIGHT} async and 1 sync exchange in flight, ${ROUNDS} times`, {
  timeout: 120_000,
}, async () => {
  let worst = 0;
  for (let round = 0; round < ROUNDS; round++) {
    assert.equal(httpSync.get(server.url('/echo')).status, 200, `round ${round}: warm-up`);
    let unsettled = IN_FLIGHT;
    const settled = Array.from({ length: IN_FLIGHT }, (_, i) =>
      // Half wait on a server that never answers, half are queued behind the pool's connection limit.
      settledAt(
        http.get(server.url(i % 2 ? '/hang' : '/slow?ms=60000'), { timeout: { read: 60_000 } }),
      ).finally(() => unsettled--),
    );
    const how = round % 2 ? 'throw' : 'exit';
    const {
      error: syncError,
      crashAt,
      returnedAt: syncAt,
    } = syncCallThroughCrash(server.url('/hang'), how, CRASH_AFTER_MS);
    assert.ok(
      syncError instanceof WorkerCrashedError,
      `round ${round} (${how}): sync call got ${String(syncError)}`,
    );
    assert.ok(
      syncAt - crashAt < 1000,
      `round ${round}: sync caller woke ${syncAt - crashAt} ms after the death`,
    );
    worst = Math.max(worst, syncAt - crashAt);

    // Bounded wait: a promise that never settles fails the round instead of hanging the test.
    const all = await Promise.race([
      Promise.all(settled),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 5000).unref()),
    ]);
    assert.ok(all, `round ${round}: ${unsettled} of ${IN_FLIGHT} async exchanges never settled`);
    for (const { error, at } of all) {
      assert.ok(error instanceof WorkerCrashedError, `round ${round}: async call got ${String(error)}`);
      assert.ok(
        at - crashAt < 1000,
        `round ${round}: async caller settled ${at - crashAt} ms after the death`,
      );
      worst = Math.max(worst, at - crashAt);
    }
    assert.equal(unsettled, 0);

    const next = await http.get(server.url('/echo'));
    assert.equal(next.status, 200, `round ${round}: the next request`);
    assert.equal(next.connection.reused, false, 'a fresh worker opened a fresh connection');
  }
  console.log(
    `# worker death: ${ROUNDS} rounds × ${IN_FLIGHT + 1} exchanges, 0 unsettled, worst ${worst} ms after death`,
  );
});
