// A raw HTTP/1.1 server (node:http never sends a body after HEAD) in its own process: HEAD /body-after
// answers its head and, in the same write, the body a GET would get, as misbehaving servers do;
// any other HEAD gets its head only, a GET its body. Every response names its connection
// (x-conn-id); `stats` over IPC reports the connections accepted.
import { createServer } from 'node:net';

let connections = 0;
const server = createServer((socket) => {
  const id = ++connections;
  let buffer = '';
  socket.on('error', () => {});
  socket.on('data', (chunk) => {
    buffer += chunk.toString('latin1');
    for (let end = buffer.indexOf('\r\n\r\n'); end !== -1; end = buffer.indexOf('\r\n\r\n')) {
      const [method, path] = buffer.slice(0, end).split(' ');
      buffer = buffer.slice(end + 4);
      const body = `${method === 'HEAD' ? 'GET' : method} ${path} on ${id}`;
      const head = `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\nx-conn-id: ${id}\r\n\r\n`;
      socket.write(method === 'HEAD' && path !== '/body-after' ? head : head + body);
    }
  });
});
process.on('message', (m) => {
  if (m === 'stats') process.send({ stats: { connections } });
});
process.on('disconnect', () => process.exit(0));
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
