/**
 * report.html: one self-contained page (inline CSS and SVG, no script, no network): the verdict
 * counts, the verdict table by section, and per case its sentence, expected vs observed, the
 * exchange as a ladder (the same code as `imp flow`, dissector/read/flow-svg.ts) and a link to
 * its pcap. Also the batch page: implementations x cases.
 */
import { compareIds, VERDICT_ORDER, type CaseResult, type Verdict } from "../case.js";
import type { SuiteResult } from "../runner.js";
import { countVerdicts, SECTION_NAMES, VERDICT_LABELS } from "./summary.js";

export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const COLORS: Record<Verdict, string> = {
  pass: "#1a7f37",
  "non-strict": "#9a6700",
  fail: "#cf222e",
  info: "#0969da",
  unimplemented: "#6e7781",
};

export const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1f2328}
table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}.v{font-weight:bold;color:#fff;border-radius:4px;padding:1px 6px;white-space:nowrap}
${VERDICT_ORDER.map((v) => `.v-${v}{background:${COLORS[v]}}`).join("\n")}
section.case{border-top:1px solid #d0d7de;margin-top:16px;padding-top:8px}.ladder{background:#fff;border:1px solid #eee;max-width:100%}
.counts span{margin-right:12px}code{background:#f6f8fa;padding:0 3px}a{color:#0969da}`;

export const badge = (v: Verdict) => `<span class="v v-${v}">${VERDICT_LABELS[v]}</span>`;

const anchor = (id: string) => `case-${id.replaceAll(".", "-")}`;

export interface HtmlCase {
  result: CaseResult;
  /** Inline SVG of the exchange ("" when nothing was exchanged). */
  svg: string;
  /** Relative link to the case's pcap. */
  pcap?: string;
}

export function reportHtml(run: SuiteResult, cases: readonly HtmlCase[]): string {
  const counts = countVerdicts(run.results);
  const sections = new Map<string, HtmlCase[]>();
  for (const c of [...cases].sort((a, b) => compareIds(a.result.id, b.result.id))) {
    const s = c.result.id.split(".")[0]!;
    sections.set(s, [...(sections.get(s) ?? []), c]);
  }
  const out: string[] = [
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
    `<title>imp test ${run.suite ?? "server"}: ${esc(run.target)}</title><style>${STYLE}</style></head><body>`,
    `<h1>IMP ${run.suite ?? "server"} conformance: ${esc(run.exec ?? run.target)}</h1>`,
    `<p>${run.results.length} cases in ${(run.durationMs / 1000).toFixed(1)} s, ${esc(run.startedAt)}. Verdicts: Fail breaks the specification's text; Non-strict breaks only WIRE.md's stricter reading; Info is behaviour the text leaves open.</p>`,
    `<p class="counts">${VERDICT_ORDER.map((v) => `<span>${badge(v)} ${counts[v]}</span>`).join("")}</p>`,
  ];
  for (const [s, list] of sections) {
    out.push(
      `<h2>${esc(SECTION_NAMES[s] ?? s)}</h2><table class="verdicts"><tr><th>Case</th><th>Title</th><th>Verdict</th><th>Observed</th></tr>`,
    );
    for (const { result: r } of list)
      out.push(
        `<tr><td><a href="#${anchor(r.id)}">${esc(r.id)}</a></td><td>${esc(r.title)}</td><td>${badge(r.verdict)}</td><td>${esc(r.observed)}</td></tr>`,
      );
    out.push("</table>");
  }
  out.push("<h2>Cases</h2>");
  for (const { result: r, svg, pcap } of cases) {
    out.push(
      `<section class="case" id="${anchor(r.id)}"><h3>${esc(r.id)} ${esc(r.title)} ${badge(r.verdict)}</h3>`,
      `<p>Sections: ${r.sections.map(esc).join(", ")}. ${(r.durationMs / 1000).toFixed(2)} s.</p>`,
      `<table><tr><th>Expected</th><td>${esc(r.expect)}</td></tr><tr><th>Observed</th><td>${esc(r.observed)}</td></tr></table>`,
      `<p>${r.exchange.length} datagrams${pcap ? `: <a href="${esc(pcap)}">${esc(pcap)}</a> (open with <code>imp read</code>, <code>imp flow</code> or Wireshark)` : ""}</p>`,
      svg,
      "</section>",
    );
  }
  out.push("</body></html>");
  return `${out.join("\n")}\n`;
}

export interface BatchRow {
  name: string;
  command: string;
  /** Relative link to this implementation's report.html. */
  report: string;
  results: readonly CaseResult[];
  /** Set when the implementation could not be tested at all. */
  error?: string;
}

/** The batch page: one row per implementation, one column per case. */
export function batchHtml(rows: readonly BatchRow[], ids: readonly string[], suite: "server" | "client" = "server"): string {
  const out: string[] = [
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>imp test: batch</title>',
    `<style>${STYLE}\ntd.c{text-align:center;padding:2px}th.c{writing-mode:vertical-rl;font-weight:normal;font-size:12px}</style></head><body>`,
    `<h1>IMP ${suite} conformance: ${rows.length} implementations x ${ids.length} cases</h1>`,
    `<table class="matrix"><tr><th>Implementation</th><th>Pass</th><th>Non-strict</th><th>Fail</th>${ids.map((i) => `<th class="c">${esc(i)}</th>`).join("")}</tr>`,
  ];
  for (const row of rows) {
    const counts = countVerdicts(row.results);
    const byId = new Map(row.results.map((r) => [r.id, r]));
    const cells = ids.map((id) => {
      const r = byId.get(id);
      if (!r) return '<td class="c">-</td>';
      return `<td class="c" title="${esc(`${id} ${r.title}: ${r.observed}`)}"><a href="${esc(row.report)}#${anchor(id)}"><span class="v v-${r.verdict}">${VERDICT_LABELS[r.verdict][0]}</span></a></td>`;
    });
    const name = `<a href="${esc(row.report)}">${esc(row.name)}</a><br><code>${esc(row.command)}</code>${row.error ? `<br>${esc(row.error)}` : ""}`;
    out.push(`<tr><td>${name}</td><td>${counts.pass}</td><td>${counts["non-strict"]}</td><td>${counts.fail}</td>${cells.join("")}</tr>`);
  }
  out.push(
    "</table><p>P Pass, N Non-strict, F Fail, I Info, U Unimplemented; each cell links to the case in that implementation's report.</p></body></html>",
  );
  return `${out.join("\n")}\n`;
}
