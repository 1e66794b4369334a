/**
 * Campaigns against the bundled server and client: reproducible case sequences, a stateless
 * campaign with no crash, hang or state finding, stateful campaigns that reach every state, and
 * coverage guidance. The long campaigns (100 000 stateless cases, ...) are in
 * test/reliability/fuzz-campaigns.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCampaign, type FuzzCase } from "../../fuzz/index.js";
import { BundledServerTarget } from "../../fuzz/targets/bundled-server.js";
import { STATES } from "../../fuzz/session/states.js";
import { FuzzSession } from "../../fuzz/session/session.js";
import { decode } from "../../src/codec/index.js";
import { MSG } from "../../src/protocol/index.js";
import { availableStates, generateCase } from "../../fuzz/campaign/generate.js";
import { bundledClientCampaign, serious } from "./helpers.js";

describe("bundled server", () => {
  let target: BundledServerTarget;
  beforeAll(async () => {
    target = new BundledServerTarget();
    await target.open();
  });
  afterAll(async () => {
    await target.close();
  });

  it("a seeded campaign runs twice with identical case sequences (and findings)", async () => {
    const runs: { cases: string[]; findings: string[] }[] = [];
    for (let k = 0; k < 2; k++) {
      const cases: string[] = [];
      const r = await runCampaign({
        target,
        seed: 4242,
        cases: 150,
        stateful: true,
        onCase: (c: FuzzCase) => cases.push(JSON.stringify(c)),
      });
      runs.push({ cases, findings: r.findings.map((f) => `${f.finding.oracle}: ${f.finding.signature}`).sort() });
    }
    expect(runs[0]!.cases).toHaveLength(150);
    expect(runs[1]!.cases).toEqual(runs[0]!.cases);
    expect(runs[1]!.findings).toEqual(runs[0]!.findings);
    // Stateless campaigns (sent in batches) too.
    const a: string[] = [];
    const b: string[] = [];
    await runCampaign({ target, seed: 9, cases: 500, onCase: (c) => a.push(JSON.stringify(c)) });
    await runCampaign({ target, seed: 9, cases: 500, onCase: (c) => b.push(JSON.stringify(c)) });
    expect(a).toHaveLength(500);
    expect(b).toEqual(a);
    expect(new Set(a).size).toBeGreaterThan(475);
  }, 120_000);

  it("a restart keeps the fuzz clients' addresses and the connected sockets reach the new process", async () => {
    const before = Array.from({ length: target.socketCount }, (_, i) => target.socketAddress(i).port);
    const oldPort = target.address.port;
    await target.restart();
    expect(target.address.port).not.toBe(oldPort);
    expect(Array.from({ length: target.socketCount }, (_, i) => target.socketAddress(i).port)).toEqual(before);
    expect((await target.barrier()).ok).toBe(true);
    const r = await runCampaign({ target, seed: 3, cases: 50, stateful: true });
    expect(r.restarts).toBe(0);
    expect(Object.values(r.statesReached).reduce((a, b) => a + b, 0)).toBeGreaterThan(40);
  }, 60_000);

  it("the next case's prefix during this case's teardown changes nothing but the round trips", async () => {
    const runs = [];
    for (const overlap of [false, true]) {
      const cases: string[] = [];
      const r = await runCampaign({
        target,
        seed: 77,
        cases: 200,
        stateful: true,
        overlap,
        probeEvery: 97,
        onCase: (c) => cases.push(JSON.stringify(c)),
      });
      runs.push({ r, cases });
    }
    const [off, on] = runs as [(typeof runs)[0], (typeof runs)[0]];
    expect(off.r.overlapped).toBe(0);
    // Every case but the first, those after a probe, and those after a finding's minimisation.
    expect(on.r.overlapped).toBeGreaterThan(185);
    expect(on.cases).toEqual(off.cases);
    expect(on.r.statesReached).toEqual(off.r.statesReached);
    expect(on.r.findings.map((f) => f.finding.signature)).toEqual(off.r.findings.map((f) => f.finding.signature));
    expect(serious(on.r)).toEqual([]);
  }, 60_000);

  it("a reorder mutation sends its step after the one that follows it", async () => {
    const session = new FuzzSession(target, { keepLog: true });
    await session.start();
    const data = (role: "self" | "other", text: string, reorder: boolean) => ({
      role,
      template: { type: MSG.data, src: "own" as const, group: "ownGroup" as const, options: { data: text } },
      mutations: reorder ? [{ kind: "reorder" as const, field: "sequence", value: 1 }] : [],
    });
    const texts = async (steps: ReturnType<typeof data>[]) => {
      const r = await session.run({ id: 1, state: "connected", steps });
      return r.sent.map((b) => decode(b).message?.data);
    };
    expect(await texts([data("self", "first", false), data("other", "second", false)])).toEqual(["first", "second"]);
    expect(await texts([data("self", "first", true), data("other", "second", false)])).toEqual(["second", "first"]);
    // The last step has nothing to swap with.
    expect(await texts([data("self", "first", false), data("other", "second", true)])).toEqual(["first", "second"]);
  }, 30_000);

  it("5 000 stateless cases: no crash, hang or state finding", async () => {
    const r = await runCampaign({ target, seed: 1, cases: 5000 });
    expect(r.cases).toBe(5000);
    expect(serious(r)).toEqual([]);
    expect(r.restarts).toBe(0);
  }, 120_000);

  it("stateful: every state is reached, no crash, hang or state finding", async () => {
    const r = await runCampaign({ target, seed: 2, cases: 600, stateful: true, probeEvery: 250 });
    expect(serious(r)).toEqual([]);
    for (const s of STATES.filter((s) => s.name !== "fresh")) expect(r.statesReached[s.name] ?? 0).toBeGreaterThan(0);
  }, 120_000);

  it("stateful cases in four lanes at once: same cases, every state, nothing serious", async () => {
    const cases: string[] = [];
    const r = await runCampaign({ target, seed: 4, cases: 400, stateful: true, lanes: 4, onCase: (c) => cases.push(JSON.stringify(c)) });
    expect(serious(r)).toEqual([]);
    expect(cases).toHaveLength(400);
    const single: string[] = [];
    for (let i = 0; i < 400; i++)
      single.push(JSON.stringify(generateCase(4, i, { stateful: true, states: availableStates(true), direction: "C→S" })));
    expect(cases).toEqual(single);
    for (const s of STATES.filter((s) => s.name !== "fresh")) expect(r.statesReached[s.name] ?? 0).toBeGreaterThan(0);
  }, 120_000);

  it("coverage guidance keeps cases that reach new code", async () => {
    const cov = new BundledServerTarget({ coverage: true });
    await cov.open();
    try {
      const r = await runCampaign({ target: cov, seed: 3, cases: 150, stateful: true, coverage: true });
      expect(r.coverage!.covered).toBeGreaterThan(0);
      expect(r.coverage!.covered).toBeLessThanOrEqual(r.coverage!.total);
      expect(r.corpus).toBeGreaterThan(0);
    } finally {
      await cov.close();
    }
  }, 120_000);
});

describe("bundled client", () => {
  it("the fuzzer plays its server: no crash, hang or state finding", async () => {
    const r = await bundledClientCampaign(5, 400);
    expect(r.serious).toEqual([]);
    expect(r.states).toEqual(["connected", "in-private-group", "invitation-pending"]);
  }, 120_000);
});
