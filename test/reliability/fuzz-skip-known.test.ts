/**
 * --skip-known against the crash-prone Python fixture server (four planted crash sites): the
 * same crash sites as without it, fewer restarts, and every case left out matches the shape of a
 * crash already minimised (fuzz/campaign/known-shapes.ts). Two 250-case campaigns with restarts.
 */
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { matchesShape } from "../../fuzz/campaign/known-shapes.js";
import { availableStates, generateCase } from "../../fuzz/campaign/generate.js";
import { runCampaign } from "../../fuzz/index.js";
import { statePath } from "../../fuzz/session/states.js";
import { RemoteTarget } from "../../fuzz/targets/remote.js";

const SERVER = fileURLToPath(new URL("../fixtures/targets/python/imp_server.py", import.meta.url));

const targets: RemoteTarget[] = [];
afterEach(async () => {
  for (const t of targets.splice(0)) await t.close();
});

describe("imp fuzz --skip-known", () => {
  it("a campaign that skips known shapes: the same crash sites, fewer restarts, and only cases of a known shape left out", async () => {
    const exec = `python3 "${SERVER}" {port} --crash short-hl,reserved-type,non-ascii-name,ack-no-session --startup-ms 0`;
    const run = async (skipKnown: boolean) => {
      const target = new RemoteTarget({ url: "udp://127.0.0.1:0", exec, hangMs: 1000 });
      targets.push(target);
      await target.open();
      const ran = new Set<number>();
      const r = await runCampaign({ target, seed: 3, cases: 250, probeEvery: 100_000, skipKnown, onCase: (c) => ran.add(c.id) });
      await target.close();
      return { r, ran };
    };
    const plain = await run(false);
    const skipping = await run(true);
    const sigs = (x: typeof plain) => x.r.findings.map((f) => f.finding.signature).sort();
    expect(sigs(skipping)).toEqual(sigs(plain));
    expect(skipping.r.skipped).toBeGreaterThan(0);
    expect(skipping.r.cases + skipping.r.skipped, skipping.r.stopped).toBe(250);
    expect(skipping.r.restarts).toBeLessThan(plain.r.restarts);
    const shapes = skipping.r.findings.flatMap((f) => (f.shape ? [f.shape] : []));
    expect(shapes).toHaveLength(4);
    const gen = { stateful: false, states: availableStates(false), direction: "C→S" as const };
    for (let id = 0; id < 250; id++) {
      if (skipping.ran.has(id)) continue;
      expect(shapes.some((s) => matchesShape(s, generateCase(3, id, gen), statePath))).toBe(true);
    }
  }, 60_000);
});
