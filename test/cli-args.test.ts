/** The CLI's grammar and its progress line, as pure functions (the command itself: cli.test.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeURL, parseArgs, parseItem, UsageError } from '../src/cli/args.ts';
import { humanSize, renderBar } from '../src/cli/progress.ts';

test('request items: the first separator wins, a backslash escapes one', () => {
  assert.deepEqual(parseItem('Accept:application/json'), {
    kind: 'header',
    name: 'Accept',
    value: 'application/json',
  });
  assert.deepEqual(parseItem('X-Empty:'), { kind: 'header', name: 'X-Empty', value: '' });
  assert.deepEqual(parseItem('q==a=b'), { kind: 'query', name: 'q', value: 'a=b' });
  assert.deepEqual(parseItem('url=http://x:1/'), { kind: 'data', name: 'url', value: 'http://x:1/' });
  assert.deepEqual(parseItem('n:=[1,{"a":null}]'), { kind: 'json', name: 'n', value: [1, { a: null }] });
  assert.deepEqual(parseItem('doc@/tmp/a b.txt'), { kind: 'file', name: 'doc', path: '/tmp/a b.txt' });
  assert.deepEqual(parseItem('a\\:b=c'), { kind: 'data', name: 'a:b', value: 'c' });
  assert.equal(parseItem('example.com/path'), null);
  assert.throws(() => parseItem('=x'), UsageError);
  assert.throws(() => parseItem('n:=nope'), UsageError);
});

test('URLs: http:// by default, :PORT/path is localhost', () => {
  assert.equal(normalizeURL('example.test/x'), 'http://example.test/x');
  assert.equal(normalizeURL('https://example.test'), 'https://example.test');
  assert.equal(normalizeURL(':3000/api'), 'http://localhost:3000/api');
  assert.equal(normalizeURL(':/api'), 'http://localhost/api');
});

test('a method is the first word only when a URL follows it; several URLs come before the items', () => {
  assert.equal(parseArgs(['delete', 'example.test/x']).method, 'DELETE');
  assert.equal(parseArgs(['localhost']).method, undefined);
  const several = parseArgs(['http://a.test/', ':8080/b', 'https://c.test/', 'X:1']);
  assert.deepEqual(several.urls, ['http://a.test/', 'http://localhost:8080/b', 'https://c.test/']);
  assert.equal(several.items.length, 1);
});

test('flags take values as --flag=value or --flag value; mistakes are UsageErrors', () => {
  const args = parseArgs(['--timeout=2.5', '--retry', '3', '-v', '--http2', '--verify=no', 'example.test']);
  assert.equal(args.timeout, 2.5);
  assert.equal(args.retry, 3);
  assert.equal(args.verbose, true);
  assert.equal(args.http, '2');
  assert.equal(args.verify, false);
  assert.equal(parseArgs(['--verify=/etc/ca.pem', 'x.test']).verify, '/etc/ca.pem');
  assert.equal(parseArgs(['-h', 'x.test']).print, 'h');
  assert.equal(parseArgs(['--body', 'x.test']).print, 'b');
  for (const bad of [
    ['--form', '--json', 'x.test'],
    ['--print=Z', 'x.test'],
    ['--continue', 'x.test'],
    ['-d', '-c', 'x.test'],
    ['--retry=-1', 'x.test'],
    ['--timeout'],
    [],
  ])
    assert.throws(() => parseArgs(bad), UsageError, bad.join(' '));
});

test('the progress line: percentage, bar, sizes, rate and ETA; without a total only size and rate', () => {
  assert.equal(humanSize(999), '999 B');
  assert.equal(humanSize(1_500_000), '1.5 MB');
  const line = renderBar(2_500_000, 10_000_000, 1_250_000, 80);
  assert.match(line, /^ 25% \[=+> +\] 2\.5 MB \/ 10\.0 MB {2}1\.3 MB\/s {2}ETA 0:06$/);
  assert.ok(line.length <= 80);
  assert.equal(renderBar(4096, undefined, 2048, 80), '4.1 kB  2.0 kB/s');
});
