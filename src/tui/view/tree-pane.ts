/**
 * The detail tree of the selected packet: subtrees expand and collapse (remembered per field
 * across packets, as Wireshark does), expert items under the field they concern, a cursor whose
 * field the hex pane highlights.
 */
import blessed from "blessed";
import { expertText, walk, type TreeNode } from "../../../dissector/tree/index.js";
import type { Problem } from "../../protocol/problems.js";
import { SEVERITY_STYLE } from "./palette.js";
import { esc, fit } from "./text.js";

export interface TreeLine {
  node: TreeNode;
  depth: number;
  expert?: Problem;
  key: string;
}

/** Stable key of a node for remembering its expansion: its filter name or its label. */
function keyOf(n: TreeNode): string {
  return n.abbrev ?? n.text.replace(/:.*$/, "");
}

export class TreePane {
  readonly box: blessed.Widgets.BoxElement;
  private root: TreeNode | null = null;
  private readonly collapsed = new Set<string>();
  lines: TreeLine[] = [];
  cursor = 0;
  private top = 0;

  constructor(parent: blessed.Widgets.Screen) {
    this.box = blessed.box({ parent, left: 0, width: "100%", height: 10, tags: true, wrap: false });
  }

  get rows(): number {
    return Math.max(1, (this.box.height as number) - 1);
  }

  /** Shows a tree; the cursor stays on the field of the same name when there is one. */
  setTree(root: TreeNode | null): void {
    if (root === this.root) return;
    const key = this.lines[this.cursor]?.key;
    this.root = root;
    this.flatten();
    const i = key ? this.lines.findIndex((l) => l.key === key) : -1;
    this.cursor = Math.max(i, 0);
  }

  private flatten(): void {
    this.lines = [];
    if (!this.root) return;
    const visit = (n: TreeNode, depth: number, path: string) => {
      const key = `${path}/${keyOf(n)}`;
      this.lines.push({ node: n, depth, key });
      if (this.collapsed.has(key)) return;
      for (const e of n.experts) this.lines.push({ node: n, depth: depth + 1, expert: e, key: `${key}!${e.id}` });
      for (const c of n.children) visit(c, depth + 1, key);
    };
    visit(this.root, 0, "");
  }

  /** The field under the cursor (its byte range is highlighted in the hex pane). */
  selected(): { offset: number; length: number } | null {
    const l = this.lines[this.cursor];
    if (!l) return null;
    if (l.expert && l.expert.length > 0) return { offset: l.expert.offset, length: l.expert.length };
    return { offset: l.node.offset, length: l.node.length };
  }

  expandable(l: TreeLine | undefined): boolean {
    return !!l && !l.expert && (l.node.children.length > 0 || l.node.experts.length > 0);
  }

  move(delta: number): void {
    this.cursor = Math.max(0, Math.min(this.lines.length - 1, this.cursor + delta));
  }

  /** Enter/space: expand or collapse the subtree under the cursor. */
  toggle(): void {
    const l = this.lines[this.cursor];
    if (!this.expandable(l)) return;
    if (this.collapsed.has(l!.key)) this.collapsed.delete(l!.key);
    else this.collapsed.add(l!.key);
    this.flatten();
  }

  setExpanded(expanded: boolean): void {
    const l = this.lines[this.cursor];
    if (!this.expandable(l)) {
      if (!expanded) this.toParent();
      return;
    }
    if (expanded) this.collapsed.delete(l!.key);
    else if (this.collapsed.has(l!.key)) return this.toParent();
    else this.collapsed.add(l!.key);
    this.flatten();
  }

  private toParent(): void {
    const d = this.lines[this.cursor]?.depth ?? 0;
    for (let i = this.cursor - 1; i >= 0; i--) {
      if (this.lines[i]!.depth < d) {
        this.cursor = i;
        return;
      }
    }
  }

  /** Expands or collapses every subtree. */
  all(expanded: boolean): void {
    if (!this.root) return;
    if (expanded) this.collapsed.clear();
    else for (const l of this.lines) if (this.expandable(l) && l.depth > 0) this.collapsed.add(l.key);
    this.flatten();
    this.cursor = Math.min(this.cursor, this.lines.length - 1);
  }

  /** Moves the cursor to the innermost field covering a byte (from the hex pane), expanding its ancestors. */
  selectByte(offset: number): void {
    if (!this.root) return;
    let best: { n: TreeNode; path: string[] } | null = null;
    const visit = (n: TreeNode, path: string[]) => {
      const key = `${path.length ? path[path.length - 1] : ""}/${keyOf(n)}`;
      if (offset >= n.offset && offset < n.offset + n.length && (!best || n.length <= best.n.length)) best = { n, path: [...path, key] };
      for (const c of n.children) visit(c, [...path, key]);
    };
    visit(this.root, []);
    if (!best) return;
    const found = best as { n: TreeNode; path: string[] };
    for (const k of found.path.slice(0, -1)) this.collapsed.delete(k);
    this.flatten();
    const i = this.lines.findIndex((l) => l.node === found.n && !l.expert);
    if (i >= 0) this.cursor = i;
  }

  /** Line index at a screen row, or -1. */
  lineAt(y: number): number {
    const i = this.top + y - (this.box.atop as number) - 1;
    return i >= 0 && i < this.lines.length ? i : -1;
  }

  render(focused: boolean, title: string): void {
    const width = this.box.width as number;
    const h = this.rows;
    if (this.cursor < this.top) this.top = this.cursor;
    if (this.cursor >= this.top + h) this.top = this.cursor - h + 1;
    this.top = Math.max(0, Math.min(this.top, Math.max(0, this.lines.length - h)));
    const out = [`{${focused ? "blue-bg" : "gray-bg"}}{white-fg}{bold}${esc(fit(` ${title}`, width))}{/}`];
    for (let i = this.top; i < Math.min(this.lines.length, this.top + h); i++) {
      const l = this.lines[i]!;
      const indent = "  ".repeat(l.depth);
      let text: string;
      let color = "";
      if (l.expert) {
        text = `${indent}  ${expertText(l.expert)}`;
        color = `{${SEVERITY_STYLE[l.expert.severity] ?? "white"}-fg}`;
      } else {
        const sign = this.expandable(l) ? (this.collapsed.has(l.key) ? "▸ " : "▾ ") : "  ";
        text = `${indent}${sign}${l.node.text}`;
      }
      const cur = i === this.cursor ? (focused ? "{inverse}" : "{underline}") : "";
      out.push(`${color}${cur}${esc(fit(text, width))}{/}`);
    }
    if (!this.root) out.push(" (no packet selected)");
    this.box.setContent(out.join("\n"));
  }
}

/** Every node of a tree, for tests and searches. */
export function treeNodes(root: TreeNode): TreeNode[] {
  return [...walk(root)].map((w) => w.node);
}
