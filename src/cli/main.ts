/**
 * `onepool`, the command line: HTTPie's grammar on the sync face. Several URLs go out together
 * through `httpSync.all()` on the one pool, and stderr says how many connections that took.
 * Exit status as HTTPie's: 0 ok, 1 error, 2 timeout, 3/4/5 for a 3xx/4xx/5xx under
 * --check-status, 6 too many redirects. An error is one line naming its code; a stack trace only
 * with --traceback.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  type HookRequest,
  httpSync,
  OnepoolError,
  type Response,
  TimeoutError,
  TooManyRedirectsError,
} from '../index.js';
import { type CliArgs, parseArgs, USAGE, UsageError } from './args.js';
import { download } from './download.js';
import {
  formatBody,
  formatRequestHead,
  formatResponseHead,
  type ResponseHead,
  type Style,
  statusLine,
  styleFor,
  whatToPrint,
} from './output.js';
import { buildRequest, type CliRequest } from './request.js';
import { loadSession, rememberHeaders, type Session, saveSession, sessionPath } from './session.js';

const EXIT = { ok: 0, error: 1, timeout: 2, tooManyRedirects: 6 } as const;

/** HTTPie's rule: a 3xx counts only when redirects were not being followed. */
function statusExit(status: number, follow: boolean): number {
  if (status >= 300 && status < 400 && !follow) return 3;
  if (status >= 400 && status < 500) return 4;
  if (status >= 500 && status < 600) return 5;
  return EXIT.ok;
}

function errorExit(error: unknown): number {
  if (error instanceof TimeoutError) return EXIT.timeout;
  if (error instanceof TooManyRedirectsError) return EXIT.tooManyRedirects;
  return EXIT.error;
}

function describeError(error: unknown): string {
  if (error instanceof UsageError) return `USAGE: ${error.message}`;
  const code =
    error instanceof OnepoolError
      ? error.code
      : ((error as NodeJS.ErrnoException | null)?.code ?? (error as Error | null)?.name ?? 'ERROR');
  const message = error instanceof Error ? error.message : String(error);
  return `${code}: ${message.replace(/\s*\n\s*/g, ' ')}`;
}

