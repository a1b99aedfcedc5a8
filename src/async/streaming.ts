/**
 * The async face of a streamed exchange: `http.stream()` resolves once the response head has
 * arrived; the body is read as an async iterable (or a web ReadableStream, or a Node Readable),
 * chunk by chunk, each read crediting the worker so that it reads on.
 */
import { Readable } from 'node:stream';
import { StreamHead, type StreamState } from '../core/streaming.js';
import { closeAsync } from './channel.js';

/** Where a reader waiting for the next chunk parks its wake-up. */
export interface Wake {
  resolve: (() => void) | undefined;
}

/**
 * A response whose body has not been read yet. Read it once: `for await (const chunk of res)`,
 * `res.body` or `res.toNodeStream()`. Breaking out of the loop, or `cancel()`, stops the exchange and
 * frees its connection. A body nobody reads fails with ReadTimeoutError after timeout.read.
 */
export class StreamingResponse extends StreamHead implements AsyncIterable<Uint8Array> {
  readonly #wake: Wake;
  #locked = false;

  readonly #release: () => void;

  /** @internal made by http.stream() */
  constructor(state: StreamState, wake: Wake, release: () => void) {
    super(state);
    this.#wake = wake;
    this.#release = release;
  }

  async #next(): Promise<Uint8Array | null> {
    const state = this.state;
    while (!state.ready) await new Promise<void>((resolve) => (this.#wake.resolve = resolve));
    return state.take();
  }

  #lock(): void {
    if (this.#locked) throw new TypeError('the body of a streaming response can be read only once');
    this.#locked = true;
  }

  /** The body's chunks; breaking out of the loop cancels the rest. Throws the exchange's error. */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    this.#lock();
    return {
      next: async () => {
        const chunk = await this.#next();
        return chunk ? { value: chunk, done: false } : { value: undefined, done: true };
      },
      return: async () => {
        await this.cancel();
        return { value: undefined, done: true };
      },
    };
  }

  /** The body as a web ReadableStream; cancelling the stream cancels the exchange. */
  get body(): ReadableStream<Uint8Array> {
    this.#lock();
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        const chunk = await this.#next();
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
      cancel: () => this.cancel(),
    });
  }

  /** The body as a Node Readable; destroying it cancels the exchange. */
  toNodeStream(): Readable {
    return Readable.from(this, { objectMode: false });
  }

  /** Reads the rest of the body into one buffer. */
  async bytes(): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of this) chunks.push(chunk);
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }

  /** Stops the exchange (if still running) and frees its connection. Never throws. */
  async cancel(): Promise<void> {
    this.discard();
  }

  /** @internal */
  discard(): void {
    if (this.state.cancel()) closeAsync(this.state.id);
    this.#release();
    this.#wake.resolve?.();
  }
}
