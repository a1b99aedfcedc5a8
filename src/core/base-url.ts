/**
 * `baseURL`: a call's URL is a path under the base, and can never leave the base's origin. A path
 * is joined onto the base path whatever it starts with (`/x`, `//evil`, `\\evil`, `%2F%2Fevil` all
 * stay paths on the base origin); an absolute URL is accepted only when it has the base's origin.
 */
import { InvalidURLError } from './errors.js';

const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;

export function joinBaseURL(base: string | URL, input: string | URL): string {
  let root: URL;
  try {
    root = new URL(base);
  } catch {
    throw new InvalidURLError(`invalid baseURL: ${JSON.stringify(String(base))}`);
  }
  const text = typeof input === 'string' ? input : input.href;
  if (input instanceof URL || SCHEME.test(text)) {
    const url = new URL(text);
    if (url.origin !== root.origin)
      throw new InvalidURLError(`${url.origin} is outside baseURL ${root.origin}`);
    return url.href;
  }
  // Leading slashes and backslashes would make the WHATWG parser read a host: strip them all.
  const path = text.replace(/^[/\\]+/, '');
  const dir = root.pathname.endsWith('/') ? root.pathname : `${root.pathname}/`;
  const joined = new URL(`${root.origin}${dir}${path}`);
  if (joined.origin !== root.origin) throw new InvalidURLError(`${text} escapes baseURL ${root.origin}`);
  return joined.href;
}
