/**
 * `imp read` as a process (node --import tsx src/cli/main.ts): output streamed before the input
 * ends, a quiet stop when the reader of stdout goes away (`| head -1`), exit codes, and stdin.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSessionCapture } from "../../bench/gen-capture.js";
import { bundled, lines, tempDir } from "./helpers.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = ["--import", "tsx", "src/cli/main.ts"];
const tmp = tempDir("imp-read-process-");
const big = tmp.path("big.pcap");
const N = 300_000;

beforeAll(async () => {
  await generateSessionCapture(big, N);
}, 60_000);
afterAll(() => tmp.cleanup());

function run(args: string[], input?: Uint8Array): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [...MAIN, ...args], { cwd: ROOT, input, maxBuffer: 1 << 28 });
  return { code: r.status, out: r.stdout.toString(), err: r.stderr.toString() };
}

describe("imp read as a process", () => {
  it("| head -1: one line, then a quiet stop (no EPIPE error, exit 0) long before the file's end", () => {
    const t0 = Date.now();
    const r = spawnSync("bash", ["-c", `set -o pipefail; node ${MAIN.join(" ")} read ${big} | head -1`], { cwd: ROOT });
    const ms = Date.now() - t0;
    expect(r.stderr.toString()).toBe("");
    expect(r.status).toBe(0);
    expect(lines(r.stdout.toString())).toHaveLength(1);
    const full = Date.now();
    const all = spawnSync(process.execPath, [...MAIN, "read", big, "-c", String(N)], { cwd: ROOT, maxBuffer: 1 << 30 });
    expect(all.status).toBe(0);
    // The whole listing takes clearly longer than the stop after one line (start-up included).
    expect(ms).toBeLessThan(Date.now() - full);
  }, 60_000);

  it("streams: the first line is out while the capture is still coming in on stdin", async () => {
    const bytes = readFileSync(bundled("centralized-messaging.pcapng"));
    const child = spawn(process.execPath, [...MAIN, "read", "-"], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    // Half the file, then wait for output before sending the rest.
    child.stdin.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
    const t0 = Date.now();
    while (!out.includes("\n") && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
    const early = lines(out).length;
    expect(early).toBeGreaterThan(0);
    child.stdin.end(bytes.subarray(Math.floor(bytes.length / 2)));
    expect(await exited).toBe(0);
    expect(err).toBe("");
    expect(lines(out)).toHaveLength(36);
    expect(early).toBeLessThan(36);
  }, 30_000);

  it("reads stdin with '-', also for two passes (-2 and final-view filters)", () => {
    const bytes = readFileSync(bundled("packet-loss.pcapng"));
    const one = run(["read", "-"], bytes);
    expect(one.code).toBe(0);
    expect(lines(one.out)).toHaveLength(44);
    const two = run(["read", "-", "-Y", "imp.analysis.forced_disconnection"], bytes);
    expect(two.code).toBe(0);
    expect(two.out).toMatch(/^ +42 .*\[Forced disconnection of bob\(2\)\]$/m);
    const flow = run(["flow", "-", "-c", "2"], bytes);
    expect(flow.code).toBe(0);
    expect(lines(flow.out)).toHaveLength(4);
  });

  it("exit 2 with one message: a bad filter (caret), a truncated capture (after the packets before it)", () => {
    const bad = run(["read", bundled("demo.pcapng"), "-Y", "imp.type ==== 5"]);
    expect(bad.code).toBe(2);
    expect(bad.out).toBe("");
    expect(bad.err).toMatch(/^imp: invalid display filter \(-Y\), column \d+:\nimp\.type ==== 5\n +\^/);
    const bytes = readFileSync(bundled("packet-loss.pcapng"));
    const cut = run(["read", "-"], bytes.subarray(0, bytes.length - 10));
    expect(cut.code).toBe(2);
    expect(lines(cut.out)).toHaveLength(43);
    expect(lines(cut.err)).toHaveLength(1);
    expect(cut.err).toMatch(/^imp: stdin: truncated block at byte \d+/);
  });
});
