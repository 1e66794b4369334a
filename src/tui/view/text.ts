/** Text helpers for tag-rendered boxes: escaping, fitting to a width. */

/** Escapes blessed tag braces. */
export function esc(text: string): string {
  return text.replace(/[{}]/g, (c) => (c === "{" ? "{open}" : "{close}"));
}

/** Pads or cuts to exactly `width` columns (an ellipsis marks a cut). */
export function fit(text: string, width: number): string {
  if (width <= 0) return "";
  if (text.length > width) return width === 1 ? "…" : `${text.slice(0, width - 1)}…`;
  return text.padEnd(width);
}

/** Right-aligned in `width` columns. */
export function right(text: string, width: number): string {
  return text.length >= width ? text.slice(0, width) : text.padStart(width);
}
