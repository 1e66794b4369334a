import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { decode, encode } from "../../src/codec/index.js";
import { ConversationAnalyzer } from "../../dissector/analysis/index.js";
import { ALICE, BOB, SERVER, Scenario, entry, valuesOf } from "./scenario.js";

describe("the 2017 implementation's variants (WIRE.md section 3)", () => {
  it("Connection Request with S=0, retransmitted, then accepted; User List Response with Src 0", () => {
    const s = new Scenario();
    const req = s.send(ALICE, SERVER, { type: 0x00, seq: 0, username: "alice" });
    const re = s.send(ALICE, SERVER, { type: 0x00, seq: 0, username: "alice" }, 0.5);
    const acc = s.send(SERVER, ALICE, { type: 0x01, seq: 1, client_id: 77 });
    s.ack(ALICE, SERVER, 0x01, 1, 77);
    const lreq = s.send(ALICE, SERVER, { type: 0x03, seq: 1, src: 77, group: 1 });
    const lresp = s.send(SERVER, ALICE, { type: 0x04, seq: 0, src: 0, group: 1, entry: [entry(77, "alice", ALICE)] });
    const a = s.analyze();
    expect(valuesOf(a, re)).toMatchObject({ retransmission: req, transmission: 2 });
    expect(valuesOf(a, acc)).toMatchObject({ ack_to: req, response_to: req });
    expect(valuesOf(a, acc).ack_rtt).toBeCloseTo(0.501, 9);
    expect(valuesOf(a, lreq).seq_not_flipped).toBeUndefined();
    expect(valuesOf(a, lresp)).toMatchObject({ response_to: lreq, ack_to: lreq });
    expect(a.clientText(77)).toBe("alice(77)");
    expect(a.stats().seqNotFlipped).toBe(0);
  });

  it("a client acknowledging a Connection Reject: paired, neither stale nor a duplicate; an unacknowledged Reject is fine", () => {
    const s = new Scenario();
    const req = s.send(BOB, SERVER, { type: 0x00, seq: 1, username: "x y" });
    const rej = s.send(SERVER, BOB, { type: 0x02, seq: 1, error: 1 });
    const ack = s.ack(BOB, SERVER, 0x02, 1, 0);
    const req2 = s.send(ALICE, SERVER, { type: 0x00, seq: 1, username: "full" });
    const rej2 = s.send(SERVER, ALICE, { type: 0x02, seq: 1, error: 0 });
    const a = s.analyze();
    expect(valuesOf(a, ack)).toMatchObject({ ack_to: rej });
    expect(valuesOf(a, ack).stale_ack).toBeUndefined();
    expect(valuesOf(a, rej)).toMatchObject({ acked_in: ack, response_to: req });
    expect(valuesOf(a, rej2).unacked).toBeUndefined();
    expect(valuesOf(a, req2).response_in).toBe(rej2);
    expect(a.stats()).toMatchObject({ unacked: 0, staleAcks: 0, duplicateAcks: 0, noResponse: 0 });
  });

  it("Group Creation Accept with Src = creator and Group Invitation Accept/Reject with HL 8", () => {
    const s = new Scenario();
    s.connect(ALICE, "alice", 1);
    s.connect(BOB, "bob", 2);
    const carol = { ip: "10.0.0.4", port: 40003 };
    s.connect(carol, "carol", 3);
    const req = s.send(ALICE, SERVER, { type: 0x06, seq: 0, src: 1, mode: 0, invitees: [2, 3] });
    s.ack(SERVER, ALICE, 0x06, 0);
    const ib = s.send(SERVER, BOB, { type: 0x09, seq: 0, src: 1, mode: 0, invite_group: 4, invitee: 2 });
    s.ack(BOB, SERVER, 0x09, 0, 2);
    const ic = s.send(SERVER, carol, { type: 0x09, seq: 0, src: 1, mode: 0, invite_group: 4, invitee: 3 });
    s.ack(carol, SERVER, 0x09, 0, 3);
    const yes = s.send(BOB, SERVER, { type: 0x0a, seq: 0, src: 2, mode: 0, invite_group: 4, invitee: 2 });
    expect(s.frames[yes - 1]!.decoded.message!.hlen).toBe(8);
    s.ack(SERVER, BOB, 0x0a, 0);
    const no = s.send(carol, SERVER, { type: 0x0b, seq: 0, src: 3, mode: 0, invite_group: 4, invitee: 3 });
    s.ack(SERVER, carol, 0x0b, 0);
    const acc = s.send(SERVER, ALICE, { type: 0x07, seq: 1, src: 1, mode: 0, new_group: 4 });
    s.ack(ALICE, SERVER, 0x07, 1, 1);
    const a = s.analyze();
    expect(valuesOf(a, yes).response_to).toBe(ib);
    expect(valuesOf(a, no).response_to).toBe(ic);
    expect(valuesOf(a, acc).response_to).toBe(req);
    expect(a.membersAt(4)).toEqual([1, 2]);
    expect(a.stats()).toMatchObject({ unacked: 0, noResponse: 0 });
  });

  it("a reconnection from the same address starts a fresh session: no Sequence complaint on the Accept", () => {
    const s = new Scenario();
    s.connect(ALICE, "alice", 1);
    s.send(SERVER, ALICE, { type: 0x0e, seq: 0, group: 255, entry: [entry(2, "bob", BOB)] });
    s.ack(ALICE, SERVER, 0x0e, 0, 1);
    s.send(SERVER, ALICE, { type: 0x0e, seq: 1, group: 255, entry: [entry(3, "carol", { ip: "10.0.0.4", port: 3 })] });
    s.ack(ALICE, SERVER, 0x0e, 1, 1);
    s.send(ALICE, SERVER, { type: 0x10, seq: 1, src: 1 }, 0.1);
    s.ack(SERVER, ALICE, 0x10, 1);
    const [req, acc] = s.connect(ALICE, "alice2", 9);
    const a = s.analyze();
    expect(valuesOf(a, req).seq_not_flipped).toBeUndefined();
    expect(valuesOf(a, acc).seq_not_flipped).toBeUndefined();
    expect(valuesOf(a, acc).response_to).toBe(req);
    expect(a.stats().seqNotFlipped).toBe(0);
    expect(a.nameOf(9)).toBe("alice2");
    expect(a.endpointName(ALICE)).toBe("alice2");
  });

  it("an explicit ACK of a Connection Request (implicitly acknowledged type) still leaves the Accept its response", () => {
    const s = new Scenario();
    const req = s.send(ALICE, SERVER, { type: 0x00, seq: 1, username: "alice" });
    s.ack(SERVER, ALICE, 0x00, 1);
    const acc = s.send(SERVER, ALICE, { type: 0x01, seq: 1, client_id: 3 });
    const a = s.analyze();
    expect(valuesOf(a, acc).response_to).toBe(req);
    expect(valuesOf(a, req).response_in).toBe(acc);
  });
});

