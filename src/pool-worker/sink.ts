/**
 * onepool's own interface for the events of one exchange, as a protocol driver delivers them:
 * undici's HTTP/1.1 Pool through the one adapter in undici-adapter.ts, node:http2 from h2.ts
 * directly. A driver calls
 * - `start(abort)` when it gets the exchange under way (undici: on each connect attempt; h2: before
 *   it opens the stream); `abort` stops the exchange in the driver, which then reports `error`;
 * - `head(status, statusText, headers, resume)` for each 1xx head, then once for the final head;
 *   `headers` is the flat [name, value, ...] list as received; `resume` restarts a paused body;
 * - `sent()` once the request has been handed to the socket in full (its timings' upload instant);
 * - `data(chunk)` for each body chunk; false asks the driver to pause until `resume`;
 * - `end(trailers)` or `error(err)`, exactly one of them.
 *
 * That order is enforced here, once, so no exchange has to: events after the end are dropped, and so
 * is a second final head; a body chunk or an end before any final head ends the exchange with an
 * error and aborts it in the driver. Neither driver should produce that order (llhttp parses the
 * head first; h2.ts reads a stream's body only once node has emitted its head), so the check is a
 * guard, not a path. The exchange (exchange-base.ts) reacts in the protected `on…` hooks.
 */
import type { Connection, Tracked } from './accounting.js';
import { ExchangeTimer } from './exchange-timer.js';

/** The trailers of a response that has none; shared, so never written to. */
export const NO_FIELDS: string[] = [];

const HEAD = 0;
const BODY = 1;
const ENDED = 2;

export abstract class ExchangeSink implements Tracked {
  connection: Connection | undefined;
  reused = false;
  readonly timer = new ExchangeTimer();
  #phase: typeof HEAD | typeof BODY | typeof ENDED = HEAD;
  #abort: ((reason: Error) => void) | undefined;
  /** why the exchange was stopped before its driver gave it a way to abort */
  #stopped: Error | undefined;

  /**
   * The driver gets the exchange under way, and can be aborted through `abort` from now on. False
   * when the exchange has already stopped: `abort` has been called, and the driver must not go on.
   */
  start(abort: (reason: Error) => void): boolean {
    this.#abort = abort;
    if (this.#stopped) {
      abort(this.#stopped);
      return false;
    }
    this.onStart();
    return true;
  }

  head(status: number, statusText: string, headers: string[], resume: () => void): void {
    if (this.#phase !== HEAD) return;
    if (status >= 200) {
      this.#phase = BODY;
      this.timer.responded();
    }
    this.onHead(status, statusText, headers, resume);
  }

  sent(): void {
    this.timer.sent();
  }

  data(chunk: Buffer): boolean {
    if (this.#phase === BODY) return this.onData(chunk);
    if (this.#phase === HEAD) this.#broken('a body chunk arrived before the response head');
    return true;
  }

  end(trailers: string[]): void {
    if (this.#phase === BODY) {
      this.#phase = ENDED;
      this.onEnd(trailers);
    } else if (this.#phase === HEAD) this.#broken('the response ended before its head');
  }

  error(err: Error): void {
    if (this.#phase === ENDED) return;
    this.#phase = ENDED;
    this.onError(err);
  }

  #broken(what: string): void {
    const error = new Error(`the response broke the protocol: ${what}`);
    this.error(error);
    this.abortNow(error);
  }

  /** Aborts the exchange in its driver now, or as soon as the driver starts it. */
  protected abortNow(reason: Error): void {
    this.#stopped = reason;
    this.#abort?.(reason);
  }

  protected abstract onStart(): void;
  /** A 1xx head (informational: the final one follows) or the final head. */
  protected abstract onHead(status: number, statusText: string, headers: string[], resume: () => void): void;
  protected abstract onData(chunk: Buffer): boolean;
  protected abstract onEnd(trailers: string[]): void;
  protected abstract onError(err: Error): void;
}
