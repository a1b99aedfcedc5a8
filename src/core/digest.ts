/**
 * HTTP Digest authentication (RFC 7616), as pure functions and one small per-client state: reading
 * a `WWW-Authenticate: Digest ...` challenge and computing the Authorization that answers it. When
 * to answer is the policy's decision (policy.ts): once per challenge, once more for `stale=true`,
 * never for another origin than the call's.
 *
 * Supported: MD5, SHA-256 and SHA-512-256, each also as `-sess`; `qop=auth`, and no qop at all (RFC
 * 2069 servers); `opaque`; `userhash`; `username*` for a user name that is not ASCII. Not supported:
 * `qop=auth-int` alone (a challenge that offers nothing else is not answered, so its 401 is returned).
 */
import { createHash, randomBytes } from 'node:crypto';

export type DigestAlgorithm =
  | 'MD5'
  | 'MD5-sess'
  | 'SHA-256'
  | 'SHA-256-sess'
  | 'SHA-512-256'
  | 'SHA-512-256-sess';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque: string | undefined;
  /** in its canonical spelling, whatever case the server used */
  algorithm: DigestAlgorithm;
  /** undefined: the server offered no qop (RFC 2069), so none is sent back */
  qop: 'auth' | undefined;
  stale: boolean;
  userhash: boolean;
}

export interface DigestCredentials {
  username: string;
  password: string;
}

const HASHES: Record<string, { name: DigestAlgorithm; hash: string; strength: number }> = {
  md5: { name: 'MD5', hash: 'md5', strength: 1 },
  'md5-sess': { name: 'MD5-sess', hash: 'md5', strength: 1 },
  'sha-256': { name: 'SHA-256', hash: 'sha256', strength: 2 },
  'sha-256-sess': { name: 'SHA-256-sess', hash: 'sha256', strength: 2 },
  'sha-512-256': { name: 'SHA-512-256', hash: 'sha512-256', strength: 3 },
  'sha-512-256-sess': { name: 'SHA-512-256-sess', hash: 'sha512-256', strength: 3 },
};

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
// Sticky, and only when a comma or the end follows: `realm="x"` and `realm=x` are parameters.
const TOKEN68 = /[A-Za-z0-9\-._~+/]+=*(?=[ \t]*(,|$))/y;

interface Challenge {
  scheme: string;
  params: Map<string, string>;
}

/**
 * Every challenge of WWW-Authenticate values (RFC 9110 §11.6.1: `scheme param=value, ...`, several
 * challenges per value, comma-separated). Lenient: what cannot be read ends the parse, keeping the
 * challenges read so far; it never throws.
 */
export function parseChallenges(values: readonly string[]): Challenge[] {
  const text = values.join(', ');
  const out: Challenge[] = [];
  let current: Challenge | undefined;
  let i = 0;
  const token = (): string => {
    const start = i;
    while (i < text.length && TCHAR.test(text[i]!)) i++;
    return text.slice(start, i);
  };
  const spaces = () => {
    while (text[i] === ' ' || text[i] === '\t') i++;
  };
  while (i < text.length) {
    while (i < text.length && /[\s,]/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const name = token();
    if (name === '') break;
    spaces();
    if (text[i] !== '=') {
      current = { scheme: name.toLowerCase(), params: new Map() };
      out.push(current);
      // A token68 (`Basic abc/+==`, `Negotiate ...`) instead of parameters: skipped whole.
      TOKEN68.lastIndex = i;
      if (TOKEN68.test(text)) i = TOKEN68.lastIndex;
      continue;
    }
    i++;
    spaces();
    let value: string;
    if (text[i] === '"') {
      i++;
      value = '';
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i];
        i++;
      }
      if (i >= text.length) break; // an unterminated quoted string: nothing after it can be trusted
      i++;
    } else {
      value = token();
    }
    const key = name.toLowerCase();
    if (current && !current.params.has(key)) current.params.set(key, value);
  }
  return out;
}

/**
 * The strongest Digest challenge of a 401's WWW-Authenticate values that can be answered (an
 * algorithm known here, `qop` absent or offering `auth`, a nonce), or null.
 */
export function digestChallenge(values: readonly string[]): DigestChallenge | null {
  let best: DigestChallenge | null = null;
  let bestStrength = 0;
  for (const { scheme, params } of parseChallenges(values)) {
    if (scheme !== 'digest') continue;
    const nonce = params.get('nonce');
    const algorithm = HASHES[(params.get('algorithm') ?? 'MD5').toLowerCase()];
    if (nonce === undefined || algorithm === undefined) continue;
    const qops = params.get('qop');
    let qop: 'auth' | undefined;
    if (qops !== undefined) {
      if (!qops.split(',').some((q) => q.trim().toLowerCase() === 'auth')) continue;
      qop = 'auth';
    }
    if (algorithm.strength <= bestStrength) continue;
    bestStrength = algorithm.strength;
    best = {
      realm: params.get('realm') ?? '',
      nonce,
      opaque: params.get('opaque'),
      algorithm: algorithm.name,
      qop,
      stale: params.get('stale')?.toLowerCase() === 'true',
      userhash: params.get('userhash')?.toLowerCase() === 'true',
    };
  }
  return best;
}

