// What a shared-memory ring for the hot messages would buy (issue 15's candidate), measured before
// anyone builds it. A sequential request/response round trip between two threads, the messages shaped
// as onepool's (an exchange with its packed request, src/core/packed-request.ts; a WireResponse with
// ~6 header pairs, a 100-byte body, the 11 flat timings and the connection), carried:
//   port-sync   today's sync face: postMessage + Atomics.notify; the worker woken by a 'message' event;
//               the caller in Atomics.wait + receiveMessageOnPort
//   ring-sync   a length-prefixed binary encoding in a SharedArrayBuffer ring each way; the worker in
//               Atomics.waitAsync (its event loop stays free for sockets), the caller in Atomics.wait
//   port-async  today's async face: postMessage both ways, 'message' events on both sides
//   ring-async  the ring, the caller awaiting Atomics.waitAsync too
//   port-batch, ring-batch   async, 64 in flight: one message / one notify per 64 requests, replies per batch
//   *-empty     the same round trips with an empty message: the wake-ups alone
// Then the codecs alone on one thread (structured clone through a port vs the binary encoding through
// a ring), and whether a pending Atomics.waitAsync keeps a thread's event loop alive.
//
//   node bench/ring.mjs [--n 4000] [--rounds 7]     pinned (both threads on CPU 0), then unpinned
//   node bench/ring.mjs --probes                    the liveness probes alone
//   node bench/ring.mjs --variant NAME --n N        2,048 + N round trips of one variant and exit, for callgrind
//   node bench/ring.mjs --codec NAME --n N          N codec iterations and exit, for callgrind:
//     valgrind --tool=callgrind --callgrind-out-file=/dev/null node bench/ring.mjs --codec ring --n 20000
//     (the same with a smaller --n; the difference over the difference in N is per request + response)
// It does not use dist/: the messages are built here, as onepool's are.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  isMainThread,
  MessageChannel,
  parentPort,
  receiveMessageOnPort,
  Worker,
  workerData,
} from 'node:worker_threads';

const SELF = fileURLToPath(import.meta.url);
const BATCH = 64;

// ---- the messages, as onepool builds them

const ORIGIN = 'http://127.0.0.1:40000';
const REQ_HEADERS = ['user-agent', 'onepool/0.1', 'accept', '*/*', 'accept-encoding', 'gzip, deflate, br'];
const request = (id) => ({
  t: 'exchange',
  id,
  // biome-ignore format: one field per position, as packed-request.ts orders them
  req: [id, 'GET', ORIGIN, '/', REQ_HEADERS, null, 10000, 30000, 30000, ORIGIN, true, 104857600, 0, true, 0],
});
const RES_HEADERS = [
  'Content-Type',
  'application/octet-stream',
  'Content-Length',
  '100',
  'Date',
  new Date().toUTCString(),
  'Connection',
  'keep-alive',
  'Keep-Alive',
  'timeout=60',
  'ETag',
  '"64-5f3e1a2b9c"',
];
const BODY = new Uint8Array(100).fill(120);
const response = (id) => {
  const t = performance.now();
  return {
    t: 'response',
    id,
    status: 200,
    statusText: 'OK',
    headers: RES_HEADERS,
    body: BODY,
    httpVersion: '1.1',
    connection: { id: 1, reused: true, protocol: 'h1' },
    // WireTimings (src/core/timings.ts): NaN where an instant is absent
    // biome-ignore format: the eleven instants in their order
    timings: [performance.timeOrigin, 1, t - 0.3, t - 0.29, 0, NaN, NaN, NaN, t - 0.28, t - 0.05, t],
  };
};

// ---- the ring: frames of [u32 length][payload], one writer and one reader per ring

const WRITE = 0; // the writer's published position (the reader waits on this word)
const READ = 1; // the reader's released position
const CTL_BYTES = 8;
// A hot message larger than this would go on the MessagePort with the rare kinds; the bench's are < 1 KiB.
const MAX_FRAME = 4096;
const RING_BYTES = 256 * 1024;

