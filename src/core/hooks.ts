/**
 * User hooks. Each gets plain objects (a request as { method, url, headers }), runs in the caller's
 * thread as an Op of the policy generator, and may be async on the async face only: the sync face
 * refuses a hook that returns a promise, with an error naming the hook. A hook that throws fails
 * its own call and nothing else.
 */
import { InvalidArgumentError } from './errors.js';
import { checkKeys, hookKeys } from './option-keys.js';
import { flattenHeaders, type PreparedRequest, parseURL } from './options.js';
import type { Response } from './response.js';
import type { StreamHead } from './streaming.js';

/** A request as hooks see it: plain, mutable; changes are validated and applied to the request. */
export interface HookRequest {
  /** The HTTP method, upper case. */
  method: string;
  /** The absolute URL, query included. */
  url: string;
  /** Repeated names are joined (Cookie with '; ', others with ', '). */
  headers: Record<string, string>;
}

/** What a beforeRetry hook is told about the retry to come. */
export interface RetryInfo {
  /** the request about to be sent again */
  request: HookRequest;
  /** retries made before this one */
  retryCount: number;
  /** ms the call waits before the retry */
  delay: number;
  /** the failure, when an exchange failed */
  error?: unknown;
  /** the response, when its status is retried (on `stream()`, its head: the body was dropped) */
  response?: Response | StreamHead;
}

/** What a beforeRedirect hook is told about the hop to come. */
export interface RedirectInfo {
  /** the next hop, after the redirect rules applied; changes to it are sent */
  request: HookRequest;
  /** the redirect response (on `stream()`, its head: the body was dropped) */
  response: Response | StreamHead;
}

type Maybe<T> = T | Promise<T>;
// A hook that changes the request in place returns nothing: its type is void, not undefined.
// biome-ignore lint/suspicious/noConfusingVoidType: see above
type Nothing = undefined | void;

/** The `hooks` option: arrays of functions, run in order, a client's before a call's. */
export interface Hooks {
  /** Before every call's first exchange; may change the request (in place, or by returning one). */
  beforeRequest?: readonly ((request: HookRequest) => Maybe<HookRequest | Nothing>)[];
  /**
   * After every response (redirects and retried ones included); may return a replacement response.
   * On `stream()` calls the response is the face's streaming response, at its head, with the body
   * not read: a hook may read it (the policy then has nothing to drop) but need not; a replacement
   * must then be a streaming response too (a Response returned there is ignored).
   */
  afterResponse?: readonly ((
    response: Response | StreamHead,
    request: HookRequest,
  ) => Maybe<Response | StreamHead | Nothing>)[];
  /** Before each retry. */
  beforeRetry?: readonly ((info: RetryInfo) => Maybe<void>)[];
  /** Before each redirect hop is sent. */
  beforeRedirect?: readonly ((info: RedirectInfo) => Maybe<void>)[];
}

/** The name of a hook list. */
export type HookName = keyof Hooks;

/** A client's hooks, then the call's: both run, in that order. */
export function mergeHooks(base: Hooks, extra: Hooks): Hooks {
  const out: Record<string, unknown[]> = {};
  for (const name of Object.keys(hookKeys) as HookName[]) {
    const list = [...(base[name] ?? []), ...(extra[name] ?? [])];
    if (list.length) out[name] = list;
  }
  return out as Hooks;
}

export function validateHooks(hooks: Hooks | undefined): Hooks {
  if (hooks === undefined) return {};
  if (typeof hooks !== 'object' || hooks === null)
    throw new InvalidArgumentError('hooks must be an object of hook arrays');
  checkKeys(hooks, hookKeys, 'hooks');
  for (const [name, list] of Object.entries(hooks)) {
    if (list === undefined) continue;
    if (!Array.isArray(list) || !list.every((f) => typeof f === 'function'))
      throw new InvalidArgumentError(`hooks.${name} must be an array of functions`);
  }
  return hooks;
}

export function toHookRequest(request: PreparedRequest): HookRequest {
  const headers: Record<string, string> = {};
  const h = request.headers;
  for (let i = 0; i < h.length; i += 2) {
    const name = h[i]!;
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name;
    const sep = key.toLowerCase() === 'cookie' ? '; ' : ', ';
    headers[key] = key in headers ? `${headers[key]}${sep}${h[i + 1]}` : h[i + 1]!;
  }
  return { method: request.method, url: request.url.href, headers };
}

/** What a beforeRequest hook returned, checked to be a request before anything reads it. */
export function replacement(returned: unknown): HookRequest {
  const r = returned as Partial<HookRequest>;
  if (
    typeof r.method !== 'string' ||
    typeof r.url !== 'string' ||
    typeof r.headers !== 'object' ||
    r.headers === null
  )
    throw new InvalidArgumentError(
      'a beforeRequest hook returned an object that is not a request: it may return nothing ' +
        '(to keep the request it changed in place) or a { method, url, headers } object',
    );
  return r as HookRequest;
}

/** The request with a hook's changes applied, validated as the original was. */
export function fromHookRequest(request: PreparedRequest, changed: HookRequest): PreparedRequest {
  const method = String(changed.method).toUpperCase();
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(method))
    throw new InvalidArgumentError(`a hook set an invalid method: ${JSON.stringify(changed.method)}`);
  const url = changed.url === request.url.href ? request.url : parseURL(changed.url);
  return { ...request, method, url, headers: flattenHeaders(changed.headers) };
}

/** The sync face's rule: a hook must finish before it returns. */
export function refusePromise(name: HookName, value: unknown): unknown {
  if (value !== null && typeof (value as PromiseLike<unknown>)?.then === 'function') {
    // Nobody will await it: keep its rejection from surfacing as an unhandled one.
    Promise.resolve(value).catch(() => {});
    throw new InvalidArgumentError(
      `a ${name} hook returned a promise: the sync face runs hooks synchronously ` +
        '(use a sync hook here, or the async face)',
    );
  }
  return value;
}
