/**
 * The instants of one exchange in the worker, noted as its driver reports them (see sink.ts and
 * accounting.ts), and their wire form (the caller makes got-style phases of it) for each reply that carries them: the head
 * (no download, no total yet), the end, or the error.
 *
 * The timer is its own marks: every instant is a field of it from the start (undefined until noted),
 * so each exchange makes one object of one shape instead of a marks object that grows a property
 * per instant.
 */
import { performance } from 'node:perf_hooks';
import { type ConnectMarks, packMarks, type TimingMarks, type WireTimings } from '../core/timings.js';

export class ExchangeTimer implements TimingMarks {
  readonly start = performance.now();
  socket: number | undefined = undefined;
  connect: ConnectMarks | undefined = undefined;
  upload: number | undefined = undefined;
  response: number | undefined = undefined;
  end: number | undefined = undefined;

  /** The exchange has a connection; `connect`: it is the first on a new one, whose setup this was. */
  connected(connect: ConnectMarks | undefined): void {
    // Again after a replay on another connection: the earlier attempt's instants no longer apply.
    this.upload = undefined;
    this.connect = connect;
    this.socket = connect ? Math.max(this.start, connect.start) : performance.now();
  }

  /** The request has been handed to the socket in full (the first report wins). */
  sent(): void {
    this.upload ??= performance.now();
  }

  /** The final response head arrived. */
  responded(): void {
    this.response ??= performance.now();
  }

  /** The timings so far (a head's), or with `end` the final ones. */
  timings(reused: boolean, end = false): WireTimings {
    if (end) this.end ??= performance.now();
    return packMarks(this, performance.timeOrigin, reused);
  }
}
