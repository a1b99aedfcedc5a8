/**
 * Strict options: every valid option key, at every level, in one registry, and the one check
 * against it. A typo (`timout`, `retry.backof`, `tls.verfy`) is an InvalidArgumentError before
 * anything is sent, naming the key with its path and the nearest valid key.
 *
 * Each level is written `{ ... } satisfies Record<Keys<T>, true>` (ky's kyOptionKeys pattern), so an
 * option added to a type without its key here, or a key here that no type has, does not compile.
 */

import type { InterceptOptions } from '../mock/interceptor.js';
import type { MockPoolOptions } from '../mock/mock-pool.js';
import type { MockReply } from '../mock/mock-reply.js';
import type { RecordingPoolOptions } from '../mock/recording-pool.js';
import type { AllOptions, AllRequest } from './all.js';
import type { AuthOption } from './auth.js';
import { InvalidArgumentError } from './errors.js';
import type { Hooks } from './hooks.js';
import type { RequestOptions, Timeouts } from './options.js';
import type { PoolOptions } from './pool-options.js';
import type { ProxySettings } from './proxy.js';
import type { RetryOptions } from './retry.js';
import type { TLSOptions } from './transport-key.js';
import type { file, MultipartValue } from './upload.js';

/** Every key of every member of a union (plain `keyof` keeps only the keys they share). */
type Keys<T> = T extends unknown ? keyof T : never;

/** The valid keys of one level, as a frozen object: `key in level` is the whole test. */
export type KeyLevel = Readonly<Record<string, true>>;

/** A level without a prototype, so `'constructor' in level` or `'toString' in level` is false. */
const keyLevel = <T extends Record<string, true>>(keys: T): Readonly<T> =>
  Object.freeze(Object.assign(Object.create(null) as T, keys));

export const requestKeys = keyLevel({
  params: true,
  headers: true,
  json: true,
  form: true,
  body: true,
  multipart: true,
  onUploadProgress: true,
  onDownloadProgress: true,
  timeout: true,
  throwHttpErrors: true,
  baseURL: true,
  auth: true,
  retry: true,
  maxRedirects: true,
  cookies: true,
  hooks: true,
  decompress: true,
  maxResponseSize: true,
  signal: true,
  cancel: true,
  pool: true,
  tls: true,
  http2: true,
  localAddress: true,
  socketPath: true,
  resolve: true,
  autoSelectFamily: true,
  autoSelectFamilyAttemptTimeout: true,
  proxy: true,
  trustEnv: true,
} satisfies Record<Keys<RequestOptions>, true>);

export const timeoutKeys = keyLevel({
  connect: true,
  read: true,
  total: true,
  write: true,
} satisfies Record<Keys<Timeouts>, true>);

export const retryKeys = keyLevel({
  limit: true,
  methods: true,
  statuses: true,
  backoff: true,
  respectRetryAfter: true,
  maxRetryAfter: true,
  errors: true,
} satisfies Record<Keys<RetryOptions>, true>);

export const backoffKeys = keyLevel({
  base: true,
  cap: true,
} satisfies Record<Keys<NonNullable<RetryOptions['backoff']>>, true>);

export const tlsKeys = keyLevel({
  verify: true,
  ca: true,
  cert: true,
  key: true,
  servername: true,
  minVersion: true,
  maxVersion: true,
  ciphers: true,
} satisfies Record<Keys<TLSOptions>, true>);

/** Both forms, `{ username, password, type }` and `{ bearer }`. */
export const authKeys = keyLevel({
  username: true,
  password: true,
  type: true,
  bearer: true,
} satisfies Record<Keys<AuthOption>, true>);

export const hookKeys = keyLevel({
  beforeRequest: true,
  afterResponse: true,
  beforeRetry: true,
  beforeRedirect: true,
} satisfies Record<Keys<Hooks>, true>);

export const proxyKeys = keyLevel({
  url: true,
  tls: true,
} satisfies Record<Keys<ProxySettings>, true>);

export const proxyTLSKeys = keyLevel({
  verify: true,
  ca: true,
  servername: true,
} satisfies Record<Keys<NonNullable<ProxySettings['tls']>>, true>);

export const poolKeys = keyLevel({
  connectionsPerOrigin: true,
  keepAliveTimeout: true,
  maxConcurrentStreams: true,
  maxConnections: true,
  poolTimeout: true,
} satisfies Record<Keys<PoolOptions>, true>);

export const allKeys = keyLevel({
  concurrency: true,
} satisfies Record<Keys<AllOptions>, true>);

export const allRequestKeys = keyLevel({
  ...requestKeys,
  url: true,
  method: true,
} satisfies Record<Keys<AllRequest>, true>);

export const fileKeys = keyLevel({
  filename: true,
  type: true,
} satisfies Record<Keys<NonNullable<Parameters<typeof file>[1]>>, true>);