class Ring {
  constructor(sab) {
    this.ctl = new Int32Array(sab, 0, 2);
    this.u8 = new Uint8Array(sab, CTL_BYTES);
    this.view = new DataView(sab, CTL_BYTES);
    this.buf = Buffer.from(sab, CTL_BYTES);
    this.cap = this.u8.length;
    this.w = 0;
    this.r = 0;
    this.published = 0;
  }
  /** Where the next frame's payload starts. No frame starts in the last MAX_FRAME + 4 bytes, on either side. */
  frame() {
    const used = (this.w - Atomics.load(this.ctl, READ) + this.cap) % this.cap;
    // A real ring would fall back to the port (or wait); the bench sizes it so that this never happens.
    if (used + 2 * (4 + MAX_FRAME) >= this.cap) throw new Error('ring full');
    if (this.w + 4 + MAX_FRAME > this.cap) this.w = 0;
    return this.w + 4;
  }
  end(at) {
    this.view.setUint32(this.w, at - this.w - 4, true);
    this.w = at;
  }
  publish() {
    Atomics.store(this.ctl, WRITE, this.w);
    Atomics.notify(this.ctl, WRITE);
  }
  /** The next frame's payload offset, or -1 when nothing more is published (`published` is the value to wait on). */
  next() {
    if (this.r === this.published) {
      this.published = Atomics.load(this.ctl, WRITE);
      if (this.r === this.published) return -1;
    }
    if (this.r + 4 + MAX_FRAME > this.cap) this.r = 0;
    const at = this.r + 4;
    this.r = at + this.view.getUint32(this.r, true);
    return at;
  }
  release() {
    Atomics.store(this.ctl, READ, this.r);
  }
}

// ---- the binary codec: u32 byte length + UTF-8 for strings, raw bytes for the body, f64 for numbers

const encoder = new TextEncoder();

// A message's strings in one block: [u16 count][u8 all ASCII][u32 bytes in all][u32 byte length × count]
// [the bytes]. An all-ASCII block is decoded with one latin1Slice and cut with String.slice: per string,
// Buffer's utf8Slice cost 20 % of the whole codec (a profile of --codec ring) and TextDecoder.decode twice that.
let table = 0;
let bytes = 0;
let blockAt = 0;
let ascii = 1;
let text = '';
let textAt = 0;

function openStrings(ring, at, count) {
  ring.view.setUint16(at, count, true);
  blockAt = at;
  table = at + 7;
  bytes = table + 4 * count;
  ascii = 1;
}

function putString(ring, s) {
  const { u8 } = ring;
  const n = s.length;
  let p = bytes;
  let i = 0;
  // ASCII byte by byte (2.8× faster than encodeInto into a fresh subarray per short string); the rest of
  // a string with any other character through encodeInto.
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) break;
    u8[p++] = c;
  }
  if (i < n) {
    ascii = 0;
    p += encoder.encodeInto(s.slice(i), u8.subarray(p)).written;
  }
  ring.view.setUint32(table, p - bytes, true);
  table += 4;
  bytes = p;
}

function closeStrings(ring) {
  const count = ring.view.getUint16(blockAt, true);
  ring.u8[blockAt + 2] = ascii;
  ring.view.setUint32(blockAt + 3, bytes - (blockAt + 7 + 4 * count), true);
  return bytes;
}

function openRead(ring, at) {
  const count = ring.view.getUint16(at, true);
  ascii = ring.u8[at + 2];
  table = at + 7;
  bytes = table + 4 * count;
  if (ascii === 1) {
    text = ring.buf.latin1Slice(bytes, bytes + ring.view.getUint32(at + 3, true));
    textAt = 0;
  }
  return count;
}

function takeString(ring) {
  const n = ring.view.getUint32(table, true);
  table += 4;
  const s = ascii === 1 ? text.slice(textAt, textAt + n) : ring.buf.utf8Slice(bytes, bytes + n);
  textAt += n;
  bytes += n;
  return s;
}

const NO_BODY = 0xffffffff;
let cursor = 0;

function writeBody(ring, at, body) {
  if (body === null) {
    ring.view.setUint32(at, NO_BODY, true);
    return at + 4;
  }
  ring.view.setUint32(at, body.length, true);
  ring.u8.set(body, at + 4);
  return at + 4 + body.length;
}

function readBody(ring) {
  const n = ring.view.getUint32(cursor, true);
  cursor += 4;
  if (n === NO_BODY) return null;
  // a copy: the frame's bytes are reused once released
  const body = ring.u8.slice(cursor, cursor + n);
  cursor += n;
  return body;
}

