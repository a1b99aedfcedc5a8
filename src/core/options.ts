/**
 * What users pass ({@link RequestOptions}, one type for both faces) and what it resolves to
 * ({@link PreparedRequest}: plain data, validated, ready to cross to the worker). Everything that
 * can be wrong with a request is found here, before a byte is sent.
 */

import type { CookieJar } from 'tough-cookie';
import { type AuthOption, authorization } from './auth.js';
import { joinBaseURL } from './base-url.js';
import { exactBytes } from './bytes.js';
import type { CancelToken, PostedCancelToken } from './cancel-token.js';
import { InvalidArgumentError, InvalidHeaderError, InvalidURLError } from './errors.js';
import type { Hooks } from './hooks.js';
import { hostnameProblem } from './hostname.js';
import type { ProgressCallback } from './progress.js';
import { checkProxyOption, type ProxyOption } from './proxy.js';
import type { RetryOptions } from './retry.js';
import { type ResolvedTransport, resolveTransport, type TransportOptions } from './transport-key.js';
import { type FileBody, type Multipart, resolveUpload, type StreamBody, type Upload } from './upload.js';

export type Primitive = string | number | boolean;
/** One query parameter's value: an array repeats the name; null and undefined leave it out. */
export type ParamValue = Primitive | null | undefined | readonly Primitive[];
/** The `params` option: an object, URLSearchParams, or a query string. */
export type Params = Record<string, ParamValue> | URLSearchParams | string;
/** null or undefined: this name is not sent, neither from a client's defaults nor as onepool's default. */
export type HeaderValue = string | number | readonly (string | number)[] | null | undefined;
/** The `headers` option: an object, a Headers, a Map, or [name, value] pairs. */
export type HeadersInit =
  | Record<string, HeaderValue>
  | Iterable<readonly [string, string | number | null | undefined]>;
/**
 * A form: an object, a Map or [name, value] pairs (repeated names allowed, order kept), or
 * URLSearchParams. An array value repeats the name; null and undefined leave the field out.
 */
export type FormInit =
  | Record<string, ParamValue>
  | ReadonlyMap<string, ParamValue>
  | readonly (readonly [string, ParamValue])[]
  | URLSearchParams;
/** A request body: bytes, a file read by the worker (`file(path)`), or a stream of chunks. */
export type Body = string | Uint8Array | ArrayBuffer | FileBody | StreamBody;

/** The `timeout` option, in milliseconds; a number alone sets `connect` and `read`. */
export interface Timeouts {
  /** ms to get a connection: opening one (TCP + TLS), or waiting for a free one. Default 10 000. */
  connect?: number;
  /** ms without a byte from the server, once the request is sent. Default 30 000. */
  read?: number;
  /**
   * ms without progress while the request body is being sent (the server has stopped reading it);
   * a slow upload that keeps moving never fails on it. Default 30 000.
   */
  write?: number;
  /** ms for the whole call: every redirect hop, retry and backoff. Default 0 (no limit beyond connect and read). */
  total?: number;
}

/** A pool handle as options see it (made by `createPool`); only its id crosses to the worker. */
/** A reference to a private pool, for the `pool` option: a {@link Pool} is one. */
export interface PoolRef {
  /** The pool's id in the worker (0 is the process-wide pool). */
  readonly id: number;
}