/** A multipart field given as `{ value, filename, type }`. */
export const partKeys = keyLevel({
  value: true,
  filename: true,
  type: true,
} satisfies Record<Keys<Extract<MultipartValue, { value: unknown }>>, true>);

export const mockPoolKeys = keyLevel({
  pool: true,
} satisfies Record<Keys<MockPoolOptions>, true>);

export const recordingKeys = keyLevel({
  path: true,
  mode: true,
  pool: true,
  redact: true,
} satisfies Record<Keys<RecordingPoolOptions>, true>);

export const interceptKeys = keyLevel({
  method: true,
  origin: true,
  path: true,
  query: true,
  headers: true,
  body: true,
} satisfies Record<Keys<InterceptOptions>, true>);

export const mockReplyKeys = keyLevel({
  status: true,
  statusText: true,
  headers: true,
  body: true,
  json: true,
  trailers: true,
  delay: true,
} satisfies Record<Keys<MockReply>, true>);

/**
 * An option bag: a plain object. Class instances (URLSearchParams, CookieJar, AbortSignal, Headers,
 * URL, a Pool, FileBody) are values, never bags, whatever their own keys.
 */
function isBag(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Edit distance with adjacent transpositions counted as one edit (optimal string alignment), since
 * `verfiy` for `verify` is the commonest slip. Computed only once a key is known to be wrong.
 */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

const dotted = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

/** The error for `key`, not a key of `level`: the nearest valid key if one is near, else all of them. */
function unknownKey(key: string, level: KeyLevel, path: string, what: string): InvalidArgumentError {
  let best = '';
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const valid of Object.keys(level)) {
    const d = distance(key, valid);
    if (d < bestDistance) {
      best = valid;
      bestDistance = d;
    }
  }
  // Near means a third of the key's length at most (rounded up), and never more than 3 edits: past
  // that a suggestion is a guess, and the list of valid keys helps more.
  const near = bestDistance <= Math.min(3, Math.ceil(key.length / 3));
  const name = `unknown ${what} '${dotted(path, key)}'`;
  if (near) return new InvalidArgumentError(`${name} — did you mean '${dotted(path, best)}'?`);
  const where = path === '' ? '' : ` in '${path}'`;
  return new InvalidArgumentError(`${name} — valid keys${where}: ${Object.keys(level).join(', ')}`);
}

/**
 * The one check: throws InvalidArgumentError for the first own enumerable key of `bag` that `level`
 * does not have. Keys whose value is undefined are checked too: a typo is a typo. Anything but a plain
 * object is left alone (its type is its own option's check). `path` is the level's place in the
 * options ('' at the top); `what` names the kind of option in the message ('option', 'pool option').
 */
export function checkKeys(bag: unknown, level: KeyLevel, path = '', what = 'option'): void {
  if (!isBag(bag)) return;
  for (const key in bag) {
    if (!(key in level) && Object.hasOwn(bag, key)) throw unknownKey(key, level, path, what);
  }
}

/** Every level under a set of request options (the top level checked against `top`). */
function checkLevels(options: Record<string, unknown>, top: KeyLevel): void {
  checkKeys(options, top);
  checkKeys(options.timeout, timeoutKeys, 'timeout');
  const retry = options.retry;
  if (isBag(retry)) {
    checkKeys(retry, retryKeys, 'retry');
    checkKeys(retry.backoff, backoffKeys, 'retry.backoff');
  }
  checkKeys(options.tls, tlsKeys, 'tls');
  checkKeys(options.auth, authKeys, 'auth');
  checkKeys(options.hooks, hookKeys, 'hooks');
  const proxy = options.proxy;
  if (isBag(proxy)) {
    checkKeys(proxy, proxyKeys, 'proxy');
    checkKeys(proxy.tls, proxyTLSKeys, 'proxy.tls');
  }
  const multipart = options.multipart;
  if (isBag(multipart)) {
    for (const field in multipart) {
      const value = multipart[field];
      if (Array.isArray(value)) for (const v of value) checkPart(v, field);
      else checkPart(value, field);
    }
  }
}

function checkPart(value: unknown, field: string): void {
  if (!isBag(value)) return;
  for (const key in value) {
    // The path is built only for the error: a field name is the caller's, not a constant.
    if (!(key in partKeys) && Object.hasOwn(value, key))
      throw unknownKey(key, partKeys, `multipart.${field}`, 'option');
  }
}

/** Checks a call's options or a client's defaults, at every level. Anything but a plain object is left alone. */
export function checkRequestOptions(options: unknown): void {
  if (isBag(options)) checkLevels(options, requestKeys);
}

/** Checks one `all()` request: `url`, `method` and the request options, at every level. */
export function checkAllRequest(request: unknown): void {
  if (isBag(request)) checkLevels(request, allRequestKeys);
}
