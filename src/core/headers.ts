/**
 * Response headers: case-insensitive, multi-value safe. Kept as the flat list received from the
 * wire (order and original case preserved); the lower-cased index is built on first lookup only.
 */
export class Headers implements Iterable<[string, string]> {
  readonly #raw: readonly string[];
  #index: Map<string, string[]> | undefined;

  /** @param raw flat [name, value, name, value, ...] */
  constructor(raw: readonly string[] = []) {
    this.#raw = raw;
  }

  #map(): Map<string, string[]> {
    if (this.#index) return this.#index;
    const index = new Map<string, string[]>();
    for (let i = 0; i < this.#raw.length; i += 2) {
      const name = this.#raw[i]!.toLowerCase();
      const values = index.get(name);
      if (values) values.push(this.#raw[i + 1]!);
      else index.set(name, [this.#raw[i + 1]!]);
    }
    this.#index = index;
    return index;
  }

  /** All values of `name` joined with ', ' (as fetch does), or null. Use getAll for Set-Cookie. */
  get(name: string): string | null {
    const values = this.#map().get(name.toLowerCase());
    return values ? values.join(', ') : null;
  }

  /** Every value of `name`, in order received. */
  getAll(name: string): string[] {
    return [...(this.#map().get(name.toLowerCase()) ?? [])];
  }

  /** The Set-Cookie values, one per header line (they cannot be comma-joined safely). */
  getSetCookie(): string[] {
    return this.getAll('set-cookie');
  }

  /** Whether a header of this name (any case) is present. */
  has(name: string): boolean {
    return this.#map().has(name.toLowerCase());
  }

  /** [lower-case name, joined value] pairs, names sorted, as fetch's Headers iterates. */
  *entries(): IterableIterator<[string, string]> {
    const names = [...this.#map().keys()].sort();
    for (const name of names) yield [name, this.get(name)!];
  }

  /** Lower-case names, sorted, each once. */
  keys(): IterableIterator<string> {
    return [...this.#map().keys()].sort()[Symbol.iterator]();
  }

  /** The same pairs as entries(). */
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  /** The headers as received: flat [name, value, ...], original case and order. */
  raw(): string[] {
    return [...this.#raw];
  }

  /** A plain object: lower-case names, values joined with ', ' (Set-Cookie as an array). */
  toJSON(): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const [name, values] of this.#map())
      out[name] = name === 'set-cookie' ? [...values] : values.join(', ');
    return out;
  }
}
