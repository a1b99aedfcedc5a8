// A real HTTP server in its own process (a sync call would deadlock against a server in its own
// thread). Started by servers.ts over IPC; plain JS so it starts without a TypeScript loader.
// Every connection gets an id, echoed in `x-conn-id`, so tests can see reuse from the server's side.
import { createServer as createHttp } from 'node:http';
import { createSecureServer } from 'node:http2';
import { createServer as createHttps } from 'node:https';
import { gzipSync } from 'node:zlib';

const { kind, cert, key, maxConcurrentStreams } = JSON.parse(process.argv[2]);
let nextConn = 0;
let requests = 0;
let active = 0;
let maxActive = 0;
const open = new Set();
const seen = [];

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

const server =
  kind === 'h2'
    ? createSecureServer(
        { cert, key, allowHTTP1: true, settings: { maxConcurrentStreams: maxConcurrentStreams ?? 100 } },
        handler,
      )
    : kind === 'https'
      ? createHttps({ cert, key }, handler)
      : createHttp({ keepAliveTimeout: 10_000 }, handler);

server.on(kind === 'http' ? 'connection' : 'secureConnection', (socket) => {
  socket.connId = ++nextConn;
  open.add(socket);
  socket.on('close', () => open.delete(socket));
});

process.on('message', (m) => {
  if (m === 'stats')
    process.send({
      stats: { connections: nextConn, open: open.size, requests, maxActive, seen: seen.slice(-50) },
    });
  if (m === 'reset') {
    nextConn = 0;
    requests = 0;
    maxActive = 0;
    for (const s of open) s.destroy();
    process.send({ reset: true });
  }
});
process.on('disconnect', () => process.exit(0));
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
