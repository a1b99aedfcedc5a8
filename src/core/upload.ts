/**
 * Request bodies that do not cross to the worker in one piece: a file the worker reads itself
 * ({@link file}), chunks pulled from an iterable in the caller, and multipart/form-data that the worker
 * builds with undici's FormData. The caller side of a pulled upload is {@link UploadFeeder}.
 */
import { exactBytes } from './bytes.js';
import { InvalidArgumentError } from './errors.js';
import { checkKeys, fileKeys } from './option-keys.js';
import type { WirePart, WireUpload } from './protocol.js';

/** A file on disk used as a body or a multipart part; made by {@link file}. */
export class FileBody {
  /** The file to send, read by the pool worker when the request is sent. */
  readonly path: string;
  /** the name sent in a multipart part (default: the path's last segment) */
  readonly filename: string | undefined;
  /** Content-Type of a multipart part */
  readonly type: string | undefined;
  constructor(path: string, options: { filename?: string; type?: string } = {}) {
    checkKeys(options, fileKeys, '', 'file() option');
    this.path = path;
    this.filename = options.filename;
    this.type = options.type;
  }
}

/**
 * A body read from disk by the pool worker: its bytes never pass through the calling thread.
 * Content-Length is the file's size. A missing file fails the request with a RequestError.
 */
export function file(path: string, options?: { filename?: string; type?: string }): FileBody {
  if (typeof path !== 'string' || path === '')
    throw new InvalidArgumentError('file(path): path must be a string');
  return new FileBody(path, options);
}

/** One piece of a streamed body; strings are sent as UTF-8. */
export type Chunk = Uint8Array | string;
/** Streamed bodies: the async face takes all of them, the sync face only sync iterables. */
export type StreamBody = Iterable<Chunk> | AsyncIterable<Chunk>;

/** One field of a multipart form: a text value, a file, bytes, or a part described in full. */
export type MultipartValue =
  | string
  | number
  | boolean
  | FileBody
  | Uint8Array
  | {
      /** The part's content. */
      value: Uint8Array | string;
      /** The file name the part is sent with. */
      filename?: string;
      /** The part's Content-Type. */
      type?: string;
    };
/** The `multipart` option: field names to values; an array value repeats the name. */
export type Multipart = Record<string, MultipartValue | readonly MultipartValue[]>;

/** How a request body that is not plain bytes goes out. */
export interface Upload {
  wire: WireUpload;
  /** for `pull` uploads: where the chunks come from, in the calling thread */
  source: StreamBody | undefined;
  /** false when the body can be sent only once (an iterable): a retry or redirect must not resend it */
  replayable: boolean;
}

const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null;

/** A body that is streamed rather than encoded in one piece (strings and byte arrays are not). */
export function isStreamBody(body: unknown): body is StreamBody | FileBody {
  if (body instanceof FileBody) return true;
  if (!isObject(body) || body instanceof Uint8Array || body instanceof ArrayBuffer) return false;
  return Symbol.asyncIterator in body || Symbol.iterator in body;
}

