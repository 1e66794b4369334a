/**
 * Targets impkit did not write, with K planted crash sites each (a Python 3 server, a Node
 * server): a seeded campaign reports exactly K crash findings, one per site, each signed with
 * the exception and the target's own frame, and each finding's file replays its crash alone
 * against a fresh instance of the target.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { loadCase, replayCase, runCampaign, runJobs } from "../../fuzz/index.js";
import { RemoteTarget } from "../../fuzz/targets/remote.js";

const fixture = (rel: string) => fileURLToPath(new URL(`../fixtures/targets/${rel}`, import.meta.url));
const PYTHON_SERVER = fixture("python/imp_server.py");
const NODE_SERVER = fixture("node/crashy-server.mjs");

interface Planted {
  name: string;
  exec: string;
  cases: number;
  sites: RegExp[];
}

const PLANTED: Planted[] = [
  {
    name: "Python server, 4 sites",
    exec: `python3 "${PYTHON_SERVER}" {port} --crash short-hl,reserved-type,non-ascii-name,ack-no-session --startup-ms 0`,
    cases: 250,
    sites: [
      /^ValueError: header length N below the minimum at imp_server\.py:\d+ in parse_header$/,
      /^KeyError: N at imp_server\.py:\d+ in handle$/,
      /^UnicodeDecodeError: 'ascii' codec can't decode byte ADDR in position N: .* at imp_server\.py:\d+ in parse_username$/,
      /^AttributeError: 'NoneType' object has no attribute 'last_received' at imp_server\.py:\d+ in on_ack$/,
    ],
  },
  {
    name: "Node server, 3 sites",
    exec: `"${process.execPath}" "${NODE_SERVER}" {port}`,
    cases: 250,
    sites: [
      /^TypeError: header length N below the minimum at mini-server\.mjs:\d+ in Socket\.<anonymous>$/,
      /^RangeError: type N is reserved at mini-server\.mjs:\d+ in rejectType$/,
      /^TypeError: Cannot read properties of null \(reading 'length'\) at mini-server\.mjs:\d+ in nameLength$/,
    ],
  },
];

const targets: RemoteTarget[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(exec: string): Promise<RemoteTarget> {
  const t = new RemoteTarget({ url: "udp://127.0.0.1:0", exec, hangMs: 300 });
  targets.push(t);
  return t.open().then(() => t);
}

describe("crash sites of foreign targets", () => {
  for (const p of PLANTED) {
    it(`${p.name}: exactly one crash finding per site, each replaying alone from its file`, async () => {
      const out = mkdtempSync(join(tmpdir(), "impfuzz-foreign-"));
      dirs.push(out);
      const target = await open(p.exec);
      const r = await runCampaign({ target, seed: 3, cases: p.cases, out, probeEvery: 100_000 });
      const crashes = r.findings.filter((f) => f.finding.oracle === "crash");
      const sigs = crashes.map((f) => f.finding.signature);
      expect(sigs, sigs.join("\n")).toHaveLength(p.sites.length);
      for (const site of p.sites)
        expect(
          sigs.filter((s) => site.test(s)),
          `${site} in\n${sigs.join("\n")}`,
        ).toHaveLength(1);
      expect(r.findings.filter((f) => f.finding.oracle !== "crash").map((f) => f.finding.signature)).toEqual([]);
      await target.close();
      // Each file alone, against a new instance of the target.
      for (const f of crashes) {
        expect(f.reproduced).toBe(true);
        const saved = loadCase(f.files!.json);
        expect(saved.finding.detail).toMatch(/Traceback|\n\s+at /);
        const again = await open(p.exec);
        const replay = await replayCase(again, saved, 300);
        expect(replay.reproduced, `${f.finding.signature}: ${replay.findings.map((x) => x.signature).join("; ")}`).toBe(true);
        await again.close();
      }
    }, 90_000);
  }

  it("--jobs 2 (two instances of the Python server): the same K findings once each, one file each, every case run once", async () => {
    const p = PLANTED[0]!;
    const out = mkdtempSync(join(tmpdir(), "impfuzz-jobs-"));
    dirs.push(out);
    const both = [await open(p.exec), await open(p.exec)];
    const seen: number[] = [];
    const r = await runJobs({ target: both[0]!, seed: 3, cases: p.cases, out, probeEvery: 100_000, onCase: (c) => seen.push(c.id) }, both);
    const sigs = r.findings.map((f) => f.finding.signature);
    expect(sigs, sigs.join("\n")).toHaveLength(p.sites.length);
    for (const site of p.sites) expect(sigs.filter((s) => site.test(s))).toHaveLength(1);
    expect(new Set(r.findings.map((f) => f.files!.json)).size).toBe(p.sites.length);
    expect(r.cases).toBe(p.cases);
    expect([...new Set(seen)].sort((a, b) => a - b)).toEqual(Array.from({ length: p.cases }, (_, k) => k));
  }, 90_000);
});
