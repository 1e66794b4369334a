/** The end-of-campaign report, as JSON and as markdown, written once. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describeMutation } from "../mutators/mutations.js";
import { typeName } from "../../src/protocol/index.js";
import type { FuzzCase } from "../case.js";
import type { CampaignResult, FoundFinding } from "./campaign.js";

export function describeCase(c: FuzzCase): string {
  const steps = c.steps.map((s) => {
    const t = s.template;
    const what = t.ack ? `ACK of ${typeName(t.type)}` : typeName(t.type);
    const muts = s.mutations.length ? ` [${s.mutations.map(describeMutation).join(", ")}]` : "";
    return `${s.role}: ${what}${muts}`;
  });
  return `${c.state} → ${steps.join(" → ")}`;
}

export function reportMarkdown(r: CampaignResult, outDir?: string): string {
  const lines = [
    `# impkit fuzz report`,
    ``,
    `| | |`,
    `|---|---|`,
    `| target | ${r.target} |`,
    `| seed | ${r.seed} |`,
    `| mode | ${r.stateful ? "stateful" : "stateless"} |`,
    `| cases | ${r.cases}${r.skipped ? ` (and ${r.skipped} skipped: the shape of a known crash)` : ""} |`,
    `| duration | ${(r.durationMs / 1000).toFixed(1)} s |`,
    `| cases/s | ${Math.round(r.casesPerSecond)} |`,
    `| findings | ${r.findings.length}: ${r.findings.filter((f) => f.level === "fail").length} fail, ${r.findings.filter((f) => f.level === "non-strict").length} non-strict |`,
    `| target restarts | ${r.restarts} |`,
  ];
  if (r.stopped) lines.push(`| stopped early | ${r.stopped} |`);
  if (r.stateful) lines.push(`| prefix overlapped with the previous teardown | ${r.overlapped} cases |`);
  if (r.coverage)
    lines.push(
      `| coverage | ${r.coverage.covered} of ${r.coverage.total} blocks (${((100 * r.coverage.covered) / Math.max(1, r.coverage.total)).toFixed(1)} %), corpus ${r.corpus} |`,
    );
  lines.push("", "## States reached", "", "| state | cases |", "|---|---|");
  for (const [s, n] of Object.entries(r.statesReached)) lines.push(`| ${s} | ${n} |`);
  // Fail findings first, then the non-strict ones (deviations from WIRE.md's stricter reading), apart.
  const sections = [
    { title: "Findings: fail", level: "fail", none: "None." },
    {
      title: "Findings: non-strict (allowed by the original text or the 2017 implementation; not a failure without --strict)",
      level: "non-strict",
      none: "None.",
    },
  ] as const;
  let n = 0;
  for (const sec of sections) {
    lines.push("", `## ${sec.title}`, "");
    const these = r.findings.filter((f) => f.level === sec.level);
    if (these.length === 0) lines.push(sec.none);
    for (const f of these) findingLines(lines, f, ++n, outDir);
  }
  return lines.join("\n") + "\n";
}

function findingLines(lines: string[], f: FoundFinding, i: number, outDir?: string): void {
  lines.push(
    `### ${i}. ${f.level}: ${f.finding.oracle}: ${f.finding.signature}`,
    "",
    // A crash's detail is the report the target printed (a traceback): kept as it is.
    f.finding.detail.includes("\n") ? `- detail:\n\n\`\`\`\n${f.finding.detail}\n\`\`\`\n` : `- detail: ${f.finding.detail}`,
    `- hits: ${f.hits}, first at case ${f.firstCase}`,
    `- minimised${f.reproduced ? "" : " (did not reproduce)"}: ${describeCase(f.minimised)}`,
    `- found as: ${describeCase(f.original)}`,
  );
  if (f.files) {
    const rel = (p: string) => (outDir ? relative(outDir, p) : p);
    lines.push(`- replay: \`imp fuzz --replay ${rel(f.files.json)}\`; exchange: ${rel(f.files.pcap)}`);
  }
  lines.push("");
}

export function writeReport(dir: string, r: CampaignResult): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, "report.json");
  const md = join(dir, "report.md");
  writeFileSync(json, JSON.stringify(r, null, 2) + "\n");
  writeFileSync(md, reportMarkdown(r, dir));
  return { json, md };
}
