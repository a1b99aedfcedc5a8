/**
 * Body text as the WHATWG Encoding standard decodes it: a byte order mark wins over the declared
 * charset (and is dropped), then the Content-Type charset label, then UTF-8. Labels are the
 * standard's, so `iso-8859-1` and `latin1` decode as windows-1252, exactly as browsers do.
 */

type Decoder = InstanceType<typeof TextDecoder>;

const utf8 = new TextDecoder();
const decoders = new Map<string, Decoder>();

/** The encoding a BOM at the start of `bytes` names, or undefined. */
function sniffBOM(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  return undefined;
}

/** The charset parameter of a Content-Type value, unquoted, or undefined. */
export function charsetOf(contentType: string | null): string | undefined {
  if (!contentType) return undefined;
  const match = /;\s*charset\s*=\s*("([^"]*)"|[^;\s]*)/i.exec(contentType);
  if (!match) return undefined;
  return (match[2] ?? match[1])?.trim() || undefined;
}

/** A decoder for `label`; undefined when the standard does not know it (or maps it to "replacement"). */
function decoderFor(label: string): Decoder | undefined {
  const key = label.toLowerCase();
  let decoder = decoders.get(key);
  if (!decoder) {
    try {
      decoder = new TextDecoder(key);
    } catch {
      return undefined;
    }
    decoders.set(key, decoder);
  }
  return decoder;
}

// windows-1252's 0x80-0x9F (the rest of it is ISO-8859-1), from the standard's index.
const CP1252_HIGH =
  '\u20ac\x81\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\x8d\u017d\x8f' +
  '\x90\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\x9d\u017e\u0178';
// Some Node releases (20.20 among them) decode windows-1252, and so every latin1 label, as
// ISO-8859-1: 0x80 comes out as U+0080 instead of the euro sign. Checked once, not assumed.
const cp1252Broken = new TextDecoder('windows-1252').decode(Uint8Array.of(0x80)) !== '\u20ac';

function decodeCP1252(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('latin1')
    .replace(/[\x80-\x9f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!);
}

/** Decodes `bytes` as the spec's "decode" does, with `label` as the fallback encoding. */
export function decodeText(bytes: Uint8Array, label: string | undefined): string {
  // A decoder strips the BOM of its own encoding, so decoding with the sniffed one drops it.
  const bom = sniffBOM(bytes);
  const decoder = (bom && decoderFor(bom)) || (label && decoderFor(label)) || utf8;
  if (cp1252Broken && decoder.encoding === 'windows-1252') return decodeCP1252(bytes);
  return decoder.decode(bytes);
}

/** UTF-8 with its BOM dropped, whatever the label says: what `json()` reads (as fetch does). */
export function decodeUTF8(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}
