/** `imp fuzz` driven through the real command: a campaign with findings, a replay, usage errors. */
import { afterEach, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli/program.js";
import { bufferIo } from "../../src/cli/io.js";
import { fixtureExec } from "./helpers.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("imp fuzz", () => {
  it("finds, saves and replays a crash of a udp:// target started with --exec", async () => {
    const out = mkdtempSync(join(tmpdir(), "impfuzz-cli-"));
    dirs.push(out);
    const target = ["--target", "udp://127.0.0.1:0", "--exec", fixtureExec("crash-short-hl"), "--hang-ms", "300"];
    const io = bufferIo();
    const code = await runCli(["fuzz", ...target, "--seed", "7", "--cases", "150", "--out", out, "--quiet"], io);
    expect(code).toBe(1);
    expect(io.stdout()).toMatch(/crash: TypeError: header length N below the minimum/);
    const files = readdirSync(join(out, "findings"));
    const json = files.find((f) => f.endsWith("-crash.json"))!;
    expect(files).toContain(json.replace(".json", ".pcap"));
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as { cases: number; findings: unknown[] };
    expect(report.cases).toBe(150);
    expect(existsSync(join(out, "report.md"))).toBe(true);

    const replay = bufferIo();
    expect(await runCli(["fuzz", ...target, "--replay", join(out, "findings", json)], replay)).toBe(1);
    expect(replay.stdout()).toMatch(/^reproduced$/m);
  }, 60_000);

  it("needs a bound and a known target", async () => {
    const io = bufferIo();
    expect(await runCli(["fuzz"], io)).toBe(2);
    expect(io.stderr()).toMatch(/--cases or --duration/);
    expect(await runCli(["fuzz", "--target", "tcp://x", "--cases", "1"], bufferIo())).toBe(2);
  });

  it("a short campaign against the bundled server", async () => {
    const out = mkdtempSync(join(tmpdir(), "impfuzz-cli-"));
    dirs.push(out);
    const io = bufferIo();
    const code = await runCli(["fuzz", "--seed", "1", "--cases", "2000", "--out", out], io);
    expect(code).toBe(0);
    expect(io.stdout()).toMatch(/2000 cases .* 0 findings/);
    expect(io.stderr()).toMatch(/seed 1/);
  }, 60_000);
});
