/**
 * The API reference (`npm run docs`, TypeDoc) builds with no warning, and an exported symbol without a
 * doc comment fails the build: the reference cannot silently lose part of the public surface.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { ROOT } from './helpers/scripts.ts';

const TYPEDOC = join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc');

function typedoc(options: string): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [TYPEDOC, '--options', options, '--emit', 'none'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 120_000,
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

// Inside the package (so the fixture compiles with the project's settings), in the ignored .tmp.
mkdirSync(join(ROOT, '.tmp'), { recursive: true });
const fixture = mkdtempSync(join(ROOT, '.tmp', 'typedoc-'));
after(() => rmSync(fixture, { recursive: true, force: true }));

test('the public surface is documented: typedoc reports no warning', () => {
  const run = typedoc('typedoc.json');
  assert.equal(run.status, 0, run.output);
  assert.doesNotMatch(run.output, /\[warning\]/, run.output);
});

test('an exported symbol without a doc comment fails the docs build', () => {
  writeFileSync(
    join(fixture, 'index.ts'),
    '/** Documented. */\nexport const documented = 1;\nexport function undocumentedHelper(): number {\n  return 2;\n}\n',
  );
  writeFileSync(
    join(fixture, 'tsconfig.json'),
    JSON.stringify({ extends: relative(fixture, join(ROOT, 'tsconfig.json')), include: ['index.ts'] }),
  );
  // The project's TypeDoc settings, on the fixture instead of src/index.ts.
  writeFileSync(
    join(fixture, 'typedoc.json'),
    JSON.stringify({
      extends: [relative(fixture, join(ROOT, 'typedoc.json'))],
      tsconfig: './tsconfig.json',
      entryPoints: ['./index.ts'],
    }),
  );
  const run = typedoc(join(fixture, 'typedoc.json'));
  assert.notEqual(run.status, 0, run.output);
  assert.match(run.output, /undocumentedHelper .*does not have any documentation/);
  assert.doesNotMatch(run.output, /documented \(Variable\).*does not have any documentation/);
});
