/**
 * A response, or a streamed response's head, as it crosses from the pool worker (or the mock) to
 * the caller: its fields in a fixed order in one array, for the reason the request is packed
 * (packed-request.ts): structured clone writes an object's every key as a string and reads it back
 * into a fresh dictionary-shaped object, and the response carried two of them (itself and its
 * connection). The caller rebuilds one object of a single shape from it. Every field is always set,
 * so there is no trailing object of rare ones.
 *
 * A head is the first eight fields; a response adds its body as the ninth. The two packers and the
 * two unpackers are written out in full on purpose: each makes its array or object as one literal of
 * its final size and shape, where building a response from a head would grow the head's array (a
 * new backing store in the worker) or add a property to the head's object (a new properties store in
 * the caller) on every response.
 * The order is the wire format: change it together with PROTOCOL_VERSION.
 */
import type { WireConnection, WireHead, WireResponse } from './protocol.js';
import type { WireTimings } from './timings.js';

export type PackedHead = [
  status: number,
  statusText: string,
  headers: string[],
  /** httpVersion '2' (else '1.1'); the mock may answer '2' on a connection it calls h1 */
  http2: boolean,
  connectionId: number,
  reused: boolean,
  /** connection.protocol 'h2' (else 'h1') */
  h2: boolean,
  timings: WireTimings,
];

export type PackedResponse = [...PackedHead, body: Uint8Array];

/** A streamed response's head, packed (the worker's and the mock's). */
export const packHead = (
  status: number,
  statusText: string,
  headers: string[],
  httpVersion: '1.1' | '2',
  connection: WireConnection,
  timings: WireTimings,
): PackedHead => [
  status,
  statusText,
  headers,
  httpVersion === '2',
  connection.id,
  connection.reused,
  connection.protocol === 'h2',
  timings,
];

/** A buffered response, packed: a head's fields and its body. */
export const packResponse = (
  status: number,
  statusText: string,
  headers: string[],
  httpVersion: '1.1' | '2',
  connection: WireConnection,
  timings: WireTimings,
  body: Uint8Array,
): PackedResponse => [
  status,
  statusText,
  headers,
  httpVersion === '2',
  connection.id,
  connection.reused,
  connection.protocol === 'h2',
  timings,
  body,
];

/** Rebuilds a streamed response's head in the caller. */
export const unpackHead = (p: PackedHead | PackedResponse): WireHead => ({
  status: p[0],
  statusText: p[1],
  headers: p[2],
  httpVersion: p[3] ? '2' : '1.1',
  connection: { id: p[4], reused: p[5], protocol: p[6] ? 'h2' : 'h1' },
  timings: p[7],
});

/** Rebuilds a buffered response in the caller, its fields in the order of a head's plus its body. */
export const unpackResponse = (p: PackedResponse): WireResponse => ({
  status: p[0],
  statusText: p[1],
  headers: p[2],
  httpVersion: p[3] ? '2' : '1.1',
  connection: { id: p[4], reused: p[5], protocol: p[6] ? 'h2' : 'h1' },
  timings: p[7],
  body: p[8],
});
