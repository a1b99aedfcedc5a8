// Fixture host, run as a child process (see test/helpers/faults.ts). The sync face of onepool blocks
// its whole thread, so a server living in the test's own thread would never get to answer.
//
// argv[2]: JSON { names: string[], host: '127.0.0.1' | '::1' }. Reports `{ type: 'ready', servers, ca }`
// over IPC, then answers `{ id, type: 'observed' | 'reset', name }` and `{ id, type: 'close' }`.

import { once } from 'node:events';
import { createSecureServer, type Http2Session, type ServerHttp2Stream } from 'node:http2';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { type CertSet, generateCerts } from './certs.js';
import type { H1Scenario } from './h1.js';
import { type H2Scenario, rawOk, type ScenarioState } from './h2.js';
import { Flag, FrameReader, FrameType, PREFACE, ping, settings, settingsAck } from './h2frames.js';
import { infoOf, type Scenario, scenarios } from './scenarios.js';
import type { ConnCtx, Observed, ParsedRequest, ScenarioInfo } from './types.js';

/** No fixture connection lives longer than this, whatever its scenario does. */
const CONN_MAX_MS = 60_000;
/** The whole host exits after this even if its parent forgets to close it. */
const HOST_MAX_MS = 15 * 60_000;
/** A request head larger than this ends the connection instead of growing a buffer. */
const MAX_REQUEST_HEAD = 256 * 1024;

export interface HostedServer extends ScenarioInfo {
  host: string;
  port: number;
}

export type ToHost = { id: number; type: 'observed' | 'reset'; name: string } | { id: number; type: 'close' };
export type FromHost =
  | { type: 'ready'; servers: HostedServer[]; ca: string | undefined }
  | { type: 'fatal'; message: string }
  | { id: number; type: 'observed'; observed: Observed }
  | { id: number; type: 'ack' }
  | { id: number; type: 'error'; message: string };

class Recorder {
  connections = 0;
  closedBytes = 0;
  live = new Set<Socket>();
  requests: Observed['requests'] = [];
  events: string[] = [];
  maxConcurrentStreams = 0;
  /** Scenario memory ("first stream refused yet?"), cleared by reset() so each test starts fresh. */
  state: ScenarioState = {};
  sessions = 0;

  track(sock: Socket): number {
    this.live.add(sock);
    sock.once('close', () => {
      this.live.delete(sock);
      this.closedBytes += sock.bytesRead;
    });
    return ++this.connections;
  }

  snapshot(): Observed {
    let bytes = this.closedBytes;
    for (const s of this.live) bytes += s.bytesRead;
    return {
      connections: this.connections,
      bytesReceived: bytes,
      requests: [...this.requests],
      events: [...this.events],
      maxConcurrentStreams: this.maxConcurrentStreams,
    };
  }

  reset() {
    this.connections = 0;
    this.closedBytes = 0;
    for (const s of this.live) this.closedBytes -= s.bytesRead;
    this.requests = [];
    this.events = [];
    this.maxConcurrentStreams = 0;
    this.state = {};
    this.sessions = 0;
  }
}

/** Connection id of the underlying TCP socket, shared by TLS and h2 layers above it. */
const connIds = new WeakMap<object, number>();
const connIdOf = (tlsSock: object, rec: Recorder) =>
  connIds.get((tlsSock as { _parent?: object })._parent ?? {}) ?? rec.connections;

function makeCtx(sock: Socket, id: number, rec: Recorder): ConnCtx {
  const timers = new Set<NodeJS.Timeout>();
  sock.once('close', () => {
    for (const t of timers) clearTimeout(t);
    timers.clear();
  });
  const after = (ms: number, fn: () => void) => {
    if (sock.destroyed) return;
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  after(CONN_MAX_MS, () => sock.destroy());
  return {
    id,
    sock,
    event: (what) => rec.events.push(`conn ${id}: ${what}`),
    after,
    every(ms, count, fn) {
      let i = 0;
      const tick = () => {
        if (sock.destroyed || i >= count) return;
        if (fn(i++) === false) return;
        after(ms, tick);
      };
      after(0, tick);
    },
  };
}

/** Splits a keep-alive byte stream into requests (Content-Length bodies only; onepool never chunks small bodies). */
function readRequests(c: ConnCtx, rec: Recorder, onRequest: (req: ParsedRequest) => void) {
  let buf: Buffer = Buffer.alloc(0);
  let bodyLeft = 0;
  let pending: ParsedRequest | undefined;
  let index = 0;
  c.sock.on('data', (chunk: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (let guard = 0; guard < 1000; guard++) {
      if (pending) {
        const take = Math.min(bodyLeft, buf.length);
        bodyLeft -= take;
        buf = buf.subarray(take);
        if (bodyLeft > 0) return;
        const req = pending;
        pending = undefined;
        onRequest(req);
        continue;
      }
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > MAX_REQUEST_HEAD) c.sock.destroy();
        return;
      }
      const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
      buf = buf.subarray(end + 4);
      const [method = '', path = ''] = (lines[0] ?? '').split(' ');
      const headers = new Map<string, string>();
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      const requestId = headers.get('x-request-id') ?? `anon-${c.id}-${index}`;
      rec.requests.push({ conn: c.id, method, path, requestId: headers.get('x-request-id') });
      pending = { method, path, headers, requestId, index: index++ };
      bodyLeft = Number(headers.get('content-length') ?? 0) || 0;
    }
  });
}

