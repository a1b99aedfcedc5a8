// The fuzz test's raw HTTP/1.1 server, run as a child process (the sync face blocks the test's thread).
// It is dumb on purpose: the test sends, per request id, the exact bytes to answer with, cut into
// segments with delays, and whether to close afterwards; the server parses only request heads.
//
// IPC in:  { type: 'plan', id, requestId, segments: [base64, delayMs][], close }  → { type: 'ack', id }
//          { type: 'stats', id } → { type: 'stats', id, connections, unknown, repeated: [id, n][] }
// IPC out: { type: 'ready', port } once listening.

import { createServer, type Socket } from 'node:net';

interface Plan {
  segments: [string, number][];
  close: boolean;
}

// Plans are kept after use: a request the server closed on without a byte may be replayed (the
// stale keep-alive rule), and the replay gets the same answer. `seen` counts requests per id.
const plans = new Map<string, Plan>();
const seen = new Map<string, number>();
let connections = 0;
let unknown = 0;
const MAX_HEAD = 64 * 1024;

function answer(sock: Socket, plan: Plan, done: () => void) {
  let i = 0;
  const next = () => {
    if (sock.destroyed) return;
    if (i === plan.segments.length) {
      if (plan.close) sock.end();
      return done();
    }
    const [b64, delay] = plan.segments[i++]!;
    const write = () => {
      if (!sock.destroyed) sock.write(Buffer.from(b64, 'base64'));
      next();
    };
    if (delay > 0) setTimeout(write, delay);
    else write();
  };
  next();
}

const server = createServer((sock) => {
  connections++;
  sock.setTimeout(30_000, () => sock.destroy());
  sock.on('error', () => {});
  let buf = Buffer.alloc(0);
  let busy = false;
  const pump = () => {
    if (busy) return;
    const end = buf.indexOf('\r\n\r\n');
    if (end === -1) {
      if (buf.length > MAX_HEAD) sock.destroy();
      return;
    }
    const head = buf.subarray(0, end).toString('latin1');
    buf = buf.subarray(end + 4);
    const id = /\r\nx-request-id: *([^\r]*)/i.exec(head)?.[1] ?? '';
    const plan = plans.get(id);
    seen.set(id, (seen.get(id) ?? 0) + 1);
    if (!plan) {
      unknown++;
      sock.end('HTTP/1.1 500 Unknown\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      return;
    }
    busy = true;
    answer(sock, plan, () => {
      busy = false;
      if (!plan.close) pump();
    });
  };
  sock.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    pump();
  });
});

server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.send?.({ type: 'ready', port: typeof addr === 'object' && addr ? addr.port : 0 });
});

process.on(
  'message',
  (m: { type: string; id: number; requestId?: string; segments?: [string, number][]; close?: boolean }) => {
    if (m.type === 'plan') {
      plans.set(m.requestId!, { segments: m.segments!, close: m.close! });
      process.send?.({ type: 'ack', id: m.id });
    } else if (m.type === 'stats') {
      const repeated = [...seen].filter(([, n]) => n > 1);
      process.send?.({ type: 'stats', id: m.id, connections, unknown, repeated });
    }
  },
);
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(0), 10 * 60_000).unref();
