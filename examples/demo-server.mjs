// The demo's server, in its own process: a sync call would deadlock against a server running in
// the calling thread. It counts TCP connections so the demo can show that one served everything.
import { createServer } from 'node:http';

let connections = 0;
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        method: req.method,
        url: req.url,
        body: Buffer.concat(chunks).toString(),
        connections,
      }),
    );
  });
});
server.on('connection', () => connections++);
server.listen(0, '127.0.0.1', () => process.send(server.address().port));
process.on('disconnect', () => process.exit(0));
