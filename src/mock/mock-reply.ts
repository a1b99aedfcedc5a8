/**
 * What a mock answers and how it reaches the exchange: a user's {@link MockReply} (or error) becomes
 * the same replies the pool worker would send — one `response`, or `head`, `chunk`s and `end` for a
 * streamed exchange — so the policy above cannot tell a mock from a server.
 *
 * Bodies with a Content-Encoding are decoded here, in the caller (the worker decodes real ones), with
 * the same rules: gzip, deflate and br, `decompress: false` passes them through, and maxResponseSize
 * counts decoded bytes. A mock reply is written as a server would send it.
 */
import { STATUS_CODES } from 'node:http';
import zlib from 'node:zlib';
import { contentCodings } from '../core/content-coding.js';
import { InvalidArgumentError, OnepoolError } from '../core/errors.js';
import { checkKeys, mockReplyKeys } from '../core/option-keys.js';
import { flattenHeaders, type HeadersInit, type PreparedRequest } from '../core/options.js';
import { packHead, packResponse } from '../core/packed-response.js';
import type { FromWorker, WireConnection } from '../core/protocol.js';
import { dropsRedirectBody } from '../core/redirects.js';
import { packMarks, type TimingMarks } from '../core/timings.js';
import type { WireError } from '../core/wire-error.js';
import { toWire } from '../core/wire-error.js';

/** A response a mock gives. */
export interface MockReply {
  /** Default 200. */
  status?: number;
  /** Default: the status's standard text. */
  statusText?: string;
  /** The response headers. */
  headers?: HeadersInit;
  /** The body as the server sends it (encoded, when `headers` sets a Content-Encoding). */
  body?: string | Uint8Array | ArrayBuffer;
  /** A value sent as JSON instead of `body` (Content-Type: application/json unless set). */
  json?: unknown;
  /** Trailers, seen by a streamed response once its body is read. */
  trailers?: HeadersInit;
  /** ms to wait before answering. */
  delay?: number;
}

/** A reply, or an onepool error the request fails with (ConnectError, ReadTimeoutError...). */
export type MockResult = MockReply | OnepoolError;

/** A response ready to be delivered, body still as sent. */
export interface MockAnswer {
  status: number;
  statusText: string;
  headers: string[];
  body: Uint8Array;
  trailers: string[];
  httpVersion: '1.1' | '2';
  connection: WireConnection;
}

/** What a mocked exchange's connection looks like: there is none, so id 0, never reused. */
export const MOCK_CONNECTION: WireConnection = Object.freeze({ id: 0, reused: false, protocol: 'h1' });

/** A streamed mock body arrives in chunks of this size, so progress meters and readers see several. */
const CHUNK = 64 * 1024;

const encoder = new TextEncoder();

export function toAnswer(reply: MockReply): MockAnswer {
  if (typeof reply !== 'object' || reply === null)
    throw new InvalidArgumentError(
      'a mock reply must be an object { status, headers, body } or an onepool error',
    );
  checkKeys(reply, mockReplyKeys, '', 'mock reply key');
  const status = reply.status ?? 200;
  if (!Number.isInteger(status) || status < 200 || status > 999)
    throw new InvalidArgumentError(`a mock reply's status must be an integer from 200 to 999, not ${status}`);
  const headers = flattenHeaders(reply.headers);
  let body: Uint8Array;
  if (reply.json !== undefined) {
    if (reply.body !== undefined) throw new InvalidArgumentError('a mock reply takes body or json, not both');
    body = encoder.encode(JSON.stringify(reply.json));
    if (!headers.some((name, i) => i % 2 === 0 && name.toLowerCase() === 'content-type'))
      headers.push('content-type', 'application/json');
  } else if (typeof reply.body === 'string') body = encoder.encode(reply.body);
  else if (reply.body instanceof ArrayBuffer) body = new Uint8Array(reply.body);
  else if (reply.body instanceof Uint8Array) body = reply.body;
  else if (reply.body === undefined || reply.body === null) body = new Uint8Array(0);
  else
    throw new InvalidArgumentError(
      'a mock reply body must be a string, Uint8Array or ArrayBuffer (or use json)',
    );
  return {
    status,
    statusText: reply.statusText ?? STATUS_CODES[status] ?? '',
    headers,
    body,
    trailers: flattenHeaders(reply.trailers),
    httpVersion: '1.1',
    connection: MOCK_CONNECTION,
  };
}

