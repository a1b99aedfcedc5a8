/**
 * The `onepool` command, run as a child process against real servers on loopback: HTTPie's
 * grammar, output selection and colour, exit statuses, TLS, HTTP versions, several URLs on one
 * pool, sessions, downloads (resumed too) and the progress bar on a real terminal (tmux).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CookieJar } from 'tough-cookie';
import { CLI, cleanEnv, runCli } from './helpers/cli.ts';
import { DIGEST_USER, startDigestServer } from './helpers/digest-servers.ts';
import { ROOT } from './helpers/scripts.ts';
import { selfSigned, startServer, type TestServer } from './helpers/servers.ts';

let server: TestServer;
let tlsServer: TestServer;
let h2c: TestServer;
before(async () => {
  [server, tlsServer, h2c] = await Promise.all([startServer('http'), startServer('h2'), startServer('h2c')]);
});
after(() => Promise.all([server, tlsServer, h2c].map((s) => s.close())));

interface Echo {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  httpVersion: string;
}
const echoed = (stdout: string): Echo => JSON.parse(stdout) as Echo;
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `onepool-cli-${prefix}-`));
/** The bytes /bytes/N and /range-bytes/N send. */
const pattern = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff));
const ANSI = /\x1b\[/;

describe('grammar', () => {
  test('METHOD URL with Header:Value, name==value, field=value and field:=json: one JSON request, the body alone when piped', async () => {
    const run = await runCli([
      'PUT',
      server.url('/echo'),
      'X-Team:core',
      'q==a b',
      'q==2',
      'name=widget',
      'count:=3',
      'tags:=["x","y"]',
      'note\\=a=b',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const echo = echoed(run.stdout);
    assert.equal(echo.method, 'PUT');
    assert.equal(echo.url, '/echo?q=a+b&q=2');
    assert.equal(echo.headers['x-team'], 'core');
    assert.equal(echo.headers['content-type'], 'application/json');
    assert.equal(echo.headers.accept, 'application/json, */*;q=0.5');
    assert.deepEqual(JSON.parse(echo.body), { name: 'widget', count: 3, tags: ['x', 'y'], 'note=a': 'b' });
    assert.doesNotMatch(run.stdout, ANSI);
  });

  test('data items make it a POST; --form sends them url-encoded; field@path uploads a file as multipart', async () => {
    const post = echoed((await runCli([server.url('/echo'), 'a=1'])).stdout);
    assert.equal(post.method, 'POST');
    assert.equal(
      echoed((await runCli(['--json', server.url('/echo')])).stdout).headers.accept,
      'application/json, */*;q=0.5',
    );
    const form = echoed((await runCli(['--form', server.url('/echo'), 'a=1', 'b=two words'])).stdout);
    assert.equal(form.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(form.body, 'a=1&b=two+words');
    const dir = tmp('upload');
    writeFileSync(join(dir, 'report.txt'), 'file contents here');
    const upload = echoed(
      (await runCli([server.url('/echo'), 'title=Q3', `doc@${join(dir, 'report.txt')}`])).stdout,
    );
    assert.match(upload.headers['content-type']!, /^multipart\/form-data; boundary=/);
    assert.match(upload.body, /name="title"\r\n\r\nQ3\r\n/);
    assert.match(upload.body, /name="doc"; filename="report.txt"[\s\S]*\r\n\r\nfile contents here\r\n/);
  });

  test('a mistake on the command line is one line and exit 1, before anything is sent', async () => {
    await server.reset();
    for (const args of [
      [server.url('/echo'), 'n:=not json'],
      ['--timeout', 'soon', server.url('/echo')],
      ['--nope'],
    ]) {
      const run = await runCli(args);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^onepool: error: USAGE: .+\n$/);
    }
    assert.equal((await server.stats()).requests, 0);
  });
});

describe('output', () => {
  test('--verbose prints the request and the response as on the wire; --print picks the parts', async () => {
    const run = await runCli(['-v', server.url('/echo?x=1'), 'X-A:1', 'k=v']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^POST \/echo\?x=1 HTTP\/1\.1\nHost: 127\.0\.0\.1:\d+\n/);
    assert.match(run.stdout, /\nX-A: 1\n/);
    assert.match(run.stdout, /\n\{"k":"v"\}\n\nHTTP\/1\.1 200 OK\n/);
    const headOnly = await runCli(['--print=h', server.url('/status/404')]);
    assert.match(
      headOnly.stdout,
      /^HTTP\/1\.1 404 Not Found\n(?:.+\n)*content-type: text\/plain\n(?:.+\n)*\n$/,
    );
    assert.doesNotMatch(headOnly.stdout, /status 404/);
  });

  test('--pretty=all colours the head and indents JSON; NO_COLOR keeps the indent and drops the colour', async () => {
    const coloured = await runCli(['--pretty=all', '--print=hb', server.url('/echo')]);
    assert.match(coloured.stdout, /\x1b\[1;32mHTTP\/1\.1 200 OK\x1b\[0m/);
    assert.match(coloured.stdout, /\n {4}"method": "GET",\n/);
    const plain = await runCli(['--pretty=all', '--print=hb', server.url('/echo')], {
      env: { NO_COLOR: '1' },
    });
    assert.doesNotMatch(plain.stdout, ANSI);
    assert.match(plain.stdout, /\n {4}"method": "GET",\n/);
  });

  test('Header: with no value removes a default header; --output FILE gets what a pipe would', async () => {
    const dir = tmp('output');
    const run = await runCli(['--output', join(dir, 'body.json'), server.url('/echo'), 'User-Agent:']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '');
    const echo = echoed(readFileSync(join(dir, 'body.json'), 'utf8'));
    assert.equal(echo.headers['user-agent'], undefined);
    assert.equal(echo.headers.accept, '*/*');
  });

  test('a binary body goes to a pipe byte for byte', async () => {
    const run = await runCli([server.url('/bytes/3000')]);
    assert.deepEqual(run.stdoutBytes, pattern(3000));
  });
});

describe('exit status', () => {
  test('--check-status: 3 for an unfollowed 3xx, 4 for 4xx, 5 for 5xx, with a warning on stderr; 0 without it', async () => {
    const cases: [string[], number][] = [
      [['--check-status', server.url('/redirect/302?to=/echo')], 3],
      [['--check-status', '--follow', server.url('/redirect/302?to=/echo')], 0],
      [['--check-status', server.url('/status/404')], 4],
      [['--check-status', server.url('/status/503')], 5],
      [[server.url('/status/503')], 0],
    ];
    for (const [args, code] of cases) {
      const run = await runCli(args);
      assert.equal(run.code, code, args.join(' '));
      if (code > 0) assert.match(run.stderr, /^onepool: warning: HTTP \d{3} /);
    }
  });

  test('errors are one line with their code and no stack trace unless --traceback; timeout 2, too many redirects 6', async () => {
    const refused = await runCli(['http://127.0.0.1:1/']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^onepool: error: ONEPOOL_ERR_CONNECT: .*ECONNREFUSED.*\n$/);
    const traced = await runCli(['--traceback', 'http://127.0.0.1:1/']);
    assert.match(traced.stderr, /^onepool: error: ONEPOOL_ERR_CONNECT: [^\n]*\n\w*Error[^\n]*\n\s+at /);
    const timedOut = await runCli(['--timeout=0.3', server.url('/hang')]);
    assert.equal(timedOut.code, 2);
    assert.match(timedOut.stderr, /^onepool: error: ONEPOOL_ERR_READ_TIMEOUT: [^\n]*\n$/);
    const looping = await runCli(['--follow', '--max-redirects=2', server.url('/chain/5')]);
    assert.equal(looping.code, 6);
    assert.match(looping.stderr, /^onepool: error: ONEPOOL_ERR_TOO_MANY_REDIRECTS: [^\n]*\n$/);
  });

  test('--retry N retries a 503 N times; without it the 503 is the answer', async () => {
    const once = await runCli(['--check-status', server.url('/flaky/cli-none?fail=1&status=503')]);
    assert.equal(once.code, 5);
    const retried = await runCli([
      '--check-status',
      '--retry',
      '2',
      server.url('/flaky/cli-retry?fail=2&status=503&after=0'),
    ]);
    assert.equal(retried.code, 0, retried.stderr);
    assert.equal(retried.stdout, 'attempt 3');
  });
});

describe('transport and credentials', () => {
  test('--verify=no and --ca trust a self-signed server; without either it is a TLS error', async () => {
    const refused = await runCli([tlsServer.url('/echo')]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^onepool: error: ONEPOOL_ERR_TLS: /);
    assert.equal((await runCli(['--verify=no', tlsServer.url('/echo')])).code, 0);
    const trusted = await runCli([
      '--ca',
      join(selfSigned().dir, 'cert.pem'),
      '--print=h',
      tlsServer.url('/echo'),
    ]);
    assert.equal(trusted.code, 0, trusted.stderr);
    assert.match(trusted.stdout, /^HTTP\/2 200 OK\n/, 'https negotiates HTTP/2 through ALPN');
    const h1 = await runCli(['--http1', '--verify=no', '--print=h', tlsServer.url('/echo')]);
    assert.match(h1.stdout, /^HTTP\/1\.1 200 /);
  });

  test('--cert and --cert-key present a client certificate (mTLS)', async () => {
    // A server in a child process that demands a certificate its CA signed: here the self-signed
    // pair is server certificate, client certificate and CA at once.
    const { dir } = selfSigned();
    const source = `
      const fs = require('node:fs');
      const read = (name) => fs.readFileSync(require('node:path').join(${JSON.stringify(dir)}, name));
      const server = require('node:https').createServer(
        { cert: read('cert.pem'), key: read('key.pem'), ca: read('cert.pem'), requestCert: true, rejectUnauthorized: true },
        (req, res) => res.end('client ' + req.socket.getPeerCertificate().subject.CN),
      );
      server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;
    const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const port = await new Promise<string>((resolve) =>
        child.stdout.once('data', (d) => resolve(String(d).trim())),
      );
      const url = `https://127.0.0.1:${port}/`;
      const ca = join(dir, 'cert.pem');
      const anonymous = await runCli(['--ca', ca, url]);
      assert.equal(anonymous.code, 1, anonymous.stderr);
      assert.match(anonymous.stderr, /^onepool: error: ONEPOOL_ERR_[A-Z_]+: [^\n]+\n$/);
      const mutual = await runCli(['--ca', ca, '--cert', ca, '--cert-key', join(dir, 'key.pem'), url]);
      assert.equal(mutual.code, 0, mutual.stderr);
      assert.equal(mutual.stdout, 'client localhost');
    } finally {
      child.kill();
    }
  });

  test('--http2 speaks HTTP/2 to an h2c server without negotiation', async () => {
    const run = await runCli(['--http2', h2c.url('/echo')]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(echoed(run.stdout).httpVersion, '2.0');
  });

  test('--auth user:pass sends Basic, --bearer a bearer token', async () => {
    const basic = echoed((await runCli(['--auth', 'ann:s3cret:x', server.url('/echo')])).stdout);
    assert.equal(basic.headers.authorization, `Basic ${Buffer.from('ann:s3cret:x').toString('base64')}`);
    const bearer = echoed((await runCli(['--bearer', 'tok123', server.url('/echo')])).stdout);
    assert.equal(bearer.headers.authorization, 'Bearer tok123');
  });

  test('--auth-type digest answers a Digest challenge', async () => {
    const digest = await startDigestServer();
    try {
      const { username, password } = DIGEST_USER;
      const run = await runCli([
        '--check-status',
        '-A',
        'digest',
        '-a',
        `${username}:${password}`,
        digest.url('/digest/SHA-256?m=cli'),
      ]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(
        (await digest.seen()).map((r) => r.verdict),
        [undefined, 'ok'],
      );
    } finally {
      await digest.close();
    }
  });

  test('--proxy sends the request through the proxy; --proxy=https:URL leaves http requests alone', async () => {
    // The test server answers proxy-form requests (an absolute URL as the target) like any other.
    const proxied = echoed((await runCli(['--proxy', server.origin, 'http://127.0.0.2:1/echo'])).stdout);
    assert.equal(proxied.url, 'http://127.0.0.2:1/echo');
    const direct = await runCli([`--proxy=https:${server.origin}`, 'http://127.0.0.1:1/echo']);
    assert.match(direct.stderr, /ONEPOOL_ERR_CONNECT/);
  });
});

describe('several URLs', () => {
  test('run concurrently on one pool, and stderr reports the connections opened: one for HTTP/2, as the server saw', async () => {
    await h2c.reset();
    const urls = [1, 2, 3].map((n) => h2c.url(`/echo?n=${n}`));
    const run = await runCli(['--http2', '--print=b', ...urls]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.split('\n').filter(Boolean).length, 3);
    assert.match(run.stderr, /^onepool: 3 requests, 1 connection opened\n$/);
    assert.equal((await h2c.stats()).connections, 1);
  });

  test('HTTP/1.1: the count reported is the count the server accepted', async () => {
    await server.reset();
    const run = await runCli(['--print=', ...[1, 2, 3, 4].map((n) => server.url(`/echo?n=${n}`))]);
    assert.equal(run.code, 0, run.stderr);
    const reported = Number(/(\d+) connections? opened/.exec(run.stderr)?.[1]);
    assert.equal(reported, (await server.stats()).connections);
    assert.equal((await server.stats()).requests, 4);
  });
});

describe('--session', () => {
  test('keeps cookies (tough-cookie serialization) and headers between runs; a name lives per host', async () => {
    const config = tmp('session');
    const env = { ONEPOOL_CONFIG_DIR: config };
    const first = await runCli(
      ['--session=work', server.url(`/set-cookie?c=${encodeURIComponent('sid=42; Path=/')}`), 'X-Token:abc'],
      { env },
    );
    assert.equal(first.code, 0, first.stderr);
    const second = echoed((await runCli(['--session', 'work', server.url('/echo')], { env })).stdout);
    assert.equal(second.headers.cookie, 'sid=42');
    assert.equal(second.headers['x-token'], 'abc');
    const file = join(config, 'sessions', new URL(server.origin).host.replace(':', '_'), 'work.json');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { headers: object; cookies: object };
    assert.deepEqual(saved.headers, { 'x-token': 'abc' });
    assert.equal(
      CookieJar.deserializeSync(JSON.stringify(saved.cookies)).getCookieStringSync(server.url('/')),
      'sid=42',
    );
    // A path is used as given; an empty header removes one from the session.
    const path = join(tmp('session-path'), 'mine.json');
    await runCli(['--session', path, server.url('/echo'), 'X-Token:abc'], { env });
    const replaced = echoed(
      (await runCli(['--session', path, server.url('/echo'), 'X-Token:new'], { env })).stdout,
    );
    assert.equal(replaced.headers['x-token'], 'new');
    const removed = echoed(
      (await runCli(['--session', path, server.url('/echo'), 'X-Token:'], { env })).stdout,
    );
    assert.equal(removed.headers['x-token'], undefined);
    const third = echoed((await runCli(['--session', path, server.url('/echo')], { env })).stdout);
    assert.equal(third.headers['x-token'], undefined);
  });
});

describe('--download', () => {
  test('saves the body to --output, no progress bar when stderr is not a terminal', async () => {
    const dir = tmp('download');
    const run = await runCli(['--download', '--output', join(dir, 'out.bin'), server.url('/bytes/200000')]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(readFileSync(join(dir, 'out.bin')), pattern(200_000));
    assert.equal(run.stdout, '');
    assert.doesNotMatch(run.stderr, /\r|%/);
    assert.match(
      run.stderr,
      /^HTTP\/1\.1 200 OK\n[\s\S]*\nDone\. 200\.0 kB in [\d.]+ s \([^)]*\) → .*out\.bin\n$/,
    );
  });

  test('without --output the name comes from the URL, and an existing file is not overwritten', async () => {
    const dir = tmp('download-name');
    writeFileSync(join(dir, '1000'), 'mine');
    const run = await runCli(['-d', server.url('/bytes/1000')], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(readFileSync(join(dir, '1000'), 'utf8'), 'mine');
    assert.deepEqual(readFileSync(join(dir, '1000-1')), pattern(1000));
  });

  test('--continue resumes a partial file with a Range request; a server that ignores Range gets a fresh copy', async () => {
    const dir = tmp('resume');
    const out = join(dir, 'part.bin');
    writeFileSync(out, pattern(50_000).subarray(0, 12_345));
    const resumed = await runCli(['-d', '-c', '-o', out, server.url('/range-bytes/50000')]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /^HTTP\/1\.1 206 Partial Content\n/);
    assert.equal((await server.stats()).seen.at(-1)!.headers.range, 'bytes=12345-');
    assert.deepEqual(readFileSync(out), pattern(50_000));
    const whole = await runCli(['-d', '-c', '-o', out, server.url('/range-bytes/50000')]);
    assert.equal(whole.code, 0, whole.stderr);
    assert.match(whole.stderr, /already complete/);
    writeFileSync(out, 'garbage');
    const ignored = await runCli(['-d', '-c', '-o', out, server.url('/range-bytes/50000?ignore-range=1')]);
    assert.equal(ignored.code, 0, ignored.stderr);
    assert.deepEqual(readFileSync(out), pattern(50_000));
  });

  test('an error status saves nothing and exits with its --check-status code', async () => {
    const dir = tmp('download-404');
    const run = await runCli(['-d', '-o', join(dir, 'x'), server.url('/status/404')]);
    assert.equal(run.code, 4);
    assert.throws(() => readFileSync(join(dir, 'x')), { code: 'ENOENT' });
  });

  // tmux comes from .ci/run's install line.
  test('on a terminal the progress bar shows size, rate and ETA, and moves (tmux)', async () => {
    const dir = tmp('tmux');
    const socket = join(dir, 'tmux.sock');
    const session = 'onepool-cli-progress';
    // 40 kB dripped 2 kB every 100 ms: about 2 s, many redraws.
    const url = server.url('/range-bytes/40000?chunk=2000&ms=100');
    const command = `'${process.execPath}' '${CLI}' -d -o '${join(dir, 'out.bin')}' '${url}'; echo EXIT=$?; sleep 30`;
    const tmuxRun = (...args: string[]) =>
      execFileSync('tmux', ['-S', socket, ...args], { encoding: 'utf8', env: cleanEnv() });
    tmuxRun('new-session', '-d', '-s', session, '-x', '120', '-y', '20', command);
    try {
      const bars = new Set<string>();
      let screen = '';
      for (let i = 0; i < 200 && !screen.includes('EXIT='); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        screen = tmuxRun('capture-pane', '-p', '-t', session);
        const bar = /\d+% \[[=> ]+\] [\d.]+ kB \/ 40\.0 kB {2}[\d.]+ (?:k?B)\/s {2}ETA \d+:\d\d/.exec(screen);
        if (bar) bars.add(bar[0]);
      }
      assert.match(screen, /EXIT=0/);
      assert.match(screen, /Done\. 40\.0 kB in /);
      assert.ok(bars.size >= 2, `the bar changed while downloading: ${[...bars].join(' | ')}`);
      assert.deepEqual(readFileSync(join(dir, 'out.bin')), pattern(40_000));
    } finally {
      tmuxRun('kill-server');
    }
  });
});

describe('packaging', () => {
  test('`npx onepool` runs the bin of the installed package', async () => {
    // An install's layout: node_modules/onepool (the package) and node_modules/.bin/onepool.
    const project = tmp('npx');
    mkdirSync(join(project, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(ROOT, join(project, 'node_modules', 'onepool'));
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      bin: { onepool: string };
      version: string;
    };
    symlinkSync(join('..', 'onepool', pkg.bin.onepool), join(project, 'node_modules', '.bin', 'onepool'));
    writeFileSync(join(project, 'package.json'), '{"name":"user","private":true}');
    const out = execFileSync(
      'npx',
      ['--no-install', 'onepool', '--print=b', server.url('/text?body=hi&type=text/plain')],
      {
        cwd: project,
        encoding: 'utf8',
        env: cleanEnv({ npm_config_offline: 'true' }),
        timeout: 30_000,
      },
    );
    assert.equal(out, 'hi');
    assert.equal(
      execFileSync('npx', ['--no-install', 'onepool', '--version'], {
        cwd: project,
        encoding: 'utf8',
        env: cleanEnv(),
      }).trim(),
      pkg.version,
    );
  });
});