export interface RequestOptions extends TransportOptions {
  /** Query parameters appended to the URL's own; arrays repeat the name. */
  params?: Params;
  /**
   * Request headers, sent in the order given, after onepool's defaults (User-Agent, Accept,
   * Accept-Encoding). A value of null or undefined removes the name: a call's removes the client's
   * default of that name (case-insensitively), and either removes onepool's default.
   */
  headers?: HeadersInit;
  /**
   * A value sent as JSON (Content-Type: application/json). NaN, Infinity, a BigInt or a cycle
   * anywhere in it is refused (JSON has no such value; JSON.stringify would send null or throw).
   */
  json?: unknown;
  /**
   * Fields sent as application/x-www-form-urlencoded: an object, a Map, [name, value] pairs or
   * URLSearchParams. Values are strings, numbers or booleans (or arrays of them: the name repeats).
   */
  form?: FormInit;
  /**
   * A raw body. Strings are sent as UTF-8 (Content-Type: text/plain;charset=UTF-8 unless set).
   * `file(path)` is read by the pool worker. An iterable (sync face) or async iterable, Node Readable
   * or web ReadableStream (async face) of chunks is streamed, chunked unless Content-Length is set,
   * and can be sent only once (never replayed by a retry or redirect).
   */
  body?: Body | null;
  /** Fields sent as multipart/form-data (built in the worker with undici's FormData). */
  multipart?: Multipart;
  /** Called as the request body goes out (throttled); the last call has percent 100. */
  onUploadProgress?: ProgressCallback;
  /** Called as the response body arrives (throttled); the last call has percent 100. */
  onDownloadProgress?: ProgressCallback;
  /** A number sets the connect, read and write timeouts (ms); 0 disables one. */
  timeout?: number | Timeouts;
  /** Throw HTTPStatusError for 4xx and 5xx responses. Default false. */
  throwHttpErrors?: boolean;
  /** URLs are paths under this one, and can never leave its origin (README, "Clients": baseURL). */
  baseURL?: string | URL;
  /**
   * Basic ({ username, password }), Digest ({ username, password, type: 'digest' }) or bearer
   * ({ bearer }) credentials, unless an Authorization header is given. Without either: the host's
   * netrc entry, if any (see `trustEnv`).
   */
  auth?: AuthOption;
  /** Retries: a limit (0 or false: none) or the full settings. See {@link RetryOptions}. */
  retry?: number | false | RetryOptions;
  /** Redirects followed at most (default 20; more throws TooManyRedirectsError); 0 returns the 3xx response. */
  maxRedirects?: number;
  /**
   * true: a cookie jar of the client's own (shared by its two faces); a tough-cookie CookieJar: that
   * jar; false (the default for `http` and `httpSync`): no cookies are stored or sent.
   */
  cookies?: boolean | CookieJar;
  /** Hooks; a client's hooks run before the call's own. */
  hooks?: Hooks;
  /** Decode gzip, deflate and br bodies (and send Accept-Encoding: gzip, deflate, br). Default true. */
  decompress?: boolean;
  /** The largest (decoded) body accepted, in bytes; more throws ResponseTooLargeError. Default 100 MiB; 0: no limit. */
  maxResponseSize?: number;
  /** Aborts the call (async face: the exchange in the worker is cancelled too) with AbortedError. */
  signal?: AbortSignal;
  /**
   * Cancels the call from any thread: `token.cancel()` fails it with AbortedError and cancels its
   * exchange in the worker, and on the sync face wakes the blocked call at once (an AbortSignal
   * cannot reach a thread blocked in httpSync). A token posted to another thread can be passed as it arrived.
   */
  cancel?: CancelToken | PostedCancelToken;
  /** A private pool (from `createPool`) instead of the process-wide one. */
  pool?: PoolRef;
  /**
   * false: take nothing from the environment, neither a proxy (http_proxy, NO_PROXY...) nor netrc
   * credentials (`$NETRC` or `~/.netrc`). Default true.
   */
  trustEnv?: boolean;
}

export const DEFAULT_TIMEOUTS: Required<Timeouts> = {
  connect: 10_000,
  read: 30_000,
  write: 30_000,
  total: 0,
};
export const DEFAULT_MAX_RESPONSE_SIZE = 100 * 1024 * 1024;
export const ACCEPT_ENCODING = 'gzip, deflate, br';
export const USER_AGENT = 'onepool/0.1';

