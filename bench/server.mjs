// Benchmark servers, run in their own process (forked by run.mjs, pinned to another CPU when possible) so
// that server work never competes with the client under test on the same event loop.
//   - node:http keep-alive server: /small, /1m, /10m (bodies preallocated once)
//   - node:http2 secure server (self-signed cert made with openssl at start; also speaks HTTP/1.1 via ALPN)
//   - Debian's nginx on a loopback port when /usr/sbin/nginx exists (stub_status gives its accept count)
// Each server counts the TCP connections it accepted; run.mjs reads the counters over IPC before and after
// each block, so "connections opened" is attributed to the one client that ran during that block.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSigned } from './self-signed.mjs';

const HOST = '127.0.0.1';
const SMALL = Buffer.from(JSON.stringify({ ok: true, msg: 'hello from the bench server', n: 42 }));
const BODIES = { '/small': SMALL, '/1m': Buffer.alloc(1 << 20, 97), '/10m': Buffer.alloc(10 << 20, 98) };
const counts = { http: 0, h2: { h2: 0, 'http/1.1': 0 }, nginx: null };
const dir = mkdtempSync(join(tmpdir(), 'onepool-bench-'));
let nginx = null;
let nginxPort = 0;
let nginxQueries = 0;

function handle(req, res) {
  const body = BODIES[req.url.split('?')[0]];
  if (!body) {
    res.writeHead(404, { 'content-length': '0' });
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) });
  res.end(body);
}

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve(server.address().port));
  });
}

async function startHttp() {
  const server = http.createServer({ keepAliveTimeout: 60_000 }, handle);
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  server.on('connection', () => counts.http++);
  return listen(server);
}

async function startH2() {
  const { key, cert } = selfSigned();
  const server = http2.createSecureServer({
    key,
    cert,
    allowHTTP1: true,
    settings: { maxConcurrentStreams: 256 },
  });
  server.on('secureConnection', (sock) => {
    const p = sock.alpnProtocol || 'http/1.1';
    counts.h2[p] = (counts.h2[p] || 0) + 1;
  });
  server.on('request', handle);
  return { port: await listen(server), cert };
}

// nginx: a generated config in the temp dir, `daemon off`, one worker, killed when this process exits.
async function startNginx() {
  if (!existsSync('/usr/sbin/nginx')) return { note: 'nginx skipped: /usr/sbin/nginx not found' };
  const probe = net.createServer();
  nginxPort = await listen(probe);
  await new Promise((r) => probe.close(r));
  const conf = `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/t-body; proxy_temp_path ${dir}/t-proxy; fastcgi_temp_path ${dir}/t-fcgi;
  uwsgi_temp_path ${dir}/t-uwsgi; scgi_temp_path ${dir}/t-scgi;
  keepalive_timeout 60s;
  keepalive_requests 1000000;
  server {
    listen ${HOST}:${nginxPort};
    location = /small { default_type application/octet-stream; return 200 '${SMALL.toString()}'; }
    location = /nginx-status { stub_status; }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  nginx = spawn(
    '/usr/sbin/nginx',
    ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'nginx-error.log')],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  nginx.stderr.on('data', (d) => {
    stderr += d;
  });
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (nginx.exitCode !== null) return { note: `nginx failed to start: ${stderr.trim() || nginx.exitCode}` };
    if ((await nginxAccepts().catch(() => null)) !== null) return { port: nginxPort };
    await new Promise((r) => setTimeout(r, 50));
  }
  return { note: 'nginx did not answer within 5 s' };
}

// stub_status counts its own query connection too: subtract the queries made so far.
function nginxAccepts() {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: HOST, port: nginxPort, path: '/nginx-status', agent: false }, (res) => {
      let s = '';
      res.on('data', (d) => {
        s += d;
      });
      res.on('end', () => {
        nginxQueries++;
        const m = /\n\s*(\d+)\s+\d+\s+\d+/.exec(s);
        m ? resolve(Number(m[1]) - nginxQueries) : reject(new Error('bad stub_status'));
      });
    });
    req.on('error', reject);
    req.setTimeout(2000, () => req.destroy(new Error('stub_status timeout')));
  });
}

function cleanup() {
  if (nginx && nginx.exitCode === null) nginx.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

process.on('exit', cleanup);
process.on('disconnect', () => process.exit(0));
process.on('message', async (msg) => {
  if (msg.cmd === 'counts') {
    if (nginx) counts.nginx = await nginxAccepts().catch(() => null);
    process.send({ type: 'counts', id: msg.id, counts: structuredClone(counts) });
  } else if (msg.cmd === 'exit') {
    process.exit(0);
  }
});

const httpPort = await startHttp();
const h2 = await startH2();
const ng = await startNginx().catch((e) => ({ note: `nginx failed: ${e.message}` }));
const sizes = Object.fromEntries(Object.entries(BODIES).map(([k, v]) => [k, v.length]));
process.send({
  type: 'ready',
  sizes,
  http: httpPort,
  h2: h2.port,
  cert: h2.cert,
  nginx: ng.port ?? null,
  note: ng.note,
});
