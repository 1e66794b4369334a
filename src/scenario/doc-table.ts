/** The table of captures/README.md, written from the scenario list (`npm run docs`). */
import { SCENARIOS } from "./scenarios.js";

export function scenariosTable(): string {
  return [
    "| Capture | Spec section | What it shows |",
    "|---|---|---|",
    ...SCENARIOS.map((s) => `| [\`${s.name}.pcapng\`](${s.name}.pcapng) | ${s.section} | ${s.description} |`),
  ].join("\n");
}