/** A request after validation: plain data, identical for both faces. */
export interface PreparedRequest {
  method: string;
  url: URL;
  /** flat [name, value, ...] */
  headers: string[];
  body: Uint8Array | null;
  /** a body that is streamed, read from a file or built as multipart (then `body` is null) */
  upload: Upload | null;
  /** false when the body can be sent only once: retries and redirects must not resend it */
  replayable: boolean;
  onUploadProgress: ProgressCallback | undefined;
  onDownloadProgress: ProgressCallback | undefined;
  connectTimeout: number;
  readTimeout: number;
  writeTimeout: number;
  throwHttpErrors: boolean;
  transport: ResolvedTransport;
  decompress: boolean;
  /** bytes; 0: no limit */
  maxResponseSize: number;
  /** the `proxy` option as given; the route is chosen per exchange, from the exchange's URL */
  proxy: ProxyOption | undefined;
  /** 0 for the process-wide pool, else a private pool's id */
  pool: number;
  /**
   * The call follows redirects (maxRedirects > 0): a redirect's body is never part of its result,
   * so the worker drops it undecoded (a mislabelled Content-Encoding on a 302 cannot fail the chain).
   */
  dropRedirectBodies: boolean;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Header values: visible ASCII, obs-text, space and tab; CR, LF, NUL and other controls are refused, and
// so is anything above U+00FF, which latin1 framing would truncate to its low byte (U+010D → CR).
const CONTROL = /[\0-\x08\x0a-\x1f\x7f]/;
const ABOVE_LATIN1 = /[\u0100-\uffff]/;
// RFC 9110 §8.6: Content-Length = 1*DIGIT; '+3', '0x3' or '3e0' mean 3 to Number() but not to a server.
const DIGITS = /^[0-9]+$/;
const BAD_URL = /[\0-\x1f\x7f]/;
const encoder = new TextEncoder();

export function parseURL(input: string | URL, params?: Params): URL {
  const text = typeof input === 'string' ? input : input.href;
  if (BAD_URL.test(text))
    throw new InvalidURLError(`URL contains a control character: ${JSON.stringify(text)}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidURLError(`invalid URL: ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidURLError(
      `unsupported URL scheme ${url.protocol} in ${url.href} (http: and https: only)`,
    );
  }
  const problem = hostnameProblem(url.hostname);
  if (problem !== undefined) throw new InvalidURLError(`invalid URL ${JSON.stringify(text)}: ${problem}`);
  if (params !== undefined) appendParams(url, params);
  return url;
}

export function appendParams(url: URL, params: Params): void {
  const extra =
    typeof params === 'string' || params instanceof URLSearchParams ? new URLSearchParams(params) : null;
  if (extra) {
    for (const [k, v] of extra) url.searchParams.append(k, v);
    return;
  }
  for (const [k, v] of Object.entries(params as Record<string, ParamValue>)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, String(item));
    else url.searchParams.append(k, String(v));
  }
}

/** Validates one header and appends it to a flat list. Coerces first, then checks: a coercible object cannot smuggle CR/LF. */
function pushHeader(out: string[], name: string, value: unknown): void {
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw new InvalidHeaderError(`invalid header name: ${JSON.stringify(String(name))}`);
  }
  const text = String(value);
  if (CONTROL.test(text)) {
    throw new InvalidHeaderError(`header ${name} contains CR, LF, NUL or another control character`);
  }
  if (ABOVE_LATIN1.test(text)) {
    throw new InvalidHeaderError(
      `header ${name}: a character above U+00FF cannot be sent in a header (encode it, e.g. with encodeURIComponent)`,
    );
  }
  out.push(name, text.trim());
}

/** A header list read once: what it sends, and the names it removes (lower case). */
export interface ReadHeaders {
  /** flat [name, value, ...], in the order given */
  headers: string[];
  /** names given as null or undefined: not sent from the defaults under this list */
  removed: ReadonlySet<string>;
}

// What a call without headers reads: nothing is ever added to it.
const NO_NAMES: ReadonlySet<string> = new Set();

/** Reads a header list in one pass (an iterable may be a generator, readable only once). */
export function readHeaders(init: HeadersInit | undefined): ReadHeaders {
  const headers: string[] = [];
  if (init === undefined || init === null) return { headers, removed: NO_NAMES };
  const removed = new Set<string>();
  const remove = (name: unknown) => {
    if (typeof name !== 'string' || !TOKEN.test(name))
      throw new InvalidHeaderError(`invalid header name: ${JSON.stringify(String(name))}`);
    removed.add(name.toLowerCase());
  };
  if (typeof (init as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const pair of init as Iterable<readonly [string, unknown]>) {
      if (!Array.isArray(pair) || pair.length !== 2)
        throw new InvalidHeaderError('header entries must be [name, value] pairs');
      if (pair[1] === undefined || pair[1] === null) remove(pair[0]);
      else pushHeader(headers, pair[0], pair[1]);
    }
    return { headers, removed };
  }
  for (const [name, value] of Object.entries(init as Record<string, HeaderValue>)) {
    if (value === undefined || value === null) remove(name);
    else if (Array.isArray(value)) for (const v of value) pushHeader(headers, name, v);
    else pushHeader(headers, name, value);
  }
  return { headers, removed };
}

