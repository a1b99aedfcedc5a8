/**
 * Which Content-Encoding codings a response body carries, read the same way wherever a body is
 * decoded: in the pool worker for real responses, in the caller for a mock pool's.
 */

/** The codings to undo, outermost first; null when the body must pass through as it is (none, or one not `known`). */
export function contentCodings(
  headers: readonly string[],
  known: (name: string) => boolean,
): string[] | null {
  const list: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.toLowerCase() !== 'content-encoding') continue;
    for (const part of headers[i + 1]!.split(',')) {
      const name = part.trim().toLowerCase();
      if (name && name !== 'identity') list.push(name);
    }
  }
  if (list.length === 0 || !list.every(known)) return null;
  return list.reverse();
}
