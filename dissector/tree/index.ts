export { bitPattern } from "./bits.js";
export { buildTree, displayValue, type TreeOptions } from "./build-tree.js";
export { node, nodeAt, walk, type FieldValue, type TreeNode } from "./node.js";
export { expertText, renderTreeText, treeToJson, type ExpertJson, type JsonFields } from "./render.js";
