import { describe, expect, it } from "vitest";
import { ANALYSIS_EXPERTS, ANALYSIS_FIELDS } from "../../dissector/analysis/index.js";
import { ALICE, BOB, SERVER, Scenario, arqPair, entry, expertIds, expertTexts, valuesOf } from "./scenario.js";

const data = (src: number, text: string, seq: number, group = 1) => ({ type: 0x05, src, group, seq, data: text });

/** alice(1) and bob(2) connected, both with their lists. */
function twoClients(withBytes = false): Scenario {
  const s = new Scenario(withBytes);
  s.connect(ALICE, "alice", 1);
  s.connect(BOB, "bob", 2);
  s.send(SERVER, ALICE, { type: 0x0e, seq: 0, group: 255, entry: [entry(2, "bob", BOB)] });
  s.ack(ALICE, SERVER, 0x0e, 0, 1);
  return s;
}

describe("ACK pairing, frame by frame", () => {
  it("pairs every frame of a connection and a list exchange (explicit and implicit acknowledgements)", () => {
    const s = new Scenario();
    s.send(ALICE, SERVER, { type: 0x00, seq: 1, username: "alice" }, 0.5); // 1
    s.send(SERVER, ALICE, { type: 0x01, seq: 1, client_id: 1 }, 0.002); // 2
    s.ack(ALICE, SERVER, 0x01, 1, 1, 0.003); // 3
    s.send(ALICE, SERVER, { type: 0x03, seq: 0, src: 1, group: 1 }, 0.01); // 4
    s.send(SERVER, ALICE, { type: 0x04, seq: 0, src: 1, group: 1, entry: [entry(1, "alice", ALICE)] }, 0.004); // 5
    s.ack(ALICE, SERVER, 0x04, 0, 1, 0.005); // 6
    const a = s.analyze();
    const table = [1, 2, 3, 4, 5, 6].map((f) => {
      const v = valuesOf(a, f);
      return [f, v.ack_to ?? "-", v.acked_in ?? "-", v.response_to ?? "-", v.response_in ?? "-", v.src_name ?? "-", v.dst_name ?? "-"];
    });
    expect(table).toEqual([
      [1, "-", 2, "-", 2, "-", "server"],
      [2, 1, 3, 1, "-", "server", "alice"],
      [3, 2, "-", "-", "-", "alice", "server"],
      [4, "-", 5, "-", 5, "alice", "server"],
      [5, 4, 6, 4, "-", "server", "alice"],
      [6, 5, "-", "-", "-", "alice", "server"],
    ]);
    expect(valuesOf(a, 3).ack_rtt).toBeCloseTo(0.003, 9);
    expect(valuesOf(a, 2).ack_rtt).toBeCloseTo(0.002, 9);
    expect(valuesOf(a, 2).response_time).toBeCloseTo(0.002, 9);
    expect(valuesOf(a, 5).response_time).toBeCloseTo(0.004, 9);
    expect(a.clientText(1)).toBe("alice(1)");
    expect(expertTexts(a, 2)).toContain("alice(1) connected from 10.0.0.2:40001");
    expect(a.stats()).toMatchObject({ retransmissions: 0, duplicateAcks: 0, staleAcks: 0, unacked: 0, forcedDisconnections: 0 });
  });

  it("first-pass view holds only what was known then; final adds the back-filled facts", () => {
    const s = new Scenario();
    s.connect(ALICE, "alice", 1);
    const a = s.analyze({}, false);
    expect(valuesOf(a, 1, "first").acked_in).toBeUndefined();
    expect(valuesOf(a, 1, "final").acked_in).toBe(2);
    expect(valuesOf(a, 2, "first").ack_to).toBe(1);
    // default view before finish() is the first pass
    expect(valuesOf(a, 1).acked_in).toBeUndefined();
    a.finish();
    expect(valuesOf(a, 1).acked_in).toBe(2);
  });

  it("pairs data relayed through the server hop by hop", () => {
    const s = twoClients(true);
    const d1 = s.send(ALICE, SERVER, data(1, "hi bob", 0)); // alice's 2nd message to the server after the ACK? (new pair state: S=0)
    const a1 = s.ack(SERVER, ALICE, 0x05, 0);
    const r1 = s.send(SERVER, BOB, data(1, "hi bob", 1));
    const b1 = s.ack(BOB, SERVER, 0x05, 1, 2);
    const d2 = s.send(BOB, SERVER, data(2, "hi alice", 0));
    const a2 = s.ack(SERVER, BOB, 0x05, 0);
    const r2 = s.send(SERVER, ALICE, data(2, "hi alice", 1));
    const b2 = s.ack(ALICE, SERVER, 0x05, 1, 1);
    const a = s.analyze();
    const pairs = [d1, a1, r1, b1, d2, a2, r2, b2].map((f) => [valuesOf(a, f).ack_to ?? 0, valuesOf(a, f).acked_in ?? 0]);
    expect(pairs).toEqual([
      [0, a1],
      [d1, 0],
      [0, b1],
      [r1, 0],
      [0, a2],
      [d2, 0],
      [0, b2],
      [r2, 0],
    ]);
    // Four conversations carry the relay (alice->server, server->alice, server->bob, bob->server).
    const convs = new Set([d1, a1, r1, b1].map((f) => valuesOf(a, f).conversation));
    expect(convs.size).toBe(4);
    expect(valuesOf(a, r1).src_name).toBe("server");
    expect(valuesOf(a, r1).dst_name).toBe("bob");
    const st = a.stats();
    expect(st.unacked).toBe(0);
    expect(st.ackRtts.length).toBe(st.acks);
  });
});

