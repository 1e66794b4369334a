/**
 * A packet-loss capture from the real server and clients: the server's socket records every
 * datagram it sends and receives (the capture point), bob's socket then loses everything that
 * comes in. The analysis must show the retransmissions to bob, his forced disconnection, carol's
 * invitation time-out, random client IDs by name, and consistent ACK pairing frame by frame.
 */
import { afterEach, describe, expect, it } from "vitest";
import { decode } from "../../src/codec/index.js";
import { connectClient, type ImpClient } from "../../src/client/client.js";
import { startServer, type ImpServer } from "../../src/server/index.js";
import { openUdp, type Tap } from "../../src/transport/index.js";
import { ConversationAnalyzer, type AnalysisInput } from "../../dissector/analysis/index.js";
import { expertTexts, valuesOf } from "./scenario.js";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const RTO = 80;
const INVITE_MS = 300;

async function until(cond: () => boolean, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("a capture of the reference server and clients under loss", () => {
  it("shows the retransmissions, the forced disconnection and the invitation time-out, and pairs every ACK", async () => {
    const frames: AnalysisInput[] = [];
    const t0 = performance.now();
    const record: Tap = (dir, local, remote, bytes) => {
      const copy = Uint8Array.from(bytes);
      frames.push({
        frame: frames.length + 1,
        time: (performance.now() - t0) / 1000,
        src: dir === "out" ? local : remote,
        dst: dir === "out" ? remote : local,
        decoded: decode(copy),
        bytes: copy,
      });
    };
    const transport = await openUdp({ host: "127.0.0.1", port: 0, tap: record });
    const server: ImpServer = await startServer({
      transport,
      rto: RTO,
      retries: 5,
      inviteTimeoutMs: INVITE_MS,
      idAllocation: "random",
      seed: 42,
    });
    cleanup.push(() => server.close());

    let bobDeaf = false;
    const clients: Record<string, ImpClient> = {};
    for (const name of ["alice", "bob", "carol"]) {
      const tap: Tap | undefined = name === "bob" ? (dir) => !(bobDeaf && dir === "in") : undefined;
      const c = await connectClient({ name, server: server.address, rto: RTO, retries: 5, inviteTimeoutMs: 0, ...(tap ? { tap } : {}) });
      cleanup.push(() => c.close());
      clients[name] = c;
    }
    const { alice, bob, carol } = clients as Record<"alice" | "bob" | "carol", ImpClient>;
    await alice.list();
    await alice.send("hello all");
    await until(() => bob.roster.all().length === 3 && carol.roster.all().length === 3, "rosters");

    // alice creates a group with bob and carol; bob accepts, carol never answers.
    bob.on("invitation", () => void bob.accept());
    await alice.createGroup({ mode: "centralized", invitees: ["bob", "carol"] });
    await until(() => alice.group !== 1 && bob.group === alice.group, "group creation");
    const group = alice.group;
    await new Promise((r) => setTimeout(r, INVITE_MS + 100));
    await alice.send("still there?"); // a frame after the time-out, in the group

    // bob goes deaf: the server's relay to him goes unanswered 1 + 5 times.
    await until(() => frames.length > 0, "frames");
    bobDeaf = true;
    await alice.send("bob?");
    await until(() => !server.snapshot().users.some((u) => u.id === bob.id), "bob's forced disconnection");
    await new Promise((r) => setTimeout(r, RTO * 4));
    await carol.list();
    await carol.idle();
    await new Promise((r) => setTimeout(r, 20)); // carol's ACK of the list reaches the server

    const a = new ConversationAnalyzer({ rto: RTO / 1000, invitationTimeout: INVITE_MS / 1000 });
    for (const f of frames) a.add(f);
    a.finish();
    expect(a.internalErrors).toBe(0);

    // Names, with the server's random IDs.
    const ids = { alice: alice.id, bob: bob.id, carol: carol.id };
    expect(new Set(Object.values(ids)).size).toBe(3);
    for (const [name, id] of Object.entries(ids)) expect(a.nameOf(id)).toBe(name);
    expect(a.endpointName(server.address)).toBe("server");
    expect(a.endpointName(alice.local)).toBe("alice");

    // Retransmissions and the forced disconnection of bob.
    const forced = frames.filter((f) => valuesOf(a, f.frame).forced_disconnection !== undefined);
    expect(forced).toHaveLength(1);
    const sixth = forced[0]!.frame;
    expect(valuesOf(a, sixth)).toMatchObject({ forced_disconnection: bob.id, transmission: 6 });
    expect(expertTexts(a, sixth)).toContain(`Forced disconnection of bob(${bob.id}): 6 transmissions unanswered`);
    const orig = valuesOf(a, sixth).retransmission as number;
    expect(valuesOf(a, orig).unacked).toBe(true);
    const retx = frames.filter((f) => valuesOf(a, f.frame).retransmission === orig).map((f) => valuesOf(a, f.frame).transmission);
    expect(retx).toEqual([2, 3, 4, 5, 6]);
    expect(a.stats().retransmissions).toBeGreaterThanOrEqual(5);
    const bobLeft = a.groupEvents.find((e) => e.client === bob.id && e.kind === "left" && e.group === group);
    expect(bobLeft?.reason).toMatch(/^(forced|update_disconnection)$/);
    expect(a.membersAt(group, sixth - 1)).toEqual([alice.id, bob.id].sort((x, y) => x - y));
    // alice, left alone, gets the group dissolved.
    expect(a.membersAt(group)).toEqual([]);
    expect(a.groupEvents.filter((e) => e.client === alice.id).at(-1)).toMatchObject({ kind: "joined", group: 1, reason: "dissolution" });

    // carol's invitation timed out.
    const inv = a.transactions().find((t) => t.kind === "invite" && t.client === carol.id)!;
    expect(inv.outcome).toBe("timeout");
    expect(expertTexts(a, inv.request)).toContain(
      `Invitation to carol(${carol.id}) timed out after ${INVITE_MS / 1000} s without an answer`,
    );
    expect(a.transactions().find((t) => t.kind === "create")).toMatchObject({ outcome: "accepted", group, client: alice.id });

    // ACK pairing, frame by frame: every acknowledgement points at a message the other way with
    // the same type (and S for explicit ACKs), and that message points back at it.
    let paired = 0;
    for (const f of frames) {
      const v = valuesOf(a, f.frame);
      const m = f.decoded.message!;
      expect(v.stale_ack, `frame ${f.frame} stale`).toBeUndefined();
      expect(v.seq_not_flipped, `frame ${f.frame} S not flipped`).toBeUndefined();
      if (v.ack_to === undefined) continue;
      const target = frames[(v.ack_to as number) - 1]!;
      const tm = target.decoded.message!;
      expect(target.src).toEqual(f.dst);
      expect(target.dst).toEqual(f.src);
      if (m.ack) expect([tm.type, tm.seq]).toEqual([m.type, m.seq]);
      else expect(decode(f.bytes!).spec?.answers).toContain(tm.type);
      expect(valuesOf(a, target.frame).acked_in).toBe(f.frame);
      expect(v.ack_rtt).toBeCloseTo(f.time - target.time, 9);
      paired++;
    }
    // Every message that needs an acknowledgement got one, but the one bob never answered.
    expect(frames.filter((f) => valuesOf(a, f.frame).unacked).map((f) => f.frame)).toEqual([orig]);
    expect(paired).toBeGreaterThan(20);
  }, 20_000);
});
