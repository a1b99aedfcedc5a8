// Property test: a raw server answers each request with a well-formed response (Content-Length,
// chunked or close-delimited) cut at random byte boundaries with random delays, sometimes truncated,
// sometimes followed by random bytes. Whatever it does, each call settles within its read timeout +
// 250 ms with either its own response, byte for byte, or a typed RequestError — never a hang, never an
// untyped error, never another request's body — and the next request is served.
//
// Seeded and reproducible: FUZZ_SEED (default 20261121) and FUZZ_RUNS (default 300; 5,000 with SOAK=1).
// A failure prints the seed and path for fast-check's replay.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { http, httpSync, RequestError } from 'onepool';
import { type Child, startChild } from './child.js';
import { type Face, SLACK_MS } from './harness.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261121);
const RUNS = Number(process.env.FUZZ_RUNS ?? (process.env.SOAK ? 5000 : 300));
const READ_MS = 1000;

let server: Child;
let url: string;
before(async () => {
  server = await startChild('./fuzz-server.ts');
  url = `http://127.0.0.1:${server.ready.port}/fuzz`;
});
after(() => server?.close());

/** `arb` in one run of `oneIn`, null otherwise. */
const sometimes = <T>(arb: fc.Arbitrary<T>, oneIn: number) =>
  fc.oneof({ arbitrary: fc.constant(null), weight: oneIn - 1 }, { arbitrary: arb, weight: 1 });
const framing = fc.constantFrom('content-length', 'chunked', 'close');
const plan = fc.record({
  face: fc.constantFrom<Face>('async', 'sync'),
  status: fc.constantFrom(200, 201, 203, 206, 404, 418, 500, 503),
  body: fc.uint8Array({ maxLength: 3000 }),
  framing,
  chunkSizes: fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }),
  /** fractions of the response length at which to cut it */
  cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 10 }),
  delays: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 11 }),
  /** cut the response off at this fraction and close */
  truncateAt: sometimes(fc.double({ min: 0, max: 0.999, noNaN: true }), 5),
  tail: sometimes(fc.uint8Array({ minLength: 1, maxLength: 64 }), 4),
  tailDelay: fc.integer({ min: 0, max: 20 }),
});
type Plan = typeof plan extends fc.Arbitrary<infer T> ? T : never;

