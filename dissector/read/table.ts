/** Plain-text tables for the reports of `imp stats` (and friends): aligned columns, a rule under the header. */

export type Align = "left" | "right";

export interface Column {
  title: string;
  align?: Align;
}

/** Renders rows under a header; numbers are right-aligned unless told otherwise. */
export function renderTable(columns: readonly Column[], rows: readonly (readonly (string | number)[])[], indent = "  "): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((r) => (r[i] ?? "").length)));
  const align = columns.map((c, i) => c.align ?? (rows.length > 0 && typeof rows[0]![i] === "number" ? "right" : "left"));
  const line = (r: readonly string[]) =>
    indent +
    r
      .map((c, i) => (align[i] === "right" ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  const out = [line(columns.map((c) => c.title)), indent + widths.map((w) => "-".repeat(w)).join("  ")];
  for (const r of cells) out.push(line(r));
  return `${out.join("\n")}\n`;
}