/** The headers a list sends, flat; names set to null or undefined are left out. */
export function flattenHeaders(init: HeadersInit | undefined): string[] {
  return readHeaders(init).headers;
}

/** Index of the first header named `name` (lower case) in a flat list, or -1. */
export function findHeader(headers: readonly string[], name: string): number {
  for (let i = 0; i < headers.length; i += 2) if (headers[i]!.toLowerCase() === name) return i;
  return -1;
}

function countHeader(headers: readonly string[], name: string): number {
  let n = 0;
  for (let i = 0; i < headers.length; i += 2) if (headers[i]!.toLowerCase() === name) n++;
  return n;
}

/**
 * Throws InvalidArgumentError for the first value JSON cannot carry (NaN, ±Infinity, a BigInt) or
 * a cycle, naming where it is (`json.items[2].price`). The replacer sees each value after its
 * toJSON, as the encoder does. Returns when it finds none.
 */
function checkJSON(value: unknown): void {
  const paths = new WeakMap<object, string>();
  const where = (holder: object, key: string) => {
    const base = paths.get(holder);
    if (base === undefined) return 'json';
    return Array.isArray(holder) ? `${base}[${key}]` : `${base}.${key}`;
  };
  try {
    JSON.stringify(value, function (this: object, key: string, v: unknown) {
      if (typeof v === 'number' && !Number.isFinite(v))
        throw new InvalidArgumentError(`${where(this, key)} is ${v}: JSON has no such number`);
      if (typeof v === 'bigint')
        throw new InvalidArgumentError(`${where(this, key)} is a BigInt: JSON has none (send a string)`);
      if (v !== null && typeof v === 'object') paths.set(v, where(this, key));
      return v;
    });
  } catch (error) {
    if (error instanceof TypeError && /circular/i.test(error.message))
      throw new InvalidArgumentError('json value refers back to itself (a cycle)', { cause: error });
    throw error;
  }
}

/**
 * JSON.stringify, refusing what JSON cannot carry instead of sending null (NaN, ±Infinity) or
 * throwing a TypeError (BigInt, a cycle). The check walks the value a second time, so it runs only
 * when the plain encoding could hide a problem: it threw, or its text has a null.
 */
function encodeJSON(value: unknown): string | undefined {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    if (error instanceof TypeError) checkJSON(value);
    // Not one of ours (a toJSON that throws): the caller's own error.
    throw error;
  }
  if (text?.includes('null')) checkJSON(value);
  return text;
}

const isFormPrimitive = (v: unknown): v is Primitive =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** Appends one form field (an array repeats the name); refuses values a form cannot carry. */
function appendField(form: URLSearchParams, name: unknown, value: unknown): void {
  if (typeof name !== 'string') throw new InvalidArgumentError('form field names must be strings');
  if (value === undefined || value === null) return;
  for (const item of Array.isArray(value) ? value : [value]) {
    if (!isFormPrimitive(item))
      throw new InvalidArgumentError(
        `form field ${JSON.stringify(name)}: a value must be a string, number or boolean (or an array of them)`,
      );
    form.append(name, String(item));
  }
}

/** Any accepted form shape as URLSearchParams, in the order given. */
function encodeForm(init: unknown): URLSearchParams {
  if (init instanceof URLSearchParams) return init;
  const form = new URLSearchParams();
  if (init instanceof Map) {
    for (const [name, value] of init) appendField(form, name, value);
  } else if (Array.isArray(init)) {
    for (const pair of init) {
      if (!Array.isArray(pair) || pair.length !== 2)
        throw new InvalidArgumentError('form entries must be [name, value] pairs');
      appendField(form, pair[0], pair[1]);
    }
  } else if (isPlainObject(init)) {
    for (const [name, value] of Object.entries(init)) appendField(form, name, value);
  } else
    throw new InvalidArgumentError(
      'form must be an object, a Map, an array of [name, value] pairs or URLSearchParams (a string: use body)',
    );
  return form;
}