function responseBytes(p: Plan, requestId: string): Buffer {
  const head = [`HTTP/1.1 ${p.status} Fuzz`, `x-request-id: ${requestId}`];
  let body: Buffer;
  const raw = Buffer.from(p.body);
  if (p.framing === 'content-length') {
    head.push(`content-length: ${raw.length}`);
    body = raw;
  } else if (p.framing === 'chunked') {
    head.push('transfer-encoding: chunked');
    const parts: Buffer[] = [];
    let at = 0;
    for (let i = 0; at < raw.length; i++) {
      const n = Math.min(p.chunkSizes[i % p.chunkSizes.length]!, raw.length - at);
      parts.push(Buffer.from(`${n.toString(16)}\r\n`), raw.subarray(at, at + n), Buffer.from('\r\n'));
      at += n;
    }
    parts.push(Buffer.from('0\r\n\r\n'));
    body = Buffer.concat(parts);
  } else {
    head.push('connection: close');
    body = raw;
  }
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

/** True when the plan, and the one before it on the same socket, leave no room for a failure. */
const clean = (p: Plan) => p.truncateAt === null && p.tail === null;

let seq = 0;
/**
 * Request ids whose response the server cuts before the end of its head. onepool replays an idempotent
 * request once when a reused connection closes before a response head arrived (the stale keep-alive
 * rule; the README says so: the pool counts a complete head), so these may reach the
 * server twice.
 */
const silent = new Set<string>();
let previous: Plan | undefined;
const history: unknown[] = [];
const stats = { runs: 0, ok: 0, errors: 0, byClass: new Map<string, number>() };

async function run(p: Plan): Promise<void> {
  const requestId = `fz-${process.pid}-${++seq}`;
  let bytes = responseBytes(p, requestId);
  const truncated = p.truncateAt !== null;
  const headLength = bytes.indexOf('\r\n\r\n') + 4;
  if (truncated) bytes = bytes.subarray(0, Math.floor(bytes.length * p.truncateAt!));
  if (bytes.length < headLength) silent.add(requestId);
  const cuts = [...new Set(p.cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  const segments: [string, number][] = [];
  let from = 0;
  for (const [i, c] of [...cuts, bytes.length].entries()) {
    if (c <= from && !(c === bytes.length && from === 0)) continue;
    segments.push([bytes.subarray(from, c).toString('base64'), p.delays[i] ?? 0]);
    from = c;
  }
  // Bytes after a cut would only continue the response (a correct client may read them as body), so a
  // tail follows complete responses only.
  if (p.tail && !truncated) segments.push([Buffer.from(p.tail).toString('base64'), p.tailDelay]);
  await server.call({
    type: 'plan',
    requestId,
    segments,
    close: truncated || p.framing === 'close',
  });
  // Transport only: no status retries (500/503 are among the statuses); the always-on stale keep-alive
  // replay stays, and is checked at the server.
  const options = {
    headers: { 'x-request-id': requestId },
    timeout: { connect: 2000, read: READ_MS },
    retry: false as const,
  };
  const start = performance.now();
  let response: Awaited<ReturnType<typeof http.get>> | undefined;
  let error: unknown;
  try {
    response = p.face === 'async' ? await http.get(url, options) : httpSync.get(url, options);
  } catch (e) {
    error = e;
  }
  const elapsed = performance.now() - start;
  const mustSucceed = clean(p) && (previous === undefined || clean(previous));
  previous = p;
  history.push({
    id: requestId,
    framing: p.framing,
    truncated,
    tail: p.tail?.length,
    tailDelay: p.tailDelay,
    face: p.face,
    ok: !error,
    err: (error as Error | undefined)?.name,
  });
  stats.runs++;
  assert.ok(elapsed <= READ_MS + SLACK_MS + 250, `settled after ${Math.round(elapsed)} ms`);
  if (response) {
    stats.ok++;
    assert.equal(response.headers.get('x-request-id'), requestId, 'the response of another request');
    assert.equal(response.status, p.status);
    // A close-delimited body is whatever came before the close: a cut or a tail cannot be told apart
    // from the body (RFC 9112 §6.3), so the client must deliver exactly the bytes sent after the head.
    const sent = Buffer.concat([bytes, Buffer.from((!truncated && p.tail) || [])]);
    const expected =
      p.framing === 'close' ? sent.subarray(sent.indexOf('\r\n\r\n') + 4) : Buffer.from(p.body);
    const got = Buffer.from(response.bytes());
    assert.ok(
      got.equals(expected),
      `the body differs from what was sent: got ${got.toString('hex')}, sent ${expected.toString('hex')}`,
    );
    return;
  }
  stats.errors++;
  const name = (error as Error).name;
  stats.byClass.set(name, (stats.byClass.get(name) ?? 0) + 1);
  assert.ok(error instanceof RequestError, `untyped error: ${String(error)}`);
  assert.ok(
    !mustSucceed,
    `a clean response failed: ${String(error)}; before it: ${JSON.stringify(history.slice(-3))}`,
  );
}

test(`fuzz: ${RUNS} split, truncated and tailed responses on both faces (seed ${SEED})`, {
  timeout: 600_000,
}, async () => {
  const started = performance.now();
  await fc.assert(fc.asyncProperty(plan, run), {
    seed: SEED,
    numRuns: RUNS,
    endOnFailure: true,
    includeErrorInReport: true,
  });
  // The pool still serves after everything the fuzzer did. A late tail of the last run has arrived on
  // its idle connection by now, which must then be discarded, so this request must succeed.
  await new Promise((resolve) => setTimeout(resolve, 200));
  previous = undefined;
  await run({
    face: 'sync',
    status: 200,
    body: new Uint8Array([1, 2, 3]),
    framing: 'content-length',
    chunkSizes: [1],
    cuts: [],
    delays: [],
    truncateAt: null,
    tail: null,
    tailDelay: 0,
  });
  const { unknown, repeated } = await server.call<{ unknown: number; repeated: [string, number][] }>({
    type: 'stats',
  });
  assert.equal(unknown, 0, 'a request the test did not make reached the server');
  // A replay is allowed only where the server closed without sending a byte of the response.
  for (const [id, n] of repeated) {
    assert.ok(silent.has(id), `${id} was sent ${n} times, though the server had answered it`);
    assert.ok(n <= 2, `${id} was sent ${n} times`);
  }
  console.log(
    `fuzz: ${stats.runs} runs in ${Math.round(performance.now() - started)} ms, ${stats.ok} ok, ` +
      `${stats.errors} typed errors ${JSON.stringify(Object.fromEntries(stats.byClass))}`,
  );
});
