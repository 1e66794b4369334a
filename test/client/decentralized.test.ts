import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/arq/index.js";
import { connectClient } from "../../src/client/client.js";
import type { ClientEvents } from "../../src/client/events.js";
import { acceptConnection, entry, fakeEndpoint, type FakeEndpoint } from "./fake-server.js";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function endpoint(): Promise<FakeEndpoint> {
  const e = await fakeEndpoint();
  cleanup.push(() => e.close());
  return e;
}

/**
 * alice (42, the client under test) with a fake server; bob (7) and carol (9) are fake peers with
 * sockets of their own, dave (11) is in the public group. alice accepts an invitation to the
 * decentralized group 3 that bob and carol are in.
 */
async function inGroup(opts: { clock?: ManualClock } = {}) {
  const s = await endpoint();
  const bob = await endpoint();
  const carol = await endpoint();
  const dave = await endpoint();
  const connecting = connectClient({ name: "alice", server: s.address, ...(opts.clock ? { clock: opts.clock } : { rto: 100 }) });
  const { client: addr } = await acceptConnection(s, {
    id: 42,
    others: [entry(7, "bob", 3, bob.address), entry(9, "carol", 3, carol.address), entry(11, "dave", 1, dave.address)],
  });
  const c = await connecting;
  cleanup.push(() => c.close());
  const messages: ClientEvents["message"][] = [];
  const gone: ClientEvents["peerGone"][] = [];
  c.on("message", (m) => messages.push(m));
  c.on("peerGone", (p) => gone.push(p));
  let last = 0;
  const seq = () => (last ^= 1);
  s.send(addr, { type: 9, seq: seq(), src: 7, group: 0, mode: 1, invite_group: 3, invitee: 42 });
  await s.take((m) => m.ack === 1 && m.type === 9);
  const accepted = c.accept();
  const acc = await s.take((m) => m.type === 10);
  s.send(addr, { type: 10, seq: acc.m.seq, ack: 1, src: 0, group: 0 });
  await accepted;
  return { s, bob, carol, dave, c, addr, messages, gone, seq };
}

