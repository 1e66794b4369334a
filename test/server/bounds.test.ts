/**
 * The server's bounds (docs/PROTOCOL.md 5.1), each with small numbers, a ManualClock and real
 * sockets on 127.0.0.1: link caps and the queue budget, the amplification limit and address
 * validation by the assigned ID, the half-open share, the log's rate limit, queued invitations.
 * The long attack versions are in test/security (npm run test:security).
 */
import { afterEach, describe, expect, it } from "vitest";
import { encode } from "../../src/codec/index.js";
import type { ServerEvent } from "../../src/server/index.js";
import { briefs, testNet, type RawPeer, type TestNet } from "./helpers.js";

let net: TestNet;
afterEach(async () => {
  expect(net.server.checkInvariants()).toEqual([]);
  await net.close();
});

async function connected(n: number, options = {}): Promise<RawPeer[]> {
  net = await testNet(options);
  return net.connectPeers(n);
}

const text = (n: number, c = "x") => c.repeat(n);
const eventsOf = <K extends ServerEvent["event"]>(kind: K) =>
  net.events.filter((e): e is Extract<ServerEvent, { event: K }> => e.event === kind);

describe("server bounds: what a link may hold", () => {
  it("disconnects a receiver as if forced when its link would hold more than maxQueuedMessages; the others are told, the sender goes on", async () => {
    const [a, b, c] = await connected(3, { maxQueuedMessages: 4 });
    c!.autoAck = false; // the slow receiver: acknowledges nothing
    for (let i = 0; i < 5; i++) {
      a!.send({ type: 0x05, group: 1, data: `m${i}` });
      await net.settle();
    }
    // c held 4 (1 outstanding + 3 queued); the 5th relay would be the 5th: c is gone.
    const counters = net.server.counters;
    expect(counters.queueOverflows).toBe(1);
    expect(counters.forcedDisconnections).toBe(1);
    expect(counters.budgetEvictions).toBe(0);
    expect(net.server.snapshot().users.map((u) => u.id)).toEqual([1, 2]);
    expect(eventsOf("disconnected")).toEqual([
      { event: "disconnected", id: 3, name: "u3", forced: true, reason: "queue full (4 messages, 36 bytes held)" },
    ]);
    expect(briefs(b!.take()).filter((x) => !x.startsWith("Data"))).toEqual(["UpdateDisc(3)"]);
    expect(briefs(a!.take())).toEqual(["ACK(Data)", "ACK(Data)", "ACK(Data)", "ACK(Data)", "ACK(Data)", "UpdateDisc(3)"]);
    // Everything c held was released: nothing is counted against the budget for it.
    expect(net.server.snapshot().users.reduce((n, u) => n + u.heldBytes, 0)).toBe(0);
  });

  it("disconnects a receiver whose link would hold more than maxQueuedBytes", async () => {
    const [a, , c] = await connected(3, { maxQueuedBytes: 100_000 });
    c!.autoAck = false;
    a!.send({ type: 0x05, group: 1, data: text(40_000) });
    await net.settle();
    a!.send({ type: 0x05, group: 1, data: text(40_000) });
    await net.settle();
    expect(net.server.counters.queueOverflows).toBe(0);
    expect(net.server.snapshot().users.find((u) => u.id === 3)!.heldBytes).toBe(2 * 40_007);
    a!.send({ type: 0x05, group: 1, data: text(40_000) });
    await net.settle();
    expect(net.server.counters.queueOverflows).toBe(1);
    expect(eventsOf("disconnected")[0]!.reason).toBe("queue full (2 messages, 80014 bytes held)");
  });

  it("when all links together pass queueBudgetBytes, disconnects the client holding the most, and only it", async () => {
    // Groups: 2 = {u1, u2}, public = {u3, u4}; slow receivers u2 and u4 get different messages.
    const [a, b, c, d] = await connected(4, { maxQueuedBytes: 200_000, queueBudgetBytes: 250_000 });
    a!.send({ type: 0x06, mode: 0, invitees: [2] });
    await net.settle();
    b!.send({ type: 0x0a, mode: 0, invite_group: 2 });
    await net.settle();
    b!.autoAck = false;
    d!.autoAck = false;
    c!.send({ type: 0x05, group: 1, data: text(60_000) }); // to d
    await net.settle();
    for (let i = 0; i < 3; i++) {
      a!.send({ type: 0x05, group: 2, data: text(40_000) }); // to b
      await net.settle();
    }
    // b holds 3 x 40 007 = 120 021, d 60 007: 180 028 in all, under the budget.
    expect(net.server.counters.budgetEvictions).toBe(0);
    c!.send({ type: 0x05, group: 1, data: text(60_000) }); // d: 120 014; all: 240 035
    await net.settle();
    expect(net.server.counters.budgetEvictions).toBe(0);
    a!.send({ type: 0x05, group: 2, data: text(40_000) }); // b: 160 028; all: 280 042 > 250 000
    await net.settle();
    const counters = net.server.counters;
    expect(counters.budgetEvictions).toBe(1);
    expect(counters.queueOverflows).toBe(0);
    expect(counters.forcedDisconnections).toBe(1);
    expect(net.server.snapshot().users.map((u) => u.id)).toEqual([1, 3, 4]);
    expect(eventsOf("disconnected")[0]).toMatchObject({
      id: 2,
      forced: true,
      reason: "queue budget passed (280042 bytes held by all; this client 160028)",
    });
  });

  it("counts a relay shared by many links once in the budget", async () => {
    const [a, , , d] = await connected(4, { maxQueuedBytes: 200_000, queueBudgetBytes: 200_000 });
    for (const p of net.peers.slice(1)) p.autoAck = false;
    for (let i = 0; i < 4; i++) {
      a!.send({ type: 0x05, group: 1, data: text(40_000) });
      await net.settle();
    }
    // Three receivers hold the same four relays: 160 028 each, 160 028 in the budget.
    expect(net.server.counters.budgetEvictions).toBe(0);
    expect(net.server.snapshot().users.map((u) => u.heldBytes)).toEqual([0, 160_028, 160_028, 160_028]);
    expect(d!.take().length).toBeGreaterThan(0);
  });
});