/** A user's error as the worker would send it; anything but an onepool error is refused. */
export function toWireError(error: unknown): WireError {
  if (!(error instanceof OnepoolError))
    throw new InvalidArgumentError(
      'a mock can fail a request only with an onepool error (ConnectError, ...)',
    );
  return toWire(error);
}

class DecodeFailure extends Error {
  constructor(readonly wire: WireError) {
    super(wire.message);
  }
}

const KNOWN = new Set(['gzip', 'x-gzip', 'deflate', 'br']);

function undo(name: string, body: Buffer, maxOutputLength: number | undefined): Buffer {
  const options = maxOutputLength === undefined ? {} : { maxOutputLength };
  if (name === 'br') return zlib.brotliDecompressSync(body, options);
  if (name === 'deflate')
    // zlib-wrapped, as RFC 9110 says, or raw, as some servers send (the worker's rule too)
    return (body[0]! & 0x0f) === 0x08 ? zlib.inflateSync(body, options) : zlib.inflateRawSync(body, options);
  return zlib.gunzipSync(body, options);
}

/** The body as the caller must see it: decoded, and within maxResponseSize. */
function deliveredBody(answer: MockAnswer, request: PreparedRequest): Uint8Array {
  // As in the worker: a redirect the call follows is read (and counted) but not decoded or delivered.
  const dropped = dropsRedirectBody(request.dropRedirectBodies, answer.status, answer.headers);
  const limit = request.maxResponseSize;
  const list =
    !dropped && request.decompress && answer.body.byteLength > 0
      ? contentCodings(answer.headers, (name) => KNOWN.has(name))
      : null;
  let body: Uint8Array = answer.body;
  if (list) {
    let bytes = Buffer.from(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength);
    for (const name of list) {
      try {
        bytes = undo(name, bytes, limit > 0 ? limit + 1 : undefined);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') bytes = Buffer.alloc(limit + 1);
        else
          throw new DecodeFailure({
            code: 'ONEPOOL_ERR_RESPONSE',
            message: `could not decode the ${list.join(', ')} body: ${(error as Error).message}`,
            causeCode: (error as NodeJS.ErrnoException).code,
          });
      }
    }
    body = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  if (limit > 0 && body.byteLength > limit)
    throw new DecodeFailure({
      code: 'ONEPOOL_ERR_RESPONSE_TOO_LARGE',
      message: `response body larger than maxResponseSize (${limit} bytes${list ? ' decoded' : ''})`,
    });
  return dropped ? new Uint8Array(0) : body;
}

/**
 * The worker's replies for one answer: one `response` for a buffered exchange, or `head`, `chunk`s
 * and `end` for one whose body is streamed (`stream()`, or a download progress meter).
 */
export function repliesFor(
  id: number,
  answer: MockAnswer,
  request: PreparedRequest,
  streamed: boolean,
  marks: TimingMarks,
): FromWorker[] {
  const { status, statusText, headers, httpVersion, connection } = answer;
  const reused = connection.reused;
  const head = (): FromWorker => ({
    t: 'head',
    id,
    res: packHead(
      status,
      statusText,
      headers,
      httpVersion,
      connection,
      packMarks(marks, performance.timeOrigin, reused),
    ),
  });
  // The whole body is in hand: it is "downloaded" the moment the head is.
  const timings = packMarks({ ...marks, end: marks.response }, performance.timeOrigin, reused);
  let body: Uint8Array;
  try {
    // As on the wire: a HEAD response, a 204 and a 304 have no body, whatever the mock wrote.
    body =
      request.method === 'HEAD' || answer.status === 204 || answer.status === 304
        ? new Uint8Array(0)
        : deliveredBody(answer, request);
  } catch (error) {
    if (!(error instanceof DecodeFailure)) throw error;
    // As the worker does: a streamed body fails after its head, which the policy may still act on.
    const failed: FromWorker = { t: 'error', id, error: error.wire, timings };
    return streamed ? [head(), failed] : [failed];
  }
  if (!streamed)
    return [
      {
        t: 'response',
        id,
        res: packResponse(status, statusText, headers, httpVersion, connection, timings, body),
      },
    ];
  const replies: FromWorker[] = [head()];
  for (let at = 0; at < body.byteLength; at += CHUNK)
    replies.push({ t: 'chunk', id, chunk: body.subarray(at, at + CHUNK) });
  replies.push({ t: 'end', id, trailers: answer.trailers, timings });
  return replies;
}