/** An exchange message whose packed request sets none of the rare fields (those would go on the port). */
function encodeRequest(ring, at, m) {
  const [id, method, origin, path, headers, body, connect, read, write, key, decompress, max, pool, replay] =
    m.req;
  const v = ring.view;
  v.setUint32(at, id, true);
  openStrings(ring, at + 4, 4 + headers.length);
  putString(ring, method);
  putString(ring, origin);
  putString(ring, path);
  putString(ring, key);
  for (const h of headers) putString(ring, h);
  const p = writeBody(ring, closeStrings(ring), body);
  v.setFloat64(p, connect, true);
  v.setFloat64(p + 8, read, true);
  v.setFloat64(p + 16, write, true);
  v.setFloat64(p + 24, max, true);
  v.setUint32(p + 32, pool, true);
  v.setUint8(p + 36, (decompress ? 1 : 0) | (replay ? 2 : 0));
  return p + 37;
}

function decodeRequest(ring, at) {
  const v = ring.view;
  const id = v.getUint32(at, true);
  const headers = new Array(openRead(ring, at + 4) - 4);
  const method = takeString(ring);
  const origin = takeString(ring);
  const path = takeString(ring);
  const key = takeString(ring);
  for (let i = 0; i < headers.length; i++) headers[i] = takeString(ring);
  cursor = bytes;
  const body = readBody(ring);
  const p = cursor;
  const flags = v.getUint8(p + 36);
  // biome-ignore format: the packed request's positions
  const req = [id, method, origin, path, headers, body, v.getFloat64(p, true), v.getFloat64(p + 8, true), v.getFloat64(p + 16, true), key, (flags & 1) === 1, v.getFloat64(p + 24, true), v.getUint32(p + 32, true), (flags & 2) === 2, 0];
  return { t: 'exchange', id, req };
}

function encodeResponse(ring, at, m) {
  const v = ring.view;
  v.setUint32(at, m.id, true);
  v.setUint16(at + 4, m.status, true);
  v.setUint8(at + 6, m.httpVersion === '2' ? 2 : 1);
  v.setUint32(at + 7, m.connection.id, true);
  v.setUint8(at + 11, (m.connection.reused ? 1 : 0) | (m.connection.protocol === 'h2' ? 2 : 0));
  let p = at + 12;
  for (let i = 0; i < 11; i++, p += 8) v.setFloat64(p, m.timings[i], true);
  openStrings(ring, p, 1 + m.headers.length);
  putString(ring, m.statusText);
  for (const h of m.headers) putString(ring, h);
  return writeBody(ring, closeStrings(ring), m.body);
}

function decodeResponse(ring, at) {
  const v = ring.view;
  const flags = v.getUint8(at + 11);
  const timings = new Array(11);
  for (let i = 0; i < 11; i++) timings[i] = v.getFloat64(at + 12 + 8 * i, true);
  const headers = new Array(openRead(ring, at + 12 + 88) - 1);
  const statusText = takeString(ring);
  for (let i = 0; i < headers.length; i++) headers[i] = takeString(ring);
  cursor = bytes;
  return {
    t: 'response',
    id: v.getUint32(at, true),
    status: v.getUint16(at + 4, true),
    statusText,
    headers,
    body: readBody(ring),
    httpVersion: v.getUint8(at + 6) === 2 ? '2' : '1.1',
    connection: {
      id: v.getUint32(at + 7, true),
      reused: (flags & 1) === 1,
      protocol: (flags & 2) === 2 ? 'h2' : 'h1',
    },
    timings,
  };
}

// ---- the worker side

if (!isMainThread) {
  const { kind } = workerData;
  if (kind === 'ring') {
    const inbox = new Ring(workerData.toWorker);
    const outbox = new Ring(workerData.toCaller);
    const serve = () => {
      for (;;) {
        for (let at = inbox.next(); at !== -1; at = inbox.next()) {
          const out = outbox.frame();
          // an empty frame is answered by an empty frame: the wake-ups alone
          outbox.end(
            inbox.r === at ? out : encodeResponse(outbox, out, response(decodeRequest(inbox, at).id)),
          );
        }
        inbox.release();
        outbox.publish();
        const wait = Atomics.waitAsync(inbox.ctl, WRITE, inbox.published);
        if (wait.async) {
          wait.value.then(serve);
          return;
        }
      }
    };
    serve();
    // A pending waitAsync does not keep the event loop alive (see the liveness probes): a port listener
    // does, as onepool's worker would keep its MessagePort for the rare kinds.
    parentPort.on('message', () => {});
  } else {
    const { port } = workerData;
    const control = new Int32Array(workerData.control);
    const reply = (m) =>
      m === 0
        ? 0
        : m.t === 'batch'
          ? { t: 'batch', id: 0, messages: m.messages.map((r) => response(r.id)) }
          : response(m.id);
    port.on('message', (m) => {
      port.postMessage(reply(m));
      if (kind === 'port-sync') {
        Atomics.add(control, 0, 1);
        Atomics.notify(control, 0);
      }
    });
  }
}

