// HTTP/1.1 (and TLS) hostile-server scenarios, scripted on raw sockets so every byte is deliberate.
//
// Conventions for `expect`: malformed bytes -> ResponseError; the peer closed or reset before the
// message was complete -> ConnectionClosedError; silence past the read timeout -> ReadTimeoutError;
// silence during the TLS handshake -> ConnectTimeoutError; a certificate that fails verification
// -> TLSError. Every well-formed response echoes the request's `x-request-id`, so a test can tell
// its own response from one left on the socket by an earlier exchange.

import { gzipSync } from 'node:zlib';
import { gzipBomb, gzipLayers, truncatedBrotli, truncatedGzip } from './assets.js';
import type { CertSet } from './certs.js';
import type { ConnCtx, Outcome, ParsedRequest, ScenarioInfo } from './types.js';

export interface H1Scenario extends ScenarioInfo {
  protocol: 'h1';
  /** 'net' even for https when the point is to never complete the handshake. */
  listen: 'net' | 'tls';
  cert?: keyof Omit<CertSet, 'ca' | 'key'>;
  prepare?: () => Promise<void>;
  /** Called once per accepted connection; return true to take the socket over (no request parsing). */
  onConnection?: (c: ConnCtx) => boolean;
  /** Called for each complete request; default answers 200 'ok'. */
  onRequest?: (req: ParsedRequest, c: ConnCtx) => void;
}

const CRLF = '\r\n';

/** A complete, well-formed response that echoes the request id. */
export function okResponse(req: Pick<ParsedRequest, 'requestId'>, body = 'ok', extra: string[] = []): string {
  return [
    'HTTP/1.1 200 OK',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `x-request-id: ${req.requestId}`,
    ...extra,
    '',
    body,
  ].join(CRLF);
}

/** What the poisoning scenarios smuggle onto the socket: a plausible response nobody asked for. */
export const POISON = 'HTTP/1.1 200 OK\r\nContent-Length: 8\r\nx-request-id: poison\r\n\r\npoisoned';

const head = (statusLine: string, headers: string[]) => [statusLine, ...headers, '', ''].join(CRLF);

const write = (c: ConnCtx, bytes: string | Buffer) => {
  if (!c.sock.destroyed) c.sock.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
};
const writeAndEnd = (c: ConnCtx, bytes: string | Buffer) => {
  write(c, bytes);
  c.sock.end();
};

/** Sends `statusLineAndHeaders` (already CRLF-joined, without the blank line), a body, and closes. */
const raw =
  (bytes: string | (() => string | Buffer), close = true) =>
  (_req: ParsedRequest, c: ConnCtx) => {
    const b = typeof bytes === 'function' ? bytes() : bytes;
    if (close) writeAndEnd(c, b);
    else write(c, b);
  };

/** Headers framed correctly around one bad header line, then close (the connection is spent anyway). */
const badHeader = (line: string) => (req: ParsedRequest, c: ConnCtx) =>
  writeAndEnd(
    c,
    head('HTTP/1.1 200 OK', ['Content-Length: 2', `x-request-id: ${req.requestId}`, line]) + 'ok',
  );

/** Answers 200 with `body` but then writes the poison response into the same segment. */
const withTrailingPoison =
  (status: string, body: string, extra: string[] = []) =>
  (req: ParsedRequest, c: ConnCtx) =>
    write(
      c,
      head(status, [
        `Content-Length: ${Buffer.byteLength(body)}`,
        `x-request-id: ${req.requestId}`,
        ...extra,
      ]) +
        body +
        POISON,
    );

/** Holds the socket open until the client gives up (or the per-connection cap in the server). */
const hold = () => {};

/** Drips `text` one byte per `ms`; bounded by its length. */
const drip = (text: string, ms: number) => (_req: ParsedRequest, c: ConnCtx) =>
  c.every(ms, text.length, (i) => {
    write(c, text[i]!);
    return true;
  });

const T = { connect: 1000, read: 500 };

type Def = Omit<
  H1Scenario,
  'protocol' | 'listen' | 'scheme' | 'method' | 'timeout' | 'followUpOk' | 'expect'
> & {
  expect: Outcome | readonly Outcome[];
  scheme?: 'http' | 'https';
  listen?: 'net' | 'tls';
  method?: ScenarioInfo['method'];
  timeout?: ScenarioInfo['timeout'];
  followUpOk?: boolean;
};

