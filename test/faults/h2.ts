// HTTP/2 hostile-server scenarios. Most use node:http2 (a real nghttp2 server told to misbehave:
// GOAWAY, RST_STREAM, REFUSED_STREAM, stalls); the rest write raw frames over TLS with ALPN h2,
// because nghttp2 will not flood, withhold flow control, or send an endless header block.

import type { Http2Session, ServerHttp2Stream, Settings } from 'node:http2';
import { constants } from 'node:http2';
import {
  data,
  ErrorCode,
  Flag,
  FrameType,
  frame,
  goaway,
  headerBlock,
  headers,
  ping,
  rstStream,
  Setting,
  settings,
} from './h2frames.js';
import type { ConnCtx, Outcome, ScenarioInfo } from './types.js';

/** Per-scenario mutable state that lives as long as the server (e.g. "has the first stream been refused"). */
export type ScenarioState = Record<string, number>;

export interface NodeStreamCtx {
  session: Http2Session;
  stream: ServerHttp2Stream;
  requestId: string;
  /** 1-based index of this stream on its session. */
  nth: number;
  /** 1-based session number on this server. */
  sessionNo: number;
  state: ScenarioState;
  event(what: string): void;
  after(ms: number, fn: () => void): void;
}

export interface RawStreamCtx extends ConnCtx {
  send(bytes: Buffer): void;
  streamId: number;
  /** True if the client's HEADERS frame ended the stream (no request body). */
  endStream: boolean;
  state: ScenarioState;
}

export interface H2Scenario extends ScenarioInfo {
  protocol: 'h2';
  impl: 'node' | 'raw';
  /** node: the server's SETTINGS. */
  settings?: Settings;
  onStream?: (c: NodeStreamCtx) => void;
  /** raw: SETTINGS sent right after the preface. */
  rawSettings?: Record<number, number>;
  /** raw: runs once the client's preface has arrived. */
  onRawConnection?: (c: ConnCtx & { send(bytes: Buffer): void; state: ScenarioState }) => void;
  /** raw: runs for every HEADERS frame that opens a stream; default answers 200 'ok'. */
  onRawStream?: (c: RawStreamCtx) => void;
  /** raw: runs when a request body ends (DATA with END_STREAM). */
  onRawBodyEnd?: (c: RawStreamCtx) => void;
}

const T = { connect: 1000, read: 500 };

type Def = Omit<
  H2Scenario,
  'protocol' | 'scheme' | 'method' | 'timeout' | 'followUpOk' | 'tls' | 'expect'
> & {
  expect: Outcome | readonly Outcome[];
  method?: ScenarioInfo['method'];
  timeout?: ScenarioInfo['timeout'];
  followUpOk?: boolean;
};

const def = (d: Def): H2Scenario => ({
  protocol: 'h2',
  scheme: 'https',
  tls: 'ca',
  method: 'GET',
  timeout: T,
  followUpOk: true,
  ...d,
});

/** The healthy answer, echoing the request id. */
export function respondOk(c: NodeStreamCtx, body = 'ok') {
  if (c.stream.destroyed || c.stream.closed) return;
  c.stream.respond({
    ':status': 200,
    'content-length': Buffer.byteLength(body),
    'x-request-id': c.requestId,
  });
  c.stream.end(body);
}

/** The healthy raw answer (raw fixtures cannot decode the request id, so none is echoed). */
export const rawOk = (c: Pick<RawStreamCtx, 'send' | 'streamId'>) =>
  c.send(
    Buffer.concat([
      headers(c.streamId, [
        [':status', '200'],
        ['content-length', '2'],
      ]),
      data(c.streamId, 'ok', true),
    ]),
  );