// ---- the caller side: one function per variant, `n` round trips each

function portWorker(kind) {
  const control = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(SELF, {
    workerData: { kind, port: port2, control: control.buffer },
    transferList: [port2],
  });
  return { worker, port: port1, control };
}

function ringWorker() {
  const toWorker = new SharedArrayBuffer(CTL_BYTES + RING_BYTES);
  const toCaller = new SharedArrayBuffer(CTL_BYTES + RING_BYTES);
  const worker = new Worker(SELF, { workerData: { kind: 'ring', toWorker, toCaller } });
  return { worker, out: new Ring(toWorker), inbox: new Ring(toCaller) };
}

function setUp() {
  const ps = portWorker('port-sync');
  const pa = portWorker('port-async');
  const rg = ringWorker();
  let pending;
  pa.port.on('message', (m) => pending(m));
  const portAsync = (make) => (n) => {
    let left = n;
    return new Promise((resolve) => {
      pending = () => (--left === 0 ? resolve() : pa.port.postMessage(make(left)));
      pa.port.postMessage(make(left));
    });
  };
  const portSync = (make) => (n) => {
    for (let i = 0; i < n; i++) {
      const seen = Atomics.load(ps.control, 0);
      ps.port.postMessage(make(i));
      for (;;) {
        if (receiveMessageOnPort(ps.port)) break;
        Atomics.wait(ps.control, 0, seen);
      }
    }
  };
  const send = (m) => {
    const at = rg.out.frame();
    rg.out.end(m === 0 ? at : encodeRequest(rg.out, at, m));
  };
  const take = (at) => (rg.inbox.r === at ? 0 : decodeResponse(rg.inbox, at));
  const ringSync = (make) => (n) => {
    const { inbox } = rg;
    for (let i = 0; i < n; i++) {
      send(make(i));
      rg.out.publish();
      for (;;) {
        const at = inbox.next();
        if (at !== -1) {
          take(at);
          inbox.release();
          break;
        }
        Atomics.wait(inbox.ctl, WRITE, inbox.published);
      }
    }
  };
  /** Resolves once `count` replies arrived, the caller awaiting Atomics.waitAsync between them. */
  const ringReplies = (count) =>
    new Promise((resolve) => {
      const { inbox } = rg;
      const check = () => {
        for (;;) {
          for (let at = inbox.next(); at !== -1; at = inbox.next()) {
            take(at);
            count--;
          }
          inbox.release();
          if (count === 0) return resolve();
          const wait = Atomics.waitAsync(inbox.ctl, WRITE, inbox.published);
          if (wait.async) return wait.value.then(check);
        }
      };
      check();
    });
  const ringAsync = (make) => async (n) => {
    for (let i = 0; i < n; i++) {
      send(make(i));
      rg.out.publish();
      await ringReplies(1);
    }
  };
  const batchOf = (first) => Array.from({ length: BATCH }, (_, k) => request(first + k));
  const variants = {
    'port-sync': portSync(request),
    'ring-sync': ringSync(request),
    'port-async': portAsync(request),
    'ring-async': ringAsync(request),
    'port-batch': async (n) => {
      for (let i = 0; i < n; i += BATCH) {
        const messages = batchOf(i);
        await new Promise((resolve) => {
          pending = resolve;
          pa.port.postMessage({ t: 'batch', messages });
        });
      }
    },
    'ring-batch': async (n) => {
      for (let i = 0; i < n; i += BATCH) {
        for (const m of batchOf(i)) send(m);
        rg.out.publish();
        await ringReplies(BATCH);
      }
    },
    'port-sync-empty': portSync(() => 0),
    'ring-sync-empty': ringSync(() => 0),
    'port-async-empty': portAsync(() => 0),
    'ring-async-empty': ringAsync(() => 0),
  };
  const stop = () => Promise.all([ps, pa, rg].map(({ worker }) => worker.terminate()));
  return { variants, stop };
}

