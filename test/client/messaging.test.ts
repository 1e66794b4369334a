import { afterEach, describe, expect, it } from "vitest";
import { connectClient, type ImpClient } from "../../src/client/client.js";
import type { ClientEvents } from "../../src/client/events.js";
import type { Address } from "../../src/transport/index.js";
import { acceptConnection, entry, fakeEndpoint, type FakeEndpoint } from "./fake-server.js";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

interface Setup {
  s: FakeEndpoint;
  c: ImpClient;
  addr: Address;
  events: { [K in keyof ClientEvents]?: ClientEvents[K][] };
  /** Next sequence bit of the fake server toward the client (Accept was S=1, list S=0). */
  seq: () => number;
}

async function setup(
  others = [entry(7, "bob", 1, { ip: "10.0.0.7", port: 7007 }), entry(9, "carol", 1, { ip: "10.0.0.9", port: 9009 })],
): Promise<Setup> {
  const s = await fakeEndpoint();
  cleanup.push(() => s.close());
  const connecting = connectClient({ name: "alice", server: s.address, rto: 100 });
  const { client: addr } = await acceptConnection(s, { id: 42, others });
  const c = await connecting;
  cleanup.push(() => c.close());
  const events: Setup["events"] = {};
  const names: (keyof ClientEvents)[] = [
    "message",
    "userJoined",
    "userChanged",
    "userLeft",
    "invitation",
    "groupCreated",
    "groupCreateRejected",
    "invitationAccepted",
    "invitationRejected",
    "dissolved",
    "joined",
    "left",
    "dropped",
    "disconnected",
  ];
  const record = <K extends keyof ClientEvents>(n: K) =>
    c.on(n, (p) => {
      const seen: ClientEvents[K][] = (events[n] ??= []);
      seen.push(p);
    });
  for (const n of names) record(n);
  let last = 0;
  return { s, c, addr, events, seq: () => (last ^= 1) };
}

describe("the client's queues are bounded", () => {
  it("refuses a request with a ClientError when its link holds maxQueuedMessages, and takes requests again once they are acknowledged", async () => {
    const s = await fakeEndpoint();
    cleanup.push(() => s.close());
    const connecting = connectClient({ name: "alice", server: s.address, rto: 10_000, maxQueuedMessages: 3 });
    const { client: addr } = await acceptConnection(s, { id: 42, others: [] });
    const c = await connecting;
    cleanup.push(() => c.close());
    const sent = [c.send("1"), c.send("2"), c.send("3")];
    await expect(c.send("4")).rejects.toThrow(/too many messages waiting for acknowledgement \(3 messages, \d+ bytes\)/);
    for (let i = 0; i < 3; i++) {
      const d = await s.take((m) => m.type === 5);
      s.send(addr, { type: 5, seq: d.m.seq, ack: 1, src: 0, group: 0 });
      expect(await sent[i]).toEqual(["acked"]);
    }
    const again = c.send("5");
    const d = await s.take((m) => m.type === 5 && m.data === "5");
    s.send(addr, { type: 5, seq: d.m.seq, ack: 1, src: 0, group: 0 });
    expect(await again).toEqual(["acked"]);
  });

  it("refuses text that would pass maxQueuedBytes", async () => {
    const s = await fakeEndpoint();
    cleanup.push(() => s.close());
    const connecting = connectClient({ name: "alice", server: s.address, rto: 10_000, maxQueuedBytes: 100_000 });
    await acceptConnection(s, { id: 42, others: [] });
    const c = await connecting;
    cleanup.push(() => c.close());
    void c.send("x".repeat(60_000));
    await expect(c.send("y".repeat(60_000))).rejects.toThrow(/too many messages waiting/);
    // A short text still fits: queued (neither refused nor settled, nobody ACKs here).
    const short = c.send("short").then(
      () => "settled",
      () => "refused",
    );
    expect(await Promise.race([short, new Promise((r) => setTimeout(() => r("queued"), 50))])).toBe("queued");
  });
});

