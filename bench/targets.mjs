// Issue 15's targets, judged on the run that just happened: each target names the scenario and the two
// rows it compares, the ratio it needs, and gets a verdict. Then every ratio of this run against the
// RESULTS.md it replaces (the previous run on this machine), so that a regression larger than the
// run-to-run spread shows.
import { markdownTable } from './stats.mjs';

// Two runs of the same code have differed by up to about ±0.05 in a req/s ratio on this machine
// (README, Performance): a ratio that fell by more than twice that between runs is called a regression.
export const SPREAD = 0.05;

const fmt = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : 'n/a');

/**
 * sections: [{ title, rows: [{ name, rps, cpuPerReq, error? }] }]; threads: runThreadsBench()'s result.
 * Returns the markdown table of targets and verdicts.
 */
export function targetsMarkdown(sections, threads) {
  const row = (titleStart, name) => {
    const s = sections.find((x) => x.title.startsWith(titleStart));
    const r = s?.rows.find((x) => x.name === name);
    return r && !r.error ? r : undefined;
  };
  const rps = (title, a, b) => {
    const x = row(title, a);
    const y = row(title, b);
    return x && y ? x.rps / y.rps : Number.NaN;
  };
  const cpu = (title, a, b) => {
    const x = row(title, a);
    const y = row(title, b);
    return x && y ? x.cpuPerReq / y.cpuPerReq : Number.NaN;
  };
  const lines = [];
  const judge = (target, measured, met) => {
    lines.push([target, measured, Number.isNaN(met) ? 'not measured' : met ? 'met' : '**missed**']);
  };
  const atLeast = (target, what, x, need) =>
    judge(target, `${what}: ${fmt(x)}`, Number.isNaN(x) ? x : x >= need);
  const atMost = (target, what, x, need) =>
    judge(target, `${what}: ${fmt(x)}`, Number.isNaN(x) ? x : x <= need);

  const SEQ = 'Sequential GETs, small body (node:http';
  const SEQ_NGINX = 'Sequential GETs, small body (nginx';
  const C64 = '64 concurrent GETs, small body (node:http';
  const C64_NGINX = '64 concurrent GETs, small body (nginx';
  const U = 'undici direct';
  const U16 = 'undici direct (connections: 16)';
  atLeast(
    'h1 sequential, sync face ≥ 0.85× undici',
    'node:http server',
    rps(SEQ, 'onepool httpSync', U),
    0.85,
  );
  atLeast('', 'nginx', rps(SEQ_NGINX, 'onepool httpSync', U), 0.85);
  atLeast(
    'h1 64 concurrent, async face ≥ 0.85× undici at 16 connections',
    'node:http server',
    rps(C64, 'onepool http', U16),
    0.85,
  );
  atLeast('', 'nginx', rps(C64_NGINX, 'onepool http', U16), 0.85);
  atLeast(
    'h1 64 concurrent ≥ 0.8× undici with its defaults',
    'node:http server',
    rps(C64, 'onepool http', U),
    0.8,
  );
  atLeast('', 'nginx', rps(C64_NGINX, 'onepool http', U), 0.8);
  atMost(
    'h1 64 concurrent, CPU per request ≤ 1.3× undici’s (defaults)',
    'node:http server',
    cpu(C64, 'onepool http', U),
    1.3,
  );
  atMost('', 'nginx', cpu(C64_NGINX, 'onepool http', U), 1.3);
  const H2SEQ = 'HTTP/2 over TLS, sequential';
  const H2C64 = 'HTTP/2 over TLS, 64 concurrent';
  const U1 = 'undici direct (allowH2, 1 connection)';
  atLeast(
    'h2 sequential, both faces ≥ 0.85× undici (allowH2, 1 connection)',
    'sync face',
    rps(H2SEQ, 'onepool httpSync', U1),
    0.85,
  );
  atLeast('', 'async face', rps(H2SEQ, 'onepool http', U1), 0.85);
  atLeast(
    'h2 64 concurrent ≥ 1.5× undici with allowH2 on one connection',
    'async face',
    rps(H2C64, 'onepool http', U1),
    1.5,
  );
  const MB = 'Sequential GETs, 1 MiB';
  const MB8 = '8 concurrent GETs, 1 MiB';
  const NODE = 'node:http + keep-alive Agent';
  atLeast(
    '1 MiB sequential, both faces ≥ 0.9× node:http (keep-alive Agent)',
    'sync face',
    rps(MB, 'onepool httpSync', NODE),
    0.9,
  );
  atLeast('', 'async face', rps(MB, 'onepool http', NODE), 0.9);
  atLeast(
    '1 MiB 8 concurrent, both faces ≥ 0.9× node:http',
    'sync face (`httpSync.all`)',
    rps(MB8, 'onepool httpSync.all', NODE),
    0.9,
  );
  atLeast('', 'async face', rps(MB8, 'onepool http', NODE), 0.9);
  if (threads) {
    const { main, worker } = threads.overhead;
    // Time per call, so the worker thread is within 10 % when its time is at most 1.1× main's.
    atMost(
      'from a worker thread within 10 % of the main thread (time per sequential GET)',
      `sync face: ${worker.sync.toFixed(0)} vs ${main.sync.toFixed(0)} µs`,
      worker.sync / main.sync,
      1.1,
    );
    atMost(
      '',
      `async face: ${worker.async.toFixed(0)} vs ${main.async.toFixed(0)} µs`,
      worker.async / main.async,
      1.1,
    );
  } else {
    judge('from a worker thread within 10 % of the main thread', 'bench/threads.mjs did not run', Number.NaN);
  }
  return markdownTable(['target', 'measured (ratio in this run)', 'verdict'], lines);
}

/** The req/s ratios of a RESULTS.md: Map of "section — client vs baseline" to the ratio column's number. */
export function ratiosOf(markdown) {
  const ratios = new Map();
  let section = '';
  let column = -1;
  let baseline = '';
  for (const line of markdown.split('\n')) {
    if (line.startsWith('## ')) {
      section = line.slice(3).trim();
      column = -1;
      continue;
    }
    if (!line.startsWith('| ')) continue;
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    if (cells[0] === 'client') {
      column = cells.findIndex((c) => c.startsWith('req/s vs'));
      baseline = column < 0 ? '' : cells[column].slice('req/s '.length);
      continue;
    }
    if (column < 0 || cells[0].startsWith('---')) continue;
    const x = Number.parseFloat(cells[column]);
    if (Number.isFinite(x)) ratios.set(`${section} — ${cells[0]} ${baseline}`, x);
  }
  return ratios;
}

/** This run's ratios against the previous RESULTS.md's, onepool's rows only; the ones beyond the spread flagged. */
export function changesMarkdown(previous, current) {
  const before = ratiosOf(previous);
  const after = ratiosOf(current);
  const rows = [];
  for (const [key, x] of after) {
    if (!key.includes('— onepool')) continue;
    const y = before.get(key);
    if (y === undefined) continue;
    const delta = x - y;
    const verdict =
      delta < -2 * SPREAD
        ? '**fell beyond the spread**'
        : delta > 2 * SPREAD
          ? 'rose beyond the spread'
          : 'within the spread';
    rows.push([key, fmt(y), fmt(x), `${delta >= 0 ? '+' : ''}${delta.toFixed(2)}`, verdict]);
  }
  if (rows.length === 0) return '';
  return markdownTable(
    ['scenario — client vs baseline', 'previous run', 'this run', 'change', `verdict (spread ±${SPREAD})`],
    rows,
  );
}
