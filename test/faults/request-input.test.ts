// Request-side input: CR, LF and NUL in every slot the caller controls, in every shape headers come in,
// are refused before anything is sent (the server counts 0 connections and 0 bytes); so are framing
// headers that could make two parsers disagree (Transfer-Encoding, repeated or malformed
// Content-Length, repeated Host, in any letter case).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  http,
  httpSync,
  InvalidArgumentError,
  InvalidHeaderError,
  InvalidRequestError,
  InvalidURLError,
  type RequestOptions,
} from 'onepool';
import { type FaultHost, type FaultServer, startFaults } from '../helpers/faults.js';
import { attempt, describeError, FACES, type Face, optionsFor } from './harness.js';

let host: FaultHost;
let h1: FaultServer;
let h2: FaultServer;
before(async () => {
  host = await startFaults(['ok', 'h2-ok']);
  h1 = host.get('ok');
  h2 = host.get('h2-ok');
});
after(() => host?.close());

const BAD = { CR: '\r', LF: '\n', CRLF: '\r\n', NUL: '\0' } as const;
/** Code points above 0xFF whose low byte is CR or LF: latin1 encoding would turn them into CR/LF. */
const WIDE = { 'U+010D': '\u010d', 'U+010A': '\u010a' } as const;

/** A value whose toString() smuggles the character (coerced values, undici #5579). */
const coercible = (text: string) => ({ toString: () => text });

type Case = {
  name: string;
  method?: string;
  /** a path (and query) appended to the server's origin, or a whole URL */
  url?: (origin: string) => string | URL;
  options?: RequestOptions;
  error: new (...args: never[]) => Error;
};

const cases: Case[] = [];
for (const [label, ch] of Object.entries(BAD)) {
  const inj = `${ch}X-Injected: 1`;
  cases.push(
    { name: `method ${label}`, method: `GET${ch}`, error: InvalidArgumentError },
    { name: `method ${label} mid-token`, method: `G${ch}ET / HTTP/1.1${ch}`, error: InvalidArgumentError },
    { name: `path ${label}`, url: (o) => `${o}/a${inj}`, error: InvalidURLError },
    { name: `query ${label}`, url: (o) => `${o}/?q=a${inj}`, error: InvalidURLError },
    { name: `fragment ${label}`, url: (o) => `${o}/#a${inj}`, error: InvalidURLError },
    {
      name: `header value object ${label}`,
      options: { headers: { 'x-a': `v${inj}` } },
      error: InvalidHeaderError,
    },
    {
      name: `header name object ${label}`,
      options: { headers: { [`x-a${ch}`]: 'v' } },
      error: InvalidHeaderError,
    },
    {
      name: `header value in an array ${label}`,
      options: { headers: { 'x-a': ['ok', `v${inj}`] } },
      error: InvalidHeaderError,
    },
    {
      name: `header value pair ${label}`,
      options: { headers: [['x-a', `v${inj}`]] },
      error: InvalidHeaderError,
    },
    {
      name: `header name pair ${label}`,
      options: { headers: [[`x-a${ch}`, 'v']] },
      error: InvalidHeaderError,
    },
    {
      name: `header value Map ${label}`,
      options: { headers: new Map([['x-a', `v${inj}`]]) },
      error: InvalidHeaderError,
    },
    {
      name: `coercible header value ${label}`,
      options: { headers: { 'x-a': coercible(`v${inj}`) as unknown as string } },
      error: InvalidHeaderError,
    },
    {
      name: `coercible value in an array ${label}`,
      options: { headers: { 'x-a': [coercible(`v${inj}`) as unknown as string] } },
      error: InvalidHeaderError,
    },
    {
      name: `coercible value in a pair ${label}`,
      options: { headers: [['x-a', coercible(`v${inj}`) as unknown as string]] },
      error: InvalidHeaderError,
    },
    {
      name: `coercible header name in a pair ${label}`,
      options: { headers: [[coercible(`x-a${ch}`) as unknown as string, 'v']] },
      error: InvalidHeaderError,
    },
    { name: `Host ${label}`, options: { headers: { Host: `127.0.0.1${inj}` } }, error: InvalidHeaderError },
    { name: `host (pair) ${label}`, options: { headers: [['host', `h${inj}`]] }, error: InvalidHeaderError },
    {
      name: `user-agent ${label}`,
      options: { headers: { 'User-Agent': `ua${inj}` } },
      error: InvalidHeaderError,
    },
    {
      name: `content-type ${label}`,
      method: 'POST',
      options: { body: 'x', headers: { 'content-type': `text/plain${inj}` } },
      error: InvalidHeaderError,
    },
  );
}
for (const [label, ch] of Object.entries(WIDE)) {
  cases.push(
    {
      name: `header value ${label}`,
      options: { headers: { 'x-a': `v${ch}X-Injected: 1` } },
      error: InvalidHeaderError,
    },
    { name: `Host ${label}`, options: { headers: { host: `h${ch}` } }, error: InvalidHeaderError },
  );
}
cases.push(
  { name: 'header name with a space', options: { headers: { 'x a': 'v' } }, error: InvalidHeaderError },
  { name: 'header name with a colon', options: { headers: { 'x-a:': 'v' } }, error: InvalidHeaderError },
  { name: 'empty header name', options: { headers: [['', 'v']] }, error: InvalidHeaderError },
  {
    name: 'malformed header pair',
    options: { headers: [['x-a', 'v', 'w']] as never },
    error: InvalidHeaderError,
  },
  // framing: any letter case, any shape
  {
    name: 'Transfer-Encoding',
    options: { headers: { 'Transfer-Encoding': 'chunked' } },
    error: InvalidHeaderError,
  },
  {
    name: 'transfer-encoding (pair)',
    options: { headers: [['tRaNsFeR-eNcOdInG', 'chunked']] },
    error: InvalidHeaderError,
  },
  {
    name: 'two Content-Lengths differing in case',
    options: {
      body: 'abc',
      headers: [
        ['Content-Length', '3'],
        ['content-length', '3'],
      ],
    },
    error: InvalidHeaderError,
  },
  {
    name: 'two Content-Lengths in an array value',
    options: { body: 'abc', headers: { 'content-length': ['3', '3'] } },
    error: InvalidHeaderError,
  },
  {
    name: 'Content-Length that does not match the body',
    options: { body: 'abc', headers: { 'Content-Length': '2' } },
    error: InvalidHeaderError,
  },
  {
    name: 'Content-Length without a body',
    options: { headers: { 'Content-Length': '5' } },
    error: InvalidHeaderError,
  },
  ...['+3', '0x3', '3.0', '3e0', '3 3', '3,3', '-0', ''].map((cl) => ({
    name: `Content-Length ${JSON.stringify(cl)} (not 1*DIGIT)`,
    options: { body: 'abc', headers: { 'Content-Length': cl } },
    error: InvalidHeaderError,
  })),
  {
    name: 'two Hosts differing in case',
    options: {
      headers: [
        ['Host', 'a.test'],
        ['HOST', 'b.test'],
      ],
    },
    error: InvalidHeaderError,
  },
  {
    name: 'two Hosts in an array value',
    options: { headers: { host: ['a.test', 'b.test'] } },
    error: InvalidHeaderError,
  },
);

