/**
 * The sync face of a streamed exchange: `httpSync.stream()` returns once the response head has
 * arrived; `for (const chunk of res)` then blocks for each chunk that has not arrived yet, each read
 * crediting the worker so that it reads on.
 */
import type { CancelToken } from '../core/cancel-token.js';
import { StreamHead, type StreamState } from '../core/streaming.js';
import type { WorkerHandle } from '../pool-worker/handle.js';
import { unlisten } from './channel.js';
import { waitSync } from './driver.js';

/**
 * A response whose body has not been read yet. Read it once, with `for (const chunk of res)`.
 * Breaking out of the loop, or `cancel()`, stops the exchange and frees its connection. A body
 * nobody reads fails with ReadTimeoutError after timeout.read.
 */
export class SyncStreamingResponse extends StreamHead implements Iterable<Uint8Array> {
  /** undefined for a mock pool's answer, whose body has all arrived with its head */
  readonly #handle: WorkerHandle | undefined;
  /** timeout.total's deadline (ms since the epoch), if any */
  readonly #until: number | undefined;
  /** the call's CancelToken, which bounds the body's reads too */
  readonly #cancel: CancelToken | undefined;
  #locked = false;

  /** @internal made by httpSync.stream() */
  constructor(
    state: StreamState,
    handle: WorkerHandle | undefined,
    until: number | undefined,
    cancel?: CancelToken,
  ) {
    super(state);
    this.#handle = handle;
    this.#until = until;
    this.#cancel = cancel;
  }

  #next(): Uint8Array | null {
    const state = this.state;
    const error = state.ready
      ? undefined
      : waitSync(this.#handle, () => state.ready, this.#until, this.#cancel, state.request);
    if (error) {
      state.abort(error);
      unlisten(state.id);
    }
    const chunk = state.take();
    if (!chunk) unlisten(state.id);
    return chunk;
  }

  /** The body's chunks, each a blocking read; breaking out of the loop cancels the rest. */
  [Symbol.iterator](): Iterator<Uint8Array> {
    if (this.#locked) throw new TypeError('the body of a streaming response can be read only once');
    this.#locked = true;
    return {
      next: () => {
        const chunk = this.#next();
        return chunk ? { value: chunk, done: false } : { value: undefined, done: true };
      },
      return: () => {
        this.cancel();
        return { value: undefined, done: true };
      },
    };
  }

  /** Reads the rest of the body into one buffer. */
  bytes(): Uint8Array {
    const chunks: Uint8Array[] = [];
    for (const chunk of this) chunks.push(chunk);
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }

  /** Stops the exchange (if still running) and frees its connection. Never throws. */
  cancel(): void {
    this.discard();
  }

  /** @internal */
  discard(): void {
    this.state.cancel();
    unlisten(this.state.id);
  }
}
