/**
 * A client's defaults with one call's options on top (and a client's defaults with `extend()`'s):
 * the one place that knows how each option combines. Apart from options.ts, because hooks combine
 * by hooks.ts, which itself reads requests through options.ts.
 */
import { mergeHooks } from './hooks.js';
import { appendParams, type HeadersInit, type Params, type RequestOptions, readHeaders } from './options.js';

/**
 * The client's headers without the names the call gives (with a value, or null to remove them),
 * then the call's. Removals stay in the result as [name, null] pairs, so that prepare() also leaves
 * out onepool's default of that name.
 */
function mergeHeaders(base: HeadersInit, extra: HeadersInit): [string, string | null][] {
  const over = readHeaders(extra);
  const names = new Set(over.removed);
  for (let i = 0; i < over.headers.length; i += 2) names.add(over.headers[i]!.toLowerCase());
  const out: [string, string | null][] = [];
  const under = readHeaders(base);
  for (let i = 0; i < under.headers.length; i += 2)
    if (!names.has(under.headers[i]!.toLowerCase())) out.push([under.headers[i]!, under.headers[i + 1]!]);
  for (const name of under.removed) if (!names.has(name)) out.push([name, null]);
  for (let i = 0; i < over.headers.length; i += 2) out.push([over.headers[i]!, over.headers[i + 1]!]);
  for (const name of over.removed) out.push([name, null]);
  return out;
}

function isTimeouts(value: unknown): value is object {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
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
 * call wins; a call's null removes the client's header), params add up, timeouts merge field by field, hooks add up (the client's run first),
 * everything else is replaced.
 */
export function mergeOptions(base: RequestOptions, extra: RequestOptions | undefined): RequestOptions {
  if (extra === undefined) return base;
  const merged: RequestOptions = { ...base, ...extra };
  if (base.headers !== undefined && extra.headers !== undefined)
    merged.headers = mergeHeaders(base.headers, extra.headers);
  if (base.params !== undefined && extra.params !== undefined)
    merged.params = mergeParams(base.params, extra.params);
  // Plain objects only: an array (or another object) given as timeout is kept as given, for
  // prepare() to refuse, instead of being spread into a bag of index keys.
  if (isTimeouts(base.timeout) && isTimeouts(extra.timeout)) {
    merged.timeout = { ...base.timeout, ...extra.timeout };
  }
  if (base.hooks !== undefined && extra.hooks !== undefined)
    merged.hooks = mergeHooks(base.hooks, extra.hooks);
  return merged;
}
