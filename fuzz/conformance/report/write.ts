/** Writes a run's reports under --out: report.json, junit.xml, report.html and pcaps/<case>.pcap. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileSource } from "../../../dissector/source.js";
import { ladderOfCapture, ladderSvg } from "../../../dissector/read/flow-svg.js";
import { toSaved, writePcap } from "../../campaign/save.js";
import type { CaseResult } from "../case.js";
import type { SuiteResult } from "../runner.js";
import { reportHtml, type HtmlCase } from "./html.js";
import { junitXml, reportJson } from "./summary.js";

export interface WrittenReport {
  html: string;
  json: string;
  junit: string;
}

const pcapName = (r: CaseResult) => `pcaps/${r.id}.pcap`;

export async function writeReports(dir: string, run: SuiteResult): Promise<WrittenReport> {
  mkdirSync(join(dir, "pcaps"), { recursive: true });
  const cases: HtmlCase[] = [];
  for (const r of run.results) {
    if (r.exchange.length === 0) {
      cases.push({ result: r, svg: "" });
      continue;
    }
    const path = join(dir, pcapName(r));
    await writePcap(path, toSaved(r.exchange, r.target));
    const ladder = await ladderOfCapture(() => fileSource(path));
    cases.push({ result: r, svg: ladderSvg(ladder), pcap: pcapName(r) });
  }
  const files = { html: join(dir, "report.html"), json: join(dir, "report.json"), junit: join(dir, "junit.xml") };
  writeFileSync(
    files.json,
    `${JSON.stringify(
      reportJson(run, (r) => (r.exchange.length ? pcapName(r) : undefined)),
      null,
      2,
    )}\n`,
  );
  writeFileSync(files.junit, junitXml(run));
  writeFileSync(files.html, reportHtml(run, cases));
  return files;
}