describe("messaging through the server", () => {
  it("sends text to the server and resolves on its ACK", async () => {
    const { s, c, addr } = await setup();
    const sent = c.send("hello");
    const data = await s.take((m) => m.type === 5);
    expect(data.hex).toBe("2a2a010007000568656c6c6f"); // S=1 (ConnReq 1, ListReq 0, then this), Src 42, Group 1, HL 7, length 5
    s.send(addr, { type: 5, seq: 1, ack: 1, src: 0, group: 0 });
    expect(await sent).toEqual(["acked"]);
  });

  it("delivers a relayed message once and ACKs its duplicate again", async () => {
    const { s, c, addr, events, seq } = await setup();
    const sq = seq();
    const relay = { type: 5, seq: sq, src: 7, group: 1, data: "hi alice" };
    s.send(addr, relay);
    const ack1 = await s.take((m) => m.ack === 1 && m.type === 5);
    s.send(addr, relay);
    const ack2 = await s.take((m) => m.ack === 1 && m.type === 5);
    expect(ack1.hex).toBe(ack2.hex);
    expect(ack1.m).toMatchObject({ seq: sq, src: 42, group: 0, hlen: 5 });
    s.send(addr, { ...relay, seq: seq(), data: "again" });
    await s.take((m) => m.ack === 1 && m.type === 5);
    expect(events.message).toEqual([
      { from: 7, fromName: "bob", group: 1, text: "hi alice", direct: false },
      { from: 7, fromName: "bob", group: 1, text: "again", direct: false },
    ]);
    expect(c.state).toBe("connected");
  });

  it("drops malformed datagrams, reserved types and strangers without answering", async () => {
    const { s, c, addr, events } = await setup();
    const stranger = await fakeEndpoint();
    cleanup.push(() => stranger.close());
    s.sendRaw(addr, Buffer.from("2a2a01", "hex")); // short
    s.sendRaw(addr, Buffer.from("2a00010009000568656c6c6f", "hex")); // HL beyond
    s.sendRaw(addr, Buffer.from("2a07010007000968656c6c6f", "hex")); // data length mismatch
    s.sendRaw(addr, Buffer.from("a800000005", "hex")); // reserved type 0x15
    stranger.send(addr, { type: 5, seq: 1, src: 7, group: 1, data: "spoof" });
    stranger.send(addr, { type: 14, seq: 1, src: 0, group: 255, entry: [entry(66, "mallory", 1, stranger.address)] });
    expect(await s.quiet(80)).toEqual([]);
    expect(stranger.inbox).toEqual([]);
    expect(events.message).toBeUndefined();
    expect(events.dropped).toHaveLength(6);
    expect(c.roster.get(66)).toBeUndefined();
  });

  it("applies Update List and Update Disconnection to the roster with events", async () => {
    const { s, c, addr, events, seq } = await setup();
    s.send(addr, {
      type: 14,
      seq: seq(),
      src: 0,
      group: 255,
      entry: [entry(11, "dave", 1, { ip: "10.0.0.11", port: 1111 }), entry(7, "bob", 5, { ip: "10.0.0.7", port: 7007 })],
    });
    await s.take((m) => m.ack === 1 && m.type === 14);
    s.send(addr, { type: 15, seq: seq(), src: 0, group: 255, client_id: 9 });
    await s.take((m) => m.ack === 1 && m.type === 15);
    expect(events.userJoined?.map((e) => e.user.name)).toEqual(["dave"]);
    expect(events.userChanged?.map((e) => [e.user.name, e.previous.group, e.user.group])).toEqual([["bob", 1, 5]]);
    expect(events.userLeft).toEqual([{ id: 9, user: expect.objectContaining({ name: "carol" }) }]);
    expect(
      c.roster
        .all()
        .map((e) => e.name)
        .sort(),
    ).toEqual(["alice", "bob", "dave"]);
  });

  it("creates a group: exact request bytes, Accept with the creator as Source ID, forwarded answers of HL 7 and 8", async () => {
    const { s, c, addr, events, seq } = await setup();
    const created = c.createGroup({ mode: "decentralized", invitees: ["bob", 9] });
    const req = await s.take((m) => m.type === 6);
    expect(req.hex).toBe("322a000008" + "80" + "07" + "09"); // type 6 S=1, mode bit set, invitees 7 and 9
    s.send(addr, { type: 6, seq: 1, ack: 1, src: 0, group: 0 });
    expect(await created).toBe("acked");
    s.send(addr, { type: 7, seq: seq(), src: 42, group: 0, mode: 1, new_group: 3 }); // variant Src
    await s.take((m) => m.ack === 1 && m.type === 7);
    expect(events.groupCreated).toEqual([{ group: 3, mode: "decentralized" }]);
    expect([c.group, c.mode]).toEqual([3, "decentralized"]);
    expect(c.roster.get(42)?.group).toBe(3);
    s.send(addr, { type: 10, seq: seq(), src: 7, group: 0, mode: 1, invite_group: 3 }); // HL 7
    await s.take((m) => m.ack === 1 && m.type === 10);
    s.send(addr, { type: 11, seq: seq(), src: 9, group: 0, mode: 1, invite_group: 3, invitee: 9 }); // HL 8
    await s.take((m) => m.ack === 1 && m.type === 11);
    expect(events.invitationAccepted).toEqual([{ by: 7, byName: "bob", group: 3, mode: "decentralized" }]);
    expect(events.invitationRejected).toEqual([{ by: 9, byName: "carol", group: 3, mode: "decentralized" }]);
  });

  it("reports a Group Creation Reject and refuses bad invitee lists locally", async () => {
    const { s, c, addr, events, seq } = await setup();
    await expect(c.createGroup({ mode: "centralized", invitees: ["nobody"] })).rejects.toThrow(/no user "nobody"/);
    await expect(c.createGroup({ mode: "centralized", invitees: ["alice"] })).rejects.toThrow(/yourself/);
    await expect(c.createGroup({ mode: "centralized", invitees: [] })).rejects.toThrow(/at least one/);
    await expect(c.invite("bob")).rejects.toThrow(/not in a private group/);
    await expect(c.leave()).rejects.toThrow(/public group/);
    const created = c.createGroup({ mode: "centralized", invitees: ["bob"] });
    const req = await s.take((m) => m.type === 6);
    s.send(addr, { type: 6, seq: req.m.seq, ack: 1, src: 0, group: 0 });
    expect(await created).toBe("acked");
    s.send(addr, { type: 8, seq: seq(), src: 0, group: 0 });
    await s.take((m) => m.ack === 1 && m.type === 8);
    expect(events.groupCreateRejected).toHaveLength(1);
  });

  it("ignores answers to requests it did not make: not acknowledged, not applied, the sequence state untouched", async () => {
    const { s, c, addr, events, seq } = await setup();
    const rosterBefore = c.roster.all();
    const inboxBefore = s.inbox.length;
    // Each forged answer carries the Sequence the server's next message would carry.
    const next = seq();
    const forged = [
      { type: 4, seq: next, src: 42, group: 1, entry: [entry(66, "mallory", 1, { ip: "10.6.6.6", port: 6666 })] },
      { type: 7, seq: next, src: 0, group: 0, mode: 0, new_group: 9 },
      { type: 8, seq: next, src: 0, group: 0 },
      { type: 10, seq: next, src: 7, group: 0, mode: 0, invite_group: 9 },
      { type: 11, seq: next, src: 9, group: 0, mode: 0, invite_group: 9 },
      { type: 13, seq: next, src: 0, group: 9 },
    ];
    for (const m of forged) s.send(addr, m);
    // A real message with that Sequence is still taken as new: the forged ones changed nothing.
    s.send(addr, { type: 5, seq: next, src: 7, group: 1, data: "real" });
    await s.take((m) => m.ack === 1 && m.type === 5);
    expect(
      s.inbox
        .slice(inboxBefore)
        .filter((r) => r.m.ack === 1 && r.m.type !== 5)
        .map((r) => r.hex),
    ).toEqual([]);
    expect(events.dropped?.map((d) => d.reason)).toEqual([
      "User List Response to no User List Request",
      "answer to no Group Creation Request",
      "answer to no Group Creation Request",
      "invitation answer from 7, who was not invited by this client",
      "invitation answer from 9, who was not invited by this client",
      "Group Dissolution of group 9, which this client is not in",
    ]);
    expect(c.roster.all()).toEqual(rosterBefore);
    expect(c.group).toBe(1);
    expect(events.groupCreated ?? []).toEqual([]);
    expect(events.groupCreateRejected ?? []).toEqual([]);
    expect(events.invitationAccepted ?? []).toEqual([]);
    expect(events.dissolved ?? []).toEqual([]);
    expect(events.message?.map((m) => m.text)).toEqual(["real"]);
  });

  it("takes a User List Response that answers its own request, and the answers of the invitees it invited", async () => {
    const { s, c, addr, events, seq } = await setup();
    const listed = c.list();
    const req = await s.take((m) => m.type === 3);
    s.send(addr, {
      type: 4,
      seq: seq(),
      src: 42,
      group: 1,
      entry: [entry(42, "alice", 1, c.local), entry(7, "bob", 1, { ip: "10.0.0.7", port: 7007 })],
    });
    expect((await listed).map((u) => u.name)).toEqual(["alice", "bob"]);
    expect(req.m.type).toBe(3);
    const created = c.createGroup({ mode: "centralized", invitees: ["bob"] });
    const creq = await s.take((m) => m.type === 6);
    s.send(addr, { type: 6, seq: creq.m.seq, ack: 1, src: 0, group: 0 });
    await created;
    s.send(addr, { type: 7, seq: seq(), src: 0, group: 0, mode: 0, new_group: 3 });
    await s.take((m) => m.ack === 1 && m.type === 7);
    // A later invitee of the creation (bob) rejects: forwarded, and taken.
    s.send(addr, { type: 11, seq: seq(), src: 7, group: 0, mode: 0, invite_group: 3 });
    await s.take((m) => m.ack === 1 && m.type === 11);
    expect(events.groupCreated).toEqual([{ group: 3, mode: "centralized" }]);
    expect(events.invitationRejected).toEqual([{ by: 7, byName: "bob", group: 3, mode: "centralized" }]);
    expect(events.dropped ?? []).toEqual([]);
  });

  it("answers invitations: HL 7 Accept/Reject, joins the group, invites into it, leaves, accepts Dissolution with group 1", async () => {
    const { s, c, addr, events, seq } = await setup();
    s.send(addr, { type: 9, seq: seq(), src: 7, group: 0, mode: 0, invite_group: 4, invitee: 42 });
    await s.take((m) => m.ack === 1 && m.type === 9);
    expect(events.invitation).toEqual([{ from: 7, fromName: "bob", group: 4, mode: "centralized" }]);
    expect(c.pendingInvitations).toHaveLength(1);
    const rejected = c.reject();
    const rej = await s.take((m) => m.type === 11);
    expect(rej.hex).toBe("5a2a000007" + "00" + "04"); // S=1, Src 42, HL 7: mode byte, group 4
    s.send(addr, { type: 11, seq: 1, ack: 1, src: 0, group: 0 });
    expect(await rejected).toBe("acked");
    await expect(c.accept()).rejects.toThrow(/no pending invitation/);

    s.send(addr, { type: 9, seq: seq(), src: 9, group: 0, mode: 0, invite_group: 5, invitee: 42 });
    await s.take((m) => m.ack === 1 && m.type === 9);
    const accepted = c.accept(5);
    const acc = await s.take((m) => m.type === 10);
    expect(acc.hex).toBe("502a000007" + "00" + "05"); // S=0, HL 7
    expect([c.group, c.mode]).toEqual([5, "centralized"]);
    s.send(addr, { type: 10, seq: 0, ack: 1, src: 0, group: 0 });
    expect(await accepted).toBe("acked");
    await expect(c.createGroup({ mode: "centralized", invitees: ["carol"] })).rejects.toThrow(/already in group 5/);

    const invited = c.invite("bob");
    const inv = await s.take((m) => m.type === 9);
    expect(inv.hex).toBe("4a2a000008" + "00" + "05" + "07");
    s.send(addr, { type: 9, seq: 1, ack: 1, src: 0, group: 0 });
    await invited;

    const sent = c.send("in five");
    expect((await s.take((m) => m.type === 5)).m).toMatchObject({ src: 42, group: 5, data: "in five" });
    s.send(addr, { type: 5, seq: 0, ack: 1, src: 0, group: 0 });
    await sent;

    const left = c.leave();
    expect((await s.take((m) => m.type === 12)).hex).toBe("622a000005");
    expect(c.group).toBe(1);
    s.send(addr, { type: 12, seq: 1, ack: 1, src: 0, group: 0 });
    await left;
    expect(events.left).toEqual([{ group: 5 }]);

    s.send(addr, { type: 9, seq: seq(), src: 9, group: 0, mode: 0, invite_group: 6, invitee: 42 });
    await s.take((m) => m.ack === 1 && m.type === 9);
    const acc6 = c.accept();
    await s.take((m) => m.type === 10);
    s.send(addr, { type: 10, seq: 0, ack: 1, src: 0, group: 0 });
    await acc6;
    expect(c.group).toBe(6);
    s.send(addr, { type: 13, seq: seq(), src: 0, group: 1, hlen: 5 });
    await s.take((m) => m.ack === 1 && m.type === 13);
    expect(events.dissolved).toEqual([{ group: 6 }]);
    expect([c.group, c.mode]).toEqual([1, "centralized"]);
  });

  it("disconnects: Disconnection Request, resolves on its ACK, closes", async () => {
    const { s, c, addr, events } = await setup();
    const done = c.disconnect();
    const req = await s.take((m) => m.type === 16);
    expect(req.hex).toBe("822a000005");
    s.send(addr, { type: 16, seq: 1, ack: 1, src: 0, group: 0 });
    expect(await done).toBe("acked");
    expect(c.state).toBe("closed");
    expect(events.disconnected).toEqual([{ reason: "request" }]);
    await expect(c.send("late")).rejects.toThrow(/not connected/);
  });

  it("lets an invitation expire after the invitation time-out", async () => {
    const s = await fakeEndpoint();
    cleanup.push(() => s.close());
    const connecting = connectClient({ name: "alice", server: s.address, rto: 100, inviteTimeoutMs: 60 });
    const { client: addr } = await acceptConnection(s, { id: 42, others: [entry(7, "bob", 1, { ip: "10.0.0.7", port: 7 })] });
    const c = await connecting;
    cleanup.push(() => c.close());
    const expired = c.next("invitationExpired");
    s.send(addr, { type: 9, seq: 1, src: 7, group: 0, mode: 1, invite_group: 2, invitee: 42 });
    expect(await expired).toMatchObject({ from: 7, group: 2, mode: "decentralized" });
    expect(c.pendingInvitations).toHaveLength(0);
  });

  it("accepts data of its own group 255 (the 2017 server draws group IDs from 2..255), and only then", async () => {
    const { s, c, addr, events, seq } = await setup();
    s.send(addr, { type: 5, seq: 1, src: 7, group: 255, data: "not yet" }); // dropped: S=1 stays unused
    await s.quiet(50);
    expect(events.message).toBeUndefined();
    const creating = c.createGroup({ mode: "centralized", invitees: ["bob"] });
    const req = await s.take((m) => m.type === 6);
    s.send(addr, { type: 6, seq: req.m.seq, ack: 1, src: 0, group: 0 });
    await creating;
    s.send(addr, { type: 7, seq: seq(), src: 0, group: 0, mode: 0, new_group: 255 });
    await s.take((m) => m.ack === 1 && m.type === 7);
    expect(c.group).toBe(255);
    s.send(addr, { type: 5, seq: seq(), src: 7, group: 255, data: "in 255" });
    await s.take((m) => m.ack === 1 && m.type === 5);
    expect(events.message).toEqual([{ from: 7, fromName: "bob", group: 255, text: "in 255", direct: false }]);
  });
});
