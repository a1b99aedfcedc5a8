/**
 * `all()`: many requests from one call, on both faces. Types and the parts both faces share; the
 * async face runs lanes of promises, the sync face drives the policies itself (sync/all.ts).
 */
import { InvalidArgumentError } from './errors.js';
import { mergeOptions } from './merge-options.js';
import { allKeys, checkAllRequest, checkKeys } from './option-keys.js';
import type { RequestOptions } from './options.js';
import { callPolicy, type Policy } from './policy.js';
import type { Response } from './response.js';

/** One request of an `all()` call: its URL, its method (default GET), and its own options. */
export interface AllRequest extends RequestOptions {
  /** The URL, resolved against `baseURL` when relative. */
  url: string | URL;
  /** The HTTP method. Default GET. */
  method?: string;
}

/** Options of the `all()` call itself, not of its requests. */
export interface AllOptions {
  /** Requests in flight at once. Default 16. */
  concurrency?: number;
}

/** One result of an `all()` call, in the position of its request: a response, or the error that request threw. */
export type AllResult =
  | {
      /** The request got a response (any status, unless `throwHttpErrors` made 4xx/5xx an error). */
      ok: true;
      /** The final response, body read. */
      response: Response;
    }
  | {
      /** The request failed. */
      ok: false;
      /** What the request threw: usually an OnepoolError, or what a hook threw. */
      error: unknown;
    };

export const DEFAULT_ALL_CONCURRENCY = 16;

export function allConcurrency(options: AllOptions | undefined): number {
  checkKeys(options, allKeys, '', 'all() option');
  const n = options?.concurrency ?? DEFAULT_ALL_CONCURRENCY;
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('concurrency must be an integer >= 1');
  return n;
}

/** The policies of an `all()` call, made lazily (preparing a request may throw; that is its result). */
export function allPolicies(defaults: RequestOptions, requests: readonly AllRequest[]): (() => Policy)[] {
  if (!Array.isArray(requests)) throw new InvalidArgumentError('all() takes an array of requests');
  return requests.map((item) => () => {
    // Inside the thunk: a bad key fails this request alone, as a bad URL does.
    checkAllRequest(item);
    const { url, method = 'GET', ...options } = item;
    return callPolicy(method, url, mergeOptions(defaults, options));
  });
}
