/**
 * What the CLI prints, as HTTPie prints it: the request and response heads as they would look on
 * the wire, the body as text (JSON re-indented when formatting is on), colour only on a terminal
 * and never under NO_COLOR (https://no-color.org).
 */
import { STATUS_CODES } from 'node:http';
import type { HookRequest, Response } from '../index.js';
import type { Pretty } from './args.js';

export interface Style {
  color: boolean;
  /** re-indent JSON bodies */
  format: boolean;
}

/** `--pretty` when given; otherwise everything on a terminal and nothing when piped. */
export function styleFor(pretty: Pretty | undefined, tty: boolean, env: NodeJS.ProcessEnv): Style {
  const chosen = pretty ?? (tty ? 'all' : 'none');
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  return {
    color: !noColor && (chosen === 'all' || chosen === 'colors'),
    format: chosen === 'all' || chosen === 'format',
  };
}

/** `--print` when given; `--verbose` adds the request; otherwise heads and body on a terminal, the body alone when piped. */
export function whatToPrint(print: string | undefined, verbose: boolean, tty: boolean): string {
  if (print !== undefined) return print;
  if (verbose) return 'HBhb';
  return tty ? 'hb' : 'b';
}

const paint = (style: Style, code: string, text: string): string =>
  style.color ? `\x1b[${code}m${text}\x1b[0m` : text;

const statusColour = (status: number): string => (status < 300 ? '32' : status < 400 ? '33' : '31');

function headerLines(style: Style, pairs: Iterable<readonly [string, string]>): string {
  let out = '';
  for (const [name, value] of pairs) out += `${paint(style, '36', name)}: ${value}\n`;
  return out;
}

/** What a head needs: a Response and a streaming response both have it. */
export type ResponseHead = Pick<Response, 'status' | 'statusText' | 'headers' | 'httpVersion'>;

/** `404 Not Found`; HTTP/2 sends no reason phrase, so the standard one is shown, as HTTPie and curl do. */
export function statusLine(res: Pick<Response, 'status' | 'statusText'>): string {
  return `${res.status} ${res.statusText || STATUS_CODES[res.status] || ''}`.trimEnd();
}

export function formatResponseHead(res: ResponseHead, style: Style): string {
  const version = res.httpVersion === '2' ? 'HTTP/2' : 'HTTP/1.1';
  const line = paint(style, `1;${statusColour(res.status)}`, `${version} ${statusLine(res)}`);
  const raw = res.headers.raw();
  const pairs: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
  return `${line}\n${headerLines(style, pairs)}`;
}

export function formatRequestHead(request: HookRequest, httpVersion: '1.1' | '2', style: Style): string {
  const url = new URL(request.url);
  const target = `${url.pathname}${url.search}`;
  const line = paint(style, '1;34', `${request.method} ${target} HTTP/${httpVersion === '2' ? '2' : '1.1'}`);
  const names = Object.keys(request.headers).map((name) => name.toLowerCase());
  const host: [string, string][] = names.includes('host') ? [] : [['Host', url.host]];
  return `${line}\n${headerLines(style, [...host, ...Object.entries(request.headers)])}`;
}

const looksBinary = (bytes: Uint8Array): boolean => bytes.subarray(0, 4096).includes(0);

/**
 * A body as it should be printed: text (JSON re-indented by 4, as HTTPie does, when formatting is
 * on and it parses), the bytes themselves when piped, and a note instead of binary on a terminal.
 */
export function formatBody(
  bytes: Uint8Array,
  contentType: string | null,
  style: Style,
  tty: boolean,
): string | Uint8Array {
  if (looksBinary(bytes)) {
    return tty
      ? `+-----------------------------------------+\n| NOTE: binary data not shown in terminal |\n+-----------------------------------------+\n`
      : bytes;
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (style.format && /[/+]json\b/i.test(contentType ?? '')) {
    try {
      return `${JSON.stringify(JSON.parse(text), null, 4)}\n`;
    } catch {
      // Not JSON after all: printed as it came.
    }
  }
  return text;
}
