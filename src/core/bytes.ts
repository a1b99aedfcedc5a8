/**
 * Bytes as they should cross to the other thread. Structured clone copies a view's whole
 * ArrayBuffer: a 10-byte Buffer from Node's pool would send 8 KiB (and the receiver would keep a view
 * on an 8 KiB buffer), an upload chunk cut with subarray() from a large buffer would send all of it,
 * every time. A view is therefore copied to an exact buffer of its own first; an exact buffer (or a
 * SharedArrayBuffer's contents) crosses as it is.
 */
export function exactBytes(bytes: Uint8Array): Uint8Array {
  const whole =
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    !(bytes.buffer instanceof SharedArrayBuffer);
  return whole ? bytes : new Uint8Array(bytes);
}

/**
 * `chunks` joined into one exact buffer of its own (`size` = their total length), which can then be
 * moved to the other thread. Never Buffer.concat: the chunks may be views into a socket's read
 * buffer, and Buffer.concat takes small results from Node's 8 KiB pool, whose whole slab
 * structured clone would then copy (and the receiver keep).
 */
export function joinExact(chunks: readonly Uint8Array[], size: number): Buffer {
  return copyInto(chunks, Buffer.allocUnsafeSlow(size));
}

/** Writes `chunks` one after the other into `out` from its start (it must hold them); returns `out`. */
export function copyInto<T extends Uint8Array>(chunks: readonly Uint8Array[], out: T): T {
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
