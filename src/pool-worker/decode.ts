/**
 * The response body on its way from the socket to the caller, in the worker: Content-Encoding
 * (gzip, deflate, br, and stacks of them) decoded as chunks arrive, and `maxResponseSize` enforced
 * on the DECODED size, so a small compressed body that inflates without bound (a decompression
 * bomb) is stopped as soon as it passes the limit, not after it has filled memory.
 *
 * Decoding is transport work (bytes in, bytes out), not policy, so it runs next to the socket. A
 * body whose encoding is unknown (or `decompress: false`) passes through untouched.
 */
import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
import { contentCodings } from '../core/content-coding.js';
import type { WireError } from '../core/wire-error.js';

export interface BodyDecoder {
  /** One chunk of the body as received. */
  write(chunk: Buffer): void;
  /** The body is complete; `done` runs after the last decoded chunk was delivered. */
  end(done: () => void): void;
  /** The exchange failed or was cancelled: stop, deliver nothing more. */
  destroy(): void;
}

export interface DecodeOptions {
  decompress: boolean;
  /** bytes; 0 disables */
  maxResponseSize: number;
}

/** The decoder of a dropped body: bytes counted against maxResponseSize (they still cross the wire), nothing delivered. */
export function droppingDecoder(maxResponseSize: number, fail: (error: WireError) => void): BodyDecoder {
  return bodyDecoder([], { decompress: false, maxResponseSize }, () => {}, fail);
}

// zlib's default (strict) flushing: a compressed stream that ends early while the framing said the
// body was complete is a corrupt body and fails as a ResponseError, instead of passing as a shorter one.
/** More codings than this is an attack shape (CVE-2026-22036), not a real server: refused. */
const MAX_CODINGS = 5;

/** `first`: the body's first chunk for the outermost coding; undefined for inner ones (not yet seen). */
const makers: Record<string, (first: Buffer | undefined) => Transform> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  // "deflate" should be zlib-wrapped (RFC 9110) but some servers send raw deflate: the low nibble of
  // a zlib header's first byte is always 8 (CM = deflate). Inner layers are taken as zlib-wrapped.
  deflate: (first) =>
    first === undefined || (first[0]! & 0x0f) === 0x08 ? zlib.createInflate() : zlib.createInflateRaw(),
  br: () => zlib.createBrotliDecompress(),
};

const codings = (headers: readonly string[]): string[] | null =>
  contentCodings(headers, (name) => name in makers);

const tooMany = (list: readonly string[]): WireError => ({
  code: 'ONEPOOL_ERR_RESPONSE',
  message: `refused a body with ${list.length} content codings (at most ${MAX_CODINGS})`,
});

/**
 * A decoder for one response. `out` receives decoded chunks in order; `fail` is called at most once
 * (a corrupt encoding, or the size limit), after which nothing more is delivered.
 */
export function bodyDecoder(
  headers: readonly string[],
  options: DecodeOptions,
  out: (chunk: Buffer) => void,
  fail: (error: WireError) => void,
): BodyDecoder {
  const limit = options.maxResponseSize;
  let size = 0;
  let failed = false;
  let chain: Transform[] | undefined;
  const deliver = (chunk: Buffer): void => {
    if (failed) return;
    size += chunk.length;
    if (limit > 0 && size > limit) {
      failed = true;
      for (const stream of chain ?? []) stream.destroy();
      fail({
        code: 'ONEPOOL_ERR_RESPONSE_TOO_LARGE',
        message: `response body larger than maxResponseSize (${limit} bytes${chain ? ' decoded' : ''})`,
      });
      return;
    }
    out(chunk);
  };

  const encoded = options.decompress ? codings(headers) : null;
  if (encoded && encoded.length > MAX_CODINGS) {
    fail(tooMany(encoded));
    return { write() {}, end() {}, destroy() {} };
  }
  if (!encoded) {
    return {
      write: deliver,
      end: (done) => {
        if (!failed) done();
      },
      destroy: () => {
        failed = true;
      },
    };
  }

  // Built on the first byte: an empty body (HEAD, 204, 304) with a Content-Encoding is not an error.
  const build = (first: Buffer): Transform[] => {
    const streams = encoded.map((name, i) => makers[name]!(i === 0 ? first : undefined));
    for (let i = 0; i + 1 < streams.length; i++) streams[i]!.pipe(streams[i + 1]!);
    streams.at(-1)!.on('data', deliver);
    for (const stream of streams) {
      stream.on('error', (error) => {
        if (failed) return;
        failed = true;
        for (const s of streams) s.destroy();
        fail({
          code: 'ONEPOOL_ERR_RESPONSE',
          message: `could not decode the ${encoded.join(', ')} body: ${error.message}`,
          causeCode: (error as NodeJS.ErrnoException).code,
        });
      });
    }
    return streams;
  };

  return {
    write(chunk) {
      if (failed) return;
      chain ??= build(chunk);
      chain[0]!.write(chunk);
    },
    end(done) {
      if (failed) return;
      if (!chain) return done();
      chain.at(-1)!.once('end', () => {
        if (!failed) done();
      });
      chain[0]!.end();
    },
    destroy() {
      failed = true;
      for (const stream of chain ?? []) stream.destroy();
    },
  };
}
