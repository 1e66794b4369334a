/**
 * The analysis over the bundled captures (captures/*.pcapng, recorded from the reference server
 * and clients by `imp scenario`): ACK pairing frame by frame on every capture, and what each
 * flow must show. Frame numbers are stable (the sequence of messages is the same on every run);
 * ports and timestamps are not, so nothing here depends on them.
 */
import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseFrame, readCapture } from "../../dissector/capture/index.js";
import { decode, type Decoded } from "../../src/codec/index.js";
import { ConversationAnalyzer, type Endpoint } from "../../dissector/analysis/index.js";
import { expertTexts, valuesOf } from "./scenario.js";

const dir = fileURLToPath(new URL("../../captures/", import.meta.url));
const files = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => f.endsWith(".pcapng"))
      .sort()
  : [];

interface Row {
  frame: number;
  time: number;
  src: Endpoint;
  dst: Endpoint;
  decoded: Decoded;
}

async function load(name: string): Promise<{ a: ConversationAnalyzer; rows: Row[] }> {
  const rows: Row[] = [];
  await readCapture(dir + name, (p) => {
    const u = parseFrame(p.linkType, p.data);
    if (!u || u.fragment) return;
    const bytes = u.payload.slice();
    rows.push({
      frame: p.frame,
      time: p.tsSec + p.tsNsec / 1e9,
      src: { ip: u.src.ip, port: u.src.port },
      dst: { ip: u.dst.ip, port: u.dst.port },
      decoded: decode(bytes),
    });
  });
  const a = new ConversationAnalyzer();
  for (const r of rows) a.add(r);
  a.finish();
  return { a, rows };
}

/** Frames whose message (not ACK) has this type and, optionally, this Info-like predicate. */
const framesOf = (rows: Row[], type: number, ack = 0) =>
  rows.filter((r) => r.decoded.message?.type === type && r.decoded.message.ack === ack).map((r) => r.frame);