const packResponse = (m) => [
  m.id,
  m.status,
  m.statusText,
  m.headers.join('\n'),
  m.body,
  m.httpVersion,
  m.connection.id,
  m.connection.reused,
  m.connection.protocol,
  m.timings,
];
const unpackResponse = ([
  id,
  status,
  statusText,
  headers,
  body,
  httpVersion,
  connId,
  reused,
  protocol,
  timings,
]) => ({
  t: 'response',
  id,
  status,
  statusText,
  headers: headers.split('\n'),
  body,
  httpVersion,
  connection: { id: connId, reused, protocol },
  timings,
});

/** The codecs alone, one thread: a request and its response, through a port (clone) or a ring (binary). */
function codecs() {
  const { port1, port2 } = new MessageChannel();
  const sab = new SharedArrayBuffer(CTL_BYTES + RING_BYTES);
  const w = new Ring(sab);
  const r = new Ring(sab);
  const viaRing = (encode, decode, m) => {
    const at = w.frame();
    w.end(encode(w, at, m));
    w.publish();
    const got = decode(r, r.next());
    r.release();
    return got;
  };
  const emptyRing = () => {
    w.end(w.frame());
    w.publish();
    r.next();
    r.release();
  };
  // the binary encoding without a ring: encoded into a scratch buffer, its bytes posted on the port
  const arena = (ab) => ({ u8: new Uint8Array(ab), view: new DataView(ab), buf: Buffer.from(ab) });
  const scratch = arena(new ArrayBuffer(MAX_FRAME));
  const viaPortBinary = (encode, decode, m) => {
    port1.postMessage(scratch.u8.slice(0, encode(scratch, 0, m)));
    return decode(arena(receiveMessageOnPort(port2).message.buffer), 0);
  };
  const viaPort = (m) => {
    port1.postMessage(m);
    return receiveMessageOnPort(port2).message;
  };
  return {
    clone: (i) => {
      viaPort(request(i));
      viaPort(response(i));
    },
    ring: (i) => {
      viaRing(encodeRequest, decodeRequest, request(i));
      viaRing(encodeResponse, decodeResponse, response(i));
    },
    'clone-empty': () => {
      viaPort(0);
      viaPort(0);
    },
    'ring-empty': () => {
      emptyRing();
      emptyRing();
    },
    // the cheaper clone without a ring: the response packed in an array, its header list joined with
    // newlines (no header value can hold one) and split again, as README's "response message packed"
    'clone-packed': (i) => {
      viaPort(request(i));
      unpackResponse(viaPort(packResponse(response(i))));
    },
    'port-binary': (i) => {
      viaPortBinary(encodeRequest, decodeRequest, request(i));
      viaPortBinary(encodeResponse, decodeResponse, response(i));
    },
    // the messages' own making, in all of the above
    make: (i) => {
      request(i);
      response(i);
    },
    close: () => port1.close(),
    check: () => {
      for (const m of [
        request(3),
        { ...request(4), req: request(4).req.with(4, ['x-name', 'café ☕', 'a', 'b']) },
      ]) {
        const back = viaRing(encodeRequest, decodeRequest, m);
        if (JSON.stringify(back) !== JSON.stringify(m)) throw new Error('request codec mismatch');
      }
      const res = response(3);
      const got = viaRing(encodeResponse, decodeResponse, res);
      const same =
        JSON.stringify({ ...got, body: [...got.body] }) === JSON.stringify({ ...res, body: [...res.body] });
      if (!same) throw new Error('response codec mismatch');
    },
  };
}

// ---- the liveness probes: does a pending Atomics.waitAsync keep a thread's event loop alive?

