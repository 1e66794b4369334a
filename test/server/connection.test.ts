import { afterEach, describe, expect, it } from "vitest";
import { encode } from "../../src/codec/index.js";
import { briefs, testNet, type TestNet } from "./helpers.js";

let net: TestNet;
afterEach(async () => {
  expect(net.server.checkInvariants()).toEqual([]);
  await net.close();
});

describe("server: connection", () => {
  it("accepts with S=1, sends the list, and tells the others once the Accept is acknowledged", async () => {
    net = await testNet();
    const alice = await net.peer();
    const bob = await net.peer();
    await alice.connect("alice");
    await net.settle();
    expect(alice.take().map((m) => [m.type, m.seq, m.src, m.group])).toEqual([]);
    expect(alice.received.map((m) => [m.type, m.seq, m.src, m.group, m.hlen])).toEqual([
      [0x01, 1, 0, 0, 6],
      [0x04, 0, 1, 1, 21],
    ]);
    expect(alice.received[1]!.entry).toEqual([{ client_id: 1, group: 1, username: "alice", ip: "127.0.0.1", port: alice.address.port }]);

    bob.autoAck = false;
    bob.send({ type: 0x00, src: 0, group: 0, username: "bob" });
    await net.settle();
    expect(briefs(bob.take())).toEqual(["ConnAccept(2)"]);
    bob.id = 2;
    // Not acknowledged yet: alice hears nothing.
    expect(alice.take()).toEqual([]);
    bob.ackOf(bob.received[0]!);
    await net.settle();
    expect(briefs(alice.take())).toEqual(["Update(2:bob@1)"]);
    bob.autoAck = true;
    bob.send({ type: 0x03, group: 1 });
    await net.settle();
    expect(briefs(bob.take())).toEqual(["ListResp(1:alice@1,2:bob@1)"]);
    expect(net.server.snapshot().users.map((u) => [u.id, u.name, u.group, u.established, u.hasList])).toEqual([
      [1, "alice", 1, true, true],
      [2, "bob", 1, true, true],
    ]);
    const c = net.server.counters;
    expect(c.connections).toBe(2);
    expect(c.received).toBe(c.accepted);
  });

  it("sends the very same Accept for a retransmitted Connection Request", async () => {
    net = await testNet();
    const p = await net.peer();
    p.autoAck = false;
    const req = p.send({ type: 0x00, src: 0, group: 0, username: "carol" });
    await net.settle();
    p.sendRaw(req);
    await net.settle();
    expect(p.receivedBytes).toHaveLength(2);
    expect(p.receivedBytes[1]).toEqual(p.receivedBytes[0]);
    expect(net.server.snapshot().users).toHaveLength(1);
    expect(net.server.counters.duplicates).toBe(1);
  });

  it("rejects a taken or invalid username and a second name from a connected address with error 1", async () => {
    net = await testNet();
    const a = await net.peer();
    await a.connect("alice");
    const b = await net.peer();
    b.send({ type: 0x00, src: 0, group: 0, username: "alice" });
    await net.settle();
    const c = await net.peer();
    // A space inside the name: invalid, answered (not dropped).
    const bad = encode({ type: 0x00, seq: 1, src: 0, group: 0, username: "a b" });
    c.sendRaw(bad);
    await net.settle();
    a.send({ type: 0x00, src: 0, group: 0, username: "other" });
    await net.settle();
    expect(b.take().map((m) => [m.type, m.seq, m.error, m.hlen])).toEqual([[0x02, 1, 1, 6]]);
    expect(briefs(c.take())).toEqual(["ConnReject(1)"]);
    expect(briefs(a.take()).slice(-1)).toEqual(["ConnReject(1)"]);
    expect(net.server.snapshot().users.map((u) => u.name)).toEqual(["alice"]);
    expect(net.server.counters.rejects).toEqual({ full: 0, username: 3 });
  });

  it("rejects with error 0 when the server is full, and drops the client's ACK of the Reject silently", async () => {
    net = await testNet({ maxUsers: 1 });
    const a = await net.peer();
    await a.connect("alice");
    const b = await net.peer();
    b.autoAck = false;
    b.send({ type: 0x00, src: 0, group: 0, username: "bob" });
    await net.settle();
    const [reject] = b.take();
    expect(reject).toMatchObject({ type: 0x02, error: 0 });
    b.ackOf(reject!); // the 2017 client does this
    await net.settle();
    expect(b.take()).toEqual([]);
    expect(net.server.counters.dropped.unknownAddress).toBe(1);
  });

  it("limits clients per IP address when asked", async () => {
    net = await testNet({ maxPerAddress: 1 });
    const a = await net.peer();
    await a.connect("alice");
    const b = await net.peer();
    b.send({ type: 0x00, src: 0, group: 0, username: "bob" });
    await net.settle();
    expect(briefs(b.take())).toEqual(["ConnReject(0)"]);
  });

  it("allocates random client IDs from a seed when asked (as the 2017 implementation does)", async () => {
    const ids: number[][] = [];
    for (let run = 0; run < 2; run++) {
      net = await testNet({ idAllocation: "random", seed: 42 });
      const got: number[] = [];
      for (const name of ["a", "b", "c"]) got.push(await (await net.peer()).connect(name, false));
      ids.push(got);
      if (run === 0) await net.close();
    }
    expect(ids[0]).toEqual(ids[1]);
    expect(new Set(ids[0]).size).toBe(3);
    expect(ids[0]).not.toEqual([1, 2, 3]);
  });

  it("accepts a Connection Request whose first S is 0 (recognised by state) and a NUL-padded username", async () => {
    net = await testNet();
    const p = await net.peer();
    p.lastSent = 1; // next send carries S=0
    p.sendRaw(encode({ type: 0x00, seq: 0, src: 0, group: 0, username: "dave", pad: 0 }));
    const accept = await p.next();
    expect(accept).toMatchObject({ type: 0x01, seq: 1, client_id: 1 });
    p.id = 1;
    p.lastSent = 0;
    p.send({ type: 0x03, group: 1 }); // S=1: new
    await net.settle();
    expect(briefs(p.take())).toEqual(["ListResp(1:dave@1)"]);
  });
});
