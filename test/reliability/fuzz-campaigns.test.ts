/**
 * Long fuzz campaigns against the bundled server and client (`npm run test:reliability`): the
 * counts that find rare faults. test/fuzz/bundled.test.ts runs the same assertions on counts small
 * enough for `npm test`.
 * - 100 000 stateless cases against the server: no crash, hang or state finding, no restart;
 * - 3 000 stateful cases: every server state reached, nothing serious;
 * - 1 500 stateful cases against the bundled client: its three states, nothing serious.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCampaign } from "../../fuzz/index.js";
import { BundledServerTarget } from "../../fuzz/targets/bundled-server.js";
import { STATES } from "../../fuzz/session/states.js";
import { bundledClientCampaign, serious } from "../fuzz/helpers.js";

describe("bundled server, long campaigns", () => {
  let target: BundledServerTarget;
  beforeAll(async () => {
    target = new BundledServerTarget();
    await target.open();
  });
  afterAll(async () => {
    await target.close();
  });

  it("100 000 stateless cases: no crash, hang or state finding", async () => {
    const r = await runCampaign({ target, seed: 1, cases: 100_000 });
    expect(r.cases).toBe(100_000);
    expect(serious(r)).toEqual([]);
    expect(r.restarts).toBe(0);
  }, 300_000);

  it("3 000 stateful cases: every state is reached, no crash, hang or state finding", async () => {
    const r = await runCampaign({ target, seed: 2, cases: 3000, stateful: true, probeEvery: 250 });
    expect(serious(r)).toEqual([]);
    for (const s of STATES.filter((s) => s.name !== "fresh")) expect(r.statesReached[s.name] ?? 0).toBeGreaterThan(0);
  }, 300_000);
});

describe("bundled client, long campaign", () => {
  it("1 500 stateful cases: the fuzzer plays its server, no crash, hang or state finding", async () => {
    const r = await bundledClientCampaign(5, 1500);
    expect(r.serious).toEqual([]);
    expect(r.states).toEqual(["connected", "in-private-group", "invitation-pending"]);
  }, 300_000);
});