describe("server bounds: anti-amplification and address validation", () => {
  it("sends an unvalidated address at most amplificationFactor times the bytes received from it", async () => {
    net = await testNet({ amplificationFactor: 1 });
    const p = await net.peer();
    p.autoAck = false;
    p.send({ type: 0x00, src: 0, username: "quiet" }); // 13 bytes: 13 may go back, two 6-byte Accepts
    await net.settle();
    for (let i = 0; i < 5; i++) await net.advance(500);
    expect(briefs(p.take())).toEqual(["ConnAccept(1)", "ConnAccept(1)"]);
    expect(net.server.counters.amplificationLimited).toBe(4);
    // The address is half-open until the end of the Accept's retransmissions, then forgotten.
    await net.advance(500);
    expect(net.server.snapshot().users).toEqual([]);
  });

  it("every byte from the address counts, even a datagram it drops: a retransmitted request earns another Accept", async () => {
    net = await testNet({ amplificationFactor: 1 });
    const p = await net.peer();
    p.autoAck = false;
    const req = p.send({ type: 0x00, src: 0, username: "quiet" });
    await net.settle();
    for (let i = 0; i < 5; i++) await net.advance(500);
    p.sendRaw(req); // the same Accept again (13 more bytes allowed)
    await net.settle();
    expect(briefs(p.take())).toEqual(["ConnAccept(1)", "ConnAccept(1)", "ConnAccept(1)"]);
  });

  it("validates the address by the assigned ID: the ACK of the Accept with it, or a request with it", async () => {
    net = await testNet({ amplificationFactor: 1 });
    const p = await net.peer();
    await p.connect("alice");
    await net.settle();
    expect(net.server.snapshot().users).toMatchObject([{ id: 1, validated: true, established: true }]);
    // Validated: the User List Response (21 bytes) goes out although 23 bytes came in and 6 went out.
    expect(briefs(p.received)).toEqual(["ConnAccept(1)", "ListResp(1:alice@1)"]);
  });

  it("drops a half-open connection whose address names another ID (the 2017 forged ACK with Source ID 0, a blind guess)", async () => {
    net = await testNet();
    const victim = await net.peer();
    victim.autoAck = false;
    victim.send({ type: 0x00, src: 0, username: "victim" });
    await net.settle();
    victim.sendRaw(encode({ type: 0x01, seq: 1, ack: 1, src: 0, group: 0 })); // ACK in the victim's name, ID unknown
    await net.settle();
    victim.sendRaw(encode({ type: 0x03, seq: 1, ack: 0, src: 2, group: 1 })); // List Request for the next ID
    await net.settle();
    const c = net.server.counters;
    expect(c.halfOpenCancelled).toBe(1);
    expect(c.dropped.spoofedSource).toBe(1);
    expect(c.dropped.unknownAddress).toBe(1);
    expect(net.server.snapshot().users).toEqual([]);
    expect(briefs(victim.take())).toEqual(["ConnAccept(1)"]);
    expect(eventsOf("half-open-dropped")).toMatchObject([{ id: 1, name: "victim", reason: "Source ID 0 instead of the assigned ID" }]);
    // Nothing more is ever sent there: the Accept's link is closed.
    for (let i = 0; i < 6; i++) await net.advance(500);
    expect(victim.take()).toEqual([]);
  });

  it("relays nothing to a half-open member: what others say waits for no unvalidated address", async () => {
    const [a, b] = await connected(2);
    const h = await net.peer();
    h.autoAck = false;
    h.send({ type: 0x00, src: 0, username: "half" });
    await net.settle();
    a!.send({ type: 0x05, group: 1, data: "hi" });
    await net.settle();
    expect(briefs(b!.take())).toEqual(["Data(1>1:hi)"]);
    expect(briefs(h.take())).toEqual(["ConnAccept(3)"]);
    expect(net.server.snapshot().users.find((u) => u.name === "half")).toMatchObject({ validated: false, heldBytes: 6 });
    expect(net.server.counters.dataRelayed).toBe(1);
  });

  it("assigns random IDs by default (seeded)", async () => {
    net = await testNet({ idAllocation: "random", seed: 1 });
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) {
      const p = await net.peer();
      ids.push(await p.connect(`r${i}`));
    }
    expect(new Set(ids).size).toBe(4);
    expect(ids).not.toEqual([1, 2, 3, 4]);
  });

  it("ignores the ACK of a Connection Reject (Source ID 0) from a half-open address", async () => {
    net = await testNet();
    const p = await net.peer();
    p.autoAck = false;
    p.send({ type: 0x00, src: 0, username: "one" });
    await net.settle();
    p.lastSent = 0;
    p.send({ type: 0x00, src: 0, username: "two" }); // from a connected address: Reject 1
    await net.settle();
    expect(briefs(p.take())).toEqual(["ConnAccept(1)", "ConnReject(1)"]);
    p.sendRaw(encode({ type: 0x02, seq: 1, ack: 1, src: 0, group: 0 })); // the 2017 client ACKs a Reject with 0
    await net.settle();
    expect(net.server.counters.halfOpenCancelled).toBe(0);
    expect(net.server.snapshot().users.map((u) => u.name)).toEqual(["one"]);
  });
});

