import { describe, expect, it } from "vitest";
import { infoText } from "../../dissector/summary/info.js";
import { ALICE, BOB, CAROL, DAVE, SERVER, Scenario, entry, expertTexts, valuesOf } from "./scenario.js";

describe("name resolution", () => {
  it("learns names from Accepts with random client IDs (173, 42) and shows them as alice(173)", () => {
    const s = new Scenario();
    const [, accA] = s.connect(ALICE, "alice", 173);
    s.connect(BOB, "bob", 42);
    const list = s.send(SERVER, ALICE, { type: 0x0e, seq: 0, group: 255, entry: [entry(42, "bob", BOB)] });
    const d = s.send(BOB, SERVER, { type: 0x05, seq: 0, src: 42, group: 1, data: "hello" });
    const a = s.analyze();
    expect(a.nameOf(173)).toBe("alice");
    expect(a.nameOf(42)).toBe("bob");
    expect(a.nameOf(1)).toBeUndefined();
    expect(a.clientText(173)).toBe("alice(173)");
    expect(a.endpointName(ALICE)).toBe("alice");
    expect(a.endpointName(BOB)).toBe("bob");
    expect(a.endpointName(SERVER)).toBe("server");
    expect(a.endpointName({ ip: "192.0.2.1", port: 9 })).toBeUndefined();
    expect(expertTexts(a, accA)).toContain("alice(173) connected from 10.0.0.2:40001");
    // The Info column takes the resolver of the frame.
    const m = s.frames[d - 1]!.decoded.message!;
    expect(infoText(m, a.nameResolver(d))).toBe('Data Message bob(42) → group 1 "hello" seq=0');
    expect(valuesOf(a, list).dst_name).toBe("alice");
  });

  it("is time-aware: a client ID reused after a disconnection resolves to the name at the frame", () => {
    const s = new Scenario();
    s.connect(ALICE, "alice", 173);
    const [, accBob] = s.connect(BOB, "bob", 42);
    const bobData = s.send(BOB, SERVER, { type: 0x05, seq: 0, src: 42, group: 1, data: "bye" });
    s.ack(SERVER, BOB, 0x05, 0);
    const disc = s.send(BOB, SERVER, { type: 0x10, seq: 1, src: 42 });
    s.ack(SERVER, BOB, 0x10, 1);
    const upd = s.send(SERVER, ALICE, { type: 0x0f, seq: 0, group: 255, client_id: 42 });
    s.ack(ALICE, SERVER, 0x0f, 0, 173);
    const [, accCarol] = s.connect(CAROL, "carol", 42);
    const carolData = s.send(CAROL, SERVER, { type: 0x05, seq: 0, src: 42, group: 1, data: "hi" });
    const a = s.analyze();
    expect(a.nameOf(42, accBob - 1)).toBeUndefined();
    expect(a.nameOf(42, accBob)).toBe("bob");
    expect(a.nameOf(42, bobData)).toBe("bob");
    expect(a.nameOf(42, upd)).toBe("bob");
    expect(a.nameOf(42, accCarol)).toBe("carol");
    expect(a.nameOf(42, carolData)).toBe("carol");
    expect(a.nameOf(42)).toBe("carol");
    expect(infoText(s.frames[upd - 1]!.decoded.message!, a.nameResolver(upd))).toBe("Update Disconnection client bob(42) seq=0");
    expect(infoText(s.frames[carolData - 1]!.decoded.message!, a.nameResolver(carolData))).toContain("carol(42)");
    expect(a.endpointName(BOB, bobData)).toBe("bob");
    expect(a.endpointName(CAROL, carolData)).toBe("carol");
    // membership follows the ID's holder
    expect(a.groupEvents.filter((e) => e.client === 42).map((e) => `${e.frame} ${e.kind} ${e.reason}`)).toEqual([
      `${accBob} joined connect`,
      `${disc} left disconnect`,
      `${accCarol} joined connect`,
    ]);
    expect(a.membersAt(1, upd)).toEqual([173]);
    expect(a.membersAt(1)).toEqual([42, 173]);
  });

  it("a capture that starts mid-session learns names from lists; the final view applies them to earlier frames", () => {
    const s = new Scenario();
    const early = s.send(DAVE, SERVER, { type: 0x05, seq: 1, src: 9, group: 1, data: "who am I" });
    s.ack(SERVER, DAVE, 0x05, 1);
    const req = s.send(DAVE, SERVER, { type: 0x03, seq: 0, src: 9, group: 1 });
    const resp = s.send(SERVER, DAVE, {
      type: 0x04,
      seq: 0,
      src: 9,
      group: 1,
      entry: [entry(9, "dave", DAVE), entry(11, "erin", { ip: "10.0.0.9", port: 5 })],
    });
    const a = s.analyze();
    expect(a.nameOf(9, early, true)).toBeUndefined();
    expect(a.nameOf(9, early)).toBe("dave");
    expect(valuesOf(a, early, "first").src_name).toBeUndefined();
    expect(valuesOf(a, early, "final").src_name).toBe("dave");
    expect(valuesOf(a, resp)).toMatchObject({ response_to: req, dst_name: "dave" });
    expect(a.endpointName({ ip: "10.0.0.9", port: 5 })).toBe("erin");
    expect(a.membersAt(1, resp)).toEqual([9, 11]);
  });

  it("knows the server on another port from what it sends, from that frame on in the first-pass view", () => {
    const s = new Scenario();
    const srv = { ip: "10.0.0.1", port: 7777 };
    const d = s.send(ALICE, srv, { type: 0x05, seq: 1, src: 4, group: 1, data: "x" });
    s.ack(srv, ALICE, 0x05, 1);
    const upd = s.send(srv, ALICE, { type: 0x0e, seq: 1, group: 255, entry: [entry(4, "alice", ALICE)] });
    const a = s.analyze();
    expect(valuesOf(a, d, "first").dst_name).toBeUndefined();
    expect(valuesOf(a, d, "final").dst_name).toBe("server");
    expect(valuesOf(a, upd, "first").src_name).toBe("server");
    expect(valuesOf(a, d, "final").src_name).toBe("alice");
    expect(a.endpointName(srv)).toBe("server");
  });

  it("names IPv6 endpoints too", () => {
    const s = new Scenario();
    const v6 = { ip: "fe80::1", port: 5000 };
    const server6 = { ip: "fe80::2", port: 1313 };
    s.send(v6, server6, { type: 0x00, seq: 1, username: "ivy" });
    const acc = s.send(server6, v6, { type: 0x01, seq: 1, client_id: 6 });
    const a = s.analyze();
    expect(a.endpointName(v6)).toBe("ivy");
    expect(a.endpointName(server6)).toBe("server");
    expect(expertTexts(a, acc)).toContain("ivy(6) connected from [fe80::1]:5000");
    expect(a.conversations()[0]).toMatchObject({ src: v6, dst: server6, srcName: "ivy", dstName: "server", messages: 1 });
  });

  it("a pending username from a Connection Request is bound only by the Accept; a Reject binds nothing", () => {
    const s = new Scenario();
    s.connect(ALICE, "alice", 5);
    const req = s.send(BOB, SERVER, { type: 0x00, seq: 1, username: "alice" });
    const rej = s.send(SERVER, BOB, { type: 0x02, seq: 1, error: 1 });
    const a = s.analyze();
    expect(a.endpointName(BOB)).toBeUndefined();
    expect(a.nameOf(5)).toBe("alice");
    expect(valuesOf(a, rej).response_to).toBe(req);
    expect(expertTexts(a, rej)).toContain("Connection from 10.0.0.3:40002 rejected");
    expect(a.transactions().map((t) => [t.kind, t.outcome, t.client])).toEqual([
      ["connect", "accepted", 5],
      ["connect", "rejected", 0],
    ]);
  });
});
