/**
 * Foreign clients (`imp fuzz --target client --exec "CMD {port}"`): the fuzzer plays the server
 * of a client it starts (a Python 3 client here, test/fixtures/targets/python/imp_client.py),
 * brings it into every state of the client graph (connected, invitation pending through the
 * server, private group through `/accept` on its stdin) and finds its planted bugs, each with
 * its own signature, each replaying alone from its file; a correct client gets no finding.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { runCampaign } from "../../fuzz/index.js";
import { SpawnedClientTarget } from "../../fuzz/targets/spawned-client.js";
import { bufferIo } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/program.js";

const CLIENT = fileURLToPath(new URL("../fixtures/targets/python/imp_client.py", import.meta.url));
const exec = (extra = "") => `python3 "${CLIENT}" {port} --name pyfz ${extra}`.trim();
const ALL_STATES = ["connected", "in-private-group", "invitation-pending"];

const dirs: string[] = [];
const targets: SpawnedClientTarget[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "impfuzz-client-"));
  dirs.push(d);
  return d;
}

describe("a foreign client (Python), the fuzzer playing its server", () => {
  it("connects it, reaches every client state, and a correct client gets no finding", async () => {
    const target = new SpawnedClientTarget({ exec: exec(), hangMs: 500 });
    targets.push(target);
    await target.open();
    expect(target.clientName).toBe("pyfz");
    // The barrier is a Data Message from its server, acknowledged: what the client accepted last follows.
    const b = await target.barrier();
    expect(b.ok).toBe(true);
    expect(b.debug?.extra).toMatchObject({ group: 1, lastSent: target.serverLastSent });
    const r = await runCampaign({ target, seed: 1, cases: 90, stateful: true });
    expect(r.findings.map((f) => `${f.level}: ${f.finding.oracle}: ${f.finding.signature}`)).toEqual([]);
    expect(Object.keys(r.statesReached).sort()).toEqual(ALL_STATES);
    for (const s of ALL_STATES) expect(r.statesReached[s]).toBeGreaterThan(15);
    expect(r.restarts).toBe(0);
  }, 30_000);

  it("finds each planted bug once, with its signature and the state it needs; each file replays alone (exit 1), not against the fixed client (exit 0)", async () => {
    const out = tempDir();
    const io = bufferIo();
    const code = await runCli(
      [
        "fuzz",
        "--target",
        "client",
        "--exec",
        exec("--bug long-name,dissolve-other"),
        "--stateful",
        "--seed",
        "1098",
        "--cases",
        "60",
        "--hang-ms",
        "500",
        "--out",
        out,
        "--quiet",
      ],
      io,
    );
    expect(code, io.stdout() + io.stderr()).toBe(1);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as {
      findings: { level: string; finding: { oracle: string; signature: string }; minimised: { state: string }; reproduced: boolean }[];
      statesReached: Record<string, number>;
    };
    expect(Object.keys(report.statesReached).sort()).toEqual(ALL_STATES);
    const sigs = report.findings.map((f) => `${f.level}: ${f.finding.oracle}: ${f.finding.signature} (${f.minimised.state})`).sort();
    expect(sigs, sigs.join("\n")).toHaveLength(2);
    expect(sigs[0]).toMatch(/^fail: crash: KeyError: N at imp_client\.py:\d+ in handle \(in-private-group\)$/);
    expect(sigs[1]).toMatch(/^fail: crash: ValueError: subsection not found at imp_client\.py:\d+ in parse_update_name \(connected\)$/);
    expect(report.findings.every((f) => f.reproduced)).toBe(true);
    const files = readdirSync(join(out, "findings")).filter((f) => f.endsWith(".json"));
    expect(files).toHaveLength(2);
    for (const f of files) {
      const saved = JSON.parse(readFileSync(join(out, "findings", f), "utf8")) as { spec: { target: string; exec: string } };
      expect(saved.spec).toEqual({ target: "client", exec: exec("--bug long-name,dissolve-other") });
      const again = bufferIo();
      expect(await runCli(["fuzz", "--replay", join(out, "findings", f), "--quiet"], again), again.stdout()).toBe(1);
    }
    // --exec overrides the recorded command: the fixed client no longer crashes.
    const fixed = bufferIo();
    expect(await runCli(["fuzz", "--replay", join(out, "findings", files[0]!), "--exec", exec(), "--quiet"], fixed), fixed.stdout()).toBe(
      0,
    );
  }, 60_000);

  it("a client that stops answering its server (after 40 messages) is a hang finding, and is restarted", async () => {
    const target = new SpawnedClientTarget({ exec: exec("--stall-after 40"), hangMs: 300 });
    targets.push(target);
    await target.open();
    const r = await runCampaign({ target, seed: 1, cases: 20, stateful: true, minimise: false });
    expect(r.findings.map((f) => `${f.level}: ${f.finding.oracle}: ${f.finding.signature}`)).toEqual([
      "fail: hang: target did not answer (no ACK of a Data Message from its server within N ms)",
    ]);
    expect(r.restarts).toBeGreaterThan(0);
  }, 30_000);

  it("usage and start-up errors: one line, exit 2", async () => {
    const run = async (args: string[]) => {
      const io = bufferIo();
      const code = await runCli(["fuzz", ...args, "--cases", "5", "--out", tempDir(), "--quiet"], io);
      return { code, err: io.stderr().trim() };
    };
    const noExec = await run(["--target", "client"]);
    expect(noExec.code).toBe(2);
    expect(noExec.err).toMatch(/--target client .*--exec/);
    const noPort = await run(["--target", "client", "--exec", `python3 "${CLIENT}" 1313`]);
    expect(noPort.code).toBe(2);
    expect(noPort.err).toMatch(/must contain \{port\}/);
    const dies = await run(["--target", "client", "--exec", "exit 3 # {port}"]);
    expect(dies.code).toBe(2);
    expect(dies.err).toMatch(/exited during start-up \(code 3\)/);
    expect(dies.err.split("\n")).toHaveLength(1);
  }, 20_000);
});
