/**
 * Deliberately faulty targets (test/fixtures/fuzz-targets/*.mjs, one bug each): a short seeded
 * campaign finds the bug, minimises the finding to the field that triggers it, and the saved
 * case replays it. A correct twin of the same server gives no finding.
 */
import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCase, replayCase, runCampaign, type CampaignResult, type FoundFinding } from "../../fuzz/index.js";
import { spawn } from "node:child_process";
import { fixturePath, fixtureTarget, mutationsOf } from "./helpers.js";
import { RemoteTarget, freeUdpPort } from "../../fuzz/targets/remote.js";

interface Expectation {
  fixture: string;
  oracle: string;
  signature: RegExp;
  field: string;
  cases: number;
  stateful?: boolean;
  /** Liveness probe every N cases (default 50). */
  probeEvery?: number;
}

const EXPECT: Expectation[] = [
  { fixture: "crash-short-hl", oracle: "crash", signature: /header length N below the minimum/, field: "hlen", cases: 150 },
  { fixture: "hang-reserved-type", oracle: "hang", signature: /did not answer/, field: "type", cases: 150 },
  { fixture: "answer-spoofed", oracle: "conformance", signature: /must get none \(no session\)/, field: "src", cases: 3000 },
  { fixture: "leak-on-reject", oracle: "resources", signature: /sessions/, field: "username", cases: 300 },
  {
    fixture: "malformed-list",
    oracle: "conformance",
    signature: /imp\.malformed\.\w+ in User List Response/,
    field: "options",
    cases: 300,
    stateful: true,
  },
  // Barriers (a connected probe's User List Request) still pass: only the liveness probe finds it.
  {
    fixture: "deaf-after-bad-name",
    oracle: "hang",
    signature: /^liveness probe: no answer to its connect/,
    field: "username",
    cases: 150,
    probeEvery: 1,
  },
];

let target: RemoteTarget | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await target?.close();
  target = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function findingOf(r: CampaignResult, e: Expectation): FoundFinding {
  const f = r.findings.find((x) => x.finding.oracle === e.oracle && e.signature.test(x.finding.signature));
  if (!f)
    throw new Error(
      `no ${e.oracle} finding matching ${e.signature} in: ${r.findings.map((x) => `${x.finding.oracle}: ${x.finding.signature}`).join("; ")}`,
    );
  return f;
}

describe("faulty targets", () => {
  for (const e of EXPECT) {
    it(`${e.fixture}: found, minimised to ${e.field}, replayed`, async () => {
      const out = mkdtempSync(join(tmpdir(), "impfuzz-"));
      dirs.push(out);
      target = fixtureTarget(e.fixture);
      await target.open();
      const r = await runCampaign({
        target,
        seed: 7,
        cases: e.cases,
        stateful: e.stateful ?? false,
        out,
        probeEvery: e.probeEvery ?? 50,
        probeMs: 300,
      });
      const f = findingOf(r, e);
      expect(f.reproduced).toBe(true);
      const muts = mutationsOf(f.minimised);
      expect(muts).toHaveLength(1);
      expect(muts[0]!.field).toBe(e.field);
      expect(f.minimised.steps).toHaveLength(1);
      // Saved: a case that replays, and a pcap of its exchange.
      const saved = loadCase(f.files!.json);
      expect(saved.case).toEqual(f.minimised);
      expect(saved.datagrams.length).toBeGreaterThan(0);
      expect(statSync(f.files!.pcap).size).toBeGreaterThan(24);
      expect(readFileSync(join(out, "report.md"), "utf8").length).toBeGreaterThan(0);
      const replay = await replayCase(target, saved, 300);
      expect(replay.reproduced).toBe(true);
    }, 60_000);
  }

  it("a target the fuzzer cannot restart (no --exec): the campaign stops at its death", async () => {
    const port = await freeUdpPort();
    const child = spawn(process.execPath, [fixturePath("crash-short-hl"), String(port)], { stdio: "ignore" });
    try {
      await new Promise((r) => setTimeout(r, 300));
      target = new RemoteTarget({ url: `udp://127.0.0.1:${port}`, hangMs: 200 });
      await target.open();
      const r = await runCampaign({ target, seed: 7, cases: 500 });
      expect(r.stopped).toMatch(/cannot be restarted/);
      expect(r.cases).toBeLessThan(500);
      expect(r.findings.map((f) => f.finding.oracle)).toContain("hang");
    } finally {
      child.kill("SIGKILL");
    }
  }, 60_000);

  it("list-keeps-seq: the conversation analysis (not the codec) finds a Sequence that did not flip", async () => {
    target = fixtureTarget("list-keeps-seq");
    await target.open();
    const r = await runCampaign({ target, seed: 7, cases: 50, stateful: true, probeEvery: 100, probeMs: 300, sequence: true });
    const f = r.findings.find((x) => x.finding.signature === "imp.analysis.seq_not_flipped in User List Response");
    expect(f, r.findings.map((x) => x.finding.signature).join("; ")).toBeDefined();
    expect(f!.finding.oracle).toBe("conformance");
    expect(f!.reproduced).toBe(true);
  }, 60_000);

  it("the correct twin gives no finding", async () => {
    target = fixtureTarget("correct");
    await target.open();
    const r = await runCampaign({ target, seed: 7, cases: 600, stateful: true, probeEvery: 100, probeMs: 300, sequence: true });
    expect(r.findings.map((f) => `${f.finding.oracle}: ${f.finding.signature}`)).toEqual([]);
    expect(r.statesReached.connected).toBeGreaterThan(0);
  }, 60_000);
});
