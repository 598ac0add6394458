// Zero-width characters come along when values are pasted from web pages or chat apps; they are
// invisible in a spreadsheet, so at the edges of a cell they count as blank space.
const EDGE_SPACE = /^[\s\u200B-\u200D\u2060]+|[\s\u200B-\u200D\u2060]+$/g;

/** Trims whitespace and zero-width characters (incl. BOM and no-break space) from both ends. */
export function trimCell(v: string): string {
  // Most cells start and end with a printable ASCII character: nothing to trim, no regex run.
  const first = v.charCodeAt(0);
  const last = v.charCodeAt(v.length - 1);
  if (first > 0x20 && first < 0x7f && last > 0x20 && last < 0x7f) return v;
  return v.replace(EDGE_SPACE, '');
}

const MAX_SHOWN_CHARS = 80;

/** Quotes a user-typed value for a message, shortened so a runaway cell cannot flood the review. */
export function showValue(v: string): string {
  const shown = v.length > MAX_SHOWN_CHARS ? `${v.slice(0, MAX_SHOWN_CHARS)}…` : v;
  return `"${shown}"`;
}

/** Names a single character for a message; invisible ones by code point. */
export function showChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  const visible = /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(ch);
  return visible ? `"${ch}"` : `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}
