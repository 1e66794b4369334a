import { afterEach, describe, expect, it } from "vitest";
import { encode } from "../../src/codec/index.js";
import { briefs, testNet, type RawPeer, type TestNet } from "./helpers.js";

let net: TestNet;
afterEach(async () => {
  expect(net.server.checkInvariants()).toEqual([]);
  await net.close();
});

async function connected(n: number, options = {}, loss?: Parameters<typeof testNet>[1]): Promise<RawPeer[]> {
  net = await testNet(options, loss);
  return net.connectPeers(n);
}

describe("server: centralized relay", () => {
  it("acknowledges the sender and relays unchanged but for S to every other member", async () => {
    const [a, b, c] = await connected(3);
    const sent = a!.send({ type: 0x05, group: 1, data: "héllo" });
    await net.settle();
    expect(briefs(a!.take())).toEqual(["ACK(Data)"]);
    for (const p of [b!, c!]) {
      const got = p.receivedBytes.at(-1)!;
      expect(briefs(p.take())).toEqual(["Data(1>1:héllo)"]);
      // Byte-identical but for the Sequence bit (0x02 of byte 0).
      expect(got.subarray(1)).toEqual(sent.subarray(1));
      expect(got[0]! & ~0x02).toBe(sent[0]! & ~0x02);
    }
    // The next relay to b carries the other S.
    b!.take();
    c!.send({ type: 0x05, group: 1, data: "again" });
    await net.settle();
    const seqs = b!.received.filter((m) => m.type === 5).map((m) => m.seq);
    expect(seqs).toEqual([seqs[0], seqs[0]! ^ 1]);
    expect(net.server.counters.dataRelayed).toBe(4);
  });

  it("acknowledges and drops data to a group the sender is not in; answers a duplicate with the ACK only", async () => {
    const [a, b] = await connected(2);
    a!.send({ type: 0x05, group: 7, data: "x" });
    await net.settle();
    expect(briefs(a!.take())).toEqual(["ACK(Data)"]);
    expect(b!.take()).toEqual([]);
    const dup = a!.send({ type: 0x05, group: 1, data: "once" });
    a!.sendRaw(dup);
    await net.settle();
    expect(briefs(a!.take())).toEqual(["ACK(Data)", "ACK(Data)"]);
    expect(briefs(b!.take())).toEqual(["Data(1>1:once)"]);
    expect(net.server.counters).toMatchObject({ dataNotRelayed: 1, duplicates: 1, dataRelayed: 1 });
  });

  it("does not relay data for a decentralized group", async () => {
    const [a, b] = await connected(2);
    a!.send({ type: 0x06, mode: 1, invitees: [2] });
    await net.settle();
    b!.send({ type: 0x0a, mode: 1, invite_group: 2 });
    await net.settle();
    a!.take();
    b!.take();
    a!.send({ type: 0x05, group: 2, data: "direct" });
    await net.settle();
    expect(briefs(a!.take())).toEqual(["ACK(Data)"]);
    expect(b!.take()).toEqual([]);
  });

  it("queues relays per receiver (one outstanding) and delivers them in order", async () => {
    const [a, b] = await connected(2);
    b!.autoAck = false;
    for (const t of ["1", "2", "3"]) a!.send({ type: 0x05, group: 1, data: t });
    await net.settle();
    expect(briefs(b!.take())).toEqual(["Data(1>1:1)"]);
    expect(net.server.snapshot().users[1]).toMatchObject({ outstanding: 5, queued: 2 });
    for (let i = 0; i < 3; i++) {
      b!.ackOf(b!.received.at(-1)!);
      await net.settle();
    }
    expect(b!.received.filter((m) => m.type === 5).map((m) => m.data)).toEqual(["1", "2", "3"]);
  });
});

describe("server: disconnection", () => {
  it("acknowledges, removes, sends Update Disconnection; re-acknowledges a retransmission within the window only", async () => {
    const [a, b] = await connected(2);
    const req = a!.send({ type: 0x10 });
    await net.settle();
    expect(briefs(a!.take())).toEqual(["ACK(DiscReq)"]);
    expect(briefs(b!.take())).toEqual(["UpdateDisc(1)"]);
    expect(net.server.snapshot().users.map((u) => u.id)).toEqual([2]);
    expect(net.server.snapshot().departures).toEqual([{ ip: "127.0.0.1", port: a!.address.port, id: 1 }]);
    await net.advance(2999);
    a!.sendRaw(req);
    await net.settle();
    expect(a!.receivedBytes.at(-1)).toEqual(a!.receivedBytes.at(-2));
    expect(briefs(a!.take())).toEqual(["ACK(DiscReq)"]);
    await net.advance(1); // (1 + 5) x 500 ms
    expect(net.server.snapshot().departures).toEqual([]);
    a!.sendRaw(req);
    await net.settle();
    expect(a!.take()).toEqual([]);
    expect(b!.take()).toEqual([]);
    expect(net.server.counters).toMatchObject({ disconnections: 1, duplicates: 1 });
    expect(net.server.counters.dropped.unknownAddress).toBe(1);
  });

  it("forced disconnection: with every ACK lost the client is gone after exactly 1 + 5 transmissions", async () => {
    let dropAcksOf = -1;
    const [a, b, c] = await connected(3, {}, (dir, bytes, remote) => dir === "in" && remote.port === dropAcksOf && (bytes[0]! & 1) === 1);
    dropAcksOf = b!.address.port;
    a!.send({ type: 0x05, group: 1, data: "ping" });
    await net.settle();
    for (let i = 1; i <= 5; i++) await net.advance(500);
    expect(net.server.counters.retransmissions).toBe(5);
    expect(b!.take().filter((m) => m.type === 5)).toHaveLength(6);
    expect(net.server.snapshot().users.map((u) => u.id)).toEqual([1, 2, 3]);
    await net.advance(500);
    expect(b!.take()).toEqual([]);
    expect(net.server.snapshot().users.map((u) => u.id)).toEqual([1, 3]);
    expect(briefs(a!.take())).toEqual(["ACK(Data)", "UpdateDisc(2)"]);
    expect(briefs(c!.take())).toEqual(["Data(1>1:ping)", "UpdateDisc(2)"]);
    const counters = net.server.counters;
    expect(counters.forcedDisconnections).toBe(1);
    expect(counters.retransmissions).toBe(5);
    await net.server.close();
    expect(net.server.counters.retransmissions).toBe(5);
    expect(net.events.filter((e) => e.event === "disconnected")).toEqual([
      { event: "disconnected", id: 2, name: "u2", forced: true, unacked: 5 },
    ]);
  });

  it("forgets a client that never acknowledges its Accept, without telling anyone", async () => {
    const [a] = await connected(1);
    const p = await net.peer();
    p.autoAck = false;
    p.sendRaw(encode({ type: 0, seq: 1, src: 0, group: 0, username: "ghost" }));
    await net.settle();
    for (let i = 0; i < 6; i++) await net.advance(500);
    expect(p.take()).toHaveLength(6);
    expect(a!.take()).toEqual([]);
    expect(net.server.snapshot().users.map((u) => u.name)).toEqual(["u1"]);
  });
});