describe("retransmissions and the packet-loss capture", () => {
  it("a data message lost twice: both retransmissions point at the original; the RTT counts from the original", () => {
    const s = twoClients();
    const link = arqPair(s, SERVER, ALICE, 1, (n) => n < 2);
    link.sender.send(data(2, "lost twice", 0));
    link.run();
    const frames = s.frames.slice(-4).map((f) => f.frame);
    const [orig, re1, re2, ack] = frames as [number, number, number, number];
    const a = s.analyze();
    expect(valuesOf(a, re1)).toMatchObject({ retransmission: orig, transmission: 2 });
    expect(valuesOf(a, re2)).toMatchObject({ retransmission: orig, transmission: 3 });
    expect(valuesOf(a, ack).ack_to).toBe(orig);
    expect(valuesOf(a, ack).ack_rtt).toBeCloseTo(1.001, 6);
    expect(valuesOf(a, orig).acked_in).toBe(ack);
    expect(expertTexts(a, re2)).toEqual([`This frame is a (suspected) retransmission of frame ${orig} (transmission 3)`]);
    expect(a.fieldsOf(re1).experts[0]).toMatchObject({ id: ANALYSIS_EXPERTS.retransmission.id, category: "sequence", severity: "note" });
    expect(valuesOf(a, orig).retransmission).toBeUndefined();
    expect(a.stats().retransmissions).toBe(2);
    expect(a.stats().forcedDisconnections).toBe(0);
  });

  it("all 1 + 5 transmissions unanswered: forced disconnection on the 6th, the original never acknowledged", () => {
    const s = twoClients();
    const start = s.last;
    const link = arqPair(s, SERVER, ALICE, 1, () => true);
    link.sender.send(data(2, "into the void", 1));
    link.run();
    expect(link.gone).toHaveLength(1);
    const tx = s.frames.slice(start).map((f) => f.frame);
    expect(tx).toHaveLength(6);
    // The server tells bob that alice is gone, 0.5 s after the last retransmission.
    s.time += 0.5;
    const upd = s.send(SERVER, BOB, { type: 0x0f, seq: 1, group: 255, client_id: 1 });
    s.ack(BOB, SERVER, 0x0f, 1, 2);

    const streaming = s.analyze({}, false);
    // First pass of the 6th: only the retransmission is known.
    expect(expertIds(streaming, tx[5]!, "first")).toEqual(["retransmission"]);
    expect(expertTexts(streaming, tx[5]!, "first")[0]).toContain("transmission 6, the last");

    const a = s.analyze();
    for (let i = 1; i < 6; i++) expect(valuesOf(a, tx[i]!)).toMatchObject({ retransmission: tx[0], transmission: i + 1 });
    expect(valuesOf(a, tx[5]!).forced_disconnection).toBe(1);
    expect(expertTexts(a, tx[5]!)).toContain("Forced disconnection of alice(1): 6 transmissions unanswered");
    expect(a.fieldsOf(tx[5]!).experts.find((e) => e.id === ANALYSIS_EXPERTS.forcedDisconnection.id)?.severity).toBe("error");
    expect(valuesOf(a, tx[0]!).unacked).toBe(true);
    expect(valuesOf(a, tx[0]!).acked_in).toBeUndefined();
    for (let i = 1; i < 5; i++) expect(valuesOf(a, tx[i]!).forced_disconnection).toBeUndefined();
    expect(a.stats()).toMatchObject({ retransmissions: 5, forcedDisconnections: 1, unacked: 1 });
    // alice left the Public Group at the 6th transmission, dated back, as a forced departure.
    expect(a.groupEvents.find((e) => e.client === 1 && e.kind === "left")).toMatchObject({ frame: tx[5], reason: "forced", group: 1 });
    expect(a.membersAt(1, tx[5]! - 1)).toEqual([1, 2]);
    expect(a.membersAt(1, tx[5]!)).toEqual([2]);
    expect(a.membersAt(1, upd)).toEqual([2]);
  });

  it("a client whose server never answers, and a decentralized peer that never answers", () => {
    const s = twoClients();
    const start = s.last;
    const link = arqPair(s, ALICE, SERVER, 0, () => true);
    link.sender.send(data(1, "anyone?", 0));
    link.run();
    const peerStart = s.last;
    const peer = arqPair(s, ALICE, BOB, 2, () => true);
    peer.sender.send(data(1, "direct", 0, 3));
    peer.run();
    const a = s.analyze();
    expect(valuesOf(a, start + 6).forced_disconnection).toBe(0);
    expect(expertTexts(a, start + 6)).toContain("Forced disconnection from the server: 6 transmissions by alice(1) unanswered");
    expect(valuesOf(a, peerStart + 6).forced_disconnection).toBe(2);
    expect(expertTexts(a, peerStart + 6)).toContain("Forced disconnection of bob(2): 6 transmissions unanswered");
    // Only the server's view changes membership.
    expect(a.groupEvents.filter((e) => e.kind === "left")).toEqual([]);
    expect(a.stats().forcedDisconnections).toBe(2);
  });

  it("infers the forced disconnection before finish() once a later frame is past the last RTO", () => {
    const s = twoClients();
    const start = s.last;
    const link = arqPair(s, SERVER, ALICE, 1, () => true);
    link.sender.send(data(2, "x", 1));
    link.run();
    const sixth = start + 6;
    s.send(BOB, SERVER, data(2, "later", 0), 0.6);
    const a = s.analyze({}, false);
    expect(valuesOf(a, sixth, "final").forced_disconnection).toBe(1);
    expect(valuesOf(a, sixth, "first").forced_disconnection).toBeUndefined();
  });

  it("no forced disconnection when the ACK of the 6th transmission comes in time, nor with fewer transmissions", () => {
    const s = twoClients();
    const link = arqPair(s, SERVER, ALICE, 1, (n) => n < 5);
    link.sender.send(data(2, "just in time", 1));
    link.run();
    const a = s.analyze();
    expect(link.gone).toHaveLength(0);
    expect(a.stats()).toMatchObject({ retransmissions: 5, forcedDisconnections: 0, unacked: 0 });

    const s2 = twoClients();
    const start = s2.last;
    const link2 = arqPair(s2, SERVER, ALICE, 1, () => true);
    link2.sender.send(data(2, "x", 1));
    link2.run();
    s2.frames.splice(start + 5); // the capture lost the 6th: only 5 transmissions seen
    const a2 = s2.analyze();
    expect(a2.stats()).toMatchObject({ forcedDisconnections: 0, unacked: 1 });
  });

  it("a retransmission with a lost ACK: spurious retransmission and a duplicate ACK", () => {
    const s = twoClients(true);
    // The receiver gets everything; the first ACK is lost on its way back (after the capture point).
    const base = s.last;
    const link = arqPair(s, ALICE, SERVER, 0, () => false);
    let acks = 0;
    const origReceive = link.sender.receive.bind(link.sender);
    link.sender.receive = (m) => (m.ack && acks++ === 0 ? "stale-ack" : origReceive(m));
    link.sender.send(data(1, "ack lost", 0));
    link.run();
    const [orig, ack1, re, ack2] = s.frames.slice(base).map((f) => f.frame) as [number, number, number, number];
    const a = s.analyze();
    expect(valuesOf(a, ack1).ack_to).toBe(orig);
    expect(valuesOf(a, re)).toMatchObject({ spurious_retransmission: orig, transmission: 2 });
    expect(valuesOf(a, ack2)).toMatchObject({ duplicate_ack: ack1, duplicate_ack_num: 1 });
    expect(valuesOf(a, ack2).ack_to).toBeUndefined();
    expect(expertTexts(a, ack2)[0]).toMatch(/^Duplicate ACK \(#1\)/);
    expect(a.stats()).toMatchObject({ duplicateAcks: 1, spuriousRetransmissions: 1, staleAcks: 0 });
  });

  it("flags a stale ACK (no message that way, or wrong Sequence or Type) and does not let it settle anything", () => {
    const s = twoClients();
    const none = s.ack(BOB, ALICE, 0x05, 1, 2); // nothing ever went alice -> bob
    const d = s.send(ALICE, SERVER, data(1, "x", 0));
    const wrongSeq = s.ack(SERVER, ALICE, 0x05, 1);
    const wrongType = s.ack(SERVER, ALICE, 0x06, 0);
    const good = s.ack(SERVER, ALICE, 0x05, 0);
    const a = s.analyze();
    for (const f of [none, wrongSeq, wrongType]) {
      expect(valuesOf(a, f).stale_ack).toBe(true);
      expect(valuesOf(a, f).ack_to).toBeUndefined();
      expect(a.fieldsOf(f).experts[0]).toMatchObject({ id: ANALYSIS_EXPERTS.staleAck.id, severity: "warning" });
    }
    expect(valuesOf(a, d).acked_in).toBe(good);
    expect(valuesOf(a, good).stale_ack).toBeUndefined();
  });

  it("an identical message long after the last one was acknowledged is a new message, not a retransmission", () => {
    const s = twoClients();
    s.send(ALICE, SERVER, data(1, "same", 0));
    s.ack(SERVER, ALICE, 0x05, 0);
    const again = s.send(ALICE, SERVER, data(1, "same", 0), 30);
    const a = s.analyze();
    expect(valuesOf(a, again).spurious_retransmission).toBeUndefined();
    expect(valuesOf(a, again).retransmission).toBeUndefined();
    // ...but it breaks the alternating bit
    expect(valuesOf(a, again).seq_not_flipped).toBe(again - 2);
    expect(valuesOf(a, again).unacked).toBe(true);
  });

  it("a connected client's Connection Request gets the first Accept again: the server's link goes on, not afresh", () => {
    // Found by imp fuzz: the re-sent Accept (S=1) made the next Update List with S=1 look unflipped.
    const s = twoClients();
    s.connect(ALICE, "alice", 1); // request, the same Accept (S=1) again, ACK
    const next = s.send(SERVER, ALICE, { type: 0x0e, seq: 1, group: 255, entry: [entry(2, "bob", BOB)] });
    s.ack(ALICE, SERVER, 0x0e, 1, 1);
    const same = s.send(SERVER, ALICE, { type: 0x0e, seq: 1, group: 255, entry: [entry(2, "bob", BOB)] }, 5);
    const a = s.analyze();
    expect(valuesOf(a, next).seq_not_flipped).toBeUndefined();
    // The link's Sequence is still checked after it.
    expect(valuesOf(a, same).seq_not_flipped).toBe(next);
  });

  it("a datagram from an address that holds another client ID is dropped by the server: it takes no part", () => {
    // Found by imp fuzz: a spoofed message the server dropped made the next one look unflipped.
    const s = twoClients();
    s.send(ALICE, SERVER, data(1, "one", 1));
    s.ack(SERVER, ALICE, 0x05, 1);
    const spoofed = s.send(ALICE, SERVER, data(2, "as bob", 0));
    const next = s.send(ALICE, SERVER, data(1, "two", 0));
    const a = s.analyze();
    expect(a.fieldsOf(spoofed).experts).toEqual([]);
    expect(valuesOf(a, next).seq_not_flipped).toBeUndefined();
    expect(a.stats().ignored).toBe(1);
  });

  it("an Accept sent again while a relay awaits its ACK leaves the relay outstanding", () => {
    const s = twoClients();
    const relay = s.send(SERVER, ALICE, data(2, "hi", 1));
    const [, accept, ackOfAccept] = s.connect(ALICE, "alice", 1);
    const again = s.send(SERVER, ALICE, data(2, "hi", 1), 0.5);
    const ack = s.ack(ALICE, SERVER, 0x05, 1, 1);
    const a = s.analyze();
    expect(valuesOf(a, ackOfAccept).ack_to).toBe(accept);
    expect(valuesOf(a, ackOfAccept).stale_ack).toBeUndefined();
    expect(valuesOf(a, again).retransmission).toBe(relay);
    expect(valuesOf(a, again).seq_not_flipped).toBeUndefined();
    expect(valuesOf(a, ack).ack_to).toBe(relay);
    expect(valuesOf(a, relay, "final").unacked).toBeUndefined();
  });

  it("a response sent again for a retransmitted request is outside the link's flow", () => {
    // alice's User List Request was answered; the server moved on (an Update List, S=1); alice
    // sends her request again and gets the first response again (S=0): the server's next message
    // (S=0) flips against the Update List, not against that old response.
    const s = twoClients();
    const req = s.send(ALICE, SERVER, { type: 0x03, seq: 0, src: 1, group: 1 });
    const resp = s.send(SERVER, ALICE, { type: 0x04, seq: 1, src: 1, group: 1, entry: [entry(1, "alice", ALICE), entry(2, "bob", BOB)] });
    s.ack(ALICE, SERVER, 0x04, 1, 1);
    s.send(SERVER, ALICE, { type: 0x0e, seq: 0, group: 255, entry: [entry(2, "bob", BOB)] });
    s.ack(ALICE, SERVER, 0x0e, 0, 1);
    const again = s.send(ALICE, SERVER, { type: 0x03, seq: 0, src: 1, group: 1 });
    const respAgain = s.send(SERVER, ALICE, {
      type: 0x04,
      seq: 1,
      src: 1,
      group: 1,
      entry: [entry(1, "alice", ALICE), entry(2, "bob", BOB)],
    });
    s.ack(ALICE, SERVER, 0x04, 1, 1);
    const next = s.send(SERVER, ALICE, { type: 0x0e, seq: 1, group: 255, entry: [entry(2, "bob", BOB)] });
    const a = s.analyze();
    expect(valuesOf(a, again).spurious_retransmission).toBe(req);
    expect(valuesOf(a, respAgain).seq_not_flipped).toBeUndefined();
    expect(valuesOf(a, next).seq_not_flipped).toBeUndefined();
    expect(resp).toBeLessThan(respAgain);
  });

  it("after a disconnection, a new session's links start afresh", () => {
    const s = twoClients();
    s.send(ALICE, SERVER, { type: 0x10, seq: 1, src: 1 });
    s.ack(SERVER, ALICE, 0x10, 1);
    s.connect(ALICE, "alice", 1);
    const list = s.send(SERVER, ALICE, { type: 0x0e, seq: 1, group: 255, entry: [entry(2, "bob", BOB)] });
    const a = s.analyze();
    // The new session's link: its Accept had S=1, so an Update List with S=1 is not flipped
    // (within the old session it would have been: its last message had S=0).
    expect(valuesOf(a, list).seq_not_flipped).toBe(list - 2);
  });

  it("a changed message with the same Type and S while one is outstanding is not a retransmission", () => {
    const s = twoClients();
    const d1 = s.send(ALICE, SERVER, data(1, "one", 0));
    const d2 = s.send(ALICE, SERVER, data(1, "two", 0), 0.5);
    const a = s.analyze();
    expect(valuesOf(a, d2).retransmission).toBeUndefined();
    expect(valuesOf(a, d2).seq_not_flipped).toBe(d1);
    expect(valuesOf(a, d1).unacked).toBe(true);
  });

  it("declares its fields and experts once, with imp.analysis names", () => {
    for (const f of Object.values(ANALYSIS_FIELDS)) expect(f.abbrev).toMatch(/^imp\.analysis\.[a-z_]+$/);
    for (const e of Object.values(ANALYSIS_EXPERTS)) expect(e.id).toMatch(/^imp\.analysis\.[a-z_]+$/);
    expect(ANALYSIS_FIELDS.ack_rtt.abbrev).toBe("imp.analysis.ack_rtt");
    expect(ANALYSIS_FIELDS.acked_in.abbrev).toBe("imp.analysis.acked_in");
    expect(ANALYSIS_FIELDS.ack_to.abbrev).toBe("imp.analysis.ack_to");
    expect(ANALYSIS_FIELDS.retransmission.abbrev).toBe("imp.analysis.retransmission");
    // every field a frame can show is declared
    const s = twoClients();
    const a = s.analyze();
    const declared = new Set(Object.values(ANALYSIS_FIELDS).map((f) => f.abbrev));
    for (let f = 1; f <= s.last; f++) for (const x of a.fieldsOf(f).fields) expect(declared.has(x.name)).toBe(true);
  });
});