describe("server bounds: half-open connections", () => {
  it("holds at most halfOpenShare of maxUsers unacknowledged; the oldest gives way and a legitimate client gets in", async () => {
    net = await testNet({ maxUsers: 8, halfOpenShare: 0.25 }); // 2 half-open at most
    const flood: RawPeer[] = [];
    for (let i = 0; i < 5; i++) {
      const f = await net.peer();
      f.autoAck = false;
      f.send({ type: 0x00, src: 0, username: `f${i}` });
      await net.settle();
      flood.push(f);
    }
    expect(net.server.counters.halfOpenEvicted).toBe(3);
    expect(net.server.snapshot().users.map((u) => u.name)).toEqual(["f3", "f4"]);
    expect(eventsOf("half-open-dropped").map((e) => [e.name, e.reason])).toEqual([
      ["f0", "oldest half-open connection, room needed"],
      ["f1", "oldest half-open connection, room needed"],
      ["f2", "oldest half-open connection, room needed"],
    ]);
    const alice = await net.peer();
    await alice.connect("alice");
    await net.settle();
    expect(net.server.snapshot().users.map((u) => u.name)).toEqual(["f4", "alice"]);
    // A late ACK from an evicted address is from nobody: dropped, not accepted.
    const before = net.server.counters;
    flood[0]!.ackOf({ type: 0x01, seq: 1 } as never);
    await net.settle();
    const after = net.server.counters;
    expect(after.accepted).toBe(before.accepted);
    expect(after.dropped.unknownAddress + after.dropped.spoofedSource).toBe(
      before.dropped.unknownAddress + before.dropped.spoofedSource + 1,
    );
  });

  it("a full server drops its oldest half-open connection for a new request; established clients stay", async () => {
    net = await testNet({ maxUsers: 3, halfOpenShare: 1 });
    const a = await net.peer();
    await a.connect("a");
    const b = await net.peer();
    await b.connect("b");
    const h = await net.peer();
    h.autoAck = false;
    h.send({ type: 0x00, src: 0, username: "half" });
    await net.settle();
    const c = await net.peer();
    await c.connect("c");
    await net.settle();
    expect(net.server.snapshot().users.map((u) => u.name)).toEqual(["a", "b", "c"]);
    expect(net.server.counters.rejects.full).toBe(0);
    const d = await net.peer();
    d.send({ type: 0x00, src: 0, username: "d" });
    await net.settle();
    expect(briefs(d.take())).toEqual(["ConnReject(0)"]);
  });

  it("a half-open connection gives way to a request for its name from another address", async () => {
    net = await testNet();
    const squat = await net.peer();
    squat.autoAck = false;
    squat.send({ type: 0x00, src: 0, username: "alice" });
    await net.settle();
    const alice = await net.peer();
    await alice.connect("alice");
    expect(net.server.snapshot().users.map((u) => [u.name, u.port])).toEqual([["alice", alice.address.port]]);
    // An established client keeps its name.
    const other = await net.peer();
    other.send({ type: 0x00, src: 0, username: "alice" });
    await net.settle();
    expect(briefs(other.take())).toEqual(["ConnReject(1)"]);
  });
});

