/**
 * The examples in examples/ run as shipped and print what they say (the demo server runs in a child
 * process, so the sync calls cannot deadlock).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers/scripts.ts';

test('examples/piscina.mjs: piscina workers and the main thread share one pool worker and its connection cap', () => {
  const run = spawnSync(process.execPath, [join(ROOT, 'examples/piscina.mjs')], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines[0], '8 tasks on several piscina worker(s), 3 calls each');
  assert.equal(lines[1], 'connections at the server: at most 2 (maxConnections: 2)');
  assert.match(lines[2]!, /^one pool worker \(thread \d+\) ran 25 exchanges$/);
  assert.equal(lines[3], 'a cancelled call: ONEPOOL_ERR_ABORTED');
});
