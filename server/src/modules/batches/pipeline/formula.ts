/**
 * Spreadsheet formula-injection guard (OWASP "CSV Injection"): a cell that starts with one of these
 * characters may be run as a formula by Excel, so exports prefix it with an apostrophe.
 */
const TRIGGER = "[=+\\-@\\t\\r]";

// Values that already start with apostrophes before a trigger get one more, so that stripping exactly
// one apostrophe on the way back in always restores the original (see the round-trip test).
const NEEDS_PREFIX = new RegExp(`^'*${TRIGGER}`);
const HAS_PREFIX = new RegExp(`^'+${TRIGGER}`);

/** Makes a value safe to put in an exported CSV cell by prefixing `'` when it could start a formula. */
export function neutralizeCell(v: string): string {
  return NEEDS_PREFIX.test(v) ? `'${v}` : v;
}

/**
 * Reverses {@link neutralizeCell}: strips one leading `'` when the apostrophes are followed by a formula
 * character, so a re-uploaded export compares equal to the stored value.
 */
export function unneutralizeCell(v: string): string {
  // Only a cell starting with an apostrophe can carry the guard.
  if (v.charCodeAt(0) !== 0x27) return v;
  return HAS_PREFIX.test(v) ? v.slice(1) : v;
}
