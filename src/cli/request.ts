/**
 * The library call a command line stands for: parsed arguments to a method and RequestOptions,
 * plus what `--print=B` shows of the body that goes out.
 */
import { readFileSync } from 'node:fs';
import type { CookieJar } from 'tough-cookie';
import { file, type Multipart, type MultipartValue, type RequestOptions } from '../index.js';
import { type CliArgs, type Item, UsageError } from './args.js';

export interface CliRequest {
  method: string;
  options: RequestOptions;
  /** `options.headers` as pairs, so that a download can add its own */
  headers: [string, string | null][];
  /** the body as `--print=B` shows it; '' without one */
  shownBody: string;
  /** the headers given on the command line, in order ('' for one to leave out) */
  givenHeaders: [string, string][];
}

const hasBody = (items: readonly Item[]) =>
  items.some((i) => i.kind === 'data' || i.kind === 'json' || i.kind === 'file');

export function buildRequest(
  args: CliArgs,
  url: string,
  session: { headers: Record<string, string>; jar: CookieJar } | undefined,
): CliRequest {
  const givenHeaders: [string, string][] = [];
  const query = new URLSearchParams();
  for (const item of args.items) {
    if (item.kind === 'header') givenHeaders.push([item.name, item.value]);
    else if (item.kind === 'query') query.append(item.name, item.value);
  }
  // A session's headers first, the command line's after; a header given now replaces the session's
  // of that name (or, empty, leaves it out).
  const given = new Set(givenHeaders.map(([name]) => name.toLowerCase()));
  const headers: [string, string | null][] = Object.entries(session?.headers ?? {}).filter(
    ([name]) => !given.has(name.toLowerCase()),
  );
  for (const [name, value] of givenHeaders) headers.push([name, value === '' ? null : value]);
  const options: RequestOptions = {
    headers,
    maxRedirects: args.follow ? args.maxRedirects : 0,
    retry: args.retry > 0 ? { limit: args.retry, errors: true } : false,
    cookies: session?.jar ?? false,
  };
  if ([...query].length > 0) options.params = query;
  if (args.timeout !== undefined)
    options.timeout = { connect: args.timeout * 1000, read: args.timeout * 1000 };
  if (args.http) options.http2 = args.http === '1' ? false : 'prior-knowledge';
  const proxy = proxyFor(args.proxies, new URL(url).protocol);
  if (proxy !== undefined) options.proxy = proxy;
  const tls = tlsOptions(args);
  if (tls) options.tls = tls;
  const auth = authOption(args);
  if (auth) options.auth = auth;
  const shownBody = setBody(args, options);
  // HTTPie's JSON mode asks for JSON too, unless told otherwise.
  if ((args.json || options.json !== undefined) && !given.has('accept'))
    headers.push(['accept', 'application/json, */*;q=0.5']);
  const method = args.method ?? (hasBody(args.items) ? 'POST' : 'GET');
  return { method, options, headers, shownBody, givenHeaders };
}

/** `--proxy URL` serves every scheme; `--proxy http:URL` (HTTPie's form) only that scheme's requests. */
function proxyFor(proxies: readonly string[], protocol: string): string | undefined {
  let chosen: string | undefined;
  for (const proxy of proxies) {
    const scoped = /^(https?):(?=[a-z0-9+.-]+:\/\/)/i.exec(proxy);
    if (!scoped) chosen ??= proxy;
    else if (`${scoped[1]!.toLowerCase()}:` === protocol) return proxy.slice(scoped[0].length);
  }
  return chosen;
}

const readPEM = (flag: string, path: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${flag} ${path}: ${(error as Error).message}`);
  }
};

function tlsOptions(args: CliArgs): RequestOptions['tls'] {
  const tls: NonNullable<RequestOptions['tls']> = {};
  if (args.verify === false) tls.verify = false;
  const ca = typeof args.verify === 'string' ? args.verify : args.ca;
  if (ca !== undefined) tls.ca = readPEM('--ca', ca);
  if (args.cert !== undefined) tls.cert = readPEM('--cert', args.cert);
  // A certificate file may hold its key too, as curl and requests accept.
  if (args.cert !== undefined) tls.key = readPEM('--cert-key', args.certKey ?? args.cert);
  return Object.keys(tls).length > 0 ? tls : undefined;
}

function authOption(args: CliArgs): RequestOptions['auth'] {
  if (args.bearer !== undefined) return { bearer: args.bearer };
  if (args.auth === undefined) return undefined;
  if (args.authType === 'bearer') return { bearer: args.auth };
  const colon = args.auth.indexOf(':');
  if (colon === -1) throw new UsageError('--auth takes USER:PASSWORD');
  const credentials = { username: args.auth.slice(0, colon), password: args.auth.slice(colon + 1) };
  return args.authType === 'digest' ? { ...credentials, type: 'digest' } : credentials;
}

/** `target[name] = value` as an own property, even for a field named `__proto__`. */
const setOwn = (target: object, name: string, value: unknown): void => {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
};

/** Sets json, form or multipart from the data and file items; returns the body as shown by `B`. */
function setBody(args: CliArgs, options: RequestOptions): string {
  const fields = args.items.filter((i) => i.kind === 'data' || i.kind === 'json' || i.kind === 'file');
  if (fields.length === 0) return '';
  if (fields.some((i) => i.kind === 'file')) {
    const multipart: Record<string, MultipartValue[]> = {};
    for (const item of fields) {
      if (item.kind === 'json')
        throw new UsageError(`'${item.name}:=': raw JSON cannot go in a multipart form`);
      const value = item.kind === 'file' ? file(item.path) : item.kind === 'data' ? item.value : '';
      if (Object.hasOwn(multipart, item.name)) multipart[item.name]!.push(value);
      else setOwn(multipart, item.name, [value]);
    }
    options.multipart = multipart as Multipart;
    return fields.map((i) => (i.kind === 'file' ? `${i.name}@${i.path}` : `${i.name}=…`)).join('\n');
  }
  if (args.form) {
    const form: [string, string][] = [];
    for (const item of fields) {
      if (item.kind !== 'data') throw new UsageError(`'${item.name}:=': raw JSON needs --json, not --form`);
      form.push([item.name, item.value]);
    }
    options.form = form;
    return new URLSearchParams(form).toString();
  }
  const json: Record<string, unknown> = {};
  for (const item of fields)
    if (item.kind === 'data' || item.kind === 'json') setOwn(json, item.name, item.value);
  options.json = json;
  return JSON.stringify(json);
}
