/**
 * NODE_DEBUG=onepool: one line per exchange in the caller (face, method, URL without credentials,
 * status or error code, ms, connection id and whether it was reused) and the pool's events from the
 * worker (connection opened and closed, HTTP/2 GOAWAY). node reads NODE_DEBUG at startup, so each
 * case runs in a child process; the servers run in processes of their own.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runScript } from './helpers/scripts.ts';
import { refusedURL, startServer, type TestServer } from './helpers/servers.ts';

let http1: TestServer;
let h2: TestServer;
before(async () => {
  http1 = await startServer('http');
  h2 = await startServer('h2');
});
after(() => Promise.all([http1.close(), h2.close()]));

/**
 * A script that makes a few requests on both faces and closes its pool; it exits once the worker's
 * line about the closed connection has reached this process's stderr (bounded: 10 s), so the
 * worker's last line is not lost with the process.
 */
const script = (url: string, refused: string, ca: string) => `
  import { Client, createPool } from 'onepool';
  const write = process.stderr.write.bind(process.stderr);
  let closed;
  const seen = new Promise((resolve) => { closed = resolve; });
  process.stderr.write = (chunk, ...rest) => {
    if (String(chunk).includes(' closed: ')) closed();
    return write(chunk, ...rest);
  };
  const pool = createPool();
  const client = new Client({ pool${ca ? `, tls: { ca: ${JSON.stringify(ca)} }` : ''} });
  const target = new URL(${JSON.stringify(url)});
  target.username = 'user';
  target.password = 'secret-password';
  await client.get(target.href);
  client.sync.get(${JSON.stringify(url)});
  await client.get(${JSON.stringify(refused)}).catch(() => {});
  await pool.close();
  if (process.env.NODE_DEBUG) {
    // A timer that holds the process open until the line has come (or 10 s have passed).
    let timer;
    await Promise.race([seen, new Promise((resolve) => { timer = setTimeout(resolve, 10_000); })]);
    clearTimeout(timer);
  }
`;

const lines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('ONEPOOL '));

for (const [name, server] of [
  ['HTTP/1.1', () => http1],
  ['HTTP/2', () => h2],
] as const) {
  test(`${name}: one line per exchange on both faces, and the pool's connection events`, async () => {
    const s = server();
    const refused = await refusedURL();
    const run = await runScript(script(s.url('/echo?x=1'), refused, s.cert), {
      env: { NODE_DEBUG: 'onepool' },
    });
    assert.equal(run.code, 0, run.stderr);
    const logged = lines(run.stderr);
    assert.ok(!run.stderr.includes('secret-password'), run.stderr);
    const origin = s.origin.replace(/[.[\]]/g, '\\$&');
    const path = `${origin}/echo\\?x=1`;
    const exchanges = logged.filter((line) => / (async|sync) /.test(line));
    assert.equal(exchanges.length, 3, logged.join('\n'));
    assert.match(
      exchanges[0]!,
      new RegExp(`^ONEPOOL \\d+: async GET ${path} 200 \\d+\\.\\dms conn=(\\d+) new$`),
    );
    assert.match(
      exchanges[1]!,
      new RegExp(`^ONEPOOL \\d+: sync GET ${path} 200 \\d+\\.\\dms conn=(\\d+) reused$`),
    );
    assert.match(
      exchanges[2]!,
      /^ONEPOOL \d+: async GET http:\/\/127\.0\.0\.1:\d+\/ ONEPOOL_ERR_CONNECT \d+\.\dms conn=-$/,
    );
    const id = /conn=(\d+)/.exec(exchanges[0]!)![1];
    assert.equal(/conn=(\d+)/.exec(exchanges[1]!)![1], id, 'the same connection');
    const protocol = name === 'HTTP/2' ? 'h2' : 'h1';
    assert.ok(
      logged.some((line) => line.endsWith(`pool connection ${id} opened: ${protocol} ${s.origin}`)),
      logged.join('\n'),
    );
    assert.ok(
      logged.some((line) =>
        line.includes(`pool connection ${id} closed: ${protocol} ${s.origin} after 2 exchanges`),
      ),
      logged.join('\n'),
    );
  });
}

test('HTTP/2 GOAWAY is logged by the worker', async () => {
  await h2.armGoaway(1, 1);
  const run = await runScript(
    `
    import { Client } from 'onepool';
    const client = new Client({ tls: { ca: ${JSON.stringify(h2.cert)} } });
    await client.get(${JSON.stringify(h2.url('/goaway'))});
    `,
    { env: { NODE_DEBUG: 'onepool' } },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /ONEPOOL \d+: pool connection \d+ GOAWAY: code \d+, last stream \d+/);
});

test('without NODE_DEBUG nothing is logged', async () => {
  const run = await runScript(script(http1.url('/echo?x=1'), await refusedURL(), ''), {
    env: { NODE_DEBUG: '' },
  });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(lines(run.stderr), []);
});
