/**
 * The file a recording pool keeps: exchanges as JSON, one entry per exchange, in the order they
 * happened. Requests are stored to be matched, not resent: their bodies only as a SHA-256 digest,
 * and the headers named in `redact` (credentials and cookies by default) with their values replaced,
 * in the request and in the response alike. Response bodies are stored as received (still encoded),
 * in base64.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { InvalidArgumentError } from '../core/errors.js';
import { MOCK_CONNECTION, type MockAnswer } from './mock-reply.js';
import type { MockRequest } from './mock-request.js';

/** Headers whose values never reach the file, unless `redact` says otherwise. */
export const DEFAULT_REDACTED = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie'];
export const REDACTED = '[REDACTED]';
const FORMAT = 1;

type Pairs = [string, string][];

export interface CassetteEntry {
  request: { method: string; url: string; headers: Pairs; bodySha256?: string; bodySize?: number };
  response: { status: number; statusText: string; httpVersion: '1.1' | '2'; headers: Pairs; body: string };
}

interface CassetteFile {
  onepoolCassette: number;
  entries: CassetteEntry[];
}

const digest = (body: Uint8Array | null): string | undefined =>
  body && body.byteLength > 0 ? createHash('sha256').update(body).digest('hex') : undefined;

function pairs(flat: readonly string[], redact: ReadonlySet<string>): Pairs {
  const out: Pairs = [];
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i]!;
    out.push([name, redact.has(name.toLowerCase()) ? REDACTED : flat[i + 1]!]);
  }
  return out;
}

export class Cassette {
  readonly path: string;
  readonly entries: CassetteEntry[];
  readonly #redact: ReadonlySet<string>;
  /** entries already replayed: each answers once, in order */
  readonly #used = new Set<CassetteEntry>();

  constructor(path: string, redact: readonly string[], fresh: boolean) {
    this.path = path;
    this.#redact = new Set(redact.map((name) => name.toLowerCase()));
    this.entries = fresh || !existsSync(path) ? [] : Cassette.#load(path);
  }

  static #load(path: string): CassetteEntry[] {
    let parsed: CassetteFile;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8')) as CassetteFile;
    } catch (error) {
      throw new InvalidArgumentError(`cannot read the recording ${path}: ${(error as Error).message}`);
    }
    if (parsed?.onepoolCassette !== FORMAT || !Array.isArray(parsed.entries))
      throw new InvalidArgumentError(`${path} is not an onepool recording (format ${FORMAT})`);
    return parsed.entries;
  }

  /** The first entry not yet replayed with the same method, URL and body; marked as used. */
  take(request: MockRequest): MockAnswer | undefined {
    const sha = digest(request.body);
    const entry = this.entries.find(
      (e) =>
        !this.#used.has(e) &&
        e.request.method === request.method &&
        e.request.url === request.url &&
        e.request.bodySha256 === sha,
    );
    if (!entry) return undefined;
    this.#used.add(entry);
    const { response } = entry;
    return {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers.flat(),
      body: new Uint8Array(Buffer.from(response.body, 'base64')),
      trailers: [],
      httpVersion: response.httpVersion,
      connection: MOCK_CONNECTION,
    };
  }

  /** Adds an exchange (redacted) and rewrites the file, so a run that stops midway keeps what it recorded. */
  add(request: MockRequest, answer: MockAnswer): void {
    const sha = digest(request.body);
    const entry: CassetteEntry = {
      request: {
        method: request.method,
        url: request.url,
        headers: pairs(request.headers.raw(), this.#redact),
        ...(sha ? { bodySha256: sha, bodySize: request.body!.byteLength } : {}),
      },
      response: {
        status: answer.status,
        statusText: answer.statusText,
        httpVersion: answer.httpVersion,
        headers: pairs(answer.headers, this.#redact),
        body: Buffer.from(answer.body).toString('base64'),
      },
    };
    this.entries.push(entry);
    this.#used.add(entry);
    const file: CassetteFile = { onepoolCassette: FORMAT, entries: this.entries };
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(file, null, 2)}\n`);
    renameSync(temporary, this.path);
  }
}
