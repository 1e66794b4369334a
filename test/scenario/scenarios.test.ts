import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readImpDatagrams } from "../../dissector/imp-frames.js";
import { infoText } from "../../dissector/summary/info.js";
import { decode } from "../../src/codec/index.js";
import { runScenario, SCENARIOS, writeScenarioCapture, type ScenarioResult } from "../../src/scenario/index.js";

// Short timers where the flow waits for them: the loss flows retransmit every 150 ms (forced
// disconnection after 6 x 150 ms), invitations time out after 300 ms. The flows without loss use
// a 1 s RTO: a loaded machine that stalls the event loop must not cause a retransmission there,
// or the exact sequence would change.
const LOSS_FLOWS = new Set(["packet-loss", "demo"]);
const settingsFor = (name: string) => ({
  port: 0,
  rto: LOSS_FLOWS.has(name) ? 150 : 1000,
  retries: 5,
  inviteTimeoutMs: 300,
  stepTimeoutMs: 15_000,
});
const dir = mkdtempSync(join(tmpdir(), "imp-scenario-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The flow as lines "sender → receiver: Info", with ports replaced by names. */
function flow(r: ScenarioResult): string[] {
  const names = new Map<number, string>([[r.ports.server, "server"]]);
  for (const [n, p] of Object.entries(r.ports.clients)) names.set(p, n);
  let anonymous = 0;
  const name = (port: number) => {
    let n = names.get(port);
    if (n === undefined) names.set(port, (n = `rejected${++anonymous}`));
    return n;
  };
  const nameOfId = new Map<number, string>();
  for (const u of r.final.users) nameOfId.set(u.id, u.name);
  return r.datagrams.map((d) => {
    const m = decode(d.payload).message!;
    return `${name(d.src.port)} → ${name(d.dst.port)}: ${infoText(m)}${d.dropped ? " [lost]" : ""}`;
  });
}

function perLink(lines: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const l of lines) {
    const link = l.slice(0, l.indexOf(":"));
    (out[link] ??= []).push(l);
  }
  return out;
}

const privateGroups = (r: ScenarioResult) => r.final.groups.filter((g) => g.id !== 1);

function groupsOf(r: ScenarioResult): Record<string, number> {
  return Object.fromEntries(r.final.users.map((u) => [u.name, u.group]));
}

const results = new Map<string, ScenarioResult>();
async function result(name: string): Promise<ScenarioResult> {
  let r = results.get(name);
  if (!r) {
    r = await runScenario(SCENARIOS.find((s) => s.name === name)!, settingsFor(name));
    results.set(name, r);
  }
  return r;
}

describe("scenarios (real UDP on 127.0.0.1, short timers)", () => {
  for (const s of SCENARIOS) {
    it(`${s.name}: the exact sequence of messages, identical on a second run`, async () => {
      const first = await result(s.name);
      const again = await runScenario(s, settingsFor(s.name));
      if (first.dropped > 0) {
        // With loss, concurrent links retransmit on their own timers: the order between links may
        // differ, the sequence on each link may not.
        expect(perLink(flow(again))).toEqual(perLink(flow(first)));
      } else {
        expect(flow(again)).toEqual(flow(first));
      }
      expect(first.dropped > 0 ? perLink(flow(first)) : flow(first)).toMatchSnapshot();
      for (const d of first.datagrams) {
        expect(decode(d.payload).problems.filter((p) => p.category === "malformed")).toEqual([]);
      }
    });
  }

  it("connection-accepted: both in the Public Group", async () => {
    expect(groupsOf(await result("connection-accepted"))).toEqual({ alice: 1, bob: 1 });
  });

  it("connection rejections: error 1 for a taken name, 0 for a full server; only alice stays", async () => {
    const taken = await result("connection-rejected-name-taken");
    expect(flow(taken)).toContain("server → rejected1: Connection Reject Username taken or invalid seq=1");
    expect(groupsOf(taken)).toEqual({ alice: 1 });
    const full = await result("connection-rejected-server-full");
    expect(flow(full)).toContain("server → rejected1: Connection Reject Maximum number of users reached seq=1");
    expect(groupsOf(full)).toEqual({ alice: 1 });
  });

  it("group creation: accepted puts all three in the group; rejected and timed out leave everyone public", async () => {
    const ok = groupsOf(await result("group-creation-accepted"));
    expect(ok.alice).toBeGreaterThanOrEqual(2);
    expect(ok).toEqual({ alice: ok.alice, bob: ok.alice, carol: ok.alice });
    expect(groupsOf(await result("group-creation-rejected"))).toEqual({ alice: 1, bob: 1 });
    expect(groupsOf(await result("group-creation-timeout"))).toEqual({ alice: 1, bob: 1 });
    expect(privateGroups(await result("group-creation-timeout"))).toEqual([]);
  });

  it("invitations: accepted joins carol; rejected and timed out leave her public", async () => {
    const acc = groupsOf(await result("invitation-accepted"));
    expect(acc.carol).toBe(acc.alice);
    expect(acc.bob).toBe(acc.alice);
    for (const name of ["invitation-rejected", "invitation-timeout"]) {
      const g = groupsOf(await result(name));
      expect(g.carol).toBe(1);
      expect(g.alice).toBe(g.bob);
      expect(g.alice).toBeGreaterThanOrEqual(2);
    }
  });

  it("disjoint, dissolution, updates, disconnection: final tables", async () => {
    const dj = groupsOf(await result("disjoint"));
    expect(dj.carol).toBe(1);
    expect(dj.alice).toBe(dj.bob);
    expect(dj.alice).toBeGreaterThanOrEqual(2);
    expect(groupsOf(await result("dissolution"))).toEqual({ alice: 1, bob: 1 });
    expect(privateGroups(await result("dissolution"))).toEqual([]);
    expect(groupsOf(await result("updates"))).toEqual({ alice: 1, bob: 1 });
    expect(groupsOf(await result("disconnection"))).toEqual({ alice: 1 });
  });

  it("packet-loss: retransmissions, then 1 + 5 transmissions to bob and his forced disconnection", async () => {
    const r = await result("packet-loss");
    const lines = flow(r);
    const toBob = lines.filter((l) => l.startsWith("server → bob: Data Message") && l.includes('"bob?"'));
    expect(toBob).toHaveLength(6);
    expect(lines.some((l) => l.startsWith("server → alice: Update Disconnection"))).toBe(true);
    expect(groupsOf(r)).toEqual({ alice: 1 });
    expect(r.dropped).toBeGreaterThan(6);
  });

  it("writes a capture that reads back with the same datagrams", async () => {
    const r = await result("demo");
    const file = join(dir, "demo.pcapng");
    await writeScenarioCapture(file, r.datagrams);
    const back: string[] = [];
    await readImpDatagrams(file, (d) => back.push(Buffer.from(d.payload).toString("hex")));
    expect(back).toEqual(r.datagrams.map((d) => Buffer.from(d.payload).toString("hex")));
  });
});