const PART_TYPES =
  'a string, number, boolean, Uint8Array, file(path) or { value: string | Uint8Array, filename?, type? }';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (!isObject(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function part(name: string, value: unknown): WirePart {
  if (value instanceof FileBody)
    return { name, path: value.path, filename: value.filename ?? basename(value.path), type: value.type };
  if (value instanceof Uint8Array) return { name, data: exactBytes(value), filename: 'blob' };
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return { name, value: String(value) };
  // Anything else would reach the worker as a part without data (an array inside the array, a Date,
  // a Map, { foo: 1 }) or as "[object Object]": refused here, before anything is sent.
  if (isPlainObject(value)) {
    const { value: content, filename, type } = value;
    if (typeof content !== 'string' && !(content instanceof Uint8Array))
      throw new InvalidArgumentError(
        `multipart field ${name}: { value } must be a string or a Uint8Array (got ${describe(content)})`,
      );
    if (filename !== undefined && typeof filename !== 'string')
      throw new InvalidArgumentError(`multipart field ${name}: filename must be a string`);
    if (type !== undefined && typeof type !== 'string')
      throw new InvalidArgumentError(`multipart field ${name}: type must be a string`);
    const data = typeof content === 'string' ? new TextEncoder().encode(content) : exactBytes(content);
    return { name, data, filename: filename ?? 'blob', type };
  }
  throw new InvalidArgumentError(`multipart field ${name}: ${describe(value)} is not ${PART_TYPES}`);
}

/** A value's kind for an error message, without its content. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value !== 'object') return typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`;
  const ctor = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor
    ?.name;
  return ctor && ctor !== 'Object' ? `a ${ctor}` : 'an object';
}

const basename = (path: string): string => path.split(/[\\/]/).pop() || 'file';

/** The upload for a body option (streamed body or multipart), or null when the body is plain bytes. */
export function resolveUpload(body: unknown, multipart: Multipart | undefined): Upload | null {
  if (multipart !== undefined) {
    if (!isObject(multipart)) throw new InvalidArgumentError('multipart must be an object of fields');
    const parts: WirePart[] = [];
    for (const [name, value] of Object.entries(multipart)) {
      if (value === undefined || value === null) continue;
      for (const v of Array.isArray(value) ? value : [value]) parts.push(part(name, v));
    }
    return { wire: { kind: 'multipart', parts }, source: undefined, replayable: true };
  }
  if (body instanceof FileBody)
    return { wire: { kind: 'file', path: body.path }, source: undefined, replayable: true };
  if (isStreamBody(body)) return { wire: { kind: 'pull' }, source: body as StreamBody, replayable: false };
  return null;
}

const encoder = new TextEncoder();

function toBytes(chunk: unknown): Uint8Array {
  if (typeof chunk === 'string') return encoder.encode(chunk);
  if (chunk instanceof Uint8Array) return exactBytes(chunk);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new InvalidArgumentError('a streamed body must yield Uint8Array or string chunks');
}

/**
 * The sync face's rule, checked before anything is sent: it cannot wait for an async source's
 * chunks (an async iterable, a Node Readable, a web ReadableStream), only pull a sync iterable.
 */
export function refuseAsyncSource(upload: Upload | null): void {
  if (upload?.source && !(Symbol.iterator in upload.source))
    throw new InvalidArgumentError(
      'the sync face cannot send an async iterable, Node Readable or web ReadableStream body ' +
        '(nothing was sent): use a sync iterable, file(), bytes, or the async face',
    );
}

/**
 * The calling thread's end of a pulled upload: each `pull` from the worker takes the next non-empty
 * chunk from the source. Chunks are cloned on the way (the caller keeps its buffers).
 */
export class UploadFeeder {
  readonly #source: StreamBody;
  #sync: Iterator<Chunk> | undefined;
  #async: AsyncIterator<Chunk> | undefined;

  constructor(source: StreamBody) {
    this.#source = source;
  }

  /** The sync face: only sync iterables can be pulled without blocking on a promise. */
  nextSync(): Uint8Array | null {
    if (!this.#sync) {
      if (!(Symbol.iterator in this.#source))
        throw new InvalidArgumentError('the sync face cannot stream an async iterable body; use http');
      this.#sync = (this.#source as Iterable<Chunk>)[Symbol.iterator]();
    }
    for (;;) {
      const step = this.#sync.next();
      if (step.done) return null;
      const bytes = toBytes(step.value);
      if (bytes.byteLength > 0) return bytes;
    }
  }

  async nextAsync(): Promise<Uint8Array | null> {
    if (!this.#async) {
      const s = this.#source as Partial<AsyncIterable<Chunk> & Iterable<Chunk>>;
      const asyncIterator = s[Symbol.asyncIterator];
      this.#async = asyncIterator ? asyncIterator.call(s) : toAsync(s[Symbol.iterator]!.call(s));
    }
    for (;;) {
      const step = await this.#async.next();
      if (step.done) return null;
      const bytes = toBytes(step.value);
      if (bytes.byteLength > 0) return bytes;
    }
  }

  /** Lets the source release what it holds (a file handle, a stream) after a failure. */
  close(): void {
    try {
      void this.#sync?.return?.();
      void this.#async?.return?.()?.catch?.(() => {});
    } catch {
      // a source that throws while closing has nothing more to release
    }
  }
}

const toAsync = (it: Iterator<Chunk>): AsyncIterator<Chunk> => ({ next: async () => it.next() });