const PROBES = {
  'main thread, only a pending waitAsync (no timeout)': `
    const w = Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    w.value.then((v) => console.log('resolved ' + v));`,
  'main thread, only a pending waitAsync (2,000 ms timeout)': `
    const w = Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000);
    w.value.then((v) => console.log('resolved ' + v));`,
  'worker thread, only a pending waitAsync; the parent waits for its exit': `
    const { Worker } = require('node:worker_threads');
    const t0 = performance.now();
    const w = new Worker("Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(4)), 0, 0).value.then(() => console.log('resolved'))", { eval: true });
    w.on('exit', () => { console.log('worker exited by itself after ' + Math.round(performance.now() - t0) + ' ms'); clearTimeout(keep); });
    const keep = setTimeout(() => { console.log('worker still alive after 3 s'); w.terminate(); }, 3000);`,
  'worker thread, pending waitAsync + a port listener, worker unref()d; notified 100 ms after it waits': `
    const { Worker } = require('node:worker_threads');
    const words = new Int32Array(new SharedArrayBuffer(4));
    const w = new Worker("const { parentPort, workerData } = require('node:worker_threads'); parentPort.on('message', () => {}); const r = Atomics.waitAsync(new Int32Array(workerData), 0, 0); r.value.then(() => parentPort.postMessage(performance.now() + performance.timeOrigin)); parentPort.postMessage('waiting')", { eval: true, workerData: words.buffer });
    const keep = setTimeout(() => console.log('no wake-up within 3 s'), 3000);
    let sent;
    const notify = () => { sent = performance.now() + performance.timeOrigin; Atomics.store(words, 0, 1); Atomics.notify(words, 0); };
    w.on('message', (m) => {
      if (m === 'waiting') return setTimeout(notify, 100);
      clearTimeout(keep);
      console.log('worker woke ' + (m - sent).toFixed(2) + ' ms after the notify (one sample); then the process exits, the worker being unref()d');
    });
    w.unref();`,
};