describe("the bundled captures", () => {
  it("are there", () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
    expect(files).toContain("packet-loss.pcapng");
  });

  for (const name of files) {
    it(`${name}: every ACK pairs with the message it copies, and that message points back`, async () => {
      const { a, rows } = await load(name);
      const byFrame = new Map(rows.map((r) => [r.frame, r]));
      expect(a.internalErrors).toBe(0);
      const st = a.stats();
      expect(st).toMatchObject({ staleAcks: 0, seqNotFlipped: 0, ignored: 0, noResponse: 0 });
      for (const r of rows) {
        const v = valuesOf(a, r.frame);
        const m = r.decoded.message!;
        if (m.ack) expect(v.ack_to !== undefined || v.duplicate_ack !== undefined, `frame ${r.frame} paired`).toBe(true);
        if (v.ack_to === undefined) continue;
        const target = byFrame.get(v.ack_to as number)!;
        expect(target.src).toEqual(r.dst);
        expect(target.dst).toEqual(r.src);
        if (m.ack) expect([target.decoded.message!.type, target.decoded.message!.seq]).toEqual([m.type, m.seq]);
        else expect(r.decoded.spec?.answers).toContain(target.decoded.message!.type);
        expect(valuesOf(a, target.frame).acked_in).toBe(r.frame);
        expect(v.ack_rtt).toBeCloseTo(r.time - target.time, 9);
      }
      // Every message that needs an acknowledgement has one, but what a forced disconnection left.
      for (const r of rows) {
        const m = r.decoded.message!;
        const v = valuesOf(a, r.frame);
        if (m.ack || r.decoded.spec?.ackedBy.kind === "none" || v.retransmission !== undefined || v.spurious_retransmission !== undefined)
          continue;
        expect(v.acked_in !== undefined || (v.unacked === true && st.forcedDisconnections > 0), `frame ${r.frame} acknowledged`).toBe(true);
      }
      // Every accepted client and the server are known by name at the end; a rejected one is not.
      const accepted = new Set(
        rows.filter((r) => r.decoded.message?.type === 0x01 && !r.decoded.message.ack).map((r) => `${r.dst.ip}:${r.dst.port}`),
      );
      for (const c of st.conversations) {
        for (const [ep, shown] of [
          [c.src, c.srcName],
          [c.dst, c.dstName],
        ] as const) {
          const key = `${ep.ip}:${ep.port}`;
          if (accepted.has(key) || ep.port === 1313) expect(shown, key).toBeDefined();
          else expect(shown, key).toBeUndefined();
        }
      }
    });
  }

  it("connection-accepted.pcapng: the connection and list exchanges, frame by frame", async () => {
    const { a } = await load("connection-accepted.pcapng");
    const table = [1, 2, 3, 4, 5, 6].map((f) => {
      const v = valuesOf(a, f);
      return [v.ack_to ?? 0, v.acked_in ?? 0, v.response_to ?? 0, v.response_in ?? 0];
    });
    expect(table).toEqual([
      [0, 2, 0, 2],
      [1, 3, 1, 0],
      [2, 0, 0, 0],
      [0, 5, 0, 5],
      [4, 6, 4, 0],
      [5, 0, 0, 0],
    ]);
    expect([a.nameOf(1), a.nameOf(2)]).toEqual(["alice", "bob"]);
    expect(a.transactions().map((t) => `${t.kind} ${t.outcome}`)).toEqual([
      "connect accepted",
      "list answered",
      "connect accepted",
      "list answered",
    ]);
  });

  it("packet-loss.pcapng: retransmissions, a spurious one with its duplicate ACK, and bob's forced disconnection", async () => {
    const { a, rows } = await load("packet-loss.pcapng");
    const st = a.stats();
    expect(st.retransmissions).toBeGreaterThanOrEqual(6);
    expect(st.forcedDisconnections).toBe(1);
    expect(st.unacked).toBe(1);
    const sixth = rows.find((r) => valuesOf(a, r.frame).forced_disconnection !== undefined)!.frame;
    const bob = valuesOf(a, sixth).forced_disconnection as number;
    expect(a.nameOf(bob)).toBe("bob");
    expect(valuesOf(a, sixth).transmission).toBe(6);
    expect(expertTexts(a, sixth)).toContain(`Forced disconnection of bob(${bob}): 6 transmissions unanswered`);
    const orig = valuesOf(a, sixth).retransmission as number;
    expect(rows.filter((r) => valuesOf(a, r.frame).retransmission === orig)).toHaveLength(5);
    expect(valuesOf(a, orig).unacked).toBe(true);
    // In the first pass the 6th is only a retransmission; the disconnection is known later.
    expect(valuesOf(a, sixth, "first").forced_disconnection).toBeUndefined();
    // bob leaves at the 6th transmission; the server tells alice.
    expect(a.groupEvents.find((e) => e.client === bob && e.kind === "left")).toMatchObject({ frame: sixth, reason: "forced" });
    const upd = framesOf(rows, 0x0f);
    expect(upd.length).toBeGreaterThan(0);
    expect(upd[0]!).toBeGreaterThan(sixth);
    expect(a.membersAt(1)).not.toContain(bob);
    // Retransmitted messages with their first ACK measured from the original.
    for (const r of rows) {
      const v = valuesOf(a, r.frame);
      if (v.retransmission === undefined || v.retransmission === orig) continue;
      const first = v.retransmission as number;
      const ack = valuesOf(a, first).acked_in as number;
      expect(valuesOf(a, ack).ack_rtt).toBeCloseTo(rows[ack - 1]!.time - rows[first - 1]!.time, 9);
    }
    expect(st.duplicateAcks).toBeGreaterThan(0);
  });

  it("group-creation-timeout.pcapng and invitation-timeout.pcapng: the 15 s time-outs", async () => {
    const g = await load("group-creation-timeout.pcapng");
    const inv = g.a.transactions().find((t) => t.kind === "invite")!;
    expect(inv.outcome).toBe("timeout");
    expect(expertTexts(g.a, inv.request)).toContain("Invitation to bob(2) timed out after 15 s without an answer");
    expect(g.a.transactions().find((t) => t.kind === "create")?.outcome).toBe("rejected");

    const i = await load("invitation-timeout.pcapng");
    const req = i.a.transactions().find((t) => t.kind === "invite_request")!;
    expect(req.outcome).toBe("timeout");
    expect(req.rtt).toBeGreaterThan(15);
    const sub = i.a.transactions().find((t) => t.kind === "invite" && t.parent === req.index)!;
    expect(sub.outcome).toBe("timeout");
    expect(expertTexts(i.a, sub.request)).toContain("Invitation to carol(3) timed out after 15 s without an answer");
  });

  it("group flows: membership over time", async () => {
    const created = await load("group-creation-accepted.pcapng");
    expect(created.a.membersAt(2).map((id) => created.a.nameOf(id))).toEqual(["alice", "bob", "carol"]);
    const acceptFrame = framesOf(created.rows, 0x07)[0]!;
    expect(created.a.membersAt(2, acceptFrame).map((id) => created.a.nameOf(id))).toEqual(["alice", "bob"]);

    const dis = await load("disjoint.pcapng");
    expect(dis.a.membersAt(2).map((id) => dis.a.nameOf(id))).toEqual(["alice", "bob"]);
    expect(dis.a.groupEvents.filter((e) => e.reason === "disjoint").map((e) => `${dis.a.nameOf(e.client)} ${e.kind} ${e.group}`)).toEqual([
      "carol left 2",
      "carol joined 1",
    ]);

    const dissolution = await load("dissolution.pcapng");
    expect(dissolution.a.membersAt(2)).toEqual([]);
    expect(dissolution.a.groupEvents.filter((e) => e.reason === "dissolution").map((e) => dissolution.a.nameOf(e.client))).toEqual([
      "alice",
      "alice",
    ]);

    const dec = await load("decentralized-messaging.pcapng");
    // Data between members goes directly, client to client, and is ACKed by the peer.
    const direct = dec.rows.filter(
      (r) =>
        r.decoded.message?.type === 0x05 &&
        r.decoded.message.ack === 0 &&
        dec.a.endpointName(r.src) !== "server" &&
        dec.a.endpointName(r.dst) !== "server",
    );
    expect(direct.length).toBeGreaterThan(0);
    for (const r of direct) expect(valuesOf(dec.a, r.frame).acked_in).toBeDefined();
  });

  it("connection-rejected-name-taken.pcapng: the client's ACK of the Reject is paired", async () => {
    const { a, rows } = await load("connection-rejected-name-taken.pcapng");
    const rej = framesOf(rows, 0x02)[0]!;
    const ack = framesOf(rows, 0x02, 1)[0]!;
    expect(valuesOf(a, ack).ack_to).toBe(rej);
    expect(a.transactions().map((t) => t.outcome)).toEqual(["accepted", "answered", "rejected"]);
  });
});
