/**
 * How long each phase of one exchange took, as got reports it (its phase names and meanings), measured
 * in the pool worker and sent with the reply. The worker notes instants ({@link TimingMarks}) and
 * turns them into phases once, here; the mock pool does the same with the instants it has.
 */

/**
 * The phases of one exchange, in milliseconds (fractional). A phase that did not happen is absent,
 * not zero: an exchange on a reused connection has no `dns`, `tcp` or `tls`; a plain-http one has
 * no `tls`; a response head (a stream before its end, an error after the head) has no `download`
 * or `total` yet.
 */
export interface TimingPhases {
  /** From the start of the exchange in the pool until it had a connection: queueing, and waiting for a free connection. */
  readonly wait?: number;
  /** Resolving the host name (0 on a new connection to an IP address or a Unix socket: nothing to look up). */
  readonly dns?: number;
  /** The TCP handshake (through a proxy: the whole setup, tunnel and TLS included, which the worker sees only as a whole). */
  readonly tcp?: number;
  /** The TLS handshake (https only, and not through a proxy: see `tcp`). */
  readonly tls?: number;
  /** Sending the request, from the connection being ready to the last byte of its body handed to the socket. */
  readonly request?: number;
  /** From the request sent to the response head received (time to first byte). */
  readonly firstByte?: number;
  /** From the response head to the last byte of the body (decoding included). */
  readonly download?: number;
  /** From the start of the exchange in the pool to its end (response complete, or failed). */
  readonly total?: number;
}

/** The timings of one exchange (one request on the wire: a redirect or a retry is another exchange). */
export interface Timings {
  /** When the exchange started in the pool worker, in ms since the epoch. */
  readonly start: number;
  /** The phases, in ms. */
  readonly phases: TimingPhases;
  /** Whether the exchange ran on a connection an earlier exchange had used (then it has no connect phases). */
  readonly reused: boolean;
}

/** The instants of one new connection's setup, in ms on the performance clock of the thread that made it. */
export interface ConnectMarks {
  /** the socket was asked for */
  start: number;
  /** the host name was resolved (absent: there was nothing to resolve) */
  lookup?: number;
  /** TCP connected (or, through a proxy, the tunnel was ready) */
  connect?: number;
  /** the TLS handshake completed */
  secureConnect?: number;
}

/** The instants of one exchange, in ms on one thread's performance clock (performance.now()). */
export interface TimingMarks {
  start: number;
  /** the exchange had a connection (a new connection: when it was asked for) */
  socket?: number;
  /** the connection setup, on the exchange that opened it only */
  connect?: ConnectMarks;
  /** the request was handed to the socket in full */
  upload?: number;
  /** the final response head arrived */
  response?: number;
  /** the exchange ended (response complete, or failed) */
  end?: number;
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

/**
 * Timings as they cross from the pool worker (or the mock) to the caller: the instants, flat, which
 * structured clone copies for a fraction of what the phases' two objects with named keys cost
 * (callgrind: the response message went from ~40 k to ~62 k instructions to clone with the objects).
 * `[timeOrigin, reused, start, socket, connected?, lookup, connect, secureConnect, upload, response,
 * end]`, NaN where an instant is absent; the caller makes the phases of it (timingsFromWire).
 */
export type WireTimings = number[];

const orNaN = (instant: number | undefined): number => instant ?? Number.NaN;
const absent = Number.isNaN;

/** The wire form of `marks` (see {@link WireTimings}); `origin` is performance.timeOrigin. */
export function packMarks(marks: TimingMarks, origin: number, reused: boolean): WireTimings {
  const c = marks.connect;
  return [
    origin,
    reused ? 1 : 0,
    marks.start,
    orNaN(marks.socket),
    c ? 1 : 0,
    orNaN(c?.lookup),
    orNaN(c?.connect),
    orNaN(c?.secureConnect),
    orNaN(marks.upload),
    orNaN(marks.response),
    orNaN(marks.end),
  ];
}

/**
 * The timings a reply carried, got's way: wait = socket - start, dns = lookup - socket, tcp =
 * connect - lookup, tls = secureConnect - connect, request = upload - (secureConnect | connect |
 * socket), firstByte = response - upload, download = end - response, total = end - start. Instants
 * are taken in that order, each at least the one before (events of two sources, undici's and the
 * socket's, may be noted out of order by a fraction of a millisecond), so the phases add up to the
 * total. Read straight from the flat instants, with no marks object or closure in between: every
 * response makes one. `reused` serves when it carried none (an older worker: unmeasured).
 */
export function timingsFromWire(wire: WireTimings | undefined, reused: boolean): Timings {
  if (!wire) return unmeasured(reused);
  const [origin, wasReused, start, socket, connected, lookup, connect, secureConnect, upload, response, end] =
    wire as [number, number, number, number, number, number, number, number, number, number, number];
  const phases: Record<string, number> = {};
  let at = start;
  if (!absent(socket)) {
    at = phase(phases, 'wait', at, socket);
    if (connected) {
      at = phase(phases, 'dns', at, absent(lookup) ? at : lookup);
      if (!absent(connect)) at = phase(phases, 'tcp', at, connect);
      if (!absent(secureConnect)) at = phase(phases, 'tls', at, secureConnect);
    }
    // A response that came before the body was all sent (an early 413, a redirect) ends the request phase.
    const sent = absent(upload) ? response : absent(response) ? upload : Math.min(upload, response);
    if (!absent(sent)) {
      at = phase(phases, 'request', at, sent);
      if (!absent(response)) at = phase(phases, 'firstByte', at, response);
    }
  }
  if (!absent(response) && !absent(end)) at = phase(phases, 'download', at, end);
  if (!absent(end)) phases.total = round(Math.max(at, end) - start);
  return { start: round(origin + start), phases, reused: wasReused === 1 };
}

/** Notes the phase `name`, from `at` to `instant` (never negative); returns where the next one starts. */
function phase(
  phases: Record<string, number>,
  name: keyof TimingPhases,
  at: number,
  instant: number,
): number {
  const until = Math.max(at, instant);
  phases[name] = round(until - at);
  return until;
}

/**
 * The timings of an exchange whose worker measured none (a worker of an older copy of onepool that
 * this process shares): start 0, no phases.
 */
export const unmeasured = (reused: boolean): Timings => ({ start: 0, phases: {}, reused });