describe("decentralized groups", () => {
  it("sends data directly to every other member, each on its own link starting at S=1, never to the server", async () => {
    const { s, bob, carol, dave, c } = await inGroup();
    expect([c.group, c.mode]).toEqual([3, "decentralized"]);
    const sent = c.send("hi group");
    const [b, k] = await Promise.all([bob.take((m) => m.type === 5), carol.take((m) => m.type === 5)]);
    for (const r of [b, k]) expect(r.hex).toBe("2a2a030007000868692067726f7570"); // S=1 Src 42 Group 3
    bob.send(b.from, { type: 5, seq: 1, ack: 1, src: 7, group: 0 });
    carol.send(k.from, { type: 5, seq: 1, ack: 1, src: 9, group: 0 });
    expect(await sent).toEqual(["acked", "acked"]);
    const second = c.send("two");
    const [b2] = await Promise.all([bob.take((m) => m.type === 5), carol.take((m) => m.type === 5)]);
    expect(b2.m.seq).toBe(0);
    bob.send(b2.from, { type: 5, seq: 0, ack: 1, src: 7, group: 0 });
    carol.send(b2.from, { type: 5, seq: 0, ack: 1, src: 9, group: 0 });
    expect(await second).toEqual(["acked", "acked"]);
    expect(s.inbox.filter((r) => r.m.type === 5)).toEqual([]);
    expect(dave.inbox).toEqual([]);
  });

  it("ACKs a peer's data with its own ID, delivers it once, re-ACKs the duplicate", async () => {
    const { bob, c, messages } = await inGroup();
    const local = c.local;
    const data = { type: 5, seq: 1, src: 7, group: 3, data: "from bob" };
    bob.send(local, data);
    const a1 = await bob.take((m) => m.ack === 1);
    expect(a1.hex).toBe("2b2a000005"); // ACK of Data S=1 with Source ID 42
    bob.send(local, data);
    const a2 = await bob.take((m) => m.ack === 1);
    expect(a2.hex).toBe(a1.hex);
    expect(messages).toEqual([{ from: 7, fromName: "bob", group: 3, text: "from bob", direct: true }]);
  });

  it("drops data from non-members, from a member under another ID, or for another group", async () => {
    const { bob, carol, dave, c, messages } = await inGroup();
    const local = c.local;
    dave.send(local, { type: 5, seq: 1, src: 11, group: 3, data: "not a member" });
    carol.send(local, { type: 5, seq: 1, src: 7, group: 3, data: "carol as bob" });
    bob.send(local, { type: 5, seq: 1, src: 7, group: 4, data: "wrong group" });
    bob.send(local, { type: 14, seq: 1, src: 7, group: 255, entry: [entry(7, "bob", 1, bob.address)] });
    await new Promise((r) => setTimeout(r, 80));
    expect([...dave.inbox, ...carol.inbox, ...bob.inbox]).toEqual([]);
    expect(messages).toEqual([]);
  });

  it("removes a silent peer after exactly 1 + 5 transmissions and keeps talking to the others", async () => {
    const clock = new ManualClock();
    const { bob, carol, c, gone } = await inGroup({ clock });
    const sent = c.send("anyone?");
    const k = await carol.take((m) => m.type === 5);
    carol.send(k.from, { type: 5, seq: 1, ack: 1, src: 9, group: 0 });
    await bob.take((m) => m.type === 5);
    await new Promise((r) => setTimeout(r, 30)); // carol's ACK reaches the client before time moves
    for (let i = 1; i <= 5; i++) {
      clock.advance(500);
      await bob.take((m) => m.type === 5);
    }
    expect(gone).toEqual([]);
    clock.advance(500);
    expect(await sent).toEqual(["gone", "acked"]);
    expect(gone).toEqual([{ id: 7, name: "bob" }]);
    expect(c.roster.get(7)).toBeUndefined();
    expect(c.members().map((m) => m.name)).toEqual(["carol"]);
    clock.advance(5000);
    await new Promise((r) => setTimeout(r, 30));
    expect(bob.inbox.filter((r) => r.m.type === 5)).toHaveLength(6);
    expect(new Set(bob.inbox.map((r) => r.hex)).size).toBe(1);
    expect(carol.inbox).toHaveLength(1);
    expect(c.state).toBe("connected");
  });

  it("starts a fresh link when a peer leaves and rejoins, and after this client re-joins", async () => {
    const { s, bob, carol, c, addr, seq } = await inGroup();
    const ackAll = async (text: string, expectSeq: number) => {
      const sent = c.send(text);
      const [b, k] = await Promise.all([bob.take((m) => m.type === 5), carol.take((m) => m.type === 5)]);
      expect([b.m.seq, k.m.seq]).toEqual([expectSeq, expectSeq]);
      bob.send(b.from, { type: 5, seq: b.m.seq, ack: 1, src: 7, group: 0 });
      carol.send(k.from, { type: 5, seq: k.m.seq, ack: 1, src: 9, group: 0 });
      await sent;
    };
    await ackAll("one", 1);
    // bob goes back to the public group, then joins again: his link starts over at S=1.
    s.send(addr, { type: 14, seq: seq(), src: 0, group: 255, entry: [entry(7, "bob", 1, bob.address)] });
    await s.take((m) => m.ack === 1 && m.type === 14);
    expect(c.members().map((m) => m.name)).toEqual(["carol"]);
    s.send(addr, { type: 14, seq: seq(), src: 0, group: 255, entry: [entry(7, "bob", 3, bob.address)] });
    await s.take((m) => m.ack === 1 && m.type === 14);
    const sent = c.send("two");
    const [b, k] = await Promise.all([bob.take((m) => m.type === 5), carol.take((m) => m.type === 5)]);
    expect([b.m.seq, k.m.seq]).toEqual([1, 0]);
    bob.send(b.from, { type: 5, seq: 1, ack: 1, src: 7, group: 0 });
    carol.send(k.from, { type: 5, seq: 0, ack: 1, src: 9, group: 0 });
    await sent;
    // a Dissolution or Disjoint drops every peer link.
    const left = c.leave();
    const dis = await s.take((m) => m.type === 12);
    s.send(addr, { type: 12, seq: dis.m.seq, ack: 1, src: 0, group: 0 });
    await left;
    expect(c.members().map((m) => m.name)).toEqual(["dave"]);
  });
});
