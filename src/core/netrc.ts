/**
 * Credentials from a netrc file, as curl, requests and httpx read it: `$NETRC` if set, else
 * `~/.netrc` (or `~/_netrc`, the Windows name). Used for a request without `auth` and without an
 * Authorization header, sent as Basic to the request's host only (the port is ignored, as curl does),
 * and dropped on a redirect to another origin like any Authorization (redirects.ts). Read in the
 * caller's thread, once per path and modification time.
 *
 * The format: whitespace-separated tokens, across lines as one likes: `machine HOST`, `default`,
 * then `login USER`, `password PASS`, `account ACCT` (ignored); `macdef NAME` followed by lines up to
 * an empty one (skipped); `#` starting a keyword comments out the rest of its line; a value may be
 * "double-quoted" with \" and \\ escapes (curl 7.84+). The first `machine` of a host wins (curl);
 * `default` is for every other host. A file that does not follow this is ignored whole, as requests
 * ignores what Python's netrc module refuses: never an error of the call's.
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from './errors.js';
import { findHeader, type PreparedRequest, type RequestOptions } from './options.js';

export interface NetrcCredentials {
  login: string;
  password: string;
}

export interface Netrc {
  /** lower-case host → the first entry for it */
  machines: Map<string, Partial<NetrcCredentials>>;
  default: Partial<NetrcCredentials> | undefined;
}

/** The entries of a netrc file's text, or null for a file that does not parse. Never throws. */
export function parseNetrc(text: string): Netrc | null {
  const netrc: Netrc = { machines: new Map(), default: undefined };
  let i = 0;
  const blank = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const value = (): string | undefined => {
    blank();
    if (i >= text.length) return undefined;
    if (text[i] === '"') {
      let out = '';
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === '\\' && i + 1 < text.length) {
          i++;
          out += ({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[text[i]!] ?? text[i];
        } else out += text[i];
      }
      if (i >= text.length) return undefined; // unterminated
      i++;
      return out;
    }
    const start = i;
    while (i < text.length && !/\s/.test(text[i]!)) i++;
    return text.slice(start, i);
  };
  // The entry being read (a repeated machine's is read too, and not kept).
  let entry: Partial<NetrcCredentials> | undefined;
  for (;;) {
    blank();
    if (i >= text.length) return netrc;
    if (text[i] === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    const keyword = value();
    switch (keyword) {
      case 'machine': {
        const host = value();
        if (host === undefined) return null;
        entry = {};
        const key = host.toLowerCase();
        if (!netrc.machines.has(key)) netrc.machines.set(key, entry);
        break;
      }
      case 'default':
        entry = {};
        netrc.default ??= entry;
        break;
      case 'login':
      case 'password':
      case 'account': {
        const field = value();
        if (field === undefined || entry === undefined) return null;
        if (keyword !== 'account') entry[keyword] = field;
        break;
      }
      case 'macdef': {
        if (value() === undefined) return null;
        const end = /\n[ \t\r]*\n/g;
        end.lastIndex = i;
        i = end.exec(text) ? end.lastIndex : text.length;
        break;
      }
      default:
        return null;
    }
  }
}

/** Larger than any netrc: a path to something else (a log, a device) is ignored, not read. */
const MAX_SIZE = 1024 * 1024;
/**
 * How long a look at a netrc path is trusted before the file is looked at again. Every request
 * consults netrc, and a stat (two when ~/.netrc is absent and ~/_netrc is tried) cost about a tenth
 * of a sequential request's CPU; an edited netrc is seen within this time instead.
 */
const RECHECK_MS = 1_000;
interface Known {
  checkedAt: number;
  mtimeMs: number;
  size: number;
  netrc: Netrc | null;
}
const cache = new Map<string, Known>();

/** The parsed file at `path`, read again only when its mtime or size changed; null if absent or unreadable. */
function load(path: string): Netrc | null {
  const now = Date.now();
  const known = cache.get(path);
  if (known && now - known.checkedAt < RECHECK_MS) return known.netrc;
  let entry: Known = { checkedAt: now, mtimeMs: -1, size: -1, netrc: null };
  try {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isFile() && stat.size <= MAX_SIZE) {
      entry =
        known && known.mtimeMs === stat.mtimeMs && known.size === stat.size
          ? { ...known, checkedAt: now }
          : {
              checkedAt: now,
              mtimeMs: stat.mtimeMs,
              size: stat.size,
              netrc: parseNetrc(readFileSync(path, 'utf8')),
            };
    }
  } catch {
    // Unreadable (permissions, a race with its removal): as if there were none.
  }
  if (cache.size > 16) cache.clear();
  cache.set(path, entry);
  return entry.netrc;
}

/** ~ and the paths under it, computed again only when HOME changes. */
let home: { env: string | undefined; paths: readonly string[] } | undefined;

/** The netrc file in use: `$NETRC`, else the first of `~/.netrc` and `~/_netrc` that exists. */
function netrcFile(env: Record<string, string | undefined>): Netrc | null {
  if (env.NETRC) return load(env.NETRC);
  if (home === undefined || home.env !== env.HOME) {
    let dir: string;
    try {
      dir = homedir();
    } catch {
      return null;
    }
    home = { env: env.HOME, paths: [join(dir, '.netrc'), join(dir, '_netrc')] };
  }
  return load(home.paths[0]!) ?? load(home.paths[1]!);
}

/** The credentials for `host` (a URL's hostname), or undefined. */
export function netrcCredentials(
  host: string,
  env: Record<string, string | undefined> = process.env,
): NetrcCredentials | undefined {
  const netrc = netrcFile(env);
  if (!netrc) return undefined;
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const entry =
    netrc.machines.get(bare.toLowerCase()) ?? netrc.machines.get(host.toLowerCase()) ?? netrc.default;
  if (entry?.login === undefined || entry.password === undefined) return undefined;
  return { login: entry.login, password: entry.password };
}

/**
 * The request with what the environment gives it: netrc credentials when it has neither `auth` nor
 * an Authorization header. `trustEnv: false` takes nothing from the environment: no netrc, and no
 * proxy from http_proxy and the like (read per exchange in proxy.ts, so turned off here as
 * `proxy: false` when no proxy option was given).
 */
export function withEnvironment(request: PreparedRequest, options: RequestOptions): PreparedRequest {
  const trust = options.trustEnv ?? true;
  if (typeof trust !== 'boolean') throw new InvalidArgumentError('trustEnv must be a boolean');
  if (!trust) return request.proxy === undefined ? { ...request, proxy: false } : request;
  if (options.auth !== undefined || findHeader(request.headers, 'authorization') !== -1) return request;
  const found = netrcCredentials(request.url.hostname);
  if (!found) return request;
  const basic = Buffer.from(`${found.login}:${found.password}`, 'utf8').toString('base64');
  return { ...request, headers: [...request.headers, 'authorization', `Basic ${basic}`] };
}