describe("server bounds: the log", () => {
  it("writes at most logRate lines a second per kind; the counters stay exact; one line says what was held back", async () => {
    net = await testNet({ logRate: 5 });
    const junk = await net.peer();
    for (let i = 0; i < 100; i++) junk.sendRaw(Uint8Array.of(0x88, 0, 0, 0, 5)); // reserved type 0x11
    await net.settle();
    expect(net.server.counters.dropped.reservedType).toBe(100);
    expect(eventsOf("dropped")).toHaveLength(5);
    expect(net.server.counters.logSuppressed).toBe(95);
    expect(eventsOf("suppressed")).toEqual([]);
    await net.advance(1000);
    expect(eventsOf("suppressed")).toEqual([{ event: "suppressed", counts: { dropped: 95 } }]);
    // A second later the kind has its tokens back.
    for (let i = 0; i < 3; i++) junk.sendRaw(Uint8Array.of(0x88, 0, 0, 0, 5));
    await net.settle();
    expect(eventsOf("dropped")).toHaveLength(8);
  });

  it("a flood of one kind does not hold back the others' first lines", async () => {
    net = await testNet({ logRate: 5 });
    const junk = await net.peer();
    for (let i = 0; i < 50; i++) junk.sendRaw(Uint8Array.of(0x88, 0, 0, 0, 5));
    await net.settle();
    const alice = await net.peer();
    await alice.connect("alice");
    await net.settle();
    expect(eventsOf("connected")).toHaveLength(1);
    expect(eventsOf("established")).toHaveLength(1);
  });
});

describe("server bounds: invitations", () => {
  it("one client that keeps inviting everyone delays another's invitation by one answer time, never refuses it", async () => {
    // u1 invites u3 and u4 (a creation); u2 then creates a group inviting u3: queued, sent after the time-out.
    const [m, o, x, y] = await connected(4, { inviteTimeoutMs: 15_000 });
    m!.send({ type: 0x06, mode: 0, invitees: [3, 4] });
    await net.settle();
    o!.send({ type: 0x06, mode: 0, invitees: [3] });
    await net.settle();
    expect(briefs(o!.take())).toEqual(["ACK(CreateReq)"]);
    expect(briefs(x!.take())).toEqual(["InviteReq(1>3,g2,m0)"]);
    expect(net.server.counters.invitationsRefused).toBe(0);
    await net.advance(15_000); // nobody answers u1
    expect(briefs(m!.take())).toEqual(["ACK(CreateReq)", "CreateReject"]);
    expect(briefs(x!.take())).toEqual(["InviteReq(2>3,g3,m0)"]);
    x!.send({ type: 0x0a, mode: 0, invite_group: 3 });
    await net.settle();
    expect(briefs(o!.take())).toContain("CreateAccept(g3,m0)");
    expect(y!.take().length).toBeGreaterThan(0);
  });

  it("holds at most maxQueuedInvitations behind the one sent; past it an invitation is refused at once", async () => {
    const peers = await connected(5, { maxQueuedInvitations: 1 });
    peers[0]!.send({ type: 0x06, mode: 0, invitees: [5] });
    await net.settle();
    peers[1]!.send({ type: 0x06, mode: 0, invitees: [5] });
    await net.settle();
    peers[2]!.send({ type: 0x06, mode: 0, invitees: [5] });
    await net.settle();
    expect(briefs(peers[2]!.take())).toEqual(["ACK(CreateReq)", "CreateReject"]);
    expect(net.server.snapshot().invitations.map((i) => [i.inviter, i.queued])).toEqual([
      [1, false],
      [2, true],
    ]);
    // The invitee leaves: every invitation it had counts as rejected, the queued one included.
    peers[4]!.send({ type: 0x10 });
    await net.settle();
    expect(briefs(peers[0]!.take())).toContain("CreateReject");
    expect(briefs(peers[1]!.take())).toContain("CreateReject");
    expect(net.server.snapshot().invitations).toEqual([]);
  });
});