/** A plain object: any other (a Set, a generator, a FormData) keeps its fields out of its own keys. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function encodeBody(opts: RequestOptions, headers: string[]): Uint8Array | null {
  const given = [
    opts.json !== undefined,
    opts.form !== undefined,
    opts.body !== undefined && opts.body !== null,
  ];
  if (given.filter(Boolean).length > 1)
    throw new InvalidArgumentError('give at most one of json, form and body');
  const setType = (type: string) => {
    if (findHeader(headers, 'content-type') === -1) headers.push('content-type', type);
  };
  if (opts.json !== undefined) {
    const text = encodeJSON(opts.json);
    if (text === undefined) throw new InvalidArgumentError('json value is not serializable');
    setType('application/json');
    return encoder.encode(text);
  }
  if (opts.form !== undefined) {
    const form = encodeForm(opts.form);
    setType('application/x-www-form-urlencoded');
    return encoder.encode(form.toString());
  }
  const body = opts.body;
  if (body === undefined || body === null) return null;
  if (typeof body === 'string') {
    setType('text/plain;charset=UTF-8');
    return encoder.encode(body);
  }
  // Copied once here if it is a view (see exactBytes), not at every hop or retry.
  if (body instanceof Uint8Array) return exactBytes(body);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new InvalidArgumentError(
    'body must be a string, Uint8Array, ArrayBuffer, file(path) or an iterable of chunks',
  );
}

function resolveTimeouts(timeout: RequestOptions['timeout']): Required<Timeouts> {
  if (timeout === undefined) return DEFAULT_TIMEOUTS;
  const t = { ...DEFAULT_TIMEOUTS };
  if (typeof timeout === 'number') {
    t.connect = timeout;
    t.read = timeout;
    t.write = timeout;
  } else if (isPlainObject(timeout)) {
    // A field set to undefined keeps its default, as an absent one does.
    for (const name of ['connect', 'read', 'write', 'total'] as const)
      if (timeout[name] !== undefined) t[name] = timeout[name] as number;
  } else
    throw new InvalidArgumentError(
      `timeout must be a number of ms or { connect, read, write, total }, not ${Array.isArray(timeout) ? 'an array' : timeout === null ? 'null' : typeof timeout}`,
    );
  for (const [name, ms] of Object.entries(t)) {
    if (typeof ms !== 'number' || !(ms >= 0) || !Number.isFinite(ms)) {
      throw new InvalidArgumentError(`timeout.${name} must be a finite number of ms >= 0`);
    }
  }
  return t;
}

const METHOD = TOKEN;

function callback(fn: unknown, name: string): ProgressCallback | undefined {
  if (fn === undefined || fn === null) return undefined;
  if (typeof fn !== 'function') throw new InvalidArgumentError(`${name} must be a function`);
  return fn as ProgressCallback;
}

/**
 * Validates and resolves one request. Throws InvalidURLError, InvalidHeaderError or
 * InvalidArgumentError; nothing has been sent when it throws.
 */