async function listen(server: Server, host: string): Promise<number> {
  server.listen(0, host);
  await once(server, 'listening');
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

function startH1(s: H1Scenario, certs: CertSet | undefined, rec: Recorder): Server {
  const onSocket = (sock: Socket, id: number) => {
    sock.on('error', () => {});
    const c = makeCtx(sock, id, rec);
    if (s.onConnection?.(c)) return;
    readRequests(c, rec, (req) => {
      if (s.onRequest) s.onRequest(req, c);
      else if (!sock.destroyed) {
        const body = 'ok';
        sock.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\nx-request-id: ${req.requestId}\r\n\r\n${body}`);
      }
    });
  };
  if (s.listen === 'tls') {
    if (!certs || !s.cert) throw new Error(`${s.name}: TLS scenario without a certificate`);
    const server = createTlsServer({ key: certs.key, cert: certs[s.cert] }, (sock: TLSSocket) =>
      onSocket(sock, connIdOf(sock, rec)),
    );
    server.on('connection', (raw: Socket) => {
      raw.on('error', () => {});
      connIds.set(raw, rec.track(raw));
    });
    server.on('tlsClientError', (err) => rec.events.push(`tls client error: ${err.message}`));
    return server;
  }
  return createNetServer((sock) => onSocket(sock, rec.track(sock)));
}

function startH2Node(s: H2Scenario, certs: CertSet, rec: Recorder): Server {
  const server = createSecureServer({
    key: certs.key,
    cert: certs.leaf,
    allowHTTP1: false,
    settings: s.settings ?? {},
  });
  server.on('connection', (raw: Socket) => {
    raw.on('error', () => {});
    connIds.set(raw, rec.track(raw));
    setTimeout(() => raw.destroy(), CONN_MAX_MS).unref();
  });
  server.on('session', (session: Http2Session) => {
    const sessionNo = ++rec.sessions;
    const conn = connIdOf(session.socket, rec);
    let open = 0;
    let nth = 0;
    session.on('error', () => {});
    session.on('stream', (stream: ServerHttp2Stream, headers) => {
      stream.on('error', () => {});
      open++;
      rec.maxConcurrentStreams = Math.max(rec.maxConcurrentStreams, open);
      stream.once('close', () => open--);
      const requestId = String(headers['x-request-id'] ?? `anon-${sessionNo}-${stream.id}`);
      rec.requests.push({
        conn,
        method: String(headers[':method']),
        path: String(headers[':path']),
        requestId: headers['x-request-id'] === undefined ? undefined : String(headers['x-request-id']),
        streamId: stream.id,
      });
      const timers: NodeJS.Timeout[] = [];
      session.once('close', () => timers.forEach(clearTimeout));
      s.onStream?.({
        session,
        stream,
        requestId,
        nth: ++nth,
        sessionNo,
        state: rec.state,
        event: (what) => rec.events.push(`conn ${conn}: ${what}`),
        after: (ms, fn) => {
          timers.push(setTimeout(() => !session.destroyed && fn(), ms));
        },
      });
    });
  });
  return server as unknown as Server;
}

function startH2Raw(s: H2Scenario, certs: CertSet, rec: Recorder): Server {
  const server = createTlsServer(
    { key: certs.key, cert: certs.leaf, ALPNProtocols: ['h2'] },
    (sock: TLSSocket) => {
      sock.on('error', () => {});
      const c = makeCtx(sock, connIdOf(sock, rec), rec);
      const send = (bytes: Buffer) => {
        if (!sock.destroyed) sock.write(bytes);
      };
      const reader = new FrameReader();
      const open = new Set<number>();
      let gotPreface = false;
      let pre: Buffer = Buffer.alloc(0);
      send(settings(s.rawSettings ?? {}));
      sock.on('data', (chunk: Buffer) => {
        if (!gotPreface) {
          pre = Buffer.concat([pre, chunk]);
          if (pre.length < PREFACE.length) return;
          if (!pre.subarray(0, PREFACE.length).equals(PREFACE)) return void sock.destroy();
          gotPreface = true;
          chunk = pre.subarray(PREFACE.length);
          s.onRawConnection?.({ ...c, send, state: rec.state });
        }
        let frames: ReturnType<FrameReader['push']>;
        try {
          frames = reader.push(chunk);
        } catch {
          return void sock.destroy();
        }
        for (const f of frames) {
          if (f.type === FrameType.SETTINGS && !(f.flags & Flag.ACK)) send(settingsAck());
          else if (f.type === FrameType.PING && !(f.flags & Flag.ACK)) send(ping(f.payload, true));
          else if (f.type === FrameType.GOAWAY) c.event(`client goaway code=${f.payload.readUInt32BE(4)}`);
          else if (f.type === FrameType.RST_STREAM) open.delete(f.streamId);
          else if (f.type === FrameType.HEADERS && !open.has(f.streamId)) {
            open.add(f.streamId);
            rec.maxConcurrentStreams = Math.max(rec.maxConcurrentStreams, open.size);
            // Header blocks stay HPACK-encoded (Huffman + dynamic table): raw fixtures record stream ids only.
            rec.requests.push({ conn: c.id, method: '?', path: '?', streamId: f.streamId });
            const endStream = (f.flags & Flag.END_STREAM) !== 0;
            const sc = { ...c, send, state: rec.state, streamId: f.streamId, endStream };
            if (s.onRawStream) s.onRawStream(sc);
            else rawOk(sc);
          } else if (f.type === FrameType.DATA && f.flags & Flag.END_STREAM && open.has(f.streamId)) {
            // A body finished: scenarios that wait for it get a second call with endStream set.
            s.onRawStream?.({ ...c, send, state: rec.state, streamId: f.streamId, endStream: true });
          }
        }
      });
      sock.once('close', () => open.clear());
    },
  );
  server.on('connection', (raw: Socket) => {
    raw.on('error', () => {});
    connIds.set(raw, rec.track(raw));
  });
  return server;
}

async function main() {
  const { names, host } = JSON.parse(process.argv[2] ?? '{}') as { names: string[]; host?: string };
  const bindHost = host ?? '127.0.0.1';
  const chosen: Scenario[] = names.map((n) => {
    const s = scenarios.get(n);
    if (!s) throw new Error(`unknown fault scenario '${n}'`);
    return s;
  });
  const needCerts = chosen.some((s) => s.scheme === 'https');
  const certs = needCerts ? generateCerts() : undefined;
  await Promise.all(chosen.map((s) => ('prepare' in s && s.prepare ? s.prepare() : undefined)));

  const recorders = new Map<string, Recorder>();
  const servers: Server[] = [];
  const hosted: HostedServer[] = [];
  for (const s of chosen) {
    const rec = new Recorder();
    const server =
      s.protocol === 'h1'
        ? startH1(s, certs, rec)
        : s.impl === 'node'
          ? startH2Node(s, certs!, rec)
          : startH2Raw(s, certs!, rec);
    server.on('error', (err) => rec.events.push(`server error: ${err.message}`));
    const port = await listen(server, bindHost);
    servers.push(server);
    recorders.set(s.name, rec);
    hosted.push({ ...infoOf(s), host: bindHost, port });
  }

  const send = (m: FromHost) => process.send?.(m);
  process.on('message', (m: ToHost) => {
    if (m.type === 'close') {
      for (const rec of recorders.values()) for (const sock of rec.live) sock.destroy();
      for (const server of servers) server.close();
      send({ id: m.id, type: 'ack' });
      setTimeout(() => process.exit(0), 20);
      return;
    }
    const rec = recorders.get(m.name);
    if (!rec) return send({ id: m.id, type: 'error', message: `not hosted here: ${m.name}` });
    if (m.type === 'observed') send({ id: m.id, type: 'observed', observed: rec.snapshot() });
    else {
      rec.reset();
      send({ id: m.id, type: 'ack' });
    }
  });
  send({ type: 'ready', servers: hosted, ca: certs?.ca });
}

// An orphaned fixture host must not outlive the test run that started it.
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(0), HOST_MAX_MS).unref();

main().catch((err: Error) => {
  process.send?.({ type: 'fatal', message: err.stack ?? err.message } satisfies FromHost);
  process.exit(1);
});
