import { createReadStream, createWriteStream, existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { brotliCompressSync, createGzip, gzipSync } from 'node:zlib';

/** Decoded size of the gzip bomb. */
export const BOMB_DECODED_BYTES = 1 << 30;

const BOMB_PATH = join(tmpdir(), 'onepool-faults-gzip-bomb-1GiB.gz');

let bomb: Promise<Buffer> | undefined;

/**
 * ~1 MiB of gzip that expands to 1 GiB of zeros. Compressing takes ~2 s, so the result is cached in
 * the OS temp dir across runs; the file is written under a temporary name first so a killed run
 * never leaves a truncated bomb behind.
 */
export function gzipBomb(): Promise<Buffer> {
  bomb ??= buildBomb();
  return bomb;
}

async function buildBomb(): Promise<Buffer> {
  if (!existsSync(BOMB_PATH) || statSync(BOMB_PATH).size < 1000) {
    const partial = `${BOMB_PATH}.${process.pid}.partial`;
    const zeros = Buffer.alloc(1 << 20);
    async function* source() {
      for (let i = 0; i < BOMB_DECODED_BYTES / zeros.length; i++) yield zeros;
    }
    await pipeline(source(), createGzip({ level: 9 }), createWriteStream(partial));
    renameSync(partial, BOMB_PATH);
  }
  return readFileSync(BOMB_PATH);
}

/** For tests that want to stream the bomb instead of holding it. */
export const gzipBombStream = () => createReadStream(BOMB_PATH);

/** `text` gzip'ed `layers` times: the body of a `Content-Encoding: gzip, gzip, ...` chain. */
export function gzipLayers(text: string, layers: number): Buffer {
  let out = Buffer.from(text);
  for (let i = 0; i < layers; i++) out = gzipSync(out);
  return out;
}

/** Deterministic, poorly compressible text, so truncating the compressed form cuts real content. */
export function noise(bytes: number): string {
  let s = '';
  let x = 0x2545f491;
  while (s.length < bytes) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    s += (x >>> 0).toString(36);
  }
  return s.slice(0, bytes);
}

export const truncatedGzip = (): Buffer => {
  const full = gzipSync(noise(64 * 1024));
  return full.subarray(0, full.length >> 1);
};

export const truncatedBrotli = (): Buffer => {
  const full = brotliCompressSync(Buffer.from(noise(64 * 1024)));
  return full.subarray(0, full.length >> 1);
};