function reportError(error: unknown, traceback: boolean): number {
  process.stderr.write(`onepool: error: ${describeError(error)}\n`);
  if (traceback && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return errorExit(error);
}

interface Printer {
  what: string;
  style: Style;
  tty: boolean;
  write(text: string | Uint8Array): void;
}

/** One exchange as `--print` asks: request head and body, response head and body, HTTPie's blank lines between. */
function printExchange(
  printer: Printer,
  request: CliRequest,
  sent: HookRequest | undefined,
  response: Response,
): void {
  const { what, style, tty } = printer;
  if (what.includes('H') && sent) printer.write(`${formatRequestHead(sent, response.httpVersion, style)}\n`);
  if (what.includes('B') && request.shownBody) printer.write(`${request.shownBody}\n\n`);
  if (what.includes('h')) printer.write(`${formatResponseHead(response, style)}\n`);
  if (what.includes('b')) {
    const body = formatBody(response.bytes(), response.headers.get('content-type'), style, tty);
    printer.write(body);
    // On a terminal the prompt must not start after the body's last character.
    if (tty && typeof body === 'string' && body !== '' && !body.endsWith('\n')) printer.write('\n');
  }
}

function warnStatus(response: ResponseHead, stdoutTTY: boolean): void {
  // HTTPie's habit: when the output goes to a pipe or a file, say on stderr why the exit status is not 0.
  if (!stdoutTTY) process.stderr.write(`onepool: warning: HTTP ${statusLine(response)}\n`);
}

function runRequests(args: CliArgs, session: Session | undefined): number {
  const stdoutTTY = Boolean(process.stdout.isTTY) && args.output === undefined;
  const style = styleFor(args.pretty, stdoutTTY, process.env);
  const chunks: (string | Uint8Array)[] = [];
  const printer: Printer = {
    what: whatToPrint(args.print, args.verbose, stdoutTTY),
    style,
    tty: stdoutTTY,
    write: (text) => (args.output === undefined ? process.stdout.write(text) : chunks.push(text)),
  };
  const sent: (HookRequest | undefined)[] = [];
  const requests = args.urls.map((url, index) => {
    const request = buildRequest(args, url, session);
    const remember = (_response: unknown, hop: HookRequest): void => {
      sent[index] = hop;
    };
    return {
      request,
      item: { ...request.options, url, method: request.method, hooks: { afterResponse: [remember] } },
    };
  });
  if (session) rememberHeaders(session, requests[0]!.request.givenHeaders);
  const openedBefore = httpSync.pool.stats().totals.opened;
  const results = httpSync.all(requests.map((r) => r.item));
  let exit: number = EXIT.ok;
  results.forEach((result, index) => {
    // Bodies may end without a newline; heads end with a blank line already.
    if (index > 0 && printer.what.includes('b')) printer.write('\n');
    if (!result.ok) {
      exit = Math.max(exit, reportError(result.error, args.traceback));
      return;
    }
    printExchange(printer, requests[index]!.request, sent[index], result.response);
    const status = args.checkStatus ? statusExit(result.response.status, args.follow) : EXIT.ok;
    if (status !== EXIT.ok) warnStatus(result.response, stdoutTTY);
    exit = Math.max(exit, status);
  });
  if (args.output !== undefined) writeFileSync(args.output, Buffer.concat(chunks.map((c) => Buffer.from(c))));
  if (args.urls.length > 1) {
    const opened = httpSync.pool.stats().totals.opened - openedBefore;
    process.stderr.write(
      `onepool: ${args.urls.length} requests, ${opened} connection${opened === 1 ? '' : 's'} opened\n`,
    );
  }
  return exit;
}

function runDownload(args: CliArgs, session: Session | undefined): number {
  const url = args.urls[0]!;
  const request = buildRequest(args, url, session);
  if (session) rememberHeaders(session, request.givenHeaders);
  const stderrTTY = Boolean(process.stderr.isTTY);
  const style = styleFor(args.pretty, stderrTTY, process.env);
  const showHead = whatToPrint(args.print, args.verbose, true).includes('h');
  const { response, path } = download(url, request, args.output, args.continue, process.stderr, (head) => {
    if (showHead) process.stderr.write(`${formatResponseHead(head, style)}\n`);
  });
  if (path !== undefined) return EXIT.ok;
  // A download that got no body to save is a failure whatever --check-status says: nothing was downloaded.
  warnStatus(response, false);
  const status = statusExit(response.status, args.follow);
  return status === EXIT.ok ? EXIT.error : status;
}

function version(): string {
  // dist/cli.js is one directory below package.json, in the repository and in an install alike.
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
}

export function main(argv: readonly string[]): number {
  let traceback = argv.includes('--traceback');
  let session: Session | undefined;
  try {
    const args = parseArgs(argv);
    traceback = args.traceback;
    if (args.help) {
      process.stdout.write(USAGE);
      return EXIT.ok;
    }
    if (args.version) {
      process.stdout.write(`${version()}\n`);
      return EXIT.ok;
    }
    if (args.session !== undefined)
      session = loadSession(sessionPath(args.session, new URL(args.urls[0]!), process.env));
    return args.download ? runDownload(args, session) : runRequests(args, session);
  } catch (error) {
    return reportError(error, traceback);
  } finally {
    // Saved whatever the outcome: cookies a failed run did receive are kept, as a browser keeps them.
    if (session) saveSession(session);
  }
}

function run(argv: readonly string[]): number {
  try {
    return main(argv);
  } catch (error) {
    // Only saving the session can throw this far.
    return reportError(error, argv.includes('--traceback'));
  }
}

process.exitCode = run(process.argv.slice(2));
