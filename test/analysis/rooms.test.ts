/**
 * The small rooms of the analysis on their own: the transaction table, the deadlines, the
 * chunked columns and the integer index that forget, the statistics over the frame columns.
 */
import { describe, expect, it } from "vitest";
import { int32 } from "../../dissector/analysis/columns.js";
import { type Deadline, Deadlines } from "../../dissector/analysis/deadlines.js";
import { FrameTable } from "../../dissector/analysis/frame-table.js";
import { NumberIndex } from "../../dissector/analysis/number-index.js";
import { K_INVITE, K_LIST, O_ACCEPTED, O_PENDING, TransactionTable } from "../../dissector/analysis/transactions.js";
import { ALICE, BOB, SERVER, Scenario } from "./scenario.js";

describe("transactions", () => {
  it("opens, answers once, links request and response, and forgets below a floor", () => {
    const frames = new FrameTable(6);
    frames.time.set(3, 1.5);
    frames.time.set(7, 2);
    const t = new TransactionTable(frames);
    const list = t.open(K_LIST, 3, 1, 1, -1);
    const inv = t.open(K_INVITE, 5, 2, 4, list);
    expect(t.isOpen(list)).toBe(true);
    t.answer(7, list, true);
    t.answer(9, list, false); // a second answer changes nothing
    expect(t.get(list)).toMatchObject({ kind: "list", request: 3, response: 7, outcome: "accepted", rtt: 0.5 });
    expect(frames.responseTo.get(7)).toBe(3);
    expect(frames.responseIn.get(3)).toBe(7);
    expect(t.get(inv)).toMatchObject({ kind: "invite", parent: list, client: 2, group: 4, outcome: "pending" });
    t.forgetBelow(1);
    expect(t.held(list)).toBe(false);
    expect(t.isOpen(list)).toBe(false);
    expect(t.held(inv)).toBe(true);
    expect(t.outcome.get(inv)).toBe(O_PENDING);
    expect(O_ACCEPTED).not.toBe(O_PENDING);
  });
});

describe("deadlines", () => {
  it("fire in capture time once passed and still live; drain takes the rest", () => {
    const d = new Deadlines();
    const mk = (at: number, frame: number): Deadline => ({ at, conv: 0, txn: -1, frame });
    d.add(mk(2, 1));
    d.add(mk(1, 2));
    d.add(mk(5, 3));
    expect(d.next).toBe(1);
    const fired: number[] = [];
    d.expire(
      2.5,
      (x) => x.frame !== 2, // frame 2's deadline was answered meanwhile
      (x) => fired.push(x.frame),
    );
    expect(fired).toEqual([1]);
    expect(d.next).toBe(5);
    expect(d.size).toBe(1);
    expect(d.drain().map((x) => x.frame)).toEqual([3]);
    expect(d.next).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("storage that forgets", () => {
  it("a column releases whole chunks below its floor; forgotten entries read as the fill and take no writes", () => {
    const c = int32(-1, 4); // chunks of 16
    for (let i = 0; i < 64; i++) c.set(i, i);
    expect(c.bytes).toBe(4 * 16 * 4);
    c.forgetBelow(40);
    expect(c.bytes).toBe(2 * 16 * 4); // chunks 0 and 1 released; chunk 2 holds the floor
    expect(c.get(39)).toBe(-1);
    expect(c.get(40)).toBe(40);
    c.set(5, 99);
    expect(c.get(5)).toBe(-1);
    expect(c.bytes).toBe(2 * 16 * 4);
  });

  it("the integer index deletes without tombstones: every other key stays reachable", () => {
    const ix = new NumberIndex(16);
    const keys = Array.from({ length: 500 }, (_, i) => i * 65_536 + (i % 7));
    for (const [i, k] of keys.entries()) ix.set(k, i);
    for (let i = 0; i < keys.length; i += 3) expect(ix.delete(keys[i]!)).toBe(true);
    expect(ix.delete(keys[0]!)).toBe(false);
    for (const [i, k] of keys.entries()) expect(ix.get(k)).toBe(i % 3 === 0 ? -1 : i);
    expect(ix.size).toBe(keys.length - Math.ceil(keys.length / 3));
    ix.set(keys[0]!, 7);
    expect(ix.get(keys[0]!)).toBe(7);
  });
});

describe("statistics", () => {
  it("counts per conversation and over the capture from the frame columns", () => {
    const s = new Scenario();
    s.connect(ALICE, "alice", 1);
    s.connect(BOB, "bob", 2);
    const d = s.send(ALICE, SERVER, { type: 0x05, seq: 0, src: 1, group: 1, data: "hi" });
    s.send(ALICE, SERVER, { type: 0x05, seq: 0, src: 1, group: 1, data: "hi" }, 0.5); // retransmission
    s.ack(SERVER, ALICE, 0x05, 0);
    s.ack(SERVER, ALICE, 0x05, 1); // stale
    const a = s.analyze();
    const st = a.stats();
    expect(st).toMatchObject({ frames: 10, messages: 5, acks: 4, retransmissions: 1, staleAcks: 1, unacked: 0 });
    expect(st.ackRtts.length).toBe(3);
    const up = st.conversations.find((c) => c.src.port === ALICE.port && c.dst.port === SERVER.port)!;
    expect(up).toMatchObject({ srcName: "alice", dstName: "server", frames: 4, messages: 2, acks: 1, retransmissions: 1, firstFrame: 1 });
    expect(st.conversations.map((c) => c.index)).toEqual([0, 1, 2, 3]);
    expect(st.responseTimes.connect.length).toBe(2);
    expect(a.transactions().map((t) => t.kind)).toEqual(["connect", "connect"]);
    expect(d).toBe(7);
  });
});
