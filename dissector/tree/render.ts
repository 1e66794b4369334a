/** Renders protocol trees as indented text (tshark -V) and as JSON keyed by filter names. */
import type { Problem } from "../../src/protocol/problems.js";
import type { TreeNode, FieldValue } from "./node.js";

const SEVERITY_LABEL: Record<Problem["severity"], string> = { error: "Error", warning: "Warning", note: "Note", chat: "Chat" };
const CATEGORY_LABEL: Record<string, string> = {
  malformed: "Malformed",
  protocol: "Protocol",
  reassemble: "Reassemble",
  sequence: "Sequence",
  response: "Response",
};

export function expertText(p: Problem): string {
  return `[Expert Info (${SEVERITY_LABEL[p.severity]}/${CATEGORY_LABEL[p.category] ?? p.category}): ${p.text}]`;
}

/** Indented lines, four spaces a level, expert items under the field they concern. */
export function renderTreeText(root: TreeNode, indent = 0): string {
  const lines: string[] = [];
  const visit = (n: TreeNode, depth: number) => {
    lines.push(" ".repeat(depth * 4) + n.text);
    for (const e of n.experts) lines.push(" ".repeat((depth + 1) * 4) + expertText(e));
    for (const c of n.children) visit(c, depth + 1);
  };
  visit(root, indent);
  return lines.join("\n") + "\n";
}

export type JsonFields = { [abbrev: string]: FieldValue | JsonFields | JsonFields[] | FieldValue[] | ExpertJson[] };

export interface ExpertJson {
  id: string;
  category: string;
  severity: string;
  text: string;
  offset: number;
  length: number;
  field?: string;
}

function expertJson(p: Problem): ExpertJson {
  return {
    id: p.id,
    category: p.category,
    severity: p.severity,
    text: p.text,
    offset: p.offset,
    length: p.length,
    ...(p.field ? { field: p.field } : {}),
  };
}

/**
 * The tree's fields keyed by their `imp.*` names. A field that repeats (list entries, invitees)
 * becomes an array; expert items are gathered under `_expert`.
 */
export function treeToJson(root: TreeNode): JsonFields {
  const out: JsonFields = {};
  const experts: ExpertJson[] = [];
  const collect = (n: TreeNode) => experts.push(...n.experts.map(expertJson));
  collect(root);
  for (const c of root.children) {
    if (!c.abbrev) continue;
    collect(c);
    if (c.children.length > 0) {
      const key = c.abbrev;
      if (key === "imp.invitees") {
        out[key] = c.children.map((x) => x.value as FieldValue);
        c.children.forEach(collect);
        continue;
      }
      const sub: JsonFields = {};
      for (const g of c.children) {
        collect(g);
        if (g.abbrev && g.value !== undefined) sub[g.abbrev] = g.value;
      }
      const list = (out[key] as JsonFields[] | undefined) ?? [];
      list.push(sub);
      out[key] = list;
    } else if (c.value !== undefined) {
      out[c.abbrev] = c.value;
    }
  }
  if (experts.length > 0) out._expert = experts;
  return out;
}
