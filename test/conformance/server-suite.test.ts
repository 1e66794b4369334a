/**
 * `imp test server` in a few seconds: a handful of cases against the reference server running
 * in-process (no --exec: cases in series, each cleaning up), one planted deviation through
 * --exec (only the cases that check it fail), and the reports written from a real run (JSON,
 * JUnit, HTML with a ladder per case and pcaps that `imp read` takes).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseBatchFile } from "../../fuzz/conformance/batch.js";
import { selectCases } from "../../fuzz/conformance/case.js";
import { writeReports } from "../../fuzz/conformance/report/write.js";
import { runServerSuite, type SuiteResult } from "../../fuzz/conformance/runner.js";
import { SERVER_CASES } from "../../fuzz/conformance/server-cases/index.js";
import { startServer, type ImpServer } from "../../src/server/index.js";

const FIXTURE = join(import.meta.dirname, "..", "fixtures", "targets", "node", "planted-server.ts");
const planted = (plant: string) => `"${process.execPath}" --import tsx "${FIXTURE}" {port} ${plant}`;
const dir = mkdtempSync(join(tmpdir(), "imp-conformance-"));
let server: ImpServer;
let run: SuiteResult;

beforeAll(async () => {
  server = await startServer({ port: 0 });
  run = await runServerSuite({
    url: `udp://127.0.0.1:${server.address.port}`,
    cases: selectCases(SERVER_CASES, "5.1.1,5.3.1,6.1.1,6.2.1,4.3.2,4.5.1,5.6.1,4.7.1"),
  });
}, 20_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("imp test server", () => {
  it("numbers its cases after the specification's sections, one sentence each, ids unique", () => {
    const ids = SERVER_CASES.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of SERVER_CASES) {
      expect(c.id).toMatch(/^[3-8](\.\d+)+$/);
      expect(c.expect).toMatch(/\.$/);
      expect(c.sections.length).toBeGreaterThan(0);
    }
    expect(selectCases(SERVER_CASES, "6.3").every((c) => c.id.startsWith("6.3."))).toBe(true);
    expect(selectCases(SERVER_CASES, "5.1.1,8").map((c) => c.id)).toEqual(["5.1.1", "8.1.1", "8.1.2"]);
  });

  it("passes the reference server, with the exchange of each case recorded", () => {
    expect(run.results.map((r) => [r.id, r.verdict, r.observed]).filter(([, v]) => v !== "pass")).toEqual([]);
    expect(run.results).toHaveLength(8);
    for (const r of run.results) expect(r.exchange.some((d) => d.dir === "in") && r.exchange.some((d) => d.dir === "out")).toBe(true);
  });

  it("fails the cases a planted deviation breaks, and only those", async () => {
    const r = await runServerSuite({
      url: "udp://127.0.0.1:0",
      exec: planted("wrong-group"),
      jobs: 2,
      cases: selectCases(SERVER_CASES, "6.2.1,6.2.2,5.1.1,6.1.1"),
    });
    expect(Object.fromEntries(r.results.map((x) => [x.id, x.verdict]))).toEqual({
      "5.1.1": "pass",
      "6.1.1": "pass",
      "6.2.1": "fail",
      "6.2.2": "fail",
    });
    expect(r.results.find((x) => x.id === "6.2.2")!.observed).toMatch(/relayed with Group 1, not \d+/);
  }, 20_000);

  it("writes report.json, junit.xml and a self-contained report.html with a ladder and a pcap per case", async () => {
    const files = await writeReports(dir, run);
    const json = JSON.parse(readFileSync(files.json, "utf8"));
    expect(json.counts.pass).toBe(8);
    expect(json.cases[0]).toMatchObject({ id: "4.3.2", verdict: "pass", pcap: "pcaps/4.3.2.pcap" });
    const junit = readFileSync(files.junit, "utf8");
    expect(junit).toMatch(/<testsuites name="imp test server [^"]*" tests="8" failures="0"/);
    const html = readFileSync(files.html, "utf8");
    expect(html).not.toMatch(/<script|<link|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html.match(/<svg /g)).toHaveLength(8);
    expect(html).toContain('href="pcaps/6.2.1.pcap"');
    // The pcap is a real capture: the ladder was drawn from it, with the client names the analysis found.
    expect(readFileSync(join(dir, "pcaps", "6.2.1.pcap")).readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(html).toMatch(/<text[^>]*>ann<\/text>/);
  });

  it("reads batch files: NAME: command with {port}, comments, one-line errors", () => {
    expect(parseBatchFile("# class of 2026\nalice: python3 a.py {port}\n\nnode b.js --port {port}\n")).toEqual([
      { name: "alice", command: "python3 a.py {port}" },
      { name: "impl-2", command: "node b.js --port {port}" },
    ]);
    expect(() => parseBatchFile("x: run.sh 1313\n")).toThrow(/line 1: the command must contain \{port\}/);
    expect(() => parseBatchFile("a: x {port}\na: y {port}\n")).toThrow(/line 2: the name a is used twice/);
    expect(() => parseBatchFile("# nothing\n")).toThrow(/no command/);
  });
});