/** An idle worker's wake-up: notify → its waitAsync resolves, and postMessage → its 'message' event. */
async function idleWake(times = 21, gapMs = 20) {
  const words = new Int32Array(new SharedArrayBuffer(4));
  const w = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const words = new Int32Array(workerData);
     const clock = () => performance.timeOrigin + performance.now();
     const wait = () => Atomics.waitAsync(words, 0, Atomics.load(words, 0)).value.then(() => { parentPort.postMessage(clock()); wait(); });
     wait();
     parentPort.on('message', () => parentPort.postMessage(clock()));`,
    { eval: true, workerData: words.buffer },
  );
  await new Promise((resolve) => w.once('online', resolve));
  const clock = () => performance.timeOrigin + performance.now();
  const lat = { waitAsync: [], port: [] };
  const replies = [];
  w.on('message', (at) => replies.shift()(at));
  const once = (kick) =>
    new Promise((resolve) => {
      replies.push(resolve);
      kick();
    });
  for (let i = 0; i < times; i++) {
    await new Promise((resolve) => setTimeout(resolve, gapMs));
    let t = clock();
    lat.waitAsync.push(
      (await once(() => {
        Atomics.add(words, 0, 1);
        Atomics.notify(words, 0);
      })) - t,
    );
    await new Promise((resolve) => setTimeout(resolve, gapMs));
    t = clock();
    lat.port.push((await once(() => w.postMessage(0))) - t);
  }
  await w.terminate();
  console.log(
    `\n| an idle worker woken (${times} times each, ${gapMs} ms apart, interleaved) | ms to its handler: median (min … max) |`,
  );
  console.log('| --- | --- |');
  console.log(`| Atomics.notify → Atomics.waitAsync resolved | ${stat(lat.waitAsync)} |`);
  console.log(`| postMessage → 'message' event | ${stat(lat.port)} |`);
}

function liveness() {
  console.log('\n| pending Atomics.waitAsync | process exit | output |\n| --- | --- | --- |');
  for (const [name, code] of Object.entries(PROBES)) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 10_000 });
    const ms = Math.round(performance.now() - t0);
    const out = r.stdout.trim().replaceAll('\n', '; ') || '(nothing: the promise never resolved)';
    console.log(
      `| ${name} | ${r.signal ? `killed at ${ms} ms` : `exited by itself after ${ms} ms`} | ${out} |`,
    );
  }
}

// ---- the runs

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '4000' },
    rounds: { type: 'string', default: '7' },
    child: { type: 'string' },
    codec: { type: 'string' },
    variant: { type: 'string' },
    probes: { type: 'boolean', default: false },
  },
});
const N = Math.ceil(Number(values.n) / BATCH) * BATCH;
const ROUNDS = Number(values.rounds);
const sorted = (xs) => [...xs].sort((a, b) => a - b);
const med = (xs) => sorted(xs)[xs.length >> 1];
const cpu = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};
const f = (x) => x.toFixed(Math.abs(x) < 1 ? 3 : Math.abs(x) < 10 ? 2 : 1);
const stat = (xs) => `${f(med(xs))} (${f(sorted(xs)[0])} … ${f(sorted(xs).at(-1))})`;

async function child(placement) {
  const { variants, stop } = setUp();
  const c = codecs();
  c.check();
  const wall = {};
  const cpus = {};
  const codecTimes = {};
  for (const name of Object.keys(variants)) [wall[name], cpus[name]] = [[], []];
  const codecNames = ['clone', 'clone-packed', 'port-binary', 'ring', 'clone-empty', 'ring-empty', 'make'];
  for (const name of codecNames) codecTimes[name] = [];
  // round 0 warms up every path and is not counted
  for (let round = 0; round <= ROUNDS; round++) {
    for (const [name, run] of Object.entries(variants)) {
      const t0 = performance.now();
      const c0 = cpu();
      await run(N);
      if (round === 0) continue;
      wall[name].push(((performance.now() - t0) * 1000) / N);
      cpus[name].push((cpu() - c0) / N);
    }
    for (const name of codecNames) {
      const c0 = cpu();
      for (let i = 0; i < N * 5; i++) c[name](i);
      if (round > 0) codecTimes[name].push((cpu() - c0) / (N * 5));
    }
  }
  await stop();
  c.close();
  console.log(
    `\n### ${placement}: ${N} round trips per round, median of ${ROUNDS} interleaved rounds (min … max)\n`,
  );
  console.log('| variant | µs per round trip | CPU µs per round trip (both threads) |\n| --- | --- | --- |');
  for (const name of Object.keys(variants))
    console.log(`| ${name} | ${stat(wall[name])} | ${stat(cpus[name])} |`);
  // the same round's pair, so that the machine's drift between rounds cancels
  const paired = (xs, a, b) => xs[b].map((x, i) => x - xs[a][i]);
  console.log(
    '\n| ring − port, paired by round | µs per round trip | CPU µs per round trip |\n| --- | --- | --- |',
  );
  for (const name of Object.keys(variants).filter((v) => v.startsWith('port-'))) {
    const ring = name.replace('port-', 'ring-');
    console.log(
      `| ${ring.slice(5)} | ${stat(paired(wall, name, ring))} | ${stat(paired(cpus, name, ring))} |`,
    );
  }
  console.log('\n| codec, one thread (request + response) | CPU µs per pair |\n| --- | --- |');
  for (const name of codecNames) console.log(`| ${name} | ${stat(codecTimes[name])} |`);
  const net = (a, b) => codecTimes[a].map((x, i) => x - codecTimes[b][i]);
  console.log(`| clone − clone-empty (per round) | ${stat(net('clone', 'clone-empty'))} |`);
  console.log(`| clone-packed − clone-empty (per round) | ${stat(net('clone-packed', 'clone-empty'))} |`);
  console.log(`| port-binary − clone-empty (per round) | ${stat(net('port-binary', 'clone-empty'))} |`);
  console.log(`| ring − ring-empty (per round) | ${stat(net('ring', 'ring-empty'))} |`);
  await idleWake();
}

if (!isMainThread) {
  // the worker side is above
} else if (values.codec) {
  const c = codecs();
  c.check();
  const run = c[values.codec];
  for (let i = 0; i < Number(values.n); i++) run(i);
  c.close();
} else if (values.probes) {
  liveness();
} else if (values.variant) {
  const { variants, stop } = setUp();
  // the same warm-up in every run, so that the JIT's work falls outside the difference of two runs
  await variants[values.variant](2048);
  await variants[values.variant](N);
  await stop();
} else if (values.child) {
  await child(values.child);
} else {
  console.log(
    `node ${process.version}, ${new Date().toISOString()}, load average ${(await import('node:os'))
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const args = [SELF, '--n', String(N), '--rounds', String(ROUNDS)];
  const pinned = spawnSync(
    'taskset',
    ['-c', '0', process.execPath, ...args, '--child', 'pinned (taskset -c 0: both threads on one CPU)'],
    { stdio: 'inherit' },
  );
  if (pinned.error) console.log('\n(taskset is missing: no pinned run)');
  spawnSync(process.execPath, [...args, '--child', 'unpinned (the scheduler places the threads)'], {
    stdio: 'inherit',
  });
  liveness();
}
