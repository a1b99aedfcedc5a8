/**
 * `--download`: the body streamed to a file (never held in memory) with a progress bar on stderr,
 * and `--continue` resuming a partial file with a Range request.
 */
import { closeSync, existsSync, openSync, statSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { httpSync, type SyncStreamingResponse } from '../index.js';
import { ProgressBar, type ProgressSink } from './progress.js';
import type { CliRequest } from './request.js';

export interface DownloadResult {
  response: SyncStreamingResponse;
  /** where the body went; undefined when nothing was saved (an error status) */
  path: string | undefined;
}

/**
 * Downloads `url`. A non-2xx answer is not saved (its body is dropped): the caller reports it.
 * With `resume`, `output` is appended to from its current size when the server answers 206 for
 * that offset, rewritten when it answers 200 (it ignored the Range), and left as it is on 416 (the
 * file is already whole).
 */
export function download(
  url: string,
  request: CliRequest,
  output: string | undefined,
  resume: boolean,
  stderr: ProgressSink,
  onHead: (response: SyncStreamingResponse) => void,
): DownloadResult {
  const offset = resume && output !== undefined && existsSync(output) ? statSync(output).size : 0;
  // Identity, so that byte offsets are offsets in the file (a gzip body's are not).
  const headers: [string, string | null][] = [...request.headers, ['accept-encoding', 'identity']];
  if (offset > 0) headers.push(['range', `bytes=${offset}-`]);
  const response = httpSync.stream(request.method, url, { ...request.options, headers });
  onHead(response);
  if (offset > 0 && response.status === 416) {
    response.cancel();
    stderr.write(`${output} is already complete (${offset} bytes)\n`);
    return { response, path: output };
  }
  if (response.status < 200 || response.status >= 300) {
    response.cancel();
    return { response, path: undefined };
  }
  const appending = offset > 0 && response.status === 206 && rangeStart(response) === offset;
  if (offset > 0 && !appending) stderr.write('the server did not resume: downloading from the start\n');
  const path = output ?? freeName(nameFor(url, response));
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  const total = Number.isFinite(length) ? length + (appending ? offset : 0) : undefined;
  const bar = new ProgressBar(stderr, total, appending ? offset : 0);
  bar.advance(0);
  const fd = openSync(path, appending ? 'a' : 'w');
  try {
    for (const chunk of response) {
      writeSync(fd, chunk);
      bar.advance(chunk.length);
    }
  } finally {
    closeSync(fd);
  }
  bar.finish(path);
  return { response, path };
}

/** The first byte of a 206's `Content-Range: bytes START-END/TOTAL`. */
function rangeStart(response: SyncStreamingResponse): number | undefined {
  const match = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '');
  return match ? Number(match[1]) : undefined;
}

const decoded = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/** Content-Disposition's filename, else the URL's last path segment, else `index`; never a path. */
function nameFor(url: string, response: SyncStreamingResponse): string {
  const disposition = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(
    response.headers.get('content-disposition') ?? '',
  );
  const name = decoded(disposition?.[1] ?? new URL(response.url || url).pathname.split('/').pop() ?? '');
  const safe = basename(name.replace(/\\/g, '/'));
  return safe === '' || safe === '.' || safe === '..' ? 'index' : safe;
}

/** `name`, or `name-1`, `name-2`… when taken: a download never overwrites a file it was not told to. */
function freeName(name: string): string {
  if (!existsSync(name)) return name;
  for (let n = 1; n < 10_000; n++) if (!existsSync(`${name}-${n}`)) return `${name}-${n}`;
  throw new Error(`no free file name like ${name}`);
}
