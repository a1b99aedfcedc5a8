/**
 * In the pool worker, a key whose connector throws (TLS material OpenSSL refuses, which the caller's
 * check normally stops first) is left as it was: the failure reaches every exchange, the next
 * exchange tries to connect again instead of waiting for a probe that will never answer, and the
 * connection slot the attempt took is given back. Driven on the worker's own classes, because the
 * public faces refuse such settings before they reach the worker (tls-bad-pem.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { POOL_OPTION_DEFAULTS } from '../src/core/pool-options.ts';
import type { TransportConfig } from '../src/core/transport-key.ts';
import type { OutgoingRequest } from '../src/pool-worker/dispatch.ts';
import { entryFor, PoolState } from '../src/pool-worker/registry.ts';
import { ExchangeSink } from '../src/pool-worker/sink.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

/** An exchange that settles with its status or its error; failing, not hanging, after 20 s. */
class Outcome extends ExchangeSink {
  readonly settled: Promise<number | Error>;
  #settle!: (outcome: number | Error) => void;
  #status = 0;
  readonly #guard: NodeJS.Timeout;
  constructor() {
    super();
    this.settled = new Promise((resolve) => {
      this.#settle = resolve;
    });
    this.#guard = setTimeout(() => this.#settle(new Error('no outcome within 20 s')), 20_000);
  }
  protected onStart(): void {}
  protected onHead(status: number): void {
    if (status >= 200) this.#status = status;
  }
  protected onData(): boolean {
    return true;
  }
  protected onEnd(): void {
    clearTimeout(this.#guard);
    this.#settle(this.#status);
  }
  protected onError(err: Error): void {
    clearTimeout(this.#guard);
    this.#settle(err);
  }
}

const get = (origin: string): OutgoingRequest => ({
  origin,
  path: '/echo',
  method: 'GET',
  headers: [],
  body: null,
  headersTimeout: 0,
  bodyTimeout: 0,
  replayUnprocessed: false,
  reset: undefined,
});

const BAD_KEY = '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n';

let server: TestServer;
before(async () => {
  server = await startServer('h2');
});
after(() => server.close());

for (const http2 of [true, false, 'prior-knowledge'] as const) {
  test(`http2 ${http2}: every exchange of a key whose connector throws fails, and the slot is given back`, async () => {
    // One slot: an attempt that kept it would leave the good key below waiting for good.
    const pool = new PoolState(9000, { ...POOL_OPTION_DEFAULTS, maxConnections: 1, poolTimeout: 5_000 });
    const bad: TransportConfig = { tls: { rejectUnauthorized: false, key: BAD_KEY }, http2 };
    const entry = entryFor(pool, `bad-${http2}`, server.origin, bad);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const sink = new Outcome();
      entry.dispatch(get(server.origin), sink);
      const outcome = await sink.settled;
      assert.ok(outcome instanceof Error, `attempt ${attempt}: ${outcome}`);
      assert.match(outcome.message, /DECODER|unsupported|key/i, `attempt ${attempt}: ${outcome.message}`);
    }
    const good: TransportConfig = { tls: { rejectUnauthorized: false }, http2: http2 === true };
    const sink = new Outcome();
    entryFor(pool, `good-${http2}`, server.origin, good).dispatch(get(server.origin), sink);
    assert.equal(await sink.settled, 200);
    await pool.close();
  });
}
