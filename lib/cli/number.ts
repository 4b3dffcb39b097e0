/**
 * What counts as a number in a CSV cell or a flag: decimal notation as people write it. `Number()` alone
 * would also take "" and "  " (as 0), "0x1A", "0b11" and "Infinity", and a blank cell silently becoming 0
 * is the worst kind of data error.
 */

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The cell's value, or undefined when it is not a finite decimal number. */
export function parseNumber(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DECIMAL.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}
