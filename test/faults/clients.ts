// Raw node:net / node:tls / HTTP/2-frame clients for the fixtures' self-test. They record bytes and
// timing without interpreting HTTP, so the self-test checks what a fixture really put on the wire.

import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import {
  Flag,
  type Frame,
  FrameReader,
  FrameType,
  headers,
  PREFACE,
  ping,
  settings,
  settingsAck,
} from './h2frames.js';

export interface RawResult {
  bytes: Buffer;
  /** Arrival time (ms since the request was written) of every chunk, with its size. */
  chunks: { t: number; n: number }[];
  /** How the exchange ended: the peer's FIN, a reset/error, or still open when we stopped waiting. */
  ended: 'fin' | 'reset' | 'open';
  /** ms from the request to the end (or to giving up). */
  endedAt: number;
  error?: NodeJS.ErrnoException;
  authorized?: boolean;
}

export interface RawOptions {
  host: string;
  port: number;
  request?: string | Buffer;
  tls?: { ca?: string; servername?: string; rejectUnauthorized?: boolean; ALPNProtocols?: string[] };
  /** Give up (ended: 'open') after this long. */
  waitMs?: number;
  /** Stop early once the bytes so far satisfy this. */
  doneWhen?: (bytes: Buffer) => boolean;
  /** After doneWhen holds, keep listening this long (to see that nothing more, and no FIN, follows). */
  settleMs?: number;
  maxBytes?: number;
}

export function rawExchange(o: RawOptions): Promise<RawResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const times: RawResult['chunks'] = [];
    let size = 0;
    let start = performance.now();
    let settled = false;
    let authorized: boolean | undefined;
    let done = false;
    let settle: NodeJS.Timeout | undefined;
    const sock: Socket = o.tls
      ? tlsConnect(
          { host: o.host, port: o.port, ...o.tls, servername: o.tls.servername ?? 'localhost' },
          () => {
            authorized = (sock as ReturnType<typeof tlsConnect>).authorized;
            send();
          },
        )
      : netConnect({ host: o.host, port: o.port }, () => send());
    const send = () => {
      start = performance.now();
      if (o.request !== undefined) sock.write(o.request);
    };
    const finish = (ended: RawResult['ended'], error?: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(settle);
      sock.destroy();
      resolve({
        bytes: Buffer.concat(chunks),
        chunks: times,
        ended,
        endedAt: performance.now() - start,
        error,
        authorized,
      });
    };
    const timer = setTimeout(() => finish('open'), o.waitMs ?? 300);
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      size += d.length;
      times.push({ t: performance.now() - start, n: d.length });
      if (size > (o.maxBytes ?? 8 << 20)) finish('open');
      else if (!done && o.doneWhen?.(Buffer.concat(chunks))) {
        done = true;
        if (o.settleMs) settle = setTimeout(() => finish('open'), o.settleMs);
        else finish('open');
      }
    });
    sock.on('end', () => finish('fin'));
    sock.on('error', (err) => finish('reset', err));
    sock.on('close', () => finish('fin'));
  });
}

export const get = (path: string, requestId = 'self-test', method = 'GET') =>
  `${method} ${path} HTTP/1.1\r\nHost: localhost\r\nx-request-id: ${requestId}\r\n\r\n`;

/** Splits an HTTP/1.x response at the first blank line (CRLF or bare LF). */
export function splitHead(bytes: Buffer): { head: string; body: Buffer } {
  const crlf = bytes.indexOf('\r\n\r\n');
  const lf = bytes.indexOf('\n\n');
  if (crlf < 0 && lf < 0) return { head: bytes.toString('latin1'), body: Buffer.alloc(0) };
  const [at, len] = crlf >= 0 && (lf < 0 || crlf < lf) ? [crlf, 4] : [lf, 2];
  return { head: bytes.subarray(0, at).toString('latin1'), body: bytes.subarray(at + len) };
}

export interface TimedFrame extends Frame {
  t: number;
}

export interface H2Result {
  frames: TimedFrame[];
  ended: 'fin' | 'reset' | 'open';
  alpn: string | false;
}

export interface H2Stream {
  id: number;
  method?: string;
  path: string;
  /** Leave the stream open for a body (never sent by this client). */
  open?: boolean;
  /** Send this stream's HEADERS only after this many ms. */
  at?: number;
}

/**
 * Speaks just enough HTTP/2 to open streams and watch the server's frames: preface, empty SETTINGS,
 * ACKs for SETTINGS (first 10) and PING (first 10), then HEADERS for each stream. Bounded by `waitMs`.
 */
export function h2Exchange(o: {
  host: string;
  port: number;
  ca: string;
  streams: H2Stream[];
  waitMs?: number;
  doneWhen?: (frames: TimedFrame[]) => boolean;
  /** After doneWhen holds, keep listening this long. */
  settleMs?: number;
}): Promise<H2Result> {
  return new Promise((resolve) => {
    const frames: TimedFrame[] = [];
    const reader = new FrameReader();
    const timers: NodeJS.Timeout[] = [];
    let acks = 0;
    let settled = false;
    let done = false;
    const start = performance.now();
    const sock = tlsConnect(
      { host: o.host, port: o.port, ca: o.ca, servername: 'localhost', ALPNProtocols: ['h2'] },
      () => {
        sock.write(Buffer.concat([PREFACE, settings({})]));
        for (const s of o.streams) {
          const fields: [string, string][] = [
            [':method', s.method ?? 'GET'],
            [':scheme', 'https'],
            [':authority', 'localhost'],
            [':path', s.path],
          ];
          const out = () => !sock.destroyed && sock.write(headers(s.id, fields, { endStream: !s.open }));
          if (s.at) timers.push(setTimeout(out, s.at));
          else out();
        }
      },
    );
    const finish = (ended: H2Result['ended']) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      const alpn = sock.alpnProtocol ?? false;
      sock.destroy();
      resolve({ frames, ended, alpn });
    };
    timers.push(setTimeout(() => finish('open'), o.waitMs ?? 300));
    sock.on('data', (d: Buffer) => {
      let got: Frame[];
      try {
        got = reader.push(d);
      } catch {
        return finish('reset');
      }
      for (const f of got) {
        frames.push({ ...f, payload: Buffer.from(f.payload), t: performance.now() - start });
        // A few ACKs keep a well-behaved server happy; a flood gets none beyond that, so this client
        // cannot be the one that amplifies it.
        if (acks < 20 && f.type === FrameType.SETTINGS && !(f.flags & Flag.ACK)) {
          acks++;
          sock.write(settingsAck());
        } else if (acks < 20 && f.type === FrameType.PING && !(f.flags & Flag.ACK)) {
          acks++;
          sock.write(ping(f.payload, true));
        }
      }
      if (!done && o.doneWhen?.(frames)) {
        done = true;
        if (o.settleMs) timers.push(setTimeout(() => finish('open'), o.settleMs));
        else finish('open');
      }
    });
    sock.on('end', () => finish('fin'));
    sock.on('close', () => finish('fin'));
    sock.on('error', () => finish('reset'));
  });
}

/** SETTINGS payload as a map (id -> value). */
export function settingsOf(f: Frame): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i + 6 <= f.payload.length; i += 6)
    m.set(f.payload.readUInt16BE(i), f.payload.readUInt32BE(i + 2));
  return m;
}
