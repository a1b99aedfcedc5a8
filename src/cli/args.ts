/**
 * The command line's grammar, HTTPie's because people know it: `onepool [METHOD] URL [URL…] [ITEM…]`
 * with request items `Header:Value`, `name==value` (query), `field=value` (JSON string or form
 * field), `field:=json` (raw JSON), `field@path` (a file: multipart), and flags. Pure: argv in, a
 * plain description out; a mistake is a UsageError.
 */

export class UsageError extends Error {
  override name = 'UsageError';
}

export type Item =
  | { kind: 'header'; name: string; value: string }
  | { kind: 'query'; name: string; value: string }
  | { kind: 'data'; name: string; value: string }
  | { kind: 'json'; name: string; value: unknown }
  | { kind: 'file'; name: string; path: string };

export type Pretty = 'all' | 'colors' | 'format' | 'none';

export interface CliArgs {
  /** absent: GET, or POST when there are data or file items */
  method: string | undefined;
  urls: string[];
  items: Item[];
  form: boolean;
  json: boolean;
  /** HTTPie's letters: H request headers, B request body, h response headers, b response body */
  print: string | undefined;
  verbose: boolean;
  pretty: Pretty | undefined;
  checkStatus: boolean;
  /** seconds */
  timeout: number | undefined;
  http: '1' | '2' | undefined;
  proxies: string[];
  /** false: no verification; a string: a CA bundle's path (HTTPie's `--verify=PATH`) */
  verify: boolean | string;
  ca: string | undefined;
  cert: string | undefined;
  certKey: string | undefined;
  auth: string | undefined;
  authType: 'basic' | 'digest' | 'bearer';
  bearer: string | undefined;
  follow: boolean;
  maxRedirects: number;
  retry: number;
  download: boolean;
  output: string | undefined;
  continue: boolean;
  session: string | undefined;
  traceback: boolean;
  help: boolean;
  version: boolean;
}

/** Separators, longest first where one is a prefix of another, as HTTPie tries them. */
const SEPARATORS = [':=', '==', '=', '@', ':'] as const;

/**
 * One request item, or null when `arg` has no separator. The first separator in the string wins
 * (so `a=b:c` is data whose value is `b:c`); a backslash makes the next character literal.
 */
export function parseItem(arg: string): Item | null {
  let name = '';
  for (let i = 0; i < arg.length; i++) {
    const char = arg[i]!;
    if (char === '\\' && i + 1 < arg.length) {
      name += arg[++i];
      continue;
    }
    const separator = SEPARATORS.find((s) => arg.startsWith(s, i));
    if (separator === undefined) {
      name += char;
      continue;
    }
    const value = arg.slice(i + separator.length);
    if (name === '') throw new UsageError(`'${arg}': a request item needs a name before '${separator}'`);
    switch (separator) {
      case ':':
        return { kind: 'header', name, value: value.trimStart() };
      case '==':
        return { kind: 'query', name, value };
      case '=':
        return { kind: 'data', name, value };
      case '@':
        return { kind: 'file', name, path: value };
      case ':=':
        try {
          return { kind: 'json', name, value: JSON.parse(value) as unknown };
        } catch {
          throw new UsageError(`'${arg}': the value after ':=' is not JSON`);
        }
    }
  }
  return null;
}

const METHOD = /^[A-Za-z]+$/;

/** HTTPie's localhost shorthand: `:3000/path`, `:/path`, `:` */
const LOCALHOST = /^:(\d|\/|$)/;

/** Whether a positional argument is a URL rather than a request item. */
function isURL(arg: string): boolean {
  return /^https?:\/\//i.test(arg) || LOCALHOST.test(arg) || parseItem(arg) === null;
}

/**
 * A URL as typed, made whole as HTTPie does: no scheme means http://, and `:3000/path` (or
 * `:/path`) means localhost.
 */