/** Sends `n` copies of `unit` in batches of 1000 while the socket keeps up; bounded by `n`. */
function flood(c: ConnCtx & { send(bytes: Buffer): void }, unit: Buffer, n: number, done?: () => void) {
  const batch = Buffer.concat(Array(1000).fill(unit));
  c.every(1, Math.ceil(n / 1000) * 20, (i) => {
    if (c.sock.writableNeedDrain) return true;
    c.send(batch);
    const sent = (c.sock as typeof c.sock & { floodSent?: number }).floodSent ?? 0;
    (c.sock as typeof c.sock & { floodSent?: number }).floodSent = sent + 1000;
    if (sent + 1000 >= n) {
      c.event(`flood done after ${i + 1} ticks`);
      done?.();
      return false;
    }
    return true;
  });
}

export const h2Scenarios: H2Scenario[] = [
  def({
    name: 'h2-ok',
    summary: 'node:http2 200 ok; the healthy control',
    expect: 'ok',
    impl: 'node',
    onStream: respondOk,
  }),
  def({
    name: 'h2-goaway-graceful-after-3',
    summary:
      'on the 3rd stream of a session: GOAWAY(NO_ERROR, last=that stream), answer it, close gracefully',
    expect: 'ok',
    impl: 'node',
    note: 'streams <= last complete; later ones go to a new session (replayed at most once); 0 hangs',
    onStream: (c) => {
      if (c.nth === 3) {
        c.session.goaway(constants.NGHTTP2_NO_ERROR, c.stream.id);
        c.event(`goaway NO_ERROR last=${c.stream.id}`);
        respondOk(c);
        c.session.close();
        return;
      }
      if (c.nth > 3) {
        c.event(`stream ${c.stream.id} above last-stream-id`);
        return;
      }
      respondOk(c);
    },
  }),
  def({
    name: 'h2-goaway-error-mid-body',
    summary: 'headers + 1 KiB of a 10 KiB body, then GOAWAY(INTERNAL_ERROR, last=this stream) and destroy',
    expect: 'ConnectionClosedError',
    impl: 'node',
    note: 'the stream was processed (id <= last), so it must not be replayed silently',
    onStream: (c) => {
      c.stream.respond({ ':status': 200, 'content-length': 10240, 'x-request-id': c.requestId });
      c.stream.write(Buffer.alloc(1024, 0x61));
      c.after(30, () => {
        c.session.goaway(constants.NGHTTP2_INTERNAL_ERROR, c.stream.id);
        c.event(`goaway INTERNAL_ERROR last=${c.stream.id}`);
        c.after(30, () => c.session.destroy());
      });
    },
  }),
  def({
    name: 'h2-rst-before-headers',
    summary: 'RST_STREAM(INTERNAL_ERROR) instead of any response',
    expect: 'ConnectionClosedError',
    impl: 'node',
    onStream: (c) => c.stream.close(constants.NGHTTP2_INTERNAL_ERROR),
  }),
  def({
    name: 'h2-refused-stream-once',
    summary: 'the first stream this server ever sees gets RST_STREAM(REFUSED_STREAM); all others 200',
    expect: 'ok',
    impl: 'node',
    note: 'RFC 9113 §8.7: a refused stream was not processed and may be retried once',
    onStream: (c) => {
      c.state.seen = (c.state.seen ?? 0) + 1;
      if (c.state.seen === 1) {
        c.event('refused');
        c.stream.close(constants.NGHTTP2_REFUSED_STREAM);
        return;
      }
      respondOk(c);
    },
  }),
  def({
    name: 'h2-refused-stream-always',
    summary: 'every stream gets RST_STREAM(REFUSED_STREAM)',
    expect: 'ConnectionClosedError',
    impl: 'node',
    followUpOk: false,
    note: 'at most one replay: the server must see <= 2 requests per client call',
    onStream: (c) => c.stream.close(constants.NGHTTP2_REFUSED_STREAM),
  }),
  def({
    name: 'h2-max-concurrent-1',
    summary: 'SETTINGS_MAX_CONCURRENT_STREAMS=1, each answer delayed 50 ms; records peak concurrency',
    expect: 'ok',
    impl: 'node',
    settings: { maxConcurrentStreams: 1 },
    note: 'observed().maxConcurrentStreams must stay <= 1 under concurrent load; all requests complete',
    onStream: (c) => c.after(50, () => respondOk(c)),
  }),
  def({
    name: 'h2-stall-headers',
    summary: 'accepts the stream, never answers',
    expect: 'ReadTimeoutError',
    impl: 'node',
    onStream: () => {},
  }),
  def({
    name: 'h2-body-stall',
    summary: 'headers + 10 bytes of a 100-byte body, then silence',
    expect: 'ReadTimeoutError',
    impl: 'node',
    onStream: (c) => {
      c.stream.respond({ ':status': 200, 'content-length': 100, 'x-request-id': c.requestId });
      c.stream.write('0123456789');
    },
  }),

  // ---- raw frames
  // node:http2 turns GOAWAY last-stream-id 0 into "last processed", and ends a stream before resetting
  // it, so the exact frames below are written by hand.
  def({
    name: 'h2-goaway-error-once',
    summary:
      'raw: first connection only: GOAWAY(INTERNAL_ERROR, last=0) on its first stream; later ones healthy',
    expect: 'ok',
    impl: 'raw',
    note: 'the stream was never processed (id > last), so one replay on a fresh connection is correct',
    onRawStream: (c) => {
      if (c.state.goawaySent) return rawOk(c);
      c.state.goawaySent = 1;
      c.send(goaway(0, ErrorCode.INTERNAL_ERROR, 'fixture'));
      c.event('goaway INTERNAL_ERROR last=0');
      c.after(50, () => c.sock.end());
    },
  }),
  def({
    name: 'h2-goaway-error-always',
    summary: 'raw: every connection: GOAWAY(ENHANCE_YOUR_CALM, last=0) on the first stream, then close',
    expect: 'ConnectionClosedError',
    impl: 'raw',
    note: 'at most one replay (the server counts requests), then a typed error',
    followUpOk: false,
    onRawStream: (c) => {
      c.send(goaway(0, ErrorCode.ENHANCE_YOUR_CALM, 'fixture'));
      c.event('goaway ENHANCE_YOUR_CALM last=0');
      c.after(50, () => c.sock.end());
    },
  }),
  def({
    name: 'h2-rst-mid-body',
    summary: 'raw: headers (content-length 10240) + 1 KiB of DATA, then RST_STREAM(INTERNAL_ERROR)',
    expect: 'ConnectionClosedError',
    impl: 'raw',
    onRawStream: (c) => {
      c.send(
        Buffer.concat([
          headers(c.streamId, [
            [':status', '200'],
            ['content-length', '10240'],
          ]),
          data(c.streamId, Buffer.alloc(1024, 0x61)),
        ]),
      );
      c.after(30, () => c.send(rstStream(c.streamId, ErrorCode.INTERNAL_ERROR)));
    },
  }),
  def({
    name: 'h2-max-concurrent-0-then-raised',
    summary: 'raw: SETTINGS_MAX_CONCURRENT_STREAMS=0, raised to 100 after 300 ms; early streams are refused',
    expect: 'ok',
    impl: 'raw',
    rawSettings: { [Setting.MAX_CONCURRENT_STREAMS]: 0 },
    note: 'a stream opened while the limit is 0 is logged as a violation event and refused',
    onRawConnection: (c) =>
      c.after(300, () => {
        c.state[`raised-${c.id}`] = 1;
        c.event('limit raised to 100');
        c.send(settings({ [Setting.MAX_CONCURRENT_STREAMS]: 100 }));
      }),
    onRawStream: (c) => {
      if (!c.state[`raised-${c.id}`]) {
        c.event(`violation: stream ${c.streamId} opened while the limit was 0`);
        c.send(rstStream(c.streamId, ErrorCode.REFUSED_STREAM));
        return;
      }
      rawOk(c);
    },
  }),
  def({
    name: 'h2-zero-window',
    summary: 'raw: SETTINGS_INITIAL_WINDOW_SIZE=0 and never a WINDOW_UPDATE; answers only once the body ends',
    // Nothing of the body can be sent: timeout.write ends it (the read timer starts once it is sent).
    expect: 'WriteTimeoutError',
    impl: 'raw',
    method: 'POST',
    bodyBytes: 100 * 1024,
    followUpOk: false,
    rawSettings: { [Setting.INITIAL_WINDOW_SIZE]: 0 },
    note: 'the request body can never be sent; the call must still end within its timeout',
    onRawStream: (c) => {
      if (c.endStream) rawOk(c);
    },
    onRawBodyEnd: rawOk,
  }),
  def({
    name: 'h2-settings-flood',
    summary:
      'raw: 20,000 SETTINGS frames (each needing an ACK) right after the preface, then answers normally',
    expect: ['ConnectionClosedError', 'ok'],
    impl: 'raw',
    note: 'nghttp2 may end the session with ENHANCE_YOUR_CALM; either way it settles with bounded CPU',
    onRawConnection: (c) => flood(c, settings({ [Setting.MAX_CONCURRENT_STREAMS]: 100 }), 20_000),
  }),
  def({
    name: 'h2-ping-flood',
    summary: 'raw: 20,000 PING frames (each needing an ACK) right after the preface, then answers normally',
    expect: ['ConnectionClosedError', 'ok'],
    impl: 'raw',
    onRawConnection: (c) => flood(c, ping(Buffer.from('floodpng')), 20_000),
  }),
  def({
    name: 'h2-continuation-flood',
    summary:
      'raw: HEADERS without END_HEADERS, then up to 10,000 CONTINUATION frames, never ending the block',
    expect: ['ResponseError', 'ConnectionClosedError'],
    impl: 'raw',
    followUpOk: false,
    note: 'CVE-2024-28182 shape: the client must stop buffering at its header-list limit',
    onRawStream: (c) => {
      c.send(frame(FrameType.HEADERS, 0, c.streamId, headerBlock([[':status', '200']])));
      const cont = frame(FrameType.CONTINUATION, 0, c.streamId, headerBlock([['x-flood', 'f'.repeat(100)]]));
      flood(c, cont, 10_000);
    },
  }),
  def({
    name: 'h2-header-list-over-limit',
    summary:
      'raw: a complete 128 KiB header block (128 x 1 KiB fields, HEADERS + CONTINUATION), then body ok',
    expect: 'ResponseError',
    impl: 'raw',
    note: 'exceeds the 64 KiB default SETTINGS_MAX_HEADER_LIST_SIZE the client advertises',
    onRawStream: (c) =>
      c.send(
        Buffer.concat([
          headers(c.streamId, [
            [':status', '200'],
            ...Array.from({ length: 128 }, (_, i) => [`x-big-${i}`, 'b'.repeat(1024)] as const),
          ]),
          data(c.streamId, 'ok', true),
        ]),
      ),
  }),
  def({
    name: 'h2-data-before-headers',
    summary: 'raw: DATA on the stream before any HEADERS (a protocol error)',
    expect: ['ResponseError', 'ConnectionClosedError', 'ReadTimeoutError'],
    impl: 'raw',
    note:
      "node 20's nghttp2 answers with GOAWAY(PROTOCOL_ERROR) on the wire but reports nothing to JS (no " +
      'stream or session event; the session says it is open), so the client can only time the stream ' +
      'out; the pool then retires the session (an unanswered PING) so it is never reused',
    onRawStream: (c) =>
      c.send(
        Buffer.concat([data(c.streamId, 'early', false), frame(FrameType.DATA, Flag.END_STREAM, c.streamId)]),
      ),
  }),
  def({
    name: 'h2-goaway-raw-last-1',
    summary: 'raw: answers stream 1, then GOAWAY(NO_ERROR, last=1) and keeps the socket open 1 s',
    expect: 'ok',
    impl: 'raw',
    note: 'a client that keeps using the session after GOAWAY hangs on stream 3; it must open a new one',
    onRawStream: (c) => {
      if (c.streamId === 1) {
        rawOk(c);
        c.send(goaway(1, ErrorCode.NO_ERROR));
        c.event('goaway NO_ERROR last=1');
        c.after(1000, () => c.sock.end());
        return;
      }
      c.event(`violation: stream ${c.streamId} opened after GOAWAY`);
    },
  }),
];
