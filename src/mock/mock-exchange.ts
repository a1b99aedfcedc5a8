/**
 * One exchange answered by a mock pool, for either face: the request body read in the caller, the
 * mock's resolution, its delay, a pass-through to the real pool when asked, and the worker replies
 * that the core Exchange then takes as if the worker had sent them. The faces supply only how they
 * wait (see async/driver.ts and sync/driver.ts).
 */
import { readFileSync } from 'node:fs';
import { joinExact } from '../core/bytes.js';
import { RequestError } from '../core/errors.js';
import type { Exchange, ExchangeChannel } from '../core/exchange.js';
import type { PreparedRequest } from '../core/options.js';
import type { ExchangeResult } from '../core/policy.js';
import type { FromWorker } from '../core/protocol.js';
import { packMarks, type TimingMarks } from '../core/timings.js';
import { UploadFeeder } from '../core/upload.js';
import type { MockPool, Resolution } from './mock-pool.js';
import { type MockAnswer, repliesFor } from './mock-reply.js';
import { MockRequest } from './mock-request.js';

/** A mocked exchange has no worker to tell anything: credit and cancel go nowhere. */
export const mockChannel = (mode: 'sync' | 'async'): ExchangeChannel => ({ mode, notify: () => {} });

function collect(next: () => Uint8Array | null): Uint8Array {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let chunk = next(); chunk; chunk = next()) {
    chunks.push(chunk);
    size += chunk.byteLength;
  }
  return joinExact(chunks, size);
}

/** The body a file upload sends; a missing file fails the request as it would in the worker. */
function fileBody(request: PreparedRequest, path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    const failure = new RequestError(
      `cannot read the request body from ${path}: ${(error as Error).message}`,
      {
        cause: error,
        causeCode: (error as NodeJS.ErrnoException).code,
      },
    );
    failure.request = { method: request.method, url: request.url.href };
    throw failure;
  }
}

/** The request body the mock sees (null for multipart, which only the worker builds). */
function bodySync(request: PreparedRequest): Uint8Array | null {
  const upload = request.upload;
  if (!upload) return request.body;
  if (upload.wire.kind === 'file') return fileBody(request, upload.wire.path);
  if (upload.wire.kind === 'pull' && upload.source) {
    const feeder = new UploadFeeder(upload.source);
    return collect(() => feeder.nextSync());
  }
  return null;
}

async function bodyAsync(request: PreparedRequest): Promise<Uint8Array | null> {
  const upload = request.upload;
  if (upload?.wire.kind !== 'pull' || !upload.source) return bodySync(request);
  const feeder = new UploadFeeder(upload.source);
  const chunks: Uint8Array[] = [];
  for (let chunk = await feeder.nextAsync(); chunk; chunk = await feeder.nextAsync()) chunks.push(chunk);
  return joinExact(
    chunks,
    chunks.reduce((n, c) => n + c.byteLength, 0),
  );
}

/**
 * The request the real pool gets: buffered and undecoded (the mock path streams and decodes it, the
 * same way for a recorded answer and a live one), with a streamed body already read sent as bytes.
 */
function networkRequest(request: PreparedRequest, mock: MockPool, body: Uint8Array | null): PreparedRequest {
  const pulled = request.upload?.wire.kind === 'pull';
  return {
    ...request,
    pool: mock.network.id,
    decompress: false,
    body: pulled ? body : request.body,
    upload: pulled ? null : request.upload,
    onUploadProgress: undefined,
    onDownloadProgress: undefined,
  };
}

const fromResult = (result: ExchangeResult): MockAnswer => ({
  status: result.status,
  statusText: result.statusText,
  headers: result.headers,
  body: result.body,
  trailers: [],
  httpVersion: result.httpVersion,
  connection: result.connection,
});

/**
 * The replies of a mocked exchange. Its timings are the mock's own: no connection (no wait, no
 * connect phases), the request "sent" once its body was read, the first byte when the answer came
 * (a delay, a handler's or a pass-through's time), and no download.
 */
function deliver(
  exchange: Exchange,
  resolution: Resolution,
  body: Uint8Array | null,
  marks: TimingMarks,
  live?: MockAnswer,
): FromWorker[] {
  marks.response = performance.now();
  // A pass-through's answer is the live one; a declared answer comes with its resolution.
  const answer = resolution.kind === 'answer' ? resolution.answer : live;
  const replies: FromWorker[] = [];
  if (exchange.request.onUploadProgress && body)
    replies.push({ t: 'progress', id: exchange.id, transferred: body.byteLength, total: body.byteLength });
  if (resolution.kind === 'error') {
    const timings = packMarks({ ...marks, end: marks.response }, performance.timeOrigin, false);
    replies.push({ t: 'error', id: exchange.id, error: resolution.error, timings });
  } else
    replies.push(...repliesFor(exchange.id, answer!, exchange.request, exchange.body !== undefined, marks));
  return replies;
}

/** A mocked exchange's first instants: it starts, and has its "connection", at once. */
function startMarks(): TimingMarks {
  const start = performance.now();
  return { start, socket: start };
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * The sync face's mocked exchange: its replies, or null when `deadline` (ms since the epoch) passed
 * during the mock's delay. Throws what fails the exchange in the caller (MockNotMatchedError, a
 * handler that returned a promise, a pass-through's error).
 */
export function answerSync(
  exchange: Exchange,
  mock: MockPool,
  deadline: number,
  network: (request: PreparedRequest) => ExchangeResult,
): FromWorker[] | null {
  const marks = startMarks();
  const body = bodySync(exchange.request);
  marks.upload = performance.now();
  const resolution = mock.resolve(new MockRequest(exchange.request, body), 'sync') as Resolution;
  if (resolution.kind !== 'network') {
    if (resolution.delay > 0)
      Atomics.wait(sleeper, 0, 0, Math.max(0, Math.min(resolution.delay, deadline - Date.now())));
    if (Date.now() >= deadline) return null;
    return deliver(exchange, resolution, body, marks);
  }
  const answer = fromResult(network(networkRequest(exchange.request, mock, body)));
  resolution.keep?.(answer);
  return deliver(exchange, resolution, body, marks, answer);
}

/** The async face's mocked exchange: its replies (timeout.total and the signal are the driver's). */
export async function answerAsync(
  exchange: Exchange,
  mock: MockPool,
  network: (request: PreparedRequest) => Promise<ExchangeResult>,
): Promise<FromWorker[]> {
  const marks = startMarks();
  const body = await bodyAsync(exchange.request);
  marks.upload = performance.now();
  const resolution = await mock.resolve(new MockRequest(exchange.request, body), 'async');
  if (resolution.kind !== 'network') {
    if (resolution.delay > 0) await new Promise((resolve) => setTimeout(resolve, resolution.delay));
    return deliver(exchange, resolution, body, marks);
  }
  const answer = fromResult(await network(networkRequest(exchange.request, mock, body)));
  resolution.keep?.(answer);
  return deliver(exchange, resolution, body, marks, answer);
}