export function normalizeURL(arg: string): string {
  if (LOCALHOST.test(arg)) return `http://localhost${arg.slice(1).startsWith('/') ? '' : ':'}${arg.slice(1)}`;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) return arg;
  return `http://${arg}`;
}

/** The options that are plain switches. */
type Switch = { [K in keyof CliArgs]: CliArgs[K] extends boolean ? K : never }[keyof CliArgs];

const FLAGS: Record<string, Switch> = {
  '--form': 'form',
  '-f': 'form',
  '--json': 'json',
  '-j': 'json',
  '--verbose': 'verbose',
  '-v': 'verbose',
  '--check-status': 'checkStatus',
  '--follow': 'follow',
  '-F': 'follow',
  '--download': 'download',
  '-d': 'download',
  '--continue': 'continue',
  '-c': 'continue',
  '--traceback': 'traceback',
  '--help': 'help',
  '--version': 'version',
};

const VALUED = new Set([
  '--print',
  '-p',
  '--pretty',
  '--timeout',
  '--proxy',
  '--verify',
  '--ca',
  '--cert',
  '--cert-key',
  '--auth',
  '-a',
  '--auth-type',
  '-A',
  '--bearer',
  '--max-redirects',
  '--retry',
  '--output',
  '-o',
  '--session',
]);

const count = (flag: string, value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} takes a whole number, not '${value}'`);
  return n;
};

export function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = {
    method: undefined,
    urls: [],
    items: [],
    form: false,
    json: false,
    print: undefined,
    verbose: false,
    pretty: undefined,
    checkStatus: false,
    timeout: undefined,
    http: undefined,
    proxies: [],
    verify: true,
    ca: undefined,
    cert: undefined,
    certKey: undefined,
    auth: undefined,
    authType: 'basic',
    bearer: undefined,
    follow: false,
    maxRedirects: 30,
    retry: 0,
    download: false,
    output: undefined,
    continue: false,
    session: undefined,
    traceback: false,
    help: false,
    version: false,
  };
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (flag === '--http1' || flag === '--http2') {
      args.http = flag === '--http1' ? '1' : '2';
      continue;
    }
    // HTTPie's shorthands for --print=h and --print=b.
    const printOnly = { '--headers': 'h', '-h': 'h', '--body': 'b', '-b': 'b' }[flag];
    if (printOnly !== undefined) {
      args.print = printOnly;
      continue;
    }
    const boolean = FLAGS[flag];
    if (boolean) {
      if (eq !== -1) throw new UsageError(`${flag} takes no value`);
      args[boolean] = true;
      continue;
    }
    if (!VALUED.has(flag)) throw new UsageError(`unknown option '${flag}' (see --help)`);
    let value: string;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length) value = argv[++i]!;
    else throw new UsageError(`${flag} needs a value`);
    setValued(args, flag, value);
  }
  if (args.help || args.version) return args;
  if (positionals.length === 0) throw new UsageError('a URL is required (see --help)');
  let rest = positionals;
  if (rest.length > 1 && METHOD.test(rest[0]!) && isURL(rest[1]!)) {
    args.method = rest[0]!.toUpperCase();
    rest = rest.slice(1);
  }
  args.urls.push(normalizeURL(rest[0]!));
  for (const arg of rest.slice(1)) {
    if (args.items.length === 0 && (/^https?:\/\//i.test(arg) || LOCALHOST.test(arg))) {
      args.urls.push(normalizeURL(arg));
      continue;
    }
    const item = parseItem(arg);
    if (item === null) throw new UsageError(`'${arg}' is neither a URL nor a request item`);
    args.items.push(item);
  }
  if (args.form && args.json) throw new UsageError('--form and --json exclude each other');
  if (args.continue && !args.download) throw new UsageError('--continue works with --download');
  if (args.continue && args.output === undefined) throw new UsageError('--continue needs --output FILE');
  if (args.download && args.urls.length > 1) throw new UsageError('--download takes one URL');
  if (args.print !== undefined && !/^[HBhb]*$/.test(args.print))
    throw new UsageError(`--print takes the letters H, B, h and b, not '${args.print}'`);
  return args;
}

function setValued(args: CliArgs, flag: string, value: string): void {
  switch (flag) {
    case '--print':
    case '-p':
      args.print = value;
      return;
    case '--pretty':
      if (value !== 'all' && value !== 'colors' && value !== 'format' && value !== 'none')
        throw new UsageError(`--pretty takes all, colors, format or none, not '${value}'`);
      args.pretty = value;
      return;
    case '--timeout': {
      const seconds = Number(value);
      if (!(seconds > 0)) throw new UsageError(`--timeout takes seconds above 0, not '${value}'`);
      args.timeout = seconds;
      return;
    }
    case '--proxy':
      args.proxies.push(value);
      return;
    case '--verify':
      if (/^(yes|true)$/i.test(value)) args.verify = true;
      else if (/^(no|false)$/i.test(value)) args.verify = false;
      else args.verify = value;
      return;
    case '--ca':
      args.ca = value;
      return;
    case '--cert':
      args.cert = value;
      return;
    case '--cert-key':
      args.certKey = value;
      return;
    case '--auth':
    case '-a':
      args.auth = value;
      return;
    case '--auth-type':
    case '-A':
      if (value !== 'basic' && value !== 'digest' && value !== 'bearer')
        throw new UsageError(`--auth-type takes basic, digest or bearer, not '${value}'`);
      args.authType = value;
      return;
    case '--bearer':
      args.bearer = value;
      return;
    case '--max-redirects':
      args.maxRedirects = count(flag, value);
      return;
    case '--retry':
      args.retry = count(flag, value);
      return;
    case '--output':
    case '-o':
      args.output = value;
      return;
    case '--session':
      args.session = value;
      return;
  }
}

export const USAGE = `usage: onepool [METHOD] URL [URL…] [ITEM…] [OPTIONS]