const quote = (value: string): string => `"${value.replace(/["\\]/g, '\\$&')}"`;

/** RFC 8187 ext-value: only attr-chars stay as they are. */
const extValue = (value: string): string =>
  `UTF-8''${encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;

/**
 * The Authorization value answering `challenge` for one request. `uri` is the request target (path
 * and query), `nc` the count of requests made with this nonce, this one included (1 for the first).
 * `cnonce` is random unless given (tests).
 */
export function digestAuthorization(
  challenge: DigestChallenge,
  credentials: DigestCredentials,
  method: string,
  uri: string,
  nc: number,
  cnonce: string = randomBytes(16).toString('hex'),
): string {
  const { hash } = HASHES[challenge.algorithm.toLowerCase()]!;
  const h = (text: string): string => createHash(hash).update(text, 'utf8').digest('hex');
  const { realm, nonce, qop } = challenge;
  const count = nc.toString(16).padStart(8, '0');
  let ha1 = h(`${credentials.username}:${realm}:${credentials.password}`);
  if (challenge.algorithm.endsWith('-sess')) ha1 = h(`${ha1}:${nonce}:${cnonce}`);
  const ha2 = h(`${method}:${uri}`);
  const response = qop ? h(`${ha1}:${nonce}:${count}:${cnonce}:${qop}:${ha2}`) : h(`${ha1}:${nonce}:${ha2}`);
  const parts: string[] = [];
  if (challenge.userhash) parts.push(`username=${quote(h(`${credentials.username}:${realm}`))}`);
  // Outside ASCII a quoted-string cannot carry the name (RFC 7616 §3.4.4): username* can.
  else if (/[^\x20-\x7e]/.test(credentials.username))
    parts.push(`username*=${extValue(credentials.username)}`);
  else parts.push(`username=${quote(credentials.username)}`);
  parts.push(
    `realm=${quote(realm)}`,
    `uri=${quote(uri)}`,
    `algorithm=${challenge.algorithm}`,
    `nonce=${quote(nonce)}`,
  );
  // RFC 7616's examples send qop and nc as tokens; the challenge's qop list is the quoted one.
  if (qop) parts.push(`nc=${count}`, `cnonce=${quote(cnonce)}`, `qop=${qop}`);
  parts.push(`response=${quote(response)}`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  if (challenge.userhash) parts.push('userhash=true');
  return `Digest ${parts.join(', ')}`;
}

/** Origins remembered at most; past that the oldest is forgotten (it is answered afresh on its next 401). */
const MAX_ORIGINS = 256;

/**
 * What a client remembers between its calls: the last challenge of each origin and how many
 * requests used its nonce, so a later call can authenticate pre-emptively (as requests does) instead
 * of taking a 401 first. One per client (made with its defaults, shared by its two faces and by
 * `extend()`, as the cookie jar is); a call without such a client gets one of its own.
 */
export class DigestSessions {
  readonly #byOrigin = new Map<string, { challenge: DigestChallenge; nc: number }>();

  /** Keeps `challenge` as `origin`'s; a new nonce starts counting from 1 again. */
  remember(origin: string, challenge: DigestChallenge): void {
    const known = this.#byOrigin.get(origin);
    this.#byOrigin.delete(origin);
    const nc = known && known.challenge.nonce === challenge.nonce ? known.nc : 0;
    this.#byOrigin.set(origin, { challenge, nc });
    if (this.#byOrigin.size > MAX_ORIGINS) this.#byOrigin.delete(this.#byOrigin.keys().next().value!);
  }

  /** The Authorization for one request to `origin` (counting it), or undefined if `origin` never challenged. */
  authorization(
    origin: string,
    credentials: DigestCredentials,
    method: string,
    uri: string,
  ): string | undefined {
    const known = this.#byOrigin.get(origin);
    if (!known) return undefined;
    known.nc++;
    return digestAuthorization(known.challenge, credentials, method, uri, known.nc);
  }
}

/**
 * Where a client's DigestSessions rides in its defaults: a symbol key, so the option checks and
 * `Object.keys` never see it, while the object spreads that build merged options and partner faces
 * carry it along.
 */
export const DIGEST_SESSIONS: unique symbol = Symbol('onepool.digest-sessions');

export interface WithDigestSessions {
  [DIGEST_SESSIONS]?: DigestSessions;
}
