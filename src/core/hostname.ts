/**
 * Host names that can be valid. WHATWG URL parsing accepts hosts no DNS name can have (`*example.com`,
 * `.example.com`, `a..b`), which would otherwise fail late, as a ConnectError from the resolver, or
 * worse resolve through a search domain. The rule is the DNS one (RFC 1123 labels, plus `_`, which
 * real names use): labels of letters, digits, `-` and `_`, 1 to 63 characters, 253 in all, one
 * trailing dot allowed. IP literals (`[::1]`, `127.0.0.1`) are left to the URL parser, which has
 * already checked them. International names arrive here in their ASCII (punycode) form.
 */
import { isIP } from 'node:net';

const LABEL = /^[a-z0-9_-]{1,63}$/i;

/** Why `hostname` (a URL's, already parsed) cannot be a host, or undefined when it can. */
export function hostnameProblem(hostname: string): string | undefined {
  if (hostname === '') return 'no host';
  if (hostname.startsWith('[') || isIP(hostname) !== 0) return undefined;
  const name = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  if (name.length > 253) return 'a host name longer than 253 characters';
  for (const label of name.split('.')) {
    if (label === '') return `an empty label in host ${JSON.stringify(hostname)}`;
    if (!LABEL.test(label))
      return `host ${JSON.stringify(hostname)} has a label that is not letters, digits, '-' or '_' (at most 63)`;
  }
  return undefined;
}