describe("robustness", () => {
  it("takes malformed datagrams (no message, unreadable options, reserved types) without throwing and without pairing them", () => {
    const s = new Scenario();
    s.connect(ALICE, "alice", 1);
    const d = s.send(ALICE, SERVER, { type: 0x05, seq: 0, src: 1, group: 1, data: "x" });
    const short = s.raw(SERVER, ALICE, new Uint8Array([0x29, 0]));
    const badAck = s.raw(SERVER, ALICE, encode({ type: 0x05, seq: 0, ack: 1 }, { hlen: 6 }));
    const reserved = s.raw(SERVER, ALICE, new Uint8Array([0x11 << 3, 0, 0, 0, 5]));
    const ack = s.ack(SERVER, ALICE, 0x05, 0);
    expect(s.frames[short - 1]!.decoded.message).toBeNull();
    expect(s.frames[badAck - 1]!.decoded.layout).toBeNull();
    const a = s.analyze();
    expect(a.internalErrors).toBe(0);
    expect(valuesOf(a, d).acked_in).toBe(ack);
    for (const f of [short, badAck, reserved]) {
      expect(Object.keys(valuesOf(a, f)).sort()).toEqual(["conversation", "dst_name", "src_name"]);
    }
    expect(a.stats().ignored).toBe(3);
    expect(a.fieldsOf(999).fields).toEqual([]);
  });

  it("never throws on arbitrary datagrams between a few endpoints, in either view", () => {
    const eps = [SERVER, ALICE, BOB];
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            bytes: fc.uint8Array({ minLength: 0, maxLength: 40 }),
            from: fc.nat(2),
            to: fc.nat(2),
            dt: fc.double({ min: 0, max: 20, noNaN: true }),
          }),
          { maxLength: 60 },
        ),
        (items) => {
          const a = new ConversationAnalyzer();
          let t = 0;
          items.forEach((it, i) => {
            // Half of them made well-formed by keeping a valid header form.
            const bytes = i % 2 ? it.bytes : new Uint8Array([...[(((it.bytes[0] ?? 0) % 17) << 3) | ((it.bytes[1] ?? 0) & 3)], 1, 0, 0, 5]);
            t += it.dt;
            a.add({ frame: i + 1, time: t, src: eps[it.from]!, dst: eps[it.to]!, decoded: decode(bytes) });
          });
          for (let f = 1; f <= items.length; f++) a.fieldsOf(f, "first");
          a.finish();
          for (let f = 1; f <= items.length; f++) a.fieldsOf(f);
          a.stats();
          a.transactions();
          expect(a.internalErrors).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("ignores frames after finish(), invalid frame numbers and numbers out of order", () => {
    const a = new ConversationAnalyzer();
    a.add({ frame: 0, time: 0, src: ALICE, dst: SERVER, decoded: decode(new Uint8Array(5)) });
    a.add({ frame: Number.NaN, time: 0, src: ALICE, dst: SERVER, decoded: decode(new Uint8Array(5)) });
    expect(a.frames).toBe(0);
    const ack = decode(encode({ type: 5, seq: 1, ack: 1 }));
    a.add({ frame: 7, time: 1, src: SERVER, dst: ALICE, decoded: ack });
    a.add({ frame: 7, time: 1, src: SERVER, dst: ALICE, decoded: ack });
    a.add({ frame: 3, time: 1, src: SERVER, dst: ALICE, decoded: ack });
    expect([a.frames, a.refusedFrames, a.has(7), a.has(3)]).toEqual([1, 2, true, false]);
    a.finish();
    a.add({ frame: 9, time: 0, src: ALICE, dst: SERVER, decoded: decode(new Uint8Array(5)) });
    expect(a.frames).toBe(1);
  });
});
