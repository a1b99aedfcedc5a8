// Small proxies in their own process (a sync call must not wait on a server in its own thread), one
// listener per behaviour, with what they saw reported over IPC. Plain JS: starts without a loader.
//   ok     CONNECT tunnels and absolute-form forwarding; requires `auth` (user:pass) when given
//   407    answers every CONNECT with 407
//   500    answers every CONNECT with 500
//   body   answers CONNECT with 200 and a body
//   cut    tunnels, then closes both sides after 20 000 bytes from the origin
//   socks  SOCKS5, with user/password auth when `auth` is given
import { connect, createServer } from 'node:net';

const { auth } = JSON.parse(process.argv[2] ?? '{}');
const seen = []; // { mode, kind: 'connect' | 'forward' | 'socks', target, proxyAuth, user }
let openTunnels = 0;
const sockets = new Set();
const expected = auth ? `Basic ${Buffer.from(auth).toString('base64')}` : undefined;

function readHead(socket, onHead) {
  let buffer = Buffer.alloc(0);
  const onData = (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    const at = buffer.indexOf('\r\n\r\n');
    if (at === -1) return;
    socket.off('data', onData);
    const lines = buffer.subarray(0, at).toString('latin1').split('\r\n');
    const [method, target] = lines[0].split(' ');
    const headers = {};
    for (const line of lines.slice(1)) {
      const i = line.indexOf(':');
      headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    onHead(method, target, headers, buffer.subarray(at + 4));
  };
  socket.on('data', onData);
}

function relay(client, host, port, rest, cutAfter) {
  const upstream = connect({ host, port });
  openTunnels++;
  upstream.on('close', () => openTunnels--);
  let down = 0;
  // With backpressure both ways, as a real proxy relays: a slow reader behind the proxy slows the sender.
  const forward = (from, to, chunk) => {
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  };
  upstream.on('data', (chunk) => {
    down += chunk.length;
    forward(upstream, client, chunk);
    if (cutAfter && down > cutAfter) {
      client.destroy();
      upstream.destroy();
    }
  });
  client.on('data', (chunk) => forward(client, upstream, chunk));
  if (rest.length) upstream.write(rest);
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
  client.on('close', () => upstream.destroy());
  return upstream;
}

function httpProxy(mode) {
  return (socket) => {
    readHead(socket, (method, target, headers, rest) => {
      const proxyAuth = headers['proxy-authorization'];
      if (method === 'CONNECT') {
        seen.push({ mode, kind: 'connect', target, proxyAuth });
        if (mode === '407')
          return socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n');
        if (mode === '500')
          return socket.end('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n');
        if (mode === 'body') return socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello');
        if (expected && proxyAuth !== expected)
          return socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n');
        const [host, port] = [
          target.slice(0, target.lastIndexOf(':')),
          target.slice(target.lastIndexOf(':') + 1),
        ];
        socket.write('HTTP/1.1 200 Connection established\r\n\r\n');
        return relay(socket, host.replace(/^\[|\]$/g, ''), Number(port), rest, mode === 'cut' ? 20_000 : 0);
      }
      // Forwarding, one request per connection: the origin is asked to close, and so closes ours.
      seen.push({ mode, kind: 'forward', target, proxyAuth });
      if (expected && proxyAuth !== expected)
        return socket.end(
          'HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
        );
      const url = new URL(target);
      const lines = [`${method} ${url.pathname}${url.search} HTTP/1.1`];
      for (const [k, v] of Object.entries(headers))
        if (k !== 'proxy-authorization' && k !== 'connection') lines.push(`${k}: ${v}`);
      lines.push('connection: close');
      const upstream = relay(socket, url.hostname, Number(url.port), Buffer.alloc(0), 0);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (rest.length) upstream.write(rest);
    });
  };
}

function socksProxy(socket) {
  let buffer = Buffer.alloc(0);
  let stage = 'greeting';
  let user;
  const onData = (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      if (stage === 'greeting') {
        if (buffer.length < 2 || buffer.length < 2 + buffer[1]) return;
        const methods = [...buffer.subarray(2, 2 + buffer[1])];
        buffer = buffer.subarray(2 + buffer[1]);
        const method = auth ? 2 : 0;
        if (!methods.includes(method)) return socket.end(Buffer.from([5, 0xff]));
        socket.write(Buffer.from([5, method]));
        stage = auth ? 'auth' : 'request';
      } else if (stage === 'auth') {
        if (buffer.length < 2 || buffer.length < 3 + buffer[1]) return;
        const ulen = buffer[1];
        const plen = buffer[2 + ulen];
        if (buffer.length < 3 + ulen + plen) return;
        user = buffer.subarray(2, 2 + ulen).toString();
        const pass = buffer.subarray(3 + ulen, 3 + ulen + plen).toString();
        buffer = buffer.subarray(3 + ulen + plen);
        if (`${user}:${pass}` !== auth) return socket.end(Buffer.from([1, 1]));
        socket.write(Buffer.from([1, 0]));
        stage = 'request';
      } else {
        if (buffer.length < 5) return;
        const type = buffer[3];
        const len = type === 1 ? 4 : type === 4 ? 16 : 1 + buffer[4];
        if (buffer.length < 4 + len + 2) return;
        const addr = buffer.subarray(4, 4 + len);
        const host = type === 1 ? [...addr].join('.') : type === 3 ? addr.subarray(1).toString() : '::1';
        const port = buffer.readUInt16BE(4 + len);
        const rest = buffer.subarray(4 + len + 2);
        socket.off('data', onData);
        seen.push({ mode: 'socks', kind: 'socks', target: `${host}:${port}`, user });
        socket.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
        relay(socket, host, port, rest, 0);
        return;
      }
    }
  };
  socket.on('data', onData);
}

const modes = ['ok', '407', '500', 'body', 'cut', 'socks'];
const ports = {};
let listening = 0;
for (const mode of modes) {
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    (mode === 'socks' ? socksProxy : httpProxy(mode))(socket);
  });
  server.listen(0, '127.0.0.1', () => {
    ports[mode] = server.address().port;
    if (++listening === modes.length) process.send({ ports });
  });
}

process.on('message', (m) => {
  if (m === 'stats') process.send({ stats: { seen: seen.slice(-200), openTunnels } });
  if (m === 'reset') {
    seen.length = 0;
    for (const s of sockets) s.destroy();
    process.send({ reset: true });
  }
});
process.on('disconnect', () => process.exit(0));
