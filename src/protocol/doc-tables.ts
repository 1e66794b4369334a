/**
 * Markdown tables of the spec table, for docs/PROTOCOL.md (between `<!-- generated:NAME -->`
 * markers). `npm run docs` rewrites them; a test fails when the document drifts from the table.
 */
import { ENTRY_FIELDS, HEADER_FIELDS, OPTION_FIELDS, type FieldSpec } from "./fields.js";
import { ACK_SPEC, headerLengthRule, MESSAGES, messageSpec, type MessageSpec } from "./messages.js";
import { PROBLEMS } from "./problems.js";

const hex2 = (n: number) => `0x${n.toString(16).padStart(2, "0").toUpperCase()}`;

function optionsText(spec: MessageSpec): string {
  const forms = spec.layouts.map((l) => {
    const parts = l.slots.map((s) =>
      s.fields
        .filter((f) => f !== "padding")
        .map((f) => `${f} (${OPTION_FIELDS[f].mask ? "bit" : s.size})`)
        .join(" + "),
    );
    if (l.repeat) parts.push(`${l.repeat.field} × n`);
    if (spec.payload) parts.push("payload (data_len)");
    const text = parts.length ? parts.join(", ") : "none";
    return l.variant ? `variant: ${text}` : text;
  });
  return forms.join("; ");
}

function ackedByText(spec: MessageSpec): string {
  const a = spec.ackedBy;
  if (a.kind === "ack") return "ACK";
  if (a.kind === "none") return "nothing";
  return `implicitly by ${a.by.map((c) => messageSpec(c)?.name ?? hex2(c)).join(" / ")}`;
}

export function messagesTable(): string {
  const rows = MESSAGES.map(
    (m) =>
      `| ${hex2(m.code)} | ${m.name} | ${m.directions.join(", ")} | ${m.srcText} | ${m.groupText} | ${headerLengthRule(m)} | ${optionsText(m)} | ${ackedByText(m)} |`,
  );
  rows.push(`| any | ${ACK_SPEC.name} (A=1) | any | ${ACK_SPEC.srcText} | ${ACK_SPEC.groupText} | 5 | none | never |`);
  return ["| Type | Name | Direction | Src | Group | HL | Options | Acknowledged by |", "|---|---|---|---|---|---|---|---|", ...rows].join(
    "\n",
  );
}

function fieldRow(f: FieldSpec): string {
  const mask = f.mask ? `0x${f.mask.toString(16).toUpperCase().padStart(2, "0")}` : "";
  const values = f.values
    ? Object.entries(f.values)
        .map(([k, v]) => `${k} = ${v}`)
        .join("; ")
    : "";
  return `| \`${f.abbrev}\` | ${f.label} | ${f.kind} | ${f.size || "var"} | ${mask} | ${values} | ${f.blurb} |`;
}

export function fieldsTable(): string {
  const all = [...Object.values(HEADER_FIELDS), ...Object.values(OPTION_FIELDS), ...Object.values(ENTRY_FIELDS)];
  return ["| Filter name | Label | Kind | Bytes | Mask | Values | Meaning |", "|---|---|---|---|---|---|---|", ...all.map(fieldRow)].join(
    "\n",
  );
}

export function problemsTable(): string {
  const rows = Object.values(PROBLEMS).map(
    (p) => `| \`${p.id}\` | ${p.category} | ${p.severity} | ${p.dropped ? "yes" : "no"} | ${p.summary} |`,
  );
  return ["| Id | Category | Severity | Dropped by receivers | Meaning |", "|---|---|---|---|---|", ...rows].join("\n");
}

export const DOC_TABLES: Readonly<Record<string, () => string>> = {
  messages: messagesTable,
  fields: fieldsTable,
  problems: problemsTable,
};

/** Replaces every generated section of a Markdown document with the current tables. */
export function regenerateDoc(text: string, tables: Readonly<Record<string, () => string>> = DOC_TABLES): string {
  return text.replace(/(<!-- generated:(\w+) -->)[\s\S]*?(<!-- end:\2 -->)/g, (all, open: string, name: string, close: string) => {
    const make = tables[name];
    return make ? `${open}\n${make()}\n${close}` : all;
  });
}
