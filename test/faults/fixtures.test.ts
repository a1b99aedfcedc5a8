// Self-test of the fault fixtures with raw node:net / node:tls / HTTP/2-frame clients (not onepool):
// each scenario must really put on the wire what its summary claims, or the reliability suite built
// on it proves nothing.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect as h2connect } from 'node:http2';
import { after, before, describe, test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import {
  type FaultHost,
  type FaultServer,
  scenarioNames,
  startFault,
  startFaults,
} from '../helpers/faults.js';
import { BOMB_DECODED_BYTES } from './assets.js';
import {
  get,
  h2Exchange,
  type RawOptions,
  type RawResult,
  rawExchange,
  settingsOf,
  splitHead,
  type TimedFrame,
} from './clients.js';
import { POISON } from './h1.js';
import { ErrorCode, Flag, FrameType } from './h2frames.js';

let host: FaultHost;
before(async () => {
  host = await startFaults();
});
after(() => host?.close());

const ex = (srv: FaultServer, o: Partial<RawOptions> = {}): Promise<RawResult> =>
  rawExchange({
    host: srv.host,
    port: srv.port,
    request: get(`/${srv.name}`, 'self-test', srv.method),
    // Most checks end early on FIN, reset or doneWhen; the ceiling only bites on a loaded machine.
    waitMs: 3000,
    ...(srv.scheme === 'https' && srv.ca ? { tls: { ca: srv.ca } } : {}),
    ...o,
  });
const text = (r: RawResult) => r.bytes.toString('latin1');
const count = (hay: string, needle: string) => hay.split(needle).length - 1;
/** One byte per chunk, never faster than `intervalMs` (20 % slack for timer jitter), at least `min` of them. */
function assertDrip(r: RawResult, intervalMs: number, min: number) {
  assert.equal(r.ended, 'open');
  assert.ok(r.chunks.length >= min, `only ${r.chunks.length} bytes`);
  assert.ok(
    r.chunks.every((c) => c.n === 1),
    'more than one byte at a time',
  );
  // The mean gap, because one late arrival makes the next gap look short.
  const mean = (r.chunks.at(-1)!.t - r.chunks[0]!.t) / (r.chunks.length - 1);
  assert.ok(mean >= intervalMs * 0.8, `mean gap ${mean} ms`);
}
const endsOk = (b: Buffer) => b.subarray(-2).toString() === 'ok';

/** Sends the request and expects exactly `bytes` back, followed by FIN (default) or an open socket. */
const exact =
  (bytes: string, ended: RawResult['ended'] = 'fin') =>
  async (srv: FaultServer) => {
    const r = await ex(
      srv,
      ended === 'open' ? { doneWhen: (b) => b.length >= bytes.length, settleMs: 200 } : {},
    );
    assert.equal(text(r), bytes);
    assert.equal(r.ended, ended);
  };
const startsWith = (prefix: string) => async (srv: FaultServer) => {
  const r = await ex(srv);
  assert.ok(text(r).startsWith(prefix), JSON.stringify(text(r).slice(0, 80)));
  assert.equal(r.ended, 'fin');
};
const headerLine = (line: string) => async (srv: FaultServer) => {
  const r = await ex(srv);
  assert.ok(text(r).startsWith('HTTP/1.1 200 OK\r\n'));
  assert.ok(text(r).endsWith(`\r\n${line}\r\nok`), `missing ${JSON.stringify(line.slice(0, 40))}`);
  assert.equal(r.ended, 'fin');
};
const okWithPoison = async (srv: FaultServer) => {
  const r = await ex(srv, { doneWhen: (b) => b.toString('latin1').endsWith('poisoned') });
  assert.equal(text(r), `HTTP/1.1 200 OK\r\nContent-Length: 2\r\nx-request-id: self-test\r\n\r\nok${POISON}`);
  assert.equal(r.ended, 'open');
};
const holdsSilently = async (srv: FaultServer) => {
  const r = await ex(srv, { waitMs: 400 });
  assert.equal(r.bytes.length, 0);
  assert.equal(r.ended, 'open');
};
const tlsFailure = (code: string) => async (srv: FaultServer) => {
  const r = await ex(srv);
  assert.equal(r.ended, 'reset');
  assert.equal(r.error?.code, code, r.error?.message);
  // Sanity: the same server is fine when verification is off, so the failure is the certificate's.
  const loose = await ex(srv, { tls: { rejectUnauthorized: false }, doneWhen: endsOk });
  assert.match(text(loose), /^HTTP\/1\.1 200 OK/);
};
const encoded = (coding: string, check: (body: Buffer) => void) => async (srv: FaultServer) => {
  const r = await ex(srv, {
    doneWhen: (b) => {
      const { head, body } = splitHead(b);
      const len = /Content-Length: (\d+)/.exec(head)?.[1];
      return len !== undefined && body.length >= Number(len);
    },
  });
  const { head, body } = splitHead(r.bytes);
  assert.ok(head.includes(`\r\nContent-Encoding: ${coding}\r\n`), head);
  assert.equal(Number(/Content-Length: (\d+)/.exec(head)?.[1]), body.length);
  check(body);
};

const h1Checks: Record<string, (srv: FaultServer) => Promise<void>> = {
  ok: exact('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nx-request-id: self-test\r\n\r\nok', 'open'),
  'garbage-status-line': startsWith('\x00\x01\x7f\xffGARBAGE'),
  'bad-http-version': startsWith('HTTP/2.7 200 OK\r\n'),
  'http-version-lowercase': startsWith('http/1.1 200 OK\r\n'),
  'status-code-non-numeric': startsWith('HTTP/1.1 2x0 OK\r\n'),
  'status-code-four-digits': startsWith('HTTP/1.1 2000 OK\r\n'),
  'http09-response': exact('hello world\n'),
  'nul-in-header-value': headerLine('X-Bad: a\x00b\r\n'),
  'cr-in-header-value': headerLine('X-Bad: a\rX-Injected: yes\r\n'),
  'lf-in-header-value': headerLine('X-Bad: a\nX-Injected: yes\r\n'),
  'obs-fold': headerLine('X-Folded: first\r\n  second\r\n'),
  'header-no-colon': headerLine('X-Broken-Header-Line\r\n'),
  'header-space-before-colon': headerLine('Content-Type : text/plain\r\n'),
  'header-name-invalid-char': headerLine('X (Bad): 1\r\n'),
  'header-over-64k': async (srv) => {
    const r = await ex(srv, { waitMs: 1000 });
    const { head } = splitHead(r.bytes);
    const line = head.split('\r\n').find((l) => l.startsWith('X-Huge: '));
    assert.ok(line && line.length >= 64 * 1024 + 8, 'no header line over 64 KiB');
  },
  'ten-thousand-headers': async (srv) => {
    const r = await ex(srv, { waitMs: 1000 });
    assert.equal(count(splitHead(r.bytes).head, '\r\nX-H'), 10_000);
  },
  'lf-only-line-endings': async (srv) => {
    const r = await ex(srv, { doneWhen: endsOk });
    assert.equal(text(r), 'HTTP/1.1 200 OK\nContent-Length: 2\nx-request-id: self-test\n\nok');
    assert.ok(!text(r).includes('\r'));
  },
  '101-unsolicited': startsWith('HTTP/1.1 101 Switching Protocols\r\n'),
  'cl-and-te': async (srv) => {
    const { head } = splitHead((await ex(srv)).bytes);
    assert.ok(head.includes('\r\nContent-Length: 100') && head.includes('\r\nTransfer-Encoding: chunked'));
  },
  'two-content-lengths': async (srv) => {
    const { head } = splitHead((await ex(srv)).bytes);
    assert.deepEqual(head.match(/Content-Length: \d+/g), ['Content-Length: 2', 'Content-Length: 9']);
  },
  'content-length-list-differ': startsWith('HTTP/1.1 200 OK\r\nContent-Length: 2, 9\r\n'),
  'content-length-duplicate-equal': async (srv) => {
    const r = await ex(srv, { doneWhen: endsOk });
    assert.equal(count(splitHead(r.bytes).head, 'Content-Length: 2'), 2);
    assert.equal(splitHead(r.bytes).body.toString(), 'ok');
  },
  'content-length-signed': startsWith('HTTP/1.1 200 OK\r\nContent-Length: +2\r\n'),
  'content-length-negative': startsWith('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n'),
  'content-length-non-numeric': startsWith('HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n'),
  'short-content-length-close': async (srv) => {
    const r = await ex(srv);
    const { head, body } = splitHead(r.bytes);
    assert.ok(head.includes('Content-Length: 100'));
    assert.equal(body.length, 10);
    assert.equal(r.ended, 'fin');
  },
  'content-length-overrun': okWithPoison,
  'truncated-chunk': exact('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n0123456789'),
  'missing-last-chunk-close': exact('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n'),
  'missing-last-chunk-hold': exact(
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n',
    'open',
  ),
  'chunk-size-overflow': async (srv) => {
    assert.ok(
      splitHead((await ex(srv)).bytes)
        .body.toString()
        .startsWith('ffffffffffffffffffff\r\n'),
    );
  },
  'chunk-size-invalid': async (srv) => {
    assert.ok(
      splitHead((await ex(srv)).bytes)
        .body.toString()
        .startsWith('zz\r\n'),
    );
  },
  'chunk-missing-crlf': async (srv) => {
    assert.equal(splitHead((await ex(srv)).bytes).body.toString(), '5\r\nhelloXX0\r\n\r\n');
  },
  'trailers-over-64k': async (srv) => {
    const r = await ex(srv, { waitMs: 1000 });
    const body = splitHead(r.bytes).body.toString('latin1');
    assert.ok(body.startsWith('2\r\nok\r\n0\r\nX-T: '));
    assert.ok(body.length > 70 * 1024);
  },
  'head-with-body': async (srv) => {
    const r = await ex(srv, { doneWhen: (b) => b.toString().endsWith('poisoned') });
    const { head, body } = splitHead(r.bytes);
    assert.ok(head.includes(`Content-Length: ${POISON.length}`));
    assert.equal(body.toString(), POISON);
  },
  '204-with-body': async (srv) => {
    const r = await ex(srv, { doneWhen: (b) => b.toString().endsWith('poisoned') });
    assert.ok(text(r).startsWith('HTTP/1.1 204 No Content\r\n'));
    assert.equal(splitHead(r.bytes).body.toString(), POISON);
  },
  '304-with-body': async (srv) => {
    const r = await ex(srv, { doneWhen: (b) => b.toString().endsWith('poisoned') });
    assert.ok(text(r).startsWith('HTTP/1.1 304 Not Modified\r\n'));
    assert.equal(splitHead(r.bytes).body.toString(), POISON);
  },
  '1xx-few': async (srv) => {
    const r = await ex(srv, { doneWhen: (b) => b.toString().endsWith('\r\n\r\nok') });
    assert.equal(count(text(r), 'HTTP/1.1 103 Early Hints\r\n'), 3);
    assert.ok(text(r).endsWith('x-request-id: self-test\r\n\r\nok'));
  },
  '1xx-storm': async (srv) => {
    const r = await ex(srv, { waitMs: 8000, doneWhen: (b) => b.subarray(-2).toString() === 'ok' });
    assert.equal(count(text(r), 'HTTP/1.1 102 Processing\r\n\r\n'), 100_000);
    assert.ok(text(r).endsWith('x-request-id: self-test\r\n\r\nok'));
  },
  'poison-extra-response': okWithPoison,
  'poison-extra-response-later': async (srv) => {
    const r = await ex(srv, { doneWhen: (b) => b.toString().endsWith('poisoned') });
    assert.ok(text(r).endsWith(`ok${POISON}`));
    assert.ok(r.chunks.length >= 2, 'the poison came in the same segment');
    const last = r.chunks.at(-1)!;
    assert.ok(last.t - r.chunks[0]!.t >= 20, `poison only ${last.t - r.chunks[0]!.t} ms after the reply`);
  },
  'close-before-response': exact(''),
  'close-after-headers': async (srv) => {
    const r = await ex(srv);
    assert.ok(text(r).endsWith('Content-Length: 100\r\nx-request-id: self-test\r\n\r\n'));
    assert.equal(r.ended, 'fin');
  },
  'reset-mid-body': async (srv) => {
    const r = await ex(srv);
    assert.equal(splitHead(r.bytes).body.length, 100);
    assert.equal(r.ended, 'reset');
    assert.equal(r.error?.code, 'ECONNRESET');
  },
  'reset-after-request': async (srv) => {
    const r = await ex(srv);
    assert.equal(r.bytes.length, 0);
    assert.equal(r.error?.code, 'ECONNRESET');
  },
  'reset-on-accept': async (srv) => {
    const r = await ex(srv, { request: undefined });
    assert.equal(r.bytes.length, 0);
    assert.equal(r.error?.code, 'ECONNRESET');
  },
  'slowloris-headers': async (srv) => {
    const r = await ex(srv, { waitMs: 2300 });
    assertDrip(r, 1000, 2);
    assert.ok('HTTP/1.1 200 OK'.startsWith(text(r)));
  },
  'slowloris-drip': async (srv) => {
    const r = await ex(srv, { waitMs: 1000 });
    assertDrip(r, 100, 4);
    assert.ok('HTTP/1.1 200 OK'.startsWith(text(r).slice(0, 15)));
  },
  'body-stall': exact(
    'HTTP/1.1 200 OK\r\nContent-Length: 100\r\nx-request-id: self-test\r\n\r\n0123456789',
    'open',
  ),
  'body-stall-chunked': exact(
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nx-request-id: self-test\r\n\r\n5\r\nhello\r\n',
    'open',
  ),
  'never-answer': async (srv) => {
    await srv.reset();
    await holdsSilently(srv);
    const seen = await srv.observed();
    assert.equal(seen.requests.length, 1, 'the request was read');
  },
  'accept-no-read': async (srv) => {
    await srv.reset();
    await holdsSilently(srv);
    const seen = await srv.observed();
    assert.equal(seen.connections, 1);
    assert.equal(seen.requests.length, 0, 'the request must stay unread');
  },
  'stale-keepalive': async (srv) => {
    const r = await ex(srv, { waitMs: 1000 });
    assert.match(text(r), /^HTTP\/1\.1 200 OK\r\n/);
    assert.equal(r.ended, 'fin');
    assert.ok(r.endedAt >= 90 && r.endedAt < 400, `closed after ${r.endedAt} ms`);
  },
  'stale-keepalive-rst': async (srv) => {
    const r = await ex(srv, { waitMs: 1000 });
    assert.match(text(r), /^HTTP\/1\.1 200 OK\r\n/);
    assert.equal(r.error?.code, 'ECONNRESET');
    assert.ok(r.endedAt >= 90 && r.endedAt < 400, `reset after ${r.endedAt} ms`);
  },
  'stale-keepalive-hint': async (srv) => {
    const r = await ex(srv, { waitMs: 2000 });
    assert.ok(splitHead(r.bytes).head.includes('\r\nKeep-Alive: timeout=1'));
    assert.equal(r.ended, 'fin');
    assert.ok(r.endedAt >= 950 && r.endedAt < 1400, `closed after ${r.endedAt} ms`);
  },
  'tls-ok': async (srv) => {
    const r = await ex(srv, { doneWhen: endsOk });
    assert.equal(r.authorized, true);
    assert.equal(text(r), 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nx-request-id: self-test\r\n\r\nok');
  },
  'tls-handshake-stall': async (srv) => {
    await srv.reset();
    const r = await ex(srv, { waitMs: 400 });
    assert.equal(r.ended, 'open');
    assert.equal(r.bytes.length, 0);
    assert.ok((await srv.observed()).bytesReceived > 100, 'the ClientHello reached the server');
  },
  'tls-expired': tlsFailure('CERT_HAS_EXPIRED'),
  'tls-not-yet-valid': tlsFailure('CERT_NOT_YET_VALID'),
  'tls-wrong-name': tlsFailure('ERR_TLS_CERT_ALTNAME_INVALID'),
  'tls-self-signed': tlsFailure('DEPTH_ZERO_SELF_SIGNED_CERT'),
  'tls-untrusted-ca': tlsFailure('UNABLE_TO_VERIFY_LEAF_SIGNATURE'),
  'tls-plaintext-reply': async (srv) => {
    const r = await ex(srv);
    assert.equal(r.ended, 'reset');
    assert.match(String(r.error?.code), /ERR_SSL_WRONG_VERSION_NUMBER|ERR_SSL_PACKET_LENGTH_TOO_LONG/);
    const plain = await rawExchange({ host: srv.host, port: srv.port, request: 'x', waitMs: 3000 });
    assert.ok(plain.bytes.toString().startsWith('HTTP/1.1 400 Bad Request'));
  },
  'gzip-ok': encoded('gzip', (b) => assert.equal(gunzipSync(b).toString(), 'hello')),
  'gzip-bomb': encoded('gzip', (b) => {
    assert.ok(b.length < 2 << 20, `${b.length} bytes on the wire`);
    assert.deepEqual([b[0], b[1]], [0x1f, 0x8b]);
    // ISIZE (RFC 1952): decoded length mod 2^32, so the expansion is checked without inflating 1 GiB.
    assert.equal(b.readUInt32LE(b.length - 4), BOMB_DECODED_BYTES);
  }),
  'gzip-bomb-nested': encoded('gzip, gzip', (b) => {
    assert.ok(b.length < 64 * 1024, `${b.length} bytes on the wire`);
    const inner = gunzipSync(b);
    assert.equal(inner.readUInt32LE(inner.length - 4), BOMB_DECODED_BYTES);
  }),
  'content-encoding-chain': encoded('gzip, gzip, gzip, gzip, gzip, gzip, gzip', (b) => {
    let out = b;
    for (let i = 0; i < 7; i++) out = gunzipSync(out);
    assert.equal(out.toString(), 'hello');
  }),
  'truncated-gzip': encoded('gzip', (b) => assert.throws(() => gunzipSync(b), /unexpected end of file/)),
  'truncated-br': encoded('br', (b) => assert.throws(() => brotliDecompressSync(b))),
  'garbage-gzip': encoded('gzip', (b) => assert.throws(() => gunzipSync(b), /incorrect header check/)),
};

// ---- HTTP/2

const ofType = (frames: TimedFrame[], type: number, streamId?: number) =>
  frames.filter((f) => f.type === type && (streamId === undefined || f.streamId === streamId));
const goawayOf = (frames: TimedFrame[]) => {
  const g = ofType(frames, FrameType.GOAWAY)[0];
  assert.ok(g, 'no GOAWAY');
  return { last: g.payload.readUInt32BE(0) & 0x7fffffff, code: g.payload.readUInt32BE(4) };
};
const rstCode = (frames: TimedFrame[], streamId: number) =>
  ofType(frames, FrameType.RST_STREAM, streamId)[0]?.payload.readUInt32BE(0);
const dataBytes = (frames: TimedFrame[], streamId: number) =>
  ofType(frames, FrameType.DATA, streamId).reduce((n, f) => n + f.payload.length, 0);
// Generous waits: doneWhen ends each exchange as soon as the frames are in; the ceiling only matters
// when the suite runs everything at once on a loaded machine.
const h2 = (srv: FaultServer, o: Omit<Parameters<typeof h2Exchange>[0], 'host' | 'port' | 'ca'>) =>
  h2Exchange({
    host: srv.host,
    port: srv.port,
    ca: srv.ca!,
    ...o,
    waitMs: o.waitMs ?? (o.doneWhen ? 3000 : 400),
  });
const gotSettings = (f: TimedFrame[]) => ofType(f, FrameType.SETTINGS).length > 0;
const one = (srv: FaultServer) => [{ id: 1, path: `/${srv.name}` }];

const h2Checks: Record<string, (srv: FaultServer) => Promise<void>> = {
  'h2-ok': async (srv) => {
    const session = h2connect(srv.url, { ca: srv.ca, servername: 'localhost' });
    try {
      const req = session.request({ ':path': `/${srv.name}`, 'x-request-id': 'self-test' });
      const headers = await new Promise<Record<string, unknown>>((resolve) => req.once('response', resolve));
      let body = '';
      for await (const chunk of req) body += chunk;
      assert.equal(headers[':status'], 200);
      assert.equal(headers['x-request-id'], 'self-test');
      assert.equal(body, 'ok');
      assert.equal(session.alpnProtocol, 'h2');
    } finally {
      session.close();
    }
  },
  'h2-goaway-graceful-after-3': async (srv) => {
    const streams = [1, 3, 5, 7].map((id) => ({ id, path: `/${srv.name}` }));
    const r = await h2(srv, {
      streams,
      doneWhen: (f) => ofType(f, FrameType.GOAWAY).length > 0 && dataBytes(f, 5) >= 2,
    });
    assert.deepEqual(goawayOf(r.frames), { last: 5, code: ErrorCode.NO_ERROR });
    for (const id of [1, 3, 5])
      assert.equal(ofType(r.frames, FrameType.HEADERS, id).length, 1, `stream ${id}`);
    assert.equal(ofType(r.frames, FrameType.HEADERS, 7).length, 0, 'stream 7 is above last-stream-id');
  },
  'h2-goaway-error-once': async (srv) => {
    await srv.reset();
    const first = await h2(srv, {
      streams: one(srv),
      doneWhen: (f) => ofType(f, FrameType.GOAWAY).length > 0,
    });
    assert.deepEqual(goawayOf(first.frames), { last: 0, code: ErrorCode.INTERNAL_ERROR });
    const second = await h2(srv, { streams: one(srv), doneWhen: (f) => dataBytes(f, 1) >= 2 });
    assert.equal(ofType(second.frames, FrameType.HEADERS, 1).length, 1);
    assert.equal(ofType(second.frames, FrameType.GOAWAY).length, 0);
  },
  'h2-goaway-error-always': async (srv) => {
    for (let i = 0; i < 2; i++) {
      const r = await h2(srv, { streams: one(srv), doneWhen: (f) => ofType(f, FrameType.GOAWAY).length > 0 });
      assert.deepEqual(goawayOf(r.frames), { last: 0, code: ErrorCode.ENHANCE_YOUR_CALM });
    }
  },
  'h2-goaway-error-mid-body': async (srv) => {
    const r = await h2(srv, { streams: one(srv), doneWhen: (f) => ofType(f, FrameType.GOAWAY).length > 0 });
    assert.equal(ofType(r.frames, FrameType.HEADERS, 1).length, 1);
    assert.equal(dataBytes(r.frames, 1), 1024);
    assert.deepEqual(goawayOf(r.frames), { last: 1, code: ErrorCode.INTERNAL_ERROR });
    assert.ok(!ofType(r.frames, FrameType.DATA, 1).some((f) => f.flags & Flag.END_STREAM));
  },
  'h2-rst-mid-body': async (srv) => {
    const r = await h2(srv, { streams: one(srv), doneWhen: (f) => rstCode(f, 1) !== undefined });
    assert.equal(dataBytes(r.frames, 1), 1024);
    assert.equal(rstCode(r.frames, 1), ErrorCode.INTERNAL_ERROR);
  },
  'h2-rst-before-headers': async (srv) => {
    const r = await h2(srv, { streams: one(srv), doneWhen: (f) => rstCode(f, 1) !== undefined });
    assert.equal(rstCode(r.frames, 1), ErrorCode.INTERNAL_ERROR);
    assert.equal(ofType(r.frames, FrameType.HEADERS, 1).length, 0);
  },
  'h2-refused-stream-once': async (srv) => {
    await srv.reset();
    const r = await h2(srv, {
      streams: [
        { id: 1, path: `/${srv.name}` },
        { id: 3, path: `/${srv.name}`, at: 50 },
      ],
      doneWhen: (f) => dataBytes(f, 3) >= 2 && rstCode(f, 1) !== undefined,
    });
    assert.equal(rstCode(r.frames, 1), ErrorCode.REFUSED_STREAM);
    assert.equal(ofType(r.frames, FrameType.HEADERS, 3).length, 1);
  },
  'h2-refused-stream-always': async (srv) => {
    const r = await h2(srv, {
      streams: [
        { id: 1, path: `/${srv.name}` },
        { id: 3, path: `/${srv.name}` },
      ],
      doneWhen: (f) => ofType(f, FrameType.RST_STREAM).length >= 2,
    });
    assert.equal(rstCode(r.frames, 1), ErrorCode.REFUSED_STREAM);
    assert.equal(rstCode(r.frames, 3), ErrorCode.REFUSED_STREAM);
  },
  'h2-max-concurrent-1': async (srv) => {
    const r = await h2(srv, { streams: one(srv), doneWhen: (f) => dataBytes(f, 1) >= 2 });
    assert.equal(settingsOf(ofType(r.frames, FrameType.SETTINGS)[0]!).get(3), 1);
    assert.equal(dataBytes(r.frames, 1), 2);
  },
  'h2-stall-headers': async (srv) => {
    const r = await h2(srv, { streams: one(srv), doneWhen: gotSettings, settleMs: 300 });
    assert.equal(r.ended, 'open');
    assert.equal(
      ofType(r.frames, FrameType.HEADERS).length + ofType(r.frames, FrameType.RST_STREAM).length,
      0,
    );
  },
  'h2-body-stall': async (srv) => {
    const r = await h2(srv, { streams: one(srv), doneWhen: (f) => dataBytes(f, 1) >= 10, settleMs: 200 });
    assert.equal(r.ended, 'open');
    assert.equal(dataBytes(r.frames, 1), 10);
    assert.ok(!ofType(r.frames, FrameType.DATA, 1).some((f) => f.flags & Flag.END_STREAM));
  },
  'h2-max-concurrent-0-then-raised': async (srv) => {
    const r = await h2(srv, {
      streams: [
        { id: 1, path: `/${srv.name}` },
        { id: 3, path: `/${srv.name}`, at: 450 },
      ],
      waitMs: 1000,
      doneWhen: (f) => dataBytes(f, 3) >= 2,
    });
    const s = ofType(r.frames, FrameType.SETTINGS).filter((f) => !(f.flags & Flag.ACK));
    assert.equal(settingsOf(s[0]!).get(3), 0);
    assert.equal(settingsOf(s[1]!).get(3), 100);
    assert.ok(s[1]!.t >= 250, `raised after ${s[1]!.t} ms`);
    assert.equal(rstCode(r.frames, 1), ErrorCode.REFUSED_STREAM);
    assert.equal(ofType(r.frames, FrameType.HEADERS, 3).length, 1);
  },
  'h2-zero-window': async (srv) => {
    const streams = [{ id: 1, path: `/${srv.name}`, method: 'POST', open: true }];
    const r = await h2(srv, { streams, doneWhen: gotSettings, settleMs: 300 });
    assert.equal(settingsOf(ofType(r.frames, FrameType.SETTINGS)[0]!).get(4), 0);
    assert.equal(ofType(r.frames, FrameType.WINDOW_UPDATE).length, 0);
    assert.equal(ofType(r.frames, FrameType.HEADERS).length, 0);
  },
  'h2-settings-flood': async (srv) => {
    const n = (f: TimedFrame[]) => ofType(f, FrameType.SETTINGS).filter((x) => !(x.flags & Flag.ACK)).length;
    const r = await h2(srv, {
      streams: one(srv),
      waitMs: 5000,
      doneWhen: (f) => n(f) > 20_000 && dataBytes(f, 1) >= 2,
    });
    assert.equal(n(r.frames), 20_001);
    assert.equal(dataBytes(r.frames, 1), 2, 'the request is still answered');
  },
  'h2-ping-flood': async (srv) => {
    const n = (f: TimedFrame[]) => ofType(f, FrameType.PING).filter((x) => !(x.flags & Flag.ACK)).length;
    const r = await h2(srv, {
      streams: one(srv),
      waitMs: 5000,
      doneWhen: (f) => n(f) >= 20_000 && dataBytes(f, 1) >= 2,
    });
    assert.equal(n(r.frames), 20_000);
  },
  'h2-continuation-flood': async (srv) => {
    const n = (f: TimedFrame[]) => ofType(f, FrameType.CONTINUATION, 1).length;
    const r = await h2(srv, { streams: one(srv), waitMs: 5000, doneWhen: (f) => n(f) >= 10_000 });
    const hdr = ofType(r.frames, FrameType.HEADERS, 1);
    assert.equal(hdr.length, 1);
    assert.equal(hdr[0]!.flags & Flag.END_HEADERS, 0);
    assert.equal(n(r.frames), 10_000);
    assert.ok(!r.frames.some((f) => f.type === FrameType.CONTINUATION && f.flags & Flag.END_HEADERS));
  },
  'h2-header-list-over-limit': async (srv) => {
    const r = await h2(srv, { streams: one(srv), doneWhen: (f) => dataBytes(f, 1) >= 2 });
    const block = r.frames.filter(
      (f) => f.streamId === 1 && (f.type === FrameType.HEADERS || f.type === FrameType.CONTINUATION),
    );
    assert.ok(block.reduce((s, f) => s + f.payload.length, 0) > 128 * 1024);
    assert.ok(block.at(-1)!.flags & Flag.END_HEADERS);
  },
  'h2-data-before-headers': async (srv) => {
    const r = await h2(srv, { streams: one(srv), doneWhen: (f) => ofType(f, FrameType.DATA, 1).length > 0 });
    assert.equal(r.frames.find((f) => f.streamId === 1)?.type, FrameType.DATA);
  },
  'h2-goaway-raw-last-1': async (srv) => {
    const r = await h2(srv, {
      streams: one(srv),
      doneWhen: (f) => ofType(f, FrameType.GOAWAY).length > 0,
      settleMs: 300,
    });
    assert.equal(dataBytes(r.frames, 1), 2);
    assert.deepEqual(goawayOf(r.frames), { last: 1, code: ErrorCode.NO_ERROR });
    assert.equal(r.ended, 'open', 'the socket stays open after GOAWAY');
  },
};

test('every scenario has a self-test, and every self-test a scenario', () => {
  assert.deepEqual(Object.keys({ ...h1Checks, ...h2Checks }).sort(), scenarioNames().sort());
});

test('there are 40+ HTTP/1.1 and 10+ HTTP/2 scenarios, each with an expected outcome', () => {
  assert.ok(scenarioNames((s) => s.protocol === 'h1').length >= 40);
  assert.ok(scenarioNames((s) => s.protocol === 'h2').length >= 10);
  for (const s of host.servers.values()) assert.ok(s.outcomes.length > 0 && s.summary.length > 0, s.name);
});

// Checks that measure timing run after the others, so floods and bombs do not skew the clock.
const TIMED = new Set([
  'slowloris-headers',
  'slowloris-drip',
  'stale-keepalive',
  'stale-keepalive-rst',
  'stale-keepalive-hint',
  'poison-extra-response-later',
  'h2-max-concurrent-0-then-raised',
]);
const checks = Object.entries({ ...h1Checks, ...h2Checks });

describe('HTTP/1.1, TLS and HTTP/2 fixtures', { concurrency: true }, () => {
  for (const [name, check] of checks.filter(([n]) => !TIMED.has(n))) {
    test(name, { timeout: 10_000 }, () => check(host.get(name)));
  }
});

describe('timed fixtures', { concurrency: true }, () => {
  for (const [name, check] of checks.filter(([n]) => TIMED.has(n))) {
    test(name, { timeout: 10_000 }, () => check(host.get(name)));
  }
});

describe('the fault host', () => {
  test('observed() counts connections, bytes and request ids; reset() clears them', async () => {
    const srv = host.get('ok');
    await srv.reset();
    await ex(srv, {
      request: get('/a', 'id-1') + get('/b', 'id-2'),
      doneWhen: (b) => count(b.toString(), 'ok') >= 2,
    });
    const seen = await srv.observed();
    assert.equal(seen.connections, 1);
    assert.ok(seen.bytesReceived > 60);
    assert.deepEqual(
      seen.requests.map((r) => [r.conn, r.method, r.path, r.requestId]),
      [
        [1, 'GET', '/a', 'id-1'],
        [1, 'GET', '/b', 'id-2'],
      ],
    );
    await srv.reset();
    assert.deepEqual((await srv.observed()).requests, []);
  });

  test('clientOptions() carries method, timeouts, TLS trust and a fresh request id', () => {
    const a = host.get('tls-ok').clientOptions();
    const b = host.get('tls-ok').clientOptions();
    assert.notEqual(a.headers['x-request-id'], b.headers['x-request-id']);
    assert.deepEqual(a.tls, { ca: host.ca });
    assert.equal(host.get('head-with-body').clientOptions().method, 'HEAD');
    assert.equal(host.get('h2-zero-window').clientOptions().body?.length, 100 * 1024);
  });

  test('startFault() hosts one scenario, on ::1 when asked', async (t) => {
    let srv: Awaited<ReturnType<typeof startFault>>;
    try {
      srv = await startFault('ok', { host: '::1' });
    } catch (err) {
      return t.skip(`no IPv6 loopback: ${(err as Error).message.split('\n')[0]}`);
    }
    try {
      assert.match(srv.url, /^http:\/\/\[::1\]:\d+\/ok$/);
      const r = await ex(srv, { doneWhen: endsOk });
      assert.match(text(r), /x-request-id: self-test\r\n\r\nok$/);
    } finally {
      await srv.close();
    }
  });

  test('the host process exits when its parent dies without closing it', async () => {
    const script = `import('./test/helpers/faults.ts').then(async (m) => {
      const h = await m.startFaults(['ok']);
      process.stdout.write(String(h.pid));
      process.exit(0);
    });`;
    const parent = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    parent.stdout.on('data', (d) => {
      out += d;
    });
    await new Promise((resolve) => parent.once('exit', resolve));
    const pid = Number(out);
    assert.ok(pid > 0, `no pid from parent: ${out}`);
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 40 && alive(); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(alive(), false, 'orphaned fault host is still running');
  });
});