export function prepare(method: string, input: string | URL, opts: RequestOptions = {}): PreparedRequest {
  if (typeof method !== 'string' || !METHOD.test(method)) {
    throw new InvalidArgumentError(`invalid method: ${JSON.stringify(String(method))}`);
  }
  const upper = method.toUpperCase();
  const url = parseURL(opts.baseURL === undefined ? input : joinBaseURL(opts.baseURL, input), opts.params);
  const { headers, removed } = readHeaders(opts.headers);
  // The framing is ours to set: a user-supplied Transfer-Encoding, a repeated Content-Length or a
  // repeated Host could make two parsers disagree about where the request ends.
  if (findHeader(headers, 'transfer-encoding') !== -1) {
    throw new InvalidHeaderError('Transfer-Encoding is set by onepool from the body; do not set it');
  }
  if (countHeader(headers, 'content-length') > 1)
    throw new InvalidHeaderError('Content-Length given more than once');
  if (countHeader(headers, 'host') > 1) throw new InvalidHeaderError('Host given more than once');
  const upload = resolveUpload(opts.body, opts.multipart);
  if (upload && (opts.json !== undefined || opts.form !== undefined || (opts.multipart && opts.body != null)))
    throw new InvalidArgumentError('give at most one of json, form, multipart and body');
  const body = upload ? null : encodeBody(opts, headers);
  const cl = findHeader(headers, 'content-length');
  if (cl !== -1 && upload?.wire.kind === 'multipart')
    throw new InvalidHeaderError('Content-Length is set by onepool for multipart bodies');
  if (cl !== -1 && !DIGITS.test(headers[cl + 1]!))
    throw new InvalidHeaderError(
      `Content-Length ${JSON.stringify(headers[cl + 1])} is not a number of bytes`,
    );
  if (cl !== -1 && !upload && Number(headers[cl + 1]) !== (body?.byteLength ?? 0)) {
    throw new InvalidHeaderError(
      `Content-Length ${headers[cl + 1]} does not match the body (${body?.byteLength ?? 0} bytes)`,
    );
  }
  if (opts.auth !== undefined && findHeader(headers, 'authorization') === -1) {
    // null for Digest: the policy answers the server's challenge (policy.ts)
    const value = authorization(opts.auth);
    if (value !== null) headers.push('authorization', value);
  }
  if (url.username || url.password) {
    // `auth` wins over userinfo, Digest too (which has set no header yet).
    if (opts.auth === undefined && findHeader(headers, 'authorization') === -1) {
      const userinfo = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      headers.push('authorization', `Basic ${Buffer.from(userinfo).toString('base64')}`);
    }
    url.username = '';
    url.password = '';
  }
  // onepool's defaults go first, in this order (the README's), then the user's headers in the
  // order given: a caller who cares about the order on the wire sets it. A name the user gave, or
  // set to null, has no default.
  const decompress = opts.decompress !== false;
  const sent = withDefaults(headers, removed, decompress);
  const maxResponseSize = opts.maxResponseSize ?? DEFAULT_MAX_RESPONSE_SIZE;
  if (typeof maxResponseSize !== 'number' || !(maxResponseSize >= 0))
    throw new InvalidArgumentError('maxResponseSize must be a number of bytes >= 0');
  const timeouts = resolveTimeouts(opts.timeout);
  checkProxyOption(opts.proxy);
  const transport = resolveTransport(opts);
  if (opts.proxy !== undefined && opts.proxy !== false) {
    if (transport.config?.socketPath !== undefined)
      throw new InvalidArgumentError(
        'socketPath and proxy cannot be combined: a socket path replaces the network the proxy is reached over',
      );
    if (transport.config?.resolve !== undefined)
      throw new InvalidArgumentError(
        'resolve and proxy cannot be combined: through a proxy, the proxy resolves the target, not onepool',
      );
  }
  return {
    method: upper,
    url,
    headers: sent,
    body,
    upload,
    replayable: upload?.replayable ?? true,
    onUploadProgress: callback(opts.onUploadProgress, 'onUploadProgress'),
    onDownloadProgress: callback(opts.onDownloadProgress, 'onDownloadProgress'),
    connectTimeout: timeouts.connect,
    readTimeout: timeouts.read,
    writeTimeout: timeouts.write,
    throwHttpErrors: opts.throwHttpErrors === true,
    transport,
    pool: opts.pool?.id ?? 0,
    decompress,
    maxResponseSize,
    proxy: opts.proxy,
    // Validated with the rest of the policy's options (policy.ts); only its being 0 matters here.
    dropRedirectBodies: opts.maxRedirects !== 0,
  };
}

/** onepool's default headers that `headers` neither gives nor `removed` removes, then `headers`. */
function withDefaults(headers: string[], removed: ReadonlySet<string>, decompress: boolean): string[] {
  const lacks = (name: string) => !removed.has(name) && findHeader(headers, name) === -1;
  const out: string[] = [];
  if (lacks('user-agent')) out.push('user-agent', USER_AGENT);
  if (lacks('accept')) out.push('accept', '*/*');
  if (decompress && lacks('accept-encoding')) out.push('accept-encoding', ACCEPT_ENCODING);
  for (const item of headers) out.push(item);
  return out;
}

/** timeout.total in ms (0: none), validated. */
export function totalTimeout(timeout: RequestOptions['timeout']): number {
  return resolveTimeouts(timeout).total;
}