const def = (d: Def): H1Scenario => ({
  protocol: 'h1',
  scheme: d.scheme ?? 'http',
  listen: d.listen ?? (d.scheme === 'https' ? 'tls' : 'net'),
  method: d.method ?? 'GET',
  timeout: d.timeout ?? T,
  // Servers that close or hold every connection cannot answer a follow-up; the rest can.
  followUpOk: d.followUpOk ?? true,
  ...(d.scheme === 'https' && d.listen !== 'net' ? { tls: 'ca' as const } : {}),
  ...d,
});

export const h1Scenarios: H1Scenario[] = [
  // ---- control
  def({ name: 'ok', summary: '200 with Content-Length, keep-alive; the healthy control', expect: 'ok' }),

  // ---- status line
  def({
    name: 'garbage-status-line',
    summary: 'answers binary garbage with a CRLF instead of a status line, then closes',
    expect: 'ResponseError',
    onRequest: raw('\x00\x01\x7f\xffGARBAGE \x1b[0m\r\nX: y\r\n\r\nok'),
  }),
  def({
    name: 'bad-http-version',
    summary: 'status line says HTTP/2.7',
    expect: 'ResponseError',
    onRequest: raw('HTTP/2.7 200 OK\r\nContent-Length: 2\r\n\r\nok'),
  }),
  def({
    name: 'http-version-lowercase',
    summary: 'status line says http/1.1 (the protocol name is case-sensitive)',
    expect: 'ResponseError',
    onRequest: raw('http/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'),
  }),
  def({
    name: 'status-code-non-numeric',
    summary: 'status code 2x0',
    expect: 'ResponseError',
    onRequest: raw('HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\nok'),
  }),
  def({
    name: 'status-code-four-digits',
    summary: 'status code 2000',
    expect: 'ResponseError',
    onRequest: raw('HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok'),
  }),
  def({
    name: 'http09-response',
    summary: 'a bare body with no status line (HTTP/0.9 style), then close',
    expect: 'ResponseError',
    onRequest: raw('hello world\n'),
  }),

  // ---- header lines
  def({
    name: 'nul-in-header-value',
    summary: 'a header value containing NUL',
    expect: 'ResponseError',
    onRequest: badHeader('X-Bad: a\x00b'),
  }),
  def({
    name: 'cr-in-header-value',
    summary: 'a header value containing a bare CR',
    expect: 'ResponseError',
    onRequest: badHeader('X-Bad: a\rX-Injected: yes'),
  }),
  def({
    name: 'lf-in-header-value',
    summary: 'a header line split by a bare LF into a second, injected header',
    expect: 'ResponseError',
    note: 'RFC 9112 lets a lenient recipient treat LF as a line end; the project goal is to reject it',
    onRequest: badHeader('X-Bad: a\nX-Injected: yes'),
  }),
  def({
    name: 'obs-fold',
    summary: 'a header continued on the next line with leading whitespace (obs-fold)',
    expect: 'ResponseError',
    note: 'RFC 9112 §5.2 also allows replacing the fold with SP; if accepted, no value may contain CR/LF',
    onRequest: badHeader('X-Folded: first\r\n  second'),
  }),
  def({
    name: 'header-no-colon',
    summary: 'a header line without a colon',
    expect: 'ResponseError',
    onRequest: badHeader('X-Broken-Header-Line'),
  }),
  def({
    name: 'header-space-before-colon',
    summary: "whitespace between the header name and the colon ('X-A : b')",
    expect: 'ResponseError',
    onRequest: badHeader('Content-Type : text/plain'),
  }),
  def({
    name: 'header-name-invalid-char',
    summary: 'a header name containing a space and parentheses',
    expect: 'ResponseError',
    onRequest: badHeader('X (Bad): 1'),
  }),
  def({
    name: 'header-over-64k',
    summary: 'one 70 KiB header value',
    expect: 'ResponseError',
    onRequest: badHeader(`X-Huge: ${'a'.repeat(70 * 1024)}`),
  }),
  def({
    name: 'ten-thousand-headers',
    summary: '10,000 short headers (~110 KiB of header section)',
    expect: 'ResponseError',
    onRequest: badHeader(Array.from({ length: 10_000 }, (_, i) => `X-H${i}: v`).join(CRLF)),
  }),
  def({
    name: 'lf-only-line-endings',
    summary: 'a complete response that uses bare LF for every line end',
    expect: ['ok', 'ResponseError'],
    note: 'RFC 9112 §2.2 lets a recipient accept LF; if ok, the body must be exactly "ok"',
    onRequest: (req, c) =>
      write(c, `HTTP/1.1 200 OK\nContent-Length: 2\nx-request-id: ${req.requestId}\n\nok`),
  }),
  def({
    name: '101-unsolicited',
    summary: '101 Switching Protocols to a GET that asked for no upgrade, then raw bytes',
    expect: 'ResponseError',
    onRequest: raw(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n\x00\x00\x12\x04',
    ),
  }),

  // ---- message framing
  def({
    name: 'cl-and-te',
    summary: 'both Content-Length: 100 and Transfer-Encoding: chunked (request smuggling shape)',
    expect: 'ResponseError',
    onRequest: raw(
      'HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
    ),
  }),
  def({
    name: 'two-content-lengths',
    summary: 'Content-Length: 2 and Content-Length: 9 as separate headers',
    expect: 'ResponseError',
    onRequest: raw('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 9\r\n\r\nok1234567'),
  }),
  def({
    name: 'content-length-list-differ',
    summary: "one Content-Length header with a list of different values ('2, 9')",
    expect: 'ResponseError',
    onRequest: raw('HTTP/1.1 200 OK\r\nContent-Length: 2, 9\r\n\r\nok1234567'),
  }),
  def({
    name: 'content-length-duplicate-equal',
    summary: 'Content-Length: 2 twice (identical values)',
    expect: ['ok', 'ResponseError'],
    note: 'RFC 9110 §8.6 allows accepting identical duplicates',
    onRequest: (req, c) =>
      write(
        c,
        `HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\nx-request-id: ${req.requestId}\r\n\r\nok`,
      ),
  }),
  def({
    name: 'content-length-signed',
    summary: 'Content-Length: +2 (Go TestTransportRejectsSignInContentLength)',
    expect: 'ResponseError',
    onRequest: raw('HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok'),
  }),
  def({
    name: 'content-length-negative',
    summary: 'Content-Length: -1',
    expect: 'ResponseError',
    onRequest: raw('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nok'),
  }),
  def({
    name: 'content-length-non-numeric',
    summary: 'Content-Length: 2x',
    expect: 'ResponseError',
    onRequest: raw('HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n\r\nok'),
  }),
  def({
    name: 'short-content-length-close',
    summary: 'Content-Length: 100, 10 body bytes, then FIN',
    expect: 'ConnectionClosedError',
    onRequest: (req, c) =>
      writeAndEnd(
        c,
        `HTTP/1.1 200 OK\r\nContent-Length: 100\r\nx-request-id: ${req.requestId}\r\n\r\n0123456789`,
      ),
  }),
  def({
    name: 'content-length-overrun',
    summary: 'Content-Length: 2 body "ok", followed in the same write by a full unsolicited response',
    expect: 'ok',
    note: 'the surplus must not become the next response: discard the connection or the bytes',
    onRequest: withTrailingPoison('HTTP/1.1 200 OK', 'ok'),
  }),
  def({
    name: 'truncated-chunk',
    summary: 'chunked; a chunk announcing 0x64 bytes carries 10, then FIN',
    expect: 'ConnectionClosedError',
    onRequest: raw('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n0123456789'),
  }),
  def({
    name: 'missing-last-chunk-close',
    summary: 'chunked; one complete chunk, no terminating 0-chunk, then FIN',
    expect: 'ConnectionClosedError',
    onRequest: raw('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n'),
  }),
  def({
    name: 'missing-last-chunk-hold',
    summary: 'chunked; one complete chunk, no terminating 0-chunk, connection held open',
    expect: 'ReadTimeoutError',
    followUpOk: false,
    onRequest: raw('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n', false),
  }),
  def({
    name: 'chunk-size-overflow',
    summary: 'chunk size ffffffffffffffffffff (80 bits, overflows any integer)',
    expect: 'ResponseError',
    onRequest: raw(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\nhello\r\n0\r\n\r\n',
    ),
  }),
  def({
    name: 'chunk-size-invalid',
    summary: "chunk size 'zz' (not hex)",
    expect: 'ResponseError',
    onRequest: raw('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'),
  }),
  def({
    name: 'chunk-missing-crlf',
    summary: 'chunk data not followed by CRLF before the next size line',
    expect: 'ResponseError',
    onRequest: raw('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n'),
  }),
  def({
    name: 'trailers-over-64k',
    summary: 'chunked body followed by a 70 KiB trailer section',
    expect: 'ResponseError',
    onRequest: raw(
      () =>
        `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-T: ${'t'.repeat(70 * 1024)}\r\n\r\n`,
    ),
  }),

  // ---- bodies where none may be
  def({
    name: 'head-with-body',
    summary: 'answers HEAD with Content-Length and then sends a body that is itself a full response',
    expect: 'ok',
    method: 'HEAD',
    note: 'the HEAD gets no body and must not hang; the bytes must not answer the next request',
    onRequest: (req, c) =>
      write(
        c,
        head('HTTP/1.1 200 OK', [`Content-Length: ${POISON.length}`, `x-request-id: ${req.requestId}`]) +
          POISON,
      ),
  }),
  def({
    name: '204-with-body',
    summary: '204 No Content followed by a full unsolicited response as "body"',
    expect: 'ok',
    onRequest: (req, c) =>
      write(c, head('HTTP/1.1 204 No Content', [`x-request-id: ${req.requestId}`]) + POISON),
  }),
  def({
    name: '304-with-body',
    summary: '304 Not Modified with Content-Length and a full unsolicited response as "body"',
    expect: 'ok',
    onRequest: (req, c) =>
      write(
        c,
        head('HTTP/1.1 304 Not Modified', [
          `Content-Length: ${POISON.length}`,
          `x-request-id: ${req.requestId}`,
        ]) + POISON,
      ),
  }),

  // ---- interim responses
  def({
    name: '1xx-few',
    summary: 'three 103 Early Hints, then a normal 200',
    expect: 'ok',
    onRequest: (req, c) =>
      write(c, 'HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n'.repeat(3) + okResponse(req)),
  }),
  def({
    name: '1xx-storm',
    summary: '100,000 102 Processing responses (2.6 MB), then a 200, written with backpressure',
    expect: ['ResponseError', 'ok'],
    note: 'Go caps 1xx at 5 (TestTransportLimits1xxResponses); either way it must settle with bounded CPU',
    timeout: { connect: 1000, read: 2000 },
    onRequest: (req, c) => {
      const batch = 'HTTP/1.1 102 Processing\r\n\r\n'.repeat(1000);
      c.every(1, 100, (i) => {
        if (c.sock.writableNeedDrain) return true;
        write(c, batch);
        if (i === 99) write(c, okResponse(req));
        return true;
      });
    },
  }),

  // ---- response-queue poisoning (GHSA-35p6-xmwp-9g52)
  def({
    name: 'poison-extra-response',
    summary: 'every reply is followed, in the same write, by an extra response with x-request-id: poison',
    expect: 'ok',
    note: 'every response the client returns must carry its own request id; 0 mismatches',
    onRequest: withTrailingPoison('HTTP/1.1 200 OK', 'ok'),
  }),
  def({
    name: 'poison-extra-response-later',
    summary: 'every reply is followed 30 ms later, on the idle socket, by an extra response',
    expect: 'ok',
    note: 'the unsolicited bytes arrive while the connection sits idle in the pool',
    onRequest: (req, c) => {
      write(c, okResponse(req));
      c.after(30, () => write(c, POISON));
    },
  }),

  // ---- connection closed or reset
  def({
    name: 'close-before-response',
    summary: 'reads the request, then FIN without a byte',
    expect: 'ConnectionClosedError',
    onRequest: (_req, c) => c.sock.end(),
  }),
  def({
    name: 'close-after-headers',
    summary: 'sends headers promising 100 bytes, then FIN',
    expect: 'ConnectionClosedError',
    onRequest: (req, c) =>
      writeAndEnd(c, head('HTTP/1.1 200 OK', ['Content-Length: 100', `x-request-id: ${req.requestId}`])),
  }),
  def({
    name: 'reset-mid-body',
    summary: 'headers promising 1000 bytes, 100 of them, then TCP RST',
    expect: 'ConnectionClosedError',
    onRequest: (req, c) => {
      write(
        c,
        head('HTTP/1.1 200 OK', ['Content-Length: 1000', `x-request-id: ${req.requestId}`]) + 'x'.repeat(100),
      );
      c.after(20, () => c.sock.resetAndDestroy());
    },
  }),
  def({
    name: 'reset-after-request',
    summary: 'reads the request, then TCP RST',
    expect: 'ConnectionClosedError',
    onRequest: (_req, c) => c.sock.resetAndDestroy(),
  }),
  def({
    name: 'reset-on-accept',
    summary: 'TCP RST as soon as the connection is accepted',
    expect: 'ConnectionClosedError',
    note: 'the client may see the reset while writing; that is still a closed connection, not a connect error',
    onConnection: (c) => {
      c.sock.resetAndDestroy();
      return true;
    },
  }),

  // ---- silence and slowness
  def({
    name: 'slowloris-headers',
    summary: 'drips a valid response head one byte per second (bounded to 120 bytes)',
    expect: 'ReadTimeoutError',
    followUpOk: false,
    onRequest: drip(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Pad: ${'p'.repeat(80)}\r\n\r\nok`, 1000),
  }),
  def({
    name: 'slowloris-drip',
    summary:
      'drips a response head one byte per 100 ms, so an idle timer never fires (bounded to 1200 bytes)',
    expect: 'ReadTimeoutError',
    timeout: { connect: 1000, read: 500, total: 1500 },
    followUpOk: false,
    note: 'only a headers or total deadline can end this; time-to-error <= total + 250 ms',
    onRequest: drip(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Pad: ${'p'.repeat(1160)}\r\n\r\nok`, 100),
  }),
  def({
    name: 'body-stall',
    summary: 'headers promising 100 bytes, 10 of them, then silence with the socket open',
    expect: 'ReadTimeoutError',
    followUpOk: false,
    onRequest: (req, c) =>
      write(
        c,
        head('HTTP/1.1 200 OK', ['Content-Length: 100', `x-request-id: ${req.requestId}`]) + '0123456789',
      ),
  }),
  def({
    name: 'body-stall-chunked',
    summary: 'chunked headers and one chunk, then silence with the socket open',
    expect: 'ReadTimeoutError',
    followUpOk: false,
    onRequest: (req, c) =>
      write(
        c,
        head('HTTP/1.1 200 OK', ['Transfer-Encoding: chunked', `x-request-id: ${req.requestId}`]) +
          '5\r\nhello\r\n',
      ),
  }),
  def({
    name: 'never-answer',
    summary: 'accepts and reads the request, never writes',
    expect: 'ReadTimeoutError',
    followUpOk: false,
    onRequest: hold,
  }),
  def({
    name: 'accept-no-read',
    summary: 'accepts but never reads (socket paused) nor writes',
    expect: 'ReadTimeoutError',
    followUpOk: false,
    onConnection: (c) => {
      c.sock.pause();
      return true;
    },
  }),

  // ---- keep-alive races
  def({
    name: 'stale-keepalive',
    summary: 'keep-alive replies, but closes (FIN) each connection 100 ms after its last response',
    expect: 'ok',
    note: 'sweep request gaps over 100 ms +- 50: 0 failed idempotent requests',
    onRequest: (req, c) => {
      write(c, okResponse(req));
      idleClose(c, 100, false);
    },
  }),
  def({
    name: 'stale-keepalive-rst',
    summary: 'keep-alive replies, but resets (RST) each connection 100 ms after its last response',
    expect: 'ok',
    onRequest: (req, c) => {
      write(c, okResponse(req));
      idleClose(c, 100, true);
    },
  }),
  def({
    name: 'stale-keepalive-hint',
    summary: 'announces Keep-Alive: timeout=1 and closes idle connections after exactly 1000 ms',
    expect: 'ok',
    onRequest: (req, c) => {
      write(c, okResponse(req, 'ok', ['Keep-Alive: timeout=1']));
      idleClose(c, 1000, false);
    },
  }),

  // ---- TLS
  def({
    name: 'tls-ok',
    summary: 'TLS with a leaf signed by the fixture CA; the control',
    expect: 'ok',
    scheme: 'https',
    cert: 'leaf',
  }),
  def({
    name: 'tls-handshake-stall',
    summary: 'https URL; accepts TCP, reads the ClientHello, never answers',
    expect: 'ConnectTimeoutError',
    scheme: 'https',
    listen: 'net',
    tls: 'ca',
    followUpOk: false,
    note: 'the handshake is part of connecting: bounded by timeout.connect',
    onConnection: () => true,
  }),
  def({
    name: 'tls-expired',
    summary: 'leaf signed by the CA, valid only in January 2020',
    expect: 'TLSError',
    scheme: 'https',
    cert: 'expired',
  }),
  def({
    name: 'tls-not-yet-valid',
    summary: 'leaf signed by the CA, valid from 2090',
    expect: 'TLSError',
    scheme: 'https',
    cert: 'notYetValid',
  }),
  def({
    name: 'tls-wrong-name',
    summary: 'leaf signed by the CA for wrong.example only',
    expect: 'TLSError',
    scheme: 'https',
    cert: 'wrongName',
  }),
  def({
    name: 'tls-self-signed',
    summary: 'self-signed leaf for the right names',
    expect: 'TLSError',
    scheme: 'https',
    cert: 'selfSigned',
  }),
  def({
    name: 'tls-untrusted-ca',
    summary: 'leaf for the right names, signed by a CA the client does not trust',
    expect: 'TLSError',
    scheme: 'https',
    cert: 'foreign',
  }),
  def({
    name: 'tls-plaintext-reply',
    summary: 'https URL, but the server answers the ClientHello with plaintext HTTP/1.1 400',
    expect: 'TLSError',
    scheme: 'https',
    listen: 'net',
    tls: 'ca',
    onConnection: (c) => {
      c.sock.once('data', () =>
        writeAndEnd(c, 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'),
      );
      return true;
    },
  }),

  // ---- content codings
  def({
    name: 'gzip-ok',
    summary: "Content-Encoding: gzip of 'hello'; the decoding control",
    expect: 'ok',
    onRequest: (req, c) => sendEncoded(req, c, 'gzip', gzipLayers('hello', 1)),
  }),
  def({
    name: 'gzip-bomb',
    summary: 'Content-Encoding: gzip, ~1 MiB that decodes to 1 GiB of zeros',
    expect: 'ResponseTooLargeError',
    timeout: { connect: 1000, read: 5000 },
    note: 'decoded bytes must stop at the response size limit with RSS rise < 64 MB',
    prepare: async () => void (await gzipBomb()),
    onRequest: (req, c) => void gzipBomb().then((b) => sendEncoded(req, c, 'gzip', b)),
  }),
  def({
    name: 'gzip-bomb-nested',
    summary: 'Content-Encoding: gzip, gzip; a few KiB that decode to 1 GiB',
    expect: 'ResponseTooLargeError',
    timeout: { connect: 1000, read: 5000 },
    prepare: async () => void (await gzipBomb()),
    onRequest: (req, c) => void nestedBomb().then((b) => sendEncoded(req, c, 'gzip, gzip', b)),
  }),
  def({
    name: 'content-encoding-chain',
    summary: "Content-Encoding: gzip applied 7 times to 'hello' (CVE-2026-22036 shape)",
    expect: 'ResponseError',
    onRequest: (req, c) => sendEncoded(req, c, Array(7).fill('gzip').join(', '), gzipLayers('hello', 7)),
  }),
  def({
    name: 'truncated-gzip',
    summary: 'Content-Encoding: gzip, body is the first half of a gzip stream (Content-Length matches)',
    expect: 'ResponseError',
    onRequest: (req, c) => sendEncoded(req, c, 'gzip', truncatedGzip()),
  }),
  def({
    name: 'truncated-br',
    summary: 'Content-Encoding: br, body is the first half of a brotli stream (Content-Length matches)',
    expect: 'ResponseError',
    onRequest: (req, c) => sendEncoded(req, c, 'br', truncatedBrotli()),
  }),
  def({
    name: 'garbage-gzip',
    summary: 'Content-Encoding: gzip over bytes that are not gzip',
    expect: 'ResponseError',
    onRequest: (req, c) => sendEncoded(req, c, 'gzip', Buffer.from('this is not gzip at all')),
  }),
];

let nested: Promise<Buffer> | undefined;
// A second gzip layer over the ~1 MiB bomb shrinks it ~1000x again.
const nestedBomb = () => {
  nested ??= gzipBomb().then((b) => gzipSync(b));
  return nested;
};

function sendEncoded(req: ParsedRequest, c: ConnCtx, coding: string, body: Buffer) {
  write(
    c,
    head('HTTP/1.1 200 OK', [
      `Content-Length: ${body.length}`,
      `Content-Encoding: ${coding}`,
      'Content-Type: application/octet-stream',
      `x-request-id: ${req.requestId}`,
    ]),
  );
  write(c, body);
}

const idleTimers = new WeakMap<object, NodeJS.Timeout>();

/** (Re)arms a close of the connection once it has been idle for `ms`; a new request disarms it. */
function idleClose(c: ConnCtx, ms: number, reset: boolean) {
  const sock = c.sock;
  clearTimeout(idleTimers.get(sock));
  if (!idleTimers.has(sock)) {
    sock.on('data', () => clearTimeout(idleTimers.get(sock)));
    sock.once('close', () => clearTimeout(idleTimers.get(sock)));
  }
  const timer = setTimeout(() => {
    c.event(`idle close after ${ms} ms`);
    if (reset) sock.resetAndDestroy();
    else sock.end();
  }, ms);
  idleTimers.set(sock, timer);
}
