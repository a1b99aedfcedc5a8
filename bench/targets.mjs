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
  const ratio = (field, [title, a, b]) => {
    const x = row(title, a);
    const y = row(title, b);
    return x && y ? x[field] / y[field] : Number.NaN;
  };
  const lines = [];
  for (const { target, need, most, field, cases } of targetList(threads)) {
    cases.forEach(([what, x], i) => {
      const value = typeof x === 'number' ? x : ratio(field ?? 'rps', x);
      const met = Number.isNaN(value)
        ? 'not measured'
        : (most ? value <= need : value >= need)
          ? 'met'
          : '**missed**';
      lines.push([i === 0 ? target : '', `${what}: ${fmt(value)}`, met]);
    });
  }
  return markdownTable(['target', 'measured (ratio in this run)', 'verdict'], lines);
}

const SEQ = 'Sequential GETs, small body (node:http';
const SEQ_NGINX = 'Sequential GETs, small body (nginx';
const C64 = '64 concurrent GETs, small body (node:http';
const C64_NGINX = '64 concurrent GETs, small body (nginx';
const H2SEQ = 'HTTP/2 over TLS, sequential';
const H2C64 = 'HTTP/2 over TLS, 64 concurrent';
const MB = 'Sequential GETs, 1 MiB';
const MB8 = '8 concurrent GETs, 1 MiB';
const U = 'undici direct';
const U16 = 'undici direct (connections: 16)';
const U1 = 'undici direct (allowH2, 1 connection)';
const NODE = 'node:http + keep-alive Agent';

/**
 * Issue 15's targets: each compares `field` (req/s unless it says) of two rows of one scenario
 * ([scenario title's start, row, baseline row]), or takes a ratio measured elsewhere (a number),
 * against `need` (at least, or with `most` at most).
 */
function targetList(threads) {
  const h1 = (face, baseline) => [
    ['node:http server', [SEQ, face, baseline]],
    ['nginx', [SEQ_NGINX, face, baseline]],
  ];
  const c64 = (baseline) => [
    ['node:http server', [C64, 'onepool http', baseline]],
    ['nginx', [C64_NGINX, 'onepool http', baseline]],
  ];
  const list = [
    { target: 'h1 sequential, sync face ≥ 0.85× undici', need: 0.85, cases: h1('onepool httpSync', U) },
    { target: 'h1 64 concurrent, async face ≥ 0.85× undici at 16 connections', need: 0.85, cases: c64(U16) },
    { target: 'h1 64 concurrent ≥ 0.8× undici with its defaults', need: 0.8, cases: c64(U) },
    {
      target: 'h1 64 concurrent, CPU per request ≤ 1.3× undici’s (defaults)',
      need: 1.3,
      most: true,
      field: 'cpuPerReq',
      cases: c64(U),
    },
    {
      target: 'h2 sequential, both faces ≥ 0.85× undici (allowH2, 1 connection)',
      need: 0.85,
      cases: [
        ['sync face', [H2SEQ, 'onepool httpSync', U1]],
        ['async face', [H2SEQ, 'onepool http', U1]],
      ],
    },
    {
      target: 'h2 64 concurrent ≥ 1.5× undici with allowH2 on one connection',
      need: 1.5,
      cases: [['async face', [H2C64, 'onepool http', U1]]],
    },
    {
      target: '1 MiB sequential, both faces ≥ 0.9× node:http (keep-alive Agent)',
      need: 0.9,
      cases: [
        ['sync face', [MB, 'onepool httpSync', NODE]],
        ['async face', [MB, 'onepool http', NODE]],
      ],
    },
    {
      target: '1 MiB 8 concurrent, both faces ≥ 0.9× node:http',
      need: 0.9,
      cases: [
        ['sync face (`httpSync.all`)', [MB8, 'onepool httpSync.all', NODE]],
        ['async face', [MB8, 'onepool http', NODE]],
      ],
    },
  ];
  // Time per call, so the worker thread is within 10 % when its time is at most 1.1× main's.
  const worker = 'from a worker thread within 10 % of the main thread (time per sequential GET)';
  if (!threads) {
    list.push({
      target: worker,
      need: 1.1,
      most: true,
      cases: [['bench/threads.mjs did not run', Number.NaN]],
    });
    return list;
  }
  const { main, worker: w } = threads.overhead;
  const face = (name) => [
    `${name} face: ${w[name].toFixed(0)} vs ${main[name].toFixed(0)} µs`,
    w[name] / main[name],
  ];
  list.push({ target: worker, need: 1.1, most: true, cases: [face('sync'), face('async')] });
  return list;
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
