/**
 * One exchange as the caller sees it, written once for both faces and free of I/O: it makes the
 * message that starts the exchange, takes each reply the worker sends for it, owns what the
 * exchange needs meanwhile (the streamed body's state, the upload feeder, the progress meters) and
 * says when its waiter can go on. A face supplies only how it waits: a promise on the port, or the
 * sliced Atomics wait. `request`, `stream`, `all`, progress callbacks and private pools all go
 * through it, so what one path does the others do.
 *
 * Two shapes on the wire: a buffered exchange answers one `response` (or `error`); a streamed one
 * answers `head`, `chunk`s, then `end` (or `error`). A buffered call with onDownloadProgress runs
 * streamed on the wire and collects its body here, so the meter sees every chunk.
 */
import { joinExact } from './bytes.js';
import { type ObservedExchange, observe } from './diagnostics.js';
import type { OnepoolError } from './errors.js';
import type { PreparedRequest } from './options.js';
import type { ExchangeResult } from './policy.js';
import {
  type ExchangeMessage,
  type FromWorker,
  isFinal,
  type ToWorker,
  type WirePoolSettings,
} from './protocol.js';
import { headResult, interimHandler, StreamState } from './streaming.js';
import { exchangeMessage, exchangeResult, failure } from './wire.js';

/** What an exchange needs of the channel it runs on. */
export interface ExchangeChannel {
  readonly mode: 'sync' | 'async';
  /** Posts a message that expects no reply (credit, cancel, the next upload chunk), moving `transfer`. A function of its own (no `this`), so that an exchange can hand it on as it is. */
  readonly notify: (message: ToWorker, transfer?: ArrayBuffer[]) => void;
}

export class Exchange {
  readonly id: number;
  readonly request: PreparedRequest;
  /** the caller wants the response at its head, with the body still to read (`stream()`) */
  readonly streamed: boolean;
  /** the body's state when the worker streams it: `stream()`, or a buffered call with download progress */
  readonly body: StreamState | undefined;
  readonly #channel: ExchangeChannel;
  readonly #interim: ((reply: FromWorker) => void) | undefined;
  /** what publishes this exchange's diagnostics; undefined (most exchanges) when nothing listened as it started */
  readonly #observed: ObservedExchange | undefined;
  /** a buffered exchange's final reply */
  #reply: FromWorker | undefined;
  #error: OnepoolError | undefined;
  /** the chunks of a streamed-on-the-wire buffered exchange (none other has any), and their size */
  #collected: Uint8Array[] | undefined;
  #size = 0;

  constructor(id: number, request: PreparedRequest, streamed: boolean, channel: ExchangeChannel) {
    this.id = id;
    this.request = request;
    this.streamed = streamed;
    this.#channel = channel;
    const observed = observe(id, channel.mode, request);
    this.#observed = observed;
    // A streamed body stops when it is cancelled (read no further, or dropped by the policy) or
    // aborted (timeout.total, the signal): that is its end, or its failure, for observers.
    const post = observed
      ? (message: ToWorker, transfer?: ArrayBuffer[]) => {
          if (message.t === 'cancel') {
            const error = this.body?.error;
            if (message.abort && error) observed.failed(error);
            else observed.cancelled();
          }
          channel.notify(message, transfer);
        }
      : channel.notify;
    this.#interim = interimHandler(request, id, post, channel.mode);
    if (streamed || request.onDownloadProgress) this.body = new StreamState(id, request, post, this.#interim);
    if (this.body && !streamed) this.#collected = [];
  }

  /**
   * The message that starts the exchange, carrying the pool's settings when this channel has not
   * sent them yet, and a sync call's CancelToken word (`wake`) when it has one.
   */
  open(settings: WirePoolSettings | undefined, wake?: SharedArrayBuffer): ExchangeMessage {
    return exchangeMessage(this.request, this.id, this.body !== undefined, settings, wake);
  }

  /** Takes one reply for this exchange; true when nothing more will come for it. */
  accept(reply: FromWorker): boolean {
    const body = this.body;
    if (!body) {
      if (!isFinal(reply)) {
        this.#interim?.(reply);
        return false;
      }
      this.#reply = reply;
      if (this.#observed) {
        // Rebuilt now rather than in result(), so that observers see the very error the call throws.
        if (reply.t === 'error') this.#error = failure(reply, this.request);
        this.#observed.reply(reply, this.#error);
      }
      return true;
    }
    const last = body.accept(reply);
    this.#observed?.reply(reply, body.error);
    if (!this.streamed) this.#collect(body);
    return last;
  }

  /** A buffered call reads its streamed body as it arrives: credit goes back and the meter moves at once. */
  #collect(body: StreamState): void {
    while (body.chunks.length > 0) {
      const chunk = body.take()!;
      this.#collected!.push(chunk);
      this.#size += chunk.byteLength;
    }
    if (body.ended && !body.error) body.take();
  }

  /** Whether the waiter can go on: a stream's head (or its error), a buffered exchange's result. */
  get ready(): boolean {
    const body = this.body;
    if (!body) return this.#reply !== undefined || this.#error !== undefined;
    if (body.error) return true;
    return this.streamed ? body.head !== undefined : body.finished;
  }

  /** The exchange failed on the caller's side of the channel (the worker died, the message could not be sent). */
  fail(error: OnepoolError): void {
    if (this.body) this.body.error ??= error;
    else this.#error ??= error;
    this.#observed?.failed(error);
  }

  /**
   * The caller gives up (timeout.total, the AbortSignal): the worker is told to cancel, and the
   * exchange fails with `error`. False when it had already ended.
   */
  abort(error: OnepoolError): boolean {
    if (this.body) return this.body.abort(error);
    if (this.#reply || this.#error) return false;
    this.#error = error;
    this.#observed?.failed(error);
    this.#channel.notify({ t: 'cancel', id: this.id, abort: true });
    return true;
  }

  /** A buffered exchange's result, or throws its error (rebuilt, with this thread's stack). Call when `ready`. */
  result(): ExchangeResult {
    const body = this.body;
    if (!body) {
      if (this.#error) throw this.#error;
      return exchangeResult(this.#reply!, this.request);
    }
    if (body.error) throw body.error;
    // The end's timings, which have the download and the total the head's lack.
    return headResult(body.head!, joinExact(this.#collected ?? [], this.#size), body.timings);
  }
}
