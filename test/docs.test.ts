/**
 * The guides' code samples run. Every ```js / ```cjs block in docs/*.md is either a sample
 * (info string `js test` or `cjs test`), run in a child process against local servers, or another
 * library's code shown for comparison (`js axios`, `js got`...), which is not onepool's to run. A
 * sample reads its servers from the environment (BASE: plain HTTP/1.1; H2_BASE: HTTPS with HTTP/2;
 * CA: the PEM that verifies H2_BASE) and states what it prints with `// prints: LINE` comments;
 * its output must be exactly those lines, in order.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT, runScript } from './helpers/scripts.ts';
import { startServer, type TestServer } from './helpers/servers.ts';

const DOCS = join(ROOT, 'docs');
const GUIDES = [
  'migrating-from-requests.md',
  'migrating-from-axios.md',
  'migrating-from-got.md',
  'migrating-from-sync-request.md',
  'recipes.md',
];
/** Libraries whose code a guide may show next to onepool's, unrun. */
const COMPARED = new Set(['axios', 'got', 'sync-request', 'node-fetch']);
const SCRIPT_LANGUAGES = new Set(['js', 'mjs', 'cjs', 'javascript', 'ts', 'typescript']);

interface Block {
  file: string;
  line: number;
  language: string;
  tag: string | undefined;
  source: string;
}

function blocksOf(file: string): Block[] {
  const lines = readFileSync(join(DOCS, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S+)(?:\s+(\S+))?\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) body.push(lines[i]!);
    blocks.push({ file, line: start + 1, language: open[1]!, tag: open[2], source: body.join('\n') });
  }
  return blocks;
}

function printsOf(source: string): string[] {
  return [...source.matchAll(/\/\/ prints: (.*)$/gm)].map((m) => m[1]!.trimEnd());
}

// A missing guide fails the first test, not the loading of this file.
const scripts = GUIDES.filter((f) => existsSync(join(DOCS, f)))
  .flatMap(blocksOf)
  .filter((b) => SCRIPT_LANGUAGES.has(b.language));
const samples = scripts.filter((b) => b.tag === 'test');

test('the guides exist and each has samples that run', () => {
  assert.deepEqual(
    readdirSync(DOCS)
      .filter((f) => f.endsWith('.md'))
      .sort(),
    [...GUIDES].sort(),
  );
  for (const guide of GUIDES)
    assert.ok(
      samples.some((s) => s.file === guide),
      `${guide} has no sample`,
    );
});

test('every script block is a sample or names the library it compares with', () => {
  for (const block of scripts) {
    const where = `${block.file}:${block.line}`;
    if (block.tag === 'test') {
      assert.ok(block.language === 'js' || block.language === 'cjs', `${where}: samples are js or cjs`);
      assert.ok(printsOf(block.source).length > 0, `${where}: a sample says what it prints`);
    } else assert.ok(COMPARED.has(block.tag ?? ''), `${where}: tag it 'test' or with the compared library`);
  }
});

test('README links to the guides and the API reference', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  for (const guide of GUIDES) assert.ok(readme.includes(`(docs/${guide})`), `README links docs/${guide}`);
  assert.match(readme, /npm run docs/);
});

describe('the guides’ samples', () => {
  let plain: TestServer;
  let h2: TestServer;
  before(async () => {
    [plain, h2] = await Promise.all([startServer('http'), startServer('h2')]);
  });
  after(() => Promise.all([plain.close(), h2.close()]));

  for (const sample of samples) {
    test(`${sample.file}:${sample.line}`, async () => {
      const run = await runScript(sample.source, {
        type: sample.language === 'cjs' ? 'commonjs' : 'module',
        env: { BASE: plain.origin, H2_BASE: h2.origin, CA: h2.cert, NO_COLOR: '1' },
        timeoutMs: 30_000,
      });
      assert.equal(run.code, 0, `exit ${run.code} ${run.signal ?? ''}\n${run.stdout}\n${run.stderr}`);
      assert.deepEqual(run.stdout.trimEnd().split('\n'), printsOf(sample.source), run.stderr);
    });
  }
});
