// Rewrites the generated tables of docs/PROTOCOL.md from the spec table: `npm run docs`.
import { readFileSync, writeFileSync } from "node:fs";
import { regenerateDoc } from "../src/protocol/doc-tables.js";

const path = new URL("../docs/PROTOCOL.md", import.meta.url);
const before = readFileSync(path, "utf8");
const after = regenerateDoc(before);
writeFileSync(path, after);
console.log(before === after ? "docs/PROTOCOL.md is up to date" : "docs/PROTOCOL.md regenerated");
