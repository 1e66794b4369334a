/**
 * Spare instances of an --exec target (fuzz/targets/spare-instances.ts): after a crash, a spare
 * started ahead of need takes the target's place at once (no start-up wait), another starts in
 * the background, and when the target is closed no instance is left running, spares included
 * (checked in the process table, by a tag on each command line).
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { runCampaign } from "../../fuzz/index.js";
import { runningChildren } from "../../fuzz/targets/child-processes.js";
import { RemoteTarget } from "../../fuzz/targets/remote.js";

const SERVER = fileURLToPath(new URL("../fixtures/targets/python/imp_server.py", import.meta.url));

/** Instances whose command line carries `tag` (the fixture ignores the extra option). */
function tagged(tag: string): number[] {
  const out = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" });
  return (
    out
      .split("\n")
      // The Python processes, not a shell that runs one (`sh -c "python3 ..."`).
      .filter((l) => l.includes(tag) && l.includes("imp_server.py") && !/ -c /.test(l))
      .map((l) => Number(l.trim().split(/\s+/)[0]))
  );
}

const targets: RemoteTarget[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
});

function target(tag: string, startupMs: number): RemoteTarget {
  const exec = `python3 "${SERVER}" {port} --crash short-hl,reserved-type --startup-ms ${startupMs} --tag ${tag}`;
  const t = new RemoteTarget({ url: "udp://127.0.0.1:0", exec, hangMs: 300, spares: 1 });
  targets.push(t);
  return t;
}

describe("spare instances of an --exec target", () => {
  it("a crash swaps in the ready spare at once (the start-up is 1.5 s), another starts, and none outlives close()", async () => {
    const tag = `spare${process.pid}a`;
    const t = target(tag, 1500);
    await t.open();
    expect(t.spareStats).toEqual({ started: 2, taken: 1, running: 1 });
    expect(tagged(tag)).toHaveLength(2);
    const before = t.address.port;
    // Header Length 1: the planted ValueError.
    t.send(0, Uint8Array.from([0x00, 0x00, 0x00, 0x00, 0x01]));
    const b = await t.barrier();
    expect(b).toMatchObject({ ok: false, reason: "exited" });
    expect(t.exitInfo()?.exception).toMatch(/ValueError/);
    const t0 = performance.now();
    await t.restart();
    const swapMs = performance.now() - t0;
    // A restart in place would wait for the 1.5 s start-up; the swap only re-aims the sockets.
    expect(swapMs).toBeLessThan(1000);
    expect(t.address.port).not.toBe(before);
    expect(t.exitInfo()).toBeNull();
    expect((await t.barrier()).ok).toBe(true);
    expect(t.spareStats).toMatchObject({ started: 3, taken: 2 });
    await t.close();
    expect(tagged(tag)).toEqual([]);
    expect(runningChildren()).toBe(0);
  }, 20_000);

  it("a campaign on a crash-prone target restarts by swapping spares only; after it, no instance is running", async () => {
    const tag = `spare${process.pid}b`;
    const t = target(tag, 0);
    await t.open();
    const r = await runCampaign({ target: t, seed: 1, cases: 80, minimise: false, probeEvery: 500, probeMs: 300 });
    expect(r.restarts).toBeGreaterThan(0);
    expect(r.findings.map((f) => f.finding.oracle)).toContain("crash");
    // Every restart took a spare: one for open(), one per restart.
    expect(t.spareStats?.taken).toBe(1 + t.restartStats.count);
    expect(t.restartStats.count).toBe(r.restarts);
    // At most the instance in use and one spare at any time.
    expect(tagged(tag).length).toBeLessThanOrEqual(2);
    await t.close();
    expect(tagged(tag)).toEqual([]);
    expect(runningChildren()).toBe(0);
  }, 30_000);
});
