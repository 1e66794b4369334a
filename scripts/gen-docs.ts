// Rewrites the generated tables of the documentation from the code: `npm run docs`.
import { readFileSync, writeFileSync } from "node:fs";
import { DOC_TABLES, regenerateDoc } from "../src/protocol/doc-tables.js";
import { scenariosTable } from "../src/scenario/doc-table.js";

export const GENERATED_DOCS: Record<string, Record<string, () => string>> = {
  "docs/PROTOCOL.md": DOC_TABLES,
  "captures/README.md": { scenarios: scenariosTable },
};

for (const [file, tables] of Object.entries(GENERATED_DOCS)) {
  const path = new URL(`../${file}`, import.meta.url);
  const before = readFileSync(path, "utf8");
  const after = regenerateDoc(before, tables);
  writeFileSync(path, after);
  console.log(before === after ? `${file} is up to date` : `${file} regenerated`);
}
