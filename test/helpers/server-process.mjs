// A real HTTP server in its own process (a sync call would deadlock against a server in its own
// thread). Started by servers.ts over IPC; plain JS so it starts without a TypeScript loader.
// Every connection gets an id, echoed in `x-conn-id`, so tests can see reuse from the server's side.
import { createServer as createHttp } from 'node:http';
import { createServer as createH2c, createSecureServer, constants as h2constants } from 'node:http2';
import { createServer as createHttps } from 'node:https';
import { gzipSync } from 'node:zlib';

const { kind, cert, key, maxConcurrentStreams, ports = 1 } = JSON.parse(process.argv[2]);
let nextConn = 0;
let requests = 0;
let active = 0;
let maxActive = 0;
const open = new Set();
// Most connections open at once. Measured after the event loop has seen every close that arrived
// with the new connection, so a client that closes one connection and then opens another is not
// counted twice.
let maxOpen = 0;
const seen = [];
// GOAWAY fault (h2): once `after` /goaway streams are held on one session, send GOAWAY with the
// id of the `keep`-th as last stream id, answer those up to it and refuse the others.
let goaway = null;
const held = [];
const refused = new Map();

function pattern(n) {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
}

function send(res, status, headers, body) {
  res.writeHead(status, headers);
  res.end(body);
}

function route(req, res, body) {
  const url = new URL(req.url, 'http://x');
  const parts = url.pathname.split('/').filter(Boolean);
  const conn = req.socket.connId ?? req.stream?.session?.socket?.connId;
  res.setHeader('x-conn-id', String(conn));
  switch (parts[0]) {
    case 'echo':
      return send(
        res,
        200,
        { 'content-type': 'application/json' },
        JSON.stringify({
          method: req.method,
          url: req.url,
          headers: req.headers,
          body: body.toString('utf8'),
          bodyLength: body.length,
          httpVersion: req.httpVersion,
        }),
      );
    case 'status': {
      const code = Number(parts[1]);
      return send(
        res,
        code,
        { 'content-type': 'text/plain' },
        code === 204 || code === 304 ? undefined : `status ${code}`,
      );
    }
    case 'bytes': {
      const n = Number(parts[1]);
      return send(res, 200, { 'content-type': 'application/octet-stream', 'content-length': n }, pattern(n));
    }
    case 'unicode':
      return send(res, 200, { 'content-type': 'text/plain; charset=utf-8' }, 'héllo wörld — 你好 🌍');
    case 'headers':
      res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/']);
      res.setHeader('x-multi', ['one', 'two']);
      return send(res, 200, { 'X-Mixed-Case': 'yes' }, 'ok');
    case 'gzip':
      return send(
        res,
        200,
        { 'content-encoding': 'gzip', 'content-type': 'text/plain' },
        gzipSync('compressed hello'),
      );
    case 'slow':
      return setTimeout(() => send(res, 200, {}, 'slow'), Number(url.searchParams.get('ms') ?? 100));
    case 'hang':
      return; // accepts the request and never answers
    case 'goaway':
      if (!goaway || !req.stream) return send(res, 200, {}, `ok ${conn}`);
      held.push({ req, res, conn });
      if (held.length < goaway.after) return;
      {
        const streams = held.splice(0).sort((a, b) => a.req.stream.id - b.req.stream.id);
        const last = streams[goaway.keep - 1].req.stream.id;
        goaway = null;
        streams[0].req.stream.session.goaway(h2constants.NGHTTP2_NO_ERROR, last);
        for (const h of streams) {
          if (h.req.stream.id <= last) send(h.res, 200, {}, `ok ${h.conn}`);
          else h.req.stream.close(h2constants.NGHTTP2_REFUSED_STREAM);
        }
      }
      return;
    case 'refuse': {
      // REFUSED_STREAM for the first `times` requests with this ?key=, then an answer.
      const name = url.searchParams.get('key');
      const count = (refused.get(name) ?? 0) + 1;
      refused.set(name, count);
      if (req.stream && count <= Number(url.searchParams.get('times') ?? 1))
        return req.stream.close(h2constants.NGHTTP2_REFUSED_STREAM);
      return send(res, 200, {}, `ok ${conn} after ${count - 1}`);
    }
    case 'stall-body':
      res.writeHead(200, { 'content-length': 100 });
      return res.write('x'.repeat(10)); // then nothing
    default:
      return send(res, 404, { 'content-type': 'text/plain' }, 'not found');
  }
}

function handler(req, res) {
  requests++;
  active++;
  maxActive = Math.max(maxActive, active);
  res.on('close', () => active--);
  seen.push({ method: req.method, url: req.url, headers: req.headers });
  if (seen.length > 1000) seen.shift();
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => route(req, res, Buffer.concat(chunks)));
}

const h2Settings = { maxConcurrentStreams: maxConcurrentStreams ?? 100 };
const server =
  kind === 'h2c'
    ? createH2c({ settings: h2Settings }, handler)
    : kind === 'h2'
      ? createSecureServer({ cert, key, allowHTTP1: true, settings: h2Settings }, handler)
      : kind === 'https'
        ? createHttps({ cert, key }, handler)
        : createHttp({ keepAliveTimeout: 10_000 }, handler);

function countConnection(socket) {
  socket.connId = ++nextConn;
  open.add(socket);
  const gone = () => open.delete(socket);
  socket.on('end', gone);
  socket.on('close', gone);
  setImmediate(() => {
    maxOpen = Math.max(maxOpen, open.size);
  });
}
server.on(kind === 'http' || kind === 'h2c' ? 'connection' : 'secureConnection', countConnection);

process.on('message', (m) => {
  if (m === 'stats')
    process.send({
      stats: { connections: nextConn, open: open.size, maxOpen, requests, maxActive, seen: seen.slice(-50) },
    });
  if (m === 'reset') {
    nextConn = 0;
    requests = 0;
    maxActive = 0;
    maxOpen = 0;
    for (const s of open) s.destroy();
    process.send({ reset: true });
  }
});
process.on('message', (m) => {
  if (m?.goaway) {
    goaway = m.goaway;
    process.send({ armed: true });
  }
});
process.on('disconnect', () => process.exit(0));
// `ports` > 1: the same server (same counters) on several ports, i.e. several origins.
const listening = [server];
for (let i = 1; i < ports; i++) {
  const extra = kind === 'http' ? createHttp({ keepAliveTimeout: 10_000 }, handler) : null;
  if (!extra) throw new Error('several ports: http only');
  extra.on('connection', countConnection);
  listening.push(extra);
}
const bound = [];
for (const s of listening)
  s.listen(0, '127.0.0.1', () => {
    bound.push(s.address().port);
    if (bound.length === listening.length) process.send({ port: bound[0], ports: bound });
  });
