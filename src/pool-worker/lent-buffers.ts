/**
 * The worker's few reusable buffers for streamed bodies. A streamed chunk is copied into one of them
 * and moved to the caller, which copies it out and hands the buffer back with its next credit
 * (protocol.ts: `lent`, `returned`): a long stream cycles through about STREAM_WINDOW / BATCH_BYTES
 * buffers instead of allocating one per chunk.
 *
 * Why it matters: an ArrayBuffer moved to another thread is not counted by that thread's V8 heap,
 * so nothing there hurries to collect it; a caller that reads a 1 GiB stream without yielding (the
 * sync face) left up to a hundred MiB of read chunks for its collector. The caller's own copies are
 * counted (V8 collects them within a few tens of MiB), and the worker allocates nothing per chunk.
 */

/** Every lent buffer has this size: a batch (stream-exchange.ts) plus one driver chunk fits in it. */
export const LENT_BYTES = 320 * 1024;
/** Buffers kept for the next stream once handed back: above it, a returned buffer is dropped. */
const SPARE = 12;

const spare: ArrayBuffer[] = [];
let made = 0;

/** A buffer of LENT_BYTES to write a chunk into and lend; a spare one when there is one. */
export function lendBuffer(): ArrayBuffer {
  const buffer = spare.pop();
  if (buffer) return buffer;
  made++;
  return new ArrayBuffer(LENT_BYTES);
}

/** How many buffers lendBuffer() has made so far (the tests: a long stream makes only a few). */
export function lentBuffersMade(): number {
  return made;
}

/** Takes back buffers the caller has copied out; anything that is not a whole lent buffer is ignored. */
export function takeBack(buffers: readonly ArrayBuffer[] | undefined): void {
  if (!buffers) return;
  for (const buffer of buffers)
    if (spare.length < SPARE && buffer instanceof ArrayBuffer && buffer.byteLength === LENT_BYTES)
      spare.push(buffer);
}
