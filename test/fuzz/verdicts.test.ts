/**
 * Graded verdicts (fuzz/oracles/verdicts.ts): a correct but liberal Python server (accepts what
 * the original text allows and WIRE.md drops; sends its User List Response with the client's
 * private group as Group ID, as the 2017 implementation does) gets only non-strict findings and `imp fuzz` exits 0 (1 with --strict); the same server with a
 * planted crash still gets its fail finding and exit 1.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { levelOf } from "../../fuzz/oracles/verdicts.js";
import { bufferIo } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/program.js";

const SERVER = fileURLToPath(new URL("../fixtures/targets/python/imp_server.py", import.meta.url));
const exec = (extra: string) => `python3 "${SERVER}" {port} --startup-ms 0 ${extra}`;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function fuzz(extra: string, args: string[]) {
  const out = mkdtempSync(join(tmpdir(), "impfuzz-verdict-"));
  dirs.push(out);
  const io = bufferIo();
  const code = await runCli(
    ["fuzz", "--target", "udp://127.0.0.1:0", "--exec", exec(extra), "--hang-ms", "300", "--seed", "3", "--out", out, "--quiet", ...args],
    io,
  );
  const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as {
    findings: { level: string; finding: { oracle: string; signature: string; detail: string }; minimised: { state: string } }[];
  };
  return { code, stdout: io.stdout(), report, md: readFileSync(join(out, "report.md"), "utf8") };
}

describe("graded verdicts", () => {
  it("the rule per oracle", () => {
    const f = (oracle: "crash" | "conformance" | "hang" | "state" | "resources", signature: string) =>
      levelOf({ oracle, signature, detail: "" });
    expect(f("conformance", "imp.protocol.group in User List Response")).toBe("non-strict");
    expect(f("conformance", "reply to a datagram that must get none (dropped value)")).toBe("non-strict");
    expect(f("conformance", "reply to a datagram that must get none (malformed)")).toBe("fail");
    expect(f("conformance", "reply to a datagram that must get none (spoofed Source ID)")).toBe("fail");
    expect(f("conformance", "imp.malformed.hlen_type in User List Response")).toBe("fail");
    expect(f("conformance", "S→C sent Connection Request")).toBe("fail");
    expect(f("conformance", "imp.analysis.seq_not_flipped in User List Response")).toBe("fail");
    for (const o of ["crash", "hang", "state", "resources"] as const) expect(f(o, "anything")).toBe("fail");
  });

  it("a liberal server: non-strict findings only, exit 0; --strict: exit 1", async () => {
    const stateless = await fuzz("--liberal", ["--cases", "1500"]);
    expect(stateless.report.findings.map((f) => `${f.level}: ${f.finding.signature}`)).toEqual([
      "non-strict: reply to a datagram that must get none (dropped value)",
    ]);
    expect(stateless.code).toBe(0);
    expect(stateless.md).toMatch(
      /## Findings: fail\n\nNone\.\n\n## Findings: non-strict[^\n]*\n\n### 1\. non-strict: conformance: reply to a datagram that must get none \(dropped value\)/,
    );
    const stateful = await fuzz("--liberal", ["--cases", "300", "--stateful", "--strict"]);
    expect(stateful.report.findings.map((f) => `${f.level}: ${f.finding.signature}`).sort()).toEqual([
      "non-strict: imp.protocol.group in User List Response",
      "non-strict: reply to a datagram that must get none (dropped value)",
    ]);
    // The 2017 habit: the list's Group ID is the requester's private group (found there, not in the Public Group).
    const habit = stateful.report.findings.find((f) => f.finding.signature.startsWith("imp.protocol.group"))!;
    expect(habit.finding.detail).toMatch(/^Group ID 2 in a User List Response \(expected 1/);
    expect(habit.minimised.state).toBe("in-private-group");
    expect(stateful.code).toBe(1);
  }, 60_000);

  it("a liberal server with a planted crash: that crash is a fail finding, exit 1", async () => {
    const r = await fuzz("--liberal --crash reserved-type", ["--cases", "1500"]);
    expect(r.code).toBe(1);
    const fails = r.report.findings.filter((f) => f.level === "fail").map((f) => f.finding.signature);
    expect(fails).toHaveLength(1);
    expect(fails[0]).toMatch(/^KeyError: N at imp_server\.py:\d+ in handle$/);
    expect(r.stdout).toMatch(/^ {2}fail: crash: KeyError/m);
  }, 60_000);
});