Request items:
  Header:Value        a request header (Header: with nothing after it: that header is not sent)
  name==value         a query parameter
  field=value         a JSON string field (a form field with --form)
  field:=json         a raw JSON field: field:=3, field:='{"a":[1]}'
  field@path          a file (the request becomes multipart/form-data)

Options:
  --json, -j / --form, -f   how data items are sent (default JSON)
  --print, -p HBhb     what to print: H/B request headers/body, h/b response headers/body
  --headers, -h / --body, -b   the response head / body only
  --verbose, -v        print the request too (HBhb)
  --pretty all|colors|format|none   (default: all on a terminal, none when piped)
  --check-status       exit 3, 4 or 5 on a 3xx (not followed), 4xx or 5xx response
  --timeout SECONDS    connect and read timeout
  --http1 / --http2    HTTP/1.1 only / HTTP/2 without negotiation (h2c on http://)
  --proxy [SCHEME:]URL a proxy (for SCHEME's requests only when given)
  --verify no|PATH     no certificate verification / trust the CA bundle at PATH
  --ca PATH            trust the CA bundle at PATH
  --cert PATH --cert-key PATH   a client certificate (mTLS)
  --auth, -a USER:PASS --auth-type, -A basic|digest|bearer   --bearer TOKEN
  --follow, -F         follow redirects; --max-redirects N (default 30)
  --retry N            retries of idempotent requests on 408 413 429 500 502 503 504
                       and on connection errors (default 0)
  --download, -d       save the body to a file, a progress bar on stderr
  --output, -o FILE    where to save it; --continue, -c resumes a partial FILE
  --session NAME|PATH  keep cookies and headers between runs
  --traceback          print a stack trace on error

Several URLs run concurrently on one pool; stderr says how many connections were opened.
Exit status: 0 ok, 1 error, 2 timeout, 3/4/5 with --check-status, 6 too many redirects.
`;
