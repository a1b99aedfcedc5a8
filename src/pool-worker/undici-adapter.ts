/**
 * Where the HTTP/1.1 path crosses between undici's types and onepool's: the request in the options
 * form undici dispatches, and undici's callback handler (onConnect, onHeaders, onData, onComplete,
 * onError: the form its Client drives natively, raw header buffers, no stream objects) over an
 * exchange's sink (sink.ts).
 */
import type { Dispatcher } from 'undici';
import { connectingNow } from './accounting.js';
import type { OutgoingRequest } from './dispatch.js';
import { type ExchangeSink, NO_FIELDS } from './sink.js';

const latin1 = (b: Buffer | string): string => (typeof b === 'string' ? b : b.toString('latin1'));

/** The same object: undici takes an async iterable as a body, though its types do not say so. */
export const undiciOptions = (request: OutgoingRequest): Dispatcher.DispatchOptions =>
  request as Dispatcher.DispatchOptions;

export class UndiciHandler implements Dispatcher.DispatchHandler {
  readonly #sink: ExchangeSink;

  constructor(sink: ExchangeSink) {
    this.#sink = sink;
  }

  onConnect(abort: (reason?: Error) => void): void {
    // Its headers go out next, on the socket undici reports through the diagnostics channel.
    if (this.#sink.start(abort)) connectingNow(this.#sink);
  }

  /** Not in undici's handler types, but called by its Request once the request is written in full. */
  onRequestSent(): void {
    this.#sink.sent();
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void, statusText: string): boolean {
    this.#sink.head(status, statusText ?? '', raw.map(latin1), resume);
    return true;
  }

  onData(chunk: Buffer): boolean {
    return this.#sink.data(chunk);
  }

  onComplete(trailers: (Buffer | string)[] | null): void {
    this.#sink.end(trailers && trailers.length > 0 ? trailers.map(latin1) : NO_FIELDS);
  }

  onError(error: Error): void {
    this.#sink.error(error);
  }
}
