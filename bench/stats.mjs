// Numbers and tables: percentiles over per-request latencies (nanoseconds), unit formatting, and the markdown
// table written to RESULTS.md (one row per client, ratio to the baseline measured in the same run).

export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function median(values) {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

// ns -> "85 µs" / "1.23 ms" / "2.5 s"
export function fmtTime(ns) {
  if (!Number.isFinite(ns)) return '-';
  if (ns < 1e6) return `${(ns / 1e3).toFixed(ns < 1e4 ? 1 : 0)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : 1)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}

export function fmtRate(perSec) {
  if (!Number.isFinite(perSec)) return '-';
  return perSec >= 100 ? Math.round(perSec).toLocaleString('en-US') : perSec.toFixed(1);
}

// Summarise one client's blocks: { requests, elapsedNs, cpuUs, lat: number[] } -> row numbers (times in ns).
export function summarize(r) {
  const sorted = Float64Array.from(r.lat).sort();
  return {
    requests: r.requests,
    rps: r.elapsedNs > 0 ? (r.requests * 1e9) / r.elapsedNs : Number.NaN,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    cpuPerReq: r.requests ? (r.cpuUs * 1e3) / r.requests : Number.NaN,
  };
}

export function markdownTable(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

// rows: [{ name, error?, requests, rps, p50, p99, cpuPerReq, conns }]; the ratio is taken against `baseline`.
export function scenarioTable(rows, baseline) {
  const base = rows.find((r) => r.name === baseline && !r.error);
  const body = rows.map((r) => {
    if (r.error) return [r.name, `n/a (${r.error})`, '', '', '', '', '', ''];
    const x = r.rps / base?.rps;
    const ratio = base ? `${x < 0.1 ? x.toPrecision(2) : x.toFixed(2)}×` : '-';
    return [
      r.name,
      fmtRate(r.rps),
      fmtTime(r.p50),
      fmtTime(r.p99),
      fmtTime(r.cpuPerReq),
      r.conns ?? '-',
      ratio,
      String(r.requests),
    ];
  });
  return markdownTable(
    [
      'client',
      'req/s',
      'p50',
      'p99',
      'CPU/req',
      'connections opened',
      `req/s vs ${baseline}`,
      'requests timed',
    ],
    body,
  );
}
