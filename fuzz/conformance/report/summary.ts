/** Verdict counts, section names, report.json and junit.xml of a suite run. */
import { toSaved } from "../../campaign/save.js";
import { VERDICT_ORDER, type CaseResult, type Verdict } from "../case.js";
import type { SuiteResult } from "../runner.js";

export const VERDICT_LABELS: Record<Verdict, string> = {
  pass: "Pass",
  "non-strict": "Non-strict",
  fail: "Fail",
  info: "Info",
  unimplemented: "Unimplemented",
};

/** Top-level sections of the specification the cases are numbered after. */
export const SECTION_NAMES: Record<string, string> = {
  "3": "3 Protocol operation (reliability)",
  "4": "4 Protocol header",
  "5": "5 Protocol messages (as a receiver)",
  "6": "6 Message flow scenarios",
  "8": "8 Appendix: packet loss",
};

export function countVerdicts(results: readonly CaseResult[]): Record<Verdict, number> {
  const out = Object.fromEntries(VERDICT_ORDER.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const r of results) out[r.verdict]++;
  return out;
}

/** Exit status of a run: 1 when a case failed, else 0. */
export function failed(results: readonly CaseResult[]): boolean {
  return results.some((r) => r.verdict === "fail");
}

export function reportJson(run: SuiteResult, pcapOf: (r: CaseResult) => string | undefined): object {
  return {
    format: "impkit-conformance-report",
    version: 1,
    suite: run.suite ?? "server",
    target: run.target,
    ...(run.exec !== undefined ? { exec: run.exec } : {}),
    startedAt: run.startedAt,
    durationMs: Math.round(run.durationMs),
    counts: countVerdicts(run.results),
    cases: run.results.map((r) => ({
      id: r.id,
      title: r.title,
      sections: r.sections,
      expected: r.expect,
      verdict: r.verdict,
      observed: r.observed,
      durationMs: Math.round(r.durationMs),
      pcap: pcapOf(r),
      exchange: toSaved(r.exchange, r.target),
    })),
  };
}

const xml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JUnit XML: one testsuite per top-level section; fail is a failure, unimplemented skipped, non-strict and info pass with a note. */
export function junitXml(run: SuiteResult): string {
  const bySection = new Map<string, CaseResult[]>();
  for (const r of run.results) {
    const s = r.id.split(".")[0]!;
    bySection.set(s, [...(bySection.get(s) ?? []), r]);
  }
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const fails = run.results.filter((r) => r.verdict === "fail").length;
  const skipped = run.results.filter((r) => r.verdict === "unimplemented").length;
  out.push(
    `<testsuites name="imp test ${run.suite ?? "server"} ${xml(run.target)}" tests="${run.results.length}" failures="${fails}" skipped="${skipped}" time="${(run.durationMs / 1000).toFixed(3)}">`,
  );
  for (const [section, rs] of bySection) {
    const f = rs.filter((r) => r.verdict === "fail").length;
    const sk = rs.filter((r) => r.verdict === "unimplemented").length;
    const t = rs.reduce((a, r) => a + r.durationMs, 0) / 1000;
    out.push(
      `  <testsuite name="${xml(SECTION_NAMES[section] ?? section)}" tests="${rs.length}" failures="${f}" skipped="${sk}" time="${t.toFixed(3)}">`,
    );
    for (const r of rs) {
      out.push(
        `    <testcase classname="imp.${run.suite ?? "server"}.${xml(section)}" name="${xml(`${r.id} ${r.title}`)}" time="${(r.durationMs / 1000).toFixed(3)}">`,
      );
      const body = `expected: ${r.expect}\nobserved: ${r.observed}`;
      if (r.verdict === "fail") out.push(`      <failure message="${xml(r.observed)}">${xml(body)}</failure>`);
      else if (r.verdict === "unimplemented") out.push(`      <skipped message="${xml(r.observed)}"/>`);
      else out.push(`      <system-out>${xml(`${VERDICT_LABELS[r.verdict]}: ${body}`)}</system-out>`);
      out.push("    </testcase>");
    }
    out.push("  </testsuite>");
  }
  out.push("</testsuites>");
  return `${out.join("\n")}\n`;
}
