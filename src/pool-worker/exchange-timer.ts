/**
 * The instants of one exchange in the worker, noted as its driver reports them (see sink.ts and
 * accounting.ts), and their wire form (the caller makes got-style phases of it) for each reply that carries them: the head
 * (no download, no total yet), the end, or the error.
 */
import { performance } from 'node:perf_hooks';
import { type ConnectMarks, packMarks, type TimingMarks, type WireTimings } from '../core/timings.js';

export class ExchangeTimer {
  readonly #marks: TimingMarks = { start: performance.now() };

  /** The exchange has a connection; `connect`: it is the first on a new one, whose setup this was. */
  connected(connect: ConnectMarks | undefined): void {
    const marks = this.#marks;
    // Again after a replay on another connection: the earlier attempt's instants no longer apply.
    marks.upload = undefined;
    marks.connect = connect;
    marks.socket = connect ? Math.max(marks.start, connect.start) : performance.now();
  }

  /** The request has been handed to the socket in full (the first report wins). */
  sent(): void {
    this.#marks.upload ??= performance.now();
  }

  /** The final response head arrived. */
  responded(): void {
    this.#marks.response ??= performance.now();
  }

  /** The timings so far (a head's), or with `end` the final ones. */
  timings(reused: boolean, end = false): WireTimings {
    if (end) this.#marks.end ??= performance.now();
    return packMarks(this.#marks, performance.timeOrigin, reused);
  }
}
