/**
 * A WireRequest as it crosses the thread boundary: its fields in a fixed order in one array, the
 * rare ones in a trailing object that the common request leaves out (0 then). Structured clone writes an
 * object's every key as a string and reads it back into a fresh dictionary-shaped object; an array
 * of the same values costs about half as much on each side (bench/budget.mjs, "message
 * encode/decode"), and the worker rebuilds one object of a single shape from it.
 *
 * The order is the wire format: change it together with PROTOCOL_VERSION.
 */
import type { WirePoolSettings, WireRequest, WireUpload } from './protocol.js';
import type { WireProxy } from './proxy.js';
import type { TransportConfig } from './transport-key.js';

/** The fields most requests do not set; absent ones are left out of the object. */
export interface RareFields {
  transport?: TransportConfig;
  proxy?: WireProxy;
  poolSettings?: WirePoolSettings;
  dropRedirectBody?: true;
  stream?: true;
  upload?: WireUpload;
  uploadProgress?: true;
  wake?: SharedArrayBuffer;
}

export type PackedRequest = [
  id: number,
  method: string,
  origin: string,
  path: string,
  headers: string[],
  body: Uint8Array | null,
  connectTimeout: number,
  readTimeout: number,
  writeTimeout: number,
  key: string,
  decompress: boolean,
  maxResponseSize: number,
  pool: number,
  replayUnprocessed: boolean,
  /** 0 when the request sets none of them */
  rare: RareFields | 0,
];

/** The position of the pool id, read by the channels without unpacking. */
export const POOL_FIELD = 12;

/** A sync call's CancelToken word, read before the request is unpacked. */
export const wakeOf = (p: PackedRequest): SharedArrayBuffer | undefined =>
  p[14] === 0 ? undefined : p[14].wake;

/** Rebuilds the request in the worker. */
export function unpackRequest(p: PackedRequest): WireRequest {
  const rare = p[14] === 0 ? NONE : p[14];
  // Every field written, in one order, whichever rare ones are set: one object shape for all requests.
  return {
    id: p[0],
    method: p[1],
    origin: p[2],
    path: p[3],
    headers: p[4],
    body: p[5],
    connectTimeout: p[6],
    readTimeout: p[7],
    writeTimeout: p[8],
    key: p[9],
    transport: rare.transport,
    decompress: p[10],
    maxResponseSize: p[11],
    pool: p[12],
    replayUnprocessed: p[13],
    proxy: rare.proxy,
    poolSettings: rare.poolSettings,
    dropRedirectBody: rare.dropRedirectBody,
    stream: rare.stream,
    upload: rare.upload,
    uploadProgress: rare.uploadProgress,
    wake: rare.wake,
  };
}

const NONE: RareFields = Object.freeze({});
