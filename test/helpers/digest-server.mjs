// An RFC 7616 Digest server in its own process (a sync call would deadlock against a server in its
// own thread). Started by digest-servers.ts over IPC; plain JS so it starts without a TypeScript loader.
//
// GET|POST /digest/ALGO[?options]: Digest with ALGO (MD5, MD5-sess, SHA-256, SHA-256-sess,
// SHA-512-256, SHA-512-256-sess; `any` with offer=A,B: one challenge per algorithm, any accepted).
// Options: qop=none (an RFC 2069 challenge), userhash=1, stale=first (the nonce of a challenge to a
// request without credentials is stale on its first use), to=URL (once authenticated, 302 there).
// Each 401 sets the cookie `challenged`. A correct answer gets 200 with JSON: user, algorithm, nc,
// cookie, body. GET /echo: no auth, JSON of what arrived. IPC: 'stats', 'reset', 'expire' (every
// nonce issued so far becomes stale).

import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const { username, password, realm } = JSON.parse(process.argv[2]);
const HASHES = { md5: 'md5', 'sha-256': 'sha256', 'sha-512-256': 'sha512-256' };
const CANONICAL = {
  md5: 'MD5',
  'md5-sess': 'MD5-sess',
  'sha-256': 'SHA-256',
  'sha-256-sess': 'SHA-256-sess',
  'sha-512-256': 'SHA-512-256',
  'sha-512-256-sess': 'SHA-512-256-sess',
};
// nonce → { opaque, lastNc, stale, staleOnUse }
const nonces = new Map();
let seen = [];
let challenges = 0;

function params(header) {
  const out = new Map();
  const re = /([!#$%&'*+\-.^_`|~0-9A-Za-z]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  for (let m = re.exec(header); m; m = re.exec(header)) {
    const value = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
    out.set(m[1].toLowerCase(), value);
  }
  return out;
}

const h = (hash, text) => createHash(hash).update(text, 'utf8').digest('hex');

function challenge(res, algorithms, url, withCredentials, staleFlag) {
  challenges++;
  const values = algorithms.map((algorithm) => {
    const nonce = randomBytes(12).toString('base64');
    const opaque = randomBytes(6).toString('hex');
    nonces.set(nonce, {
      opaque,
      lastNc: 0,
      stale: false,
      staleOnUse: url.searchParams.get('stale') === 'first' && !withCredentials,
    });
    const parts = [`realm="${realm}"`];
    if (url.searchParams.get('qop') !== 'none') parts.push('qop="auth, auth-int"');
    parts.push(`algorithm=${algorithm}`, `nonce="${nonce}"`, `opaque="${opaque}"`);
    if (url.searchParams.get('userhash') === '1') parts.push('userhash=true');
    if (staleFlag) parts.push('stale=true');
    return `Digest ${parts.join(', ')}`;
  });
  res.writeHead(401, {
    'www-authenticate': values,
    'set-cookie': `challenged=${challenges}; Path=/`,
    'content-type': 'text/plain',
  });
  res.end('authenticate, please');
}

/** Checks an Authorization answer: 'ok', 'stale' or a reason it is wrong. */
function verify(req, url, p, allowed) {
  const algorithm = (p.get('algorithm') ?? 'MD5').toLowerCase();
  if (!allowed.includes(algorithm)) return `algorithm ${algorithm} not offered`;
  const known = nonces.get(p.get('nonce'));
  if (!known) return 'unknown nonce';
  if (p.get('realm') !== realm) return 'wrong realm';
  if (p.get('uri') !== req.url) return `uri ${p.get('uri')} is not ${req.url}`;
  if (p.get('opaque') !== known.opaque) return 'opaque not echoed';
  let user = p.get('username');
  if (p.has('username*')) {
    const ext = /^UTF-8''(.*)$/i.exec(p.get('username*'));
    if (!ext) return 'bad username*';
    user = decodeURIComponent(ext[1]);
  }
  const hash = HASHES[algorithm.replace(/-sess$/, '')];
  if (url.searchParams.get('userhash') === '1') {
    if (p.get('userhash') !== 'true' || user !== h(hash, `${username}:${realm}`)) return 'bad userhash';
  } else if (user !== username) return 'wrong user';
  const qop = url.searchParams.get('qop') === 'none' ? undefined : 'auth';
  const nonce = p.get('nonce');
  const cnonce = p.get('cnonce');
  let ha1 = h(hash, `${username}:${realm}:${password}`);
  if (algorithm.endsWith('-sess')) ha1 = h(hash, `${ha1}:${nonce}:${cnonce}`);
  const ha2 = h(hash, `${req.method}:${p.get('uri')}`);
  let expected;
  if (qop) {
    if (p.get('qop') !== 'auth') return 'qop is not auth';
    if (!/^[0-9a-f]{8}$/i.test(p.get('nc') ?? '')) return 'bad nc';
    if (!cnonce) return 'no cnonce';
    expected = h(hash, `${ha1}:${nonce}:${p.get('nc')}:${cnonce}:${qop}:${ha2}`);
  } else {
    if (p.has('qop') || p.has('nc')) return 'qop sent to an RFC 2069 challenge';
    expected = h(hash, `${ha1}:${nonce}:${ha2}`);
  }
  if (p.get('response') !== expected) return 'wrong response';
  if (known.stale) return 'stale';
  if (known.staleOnUse) {
    known.stale = true;
    return 'stale';
  }
  if (qop) {
    const nc = Number.parseInt(p.get('nc'), 16);
    if (nc <= known.lastNc) return `nc ${nc} replayed`;
    known.lastNc = nc;
  }
  return 'ok';
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url, 'http://x');
    const authorization = req.headers.authorization;
    const p = authorization?.startsWith('Digest ') ? params(authorization.slice(7)) : undefined;
    const entry = {
      method: req.method,
      url: req.url,
      authorization,
      cookie: req.headers.cookie,
      nc: p?.get('nc'),
      body,
      verdict: undefined,
    };
    seen.push(entry);
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] === 'echo') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ authorization, cookie: req.headers.cookie }));
    }
    if (parts[0] !== 'digest' || !parts[1]) {
      res.writeHead(404);
      return res.end();
    }
    const offered =
      parts[1] === 'any'
        ? (url.searchParams.get('offer') ?? 'MD5').split(',')
        : [CANONICAL[parts[1].toLowerCase()]];
    const allowed = offered.map((a) => a.toLowerCase());
    if (!p) return challenge(res, offered, url, false, false);
    const verdict = verify(req, url, p, allowed);
    entry.verdict = verdict;
    if (verdict !== 'ok') return challenge(res, offered, url, true, verdict === 'stale');
    const to = url.searchParams.get('to');
    if (to) {
      res.writeHead(302, { location: to });
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        user: username,
        algorithm: p.get('algorithm') ?? 'MD5',
        nc: p.get('nc'),
        cookie: req.headers.cookie,
        body,
      }),
    );
  });
});

process.on('message', (m) => {
  if (m === 'stats') process.send({ stats: { seen } });
  else if (m === 'reset') {
    seen = [];
    process.send({ reset: true });
  } else if (m === 'expire') {
    for (const known of nonces.values()) known.stale = true;
    process.send({ expired: true });
  }
});
process.on('disconnect', () => process.exit(0));
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
