/** A node of a protocol tree: one field (or subtree) of one datagram, with where its bits are. */
import type { Problem } from "../../src/protocol/problems.js";

export type FieldValue = number | string | boolean;

export interface TreeNode {
  /** Text as a tree line shows it, e.g. `.... ..1. = Sequence: 1`. */
  text: string;
  /** Filter name (`imp.seq`); absent on pure grouping nodes. */
  abbrev?: string;
  /** Raw value of the field, when it has one. */
  value?: FieldValue;
  /** Display text of the value (`Data Message (0x05)`), as Wireshark's `showname` minus the label. */
  display?: string;
  /** Byte range in the datagram. */
  offset: number;
  length: number;
  /** Bitmask inside the container (0 = whole bytes). */
  mask: number;
  children: TreeNode[];
  /** Expert items attached to this node (the problem's field, or the message root). */
  experts: Problem[];
}

export function node(text: string, offset: number, length: number, extra: Partial<TreeNode> = {}): TreeNode {
  return { text, offset, length, mask: 0, children: [], experts: [], ...extra };
}

/** Depth-first walk over a tree. */
export function* walk(root: TreeNode, depth = 0): Generator<{ node: TreeNode; depth: number }> {
  yield { node: root, depth };
  for (const c of root.children) yield* walk(c, depth + 1);
}

/** The innermost node whose bytes cover `offset` (for hex-to-tree navigation). */
export function nodeAt(root: TreeNode, offset: number): TreeNode | undefined {
  let found: TreeNode | undefined;
  for (const { node: n } of walk(root)) {
    if (offset >= n.offset && offset < n.offset + n.length && (!found || n.length <= found.length)) found = n;
  }
  return found;
}
