/**
 * A client's defaults with one call's options on top (and a client's defaults with `extend()`'s):
 * the one place that knows how each option combines. Apart from options.ts, because hooks combine
 * by hooks.ts, which itself reads requests through options.ts.
 */
import { mergeHooks } from './hooks.js';
import {
  appendParams,
  flattenHeaders,
  type HeadersInit,
  type Params,
  type RequestOptions,
} from './options.js';

function mergeHeaders(base: HeadersInit, extra: HeadersInit): [string, string][] {
  const over = flattenHeaders(extra);
  const names = new Set<string>();
  for (let i = 0; i < over.length; i += 2) names.add(over[i]!.toLowerCase());
  const out: [string, string][] = [];
  const under = flattenHeaders(base);
  for (let i = 0; i < under.length; i += 2)
    if (!names.has(under[i]!.toLowerCase())) out.push([under[i]!, under[i + 1]!]);
  for (let i = 0; i < over.length; i += 2) out.push([over[i]!, over[i + 1]!]);
  return out;
}

function mergeParams(base: Params, extra: Params): URLSearchParams {
  const out = new URLSearchParams();
  for (const p of [base, extra]) {
    const url = new URL('http://x');
    appendParams(url, p);
    for (const [k, v] of url.searchParams) out.append(k, v);
  }
  return out;
}

/**
 * A client's defaults with one call's options on top: headers merge by case-insensitive name (the
 * call wins), params add up, timeouts merge field by field, hooks add up (the client's run first),
 * everything else is replaced.
 */
export function mergeOptions(base: RequestOptions, extra: RequestOptions | undefined): RequestOptions {
  if (extra === undefined) return base;
  const merged: RequestOptions = { ...base, ...extra };
  if (base.headers !== undefined && extra.headers !== undefined)
    merged.headers = mergeHeaders(base.headers, extra.headers);
  if (base.params !== undefined && extra.params !== undefined)
    merged.params = mergeParams(base.params, extra.params);
  if (typeof base.timeout === 'object' && typeof extra.timeout === 'object') {
    merged.timeout = { ...base.timeout, ...extra.timeout };
  }
  if (base.hooks !== undefined && extra.hooks !== undefined)
    merged.hooks = mergeHooks(base.hooks, extra.hooks);
  return merged;
}