async function call(face: Face, method: string, url: string | URL, options: RequestOptions) {
  return face === 'async' ? http.request(method, url, options) : httpSync.request(method, url, options);
}

const origin = (srv: FaultServer) => srv.url.slice(0, srv.url.indexOf('/', 8));

for (const face of FACES) {
  for (const [proto, pick] of [
    ['HTTP/1.1', () => h1],
    ['HTTP/2', () => h2],
  ] as const) {
    describe(`request input is refused before connecting: ${proto}, ${face} face`, () => {
      for (const c of cases) {
        test(c.name, async () => {
          const srv = pick();
          const before = await srv.observed();
          const base = optionsFor(srv);
          const options = { ...base, ...c.options, headers: c.options?.headers ?? {} } as RequestOptions;
          let thrown: unknown;
          try {
            await call(face, c.method ?? 'GET', c.url ? c.url(origin(srv)) : srv.url, options);
          } catch (error) {
            thrown = error;
          }
          assert.ok(thrown instanceof c.error, `expected ${c.error.name}, got ${String(thrown)}`);
          assert.ok(thrown instanceof InvalidRequestError);
          const after = await srv.observed();
          assert.equal(after.connections - before.connections, 0, 'no connection opened');
          assert.equal(after.bytesReceived - before.bytesReceived, 0, 'the server saw no byte');
        });
      }

      test('params with CR/LF/NUL are sent percent-encoded, never raw', async () => {
        const srv = pick();
        const before = await srv.observed();
        const a = await attempt(face, srv);
        assert.equal(a.outcome, 'ok', describeError(a));
        const r = await call(face, 'GET', srv.url, {
          ...optionsFor(srv),
          params: { q: 'a\r\nX-Injected: 1\0' },
        });
        assert.equal(r.status, 200);
        const seen = (await srv.observed()).requests.slice(before.requests.length).at(-1)!;
        assert.ok(seen.path.includes('%0D%0A'), seen.path);
        assert.ok(!/[\r\n\0]/.test(seen.path), JSON.stringify(seen.path));
      });
    });
  }
}
