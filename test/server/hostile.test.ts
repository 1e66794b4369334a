import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/arq/index.js";
import { encode } from "../../src/codec/index.js";
import { startServer, totalDropped } from "../../src/server/index.js";
import type { Address, DatagramTransport } from "../../src/transport/index.js";
import { testNet, type RawPeer, type TestNet } from "./helpers.js";

let net: TestNet;
afterEach(async () => {
  expect(net.server.checkInvariants()).toEqual([]);
  await net.close();
});

async function twoClients(): Promise<[RawPeer, RawPeer]> {
  net = await testNet();
  const a = await net.peer();
  await a.connect("alice");
  const b = await net.peer();
  await b.connect("bob");
  await net.settle();
  a.take();
  b.take();
  return [a, b];
}

const hex = (h: string) => Buffer.from(h.replace(/\s/g, ""), "hex");

describe("server: who may speak", () => {
  it("drops malformed datagrams, reserved types and protocol errors without answer or state change", async () => {
    const [a, b] = await twoClients();
    const before = net.server.snapshot();
    const c0 = net.server.counters;
    const cases: [Buffer, string][] = [
      [hex("2801"), "undersize"], // 2 bytes
      [hex("28010100"), "undersize"],
      [hex("2a 01 01 0003"), "malformed"], // HL below 5
      [hex("2a 01 01 0007 0005 6869"), "malformed"], // data length 5, 2 bytes
      [hex("1a 01 01 0006 00"), "malformed"], // List Request with a trailing byte
      [hex("19 01 00 0006 00"), "malformed"], // ACK with HL 6
      [hex("8a 01 00 0005"), "reservedType"], // type 0x11
      [hex("f9 01 00 0005"), "reservedType"], // ACK of type 0x1f
      [hex("1a 00 01 0005"), "protocol"], // List Request with Source ID 0
      [hex("1a 01 05 0005"), "protocol"], // List Request with group 5
      [hex("2a 01 ff 0007 0001 78"), "protocol"], // data to broadcast
      [hex("0a 01 00 0006 05"), "protocol"], // Connection Accept from a client (Source ID must be 0)
      [hex("72 01 ff 0015 01 01 616c696365000000 7f000001 1234"), "protocol"], // Update List from a client (Source ID must be 0)
      [hex("22 01 01 0005"), "direction"], // User List Response from a client
      [hex("3a 01 00 0007 00 02"), "direction"], // Group Creation Accept (variant Source ID) from a client
    ];
    for (const [bytes] of cases) a.sendRaw(bytes);
    await net.settle();
    expect(a.take()).toEqual([]);
    expect(b.take()).toEqual([]);
    expect(net.server.snapshot()).toEqual(before);
    const c = net.server.counters;
    const expected: Record<string, number> = {};
    for (const [, r] of cases) expected[r] = (expected[r] ?? 0) + 1;
    for (const [r, n] of Object.entries(expected))
      expect(c.dropped[r as keyof typeof c.dropped] - c0.dropped[r as keyof typeof c.dropped], r).toBe(n);
    expect(c.accepted).toBe(c0.accepted);
    expect(c.sent).toBe(c0.sent);
    expect(c.received - c0.received).toBe(cases.length);
  });

  it("drops spoofed Source IDs and datagrams from unknown addresses", async () => {
    const [a, b] = await twoClients();
    const stranger = await net.peer();
    const before = net.server.snapshot();
    const c0 = net.server.counters;
    // Right ID (alice's), wrong address.
    stranger.sendRaw(encode({ type: 0x05, seq: 1, src: 1, group: 1, data: "I am alice" }));
    stranger.sendRaw(encode({ type: 0x10, seq: 1, src: 2, group: 0 }));
    // Unknown address, unknown ID; an ACK from nobody.
    stranger.sendRaw(encode({ type: 0x05, seq: 1, src: 77, group: 1, data: "hi" }));
    stranger.sendRaw(encode({ type: 0x0e, seq: 1, ack: 1, src: 0, group: 0 }));
    // Known address, another client's ID.
    a.sendRaw(encode({ type: 0x05, seq: 0, src: 2, group: 1, data: "I am bob" }));
    a.sendRaw(encode({ type: 0x10, seq: 0, src: 2, group: 0 }));
    await net.settle();
    for (const p of [a, b, stranger]) expect(p.take()).toEqual([]);
    expect(net.server.snapshot()).toEqual(before);
    const c = net.server.counters;
    expect(c.dropped.spoofedSource - c0.dropped.spoofedSource).toBe(4);
    expect(c.dropped.unknownAddress - c0.dropped.unknownAddress).toBe(2);
    expect(c.accepted).toBe(c0.accepted);
    expect(c.sent).toBe(c0.sent);
    expect(c.received).toBe(c.accepted + totalDropped(c));
  });

  it("drops datagrams above 65507 bytes (seen through an injected transport)", async () => {
    net = await testNet();
    let deliver: (bytes: Buffer, from: Address) => void = () => {};
    const sent: Uint8Array[] = [];
    const fake: DatagramTransport = {
      local: { ip: "127.0.0.1", port: 1 },
      send: (bytes) => void sent.push(bytes),
      onDatagram: (h) => void (deliver = h),
      close: async () => {},
    };
    const server = await startServer({ transport: fake, clock: new ManualClock() });
    const huge = Buffer.alloc(65508);
    huge.set(encode({ type: 0x00, seq: 1, src: 0, group: 0, username: "big" }));
    deliver(huge, { ip: "127.0.0.1", port: 9 });
    deliver(encode({ type: 0x00, seq: 1, src: 0, group: 0, username: "ok" }), { ip: "127.0.0.1", port: 9 });
    expect(server.counters.dropped.oversize).toBe(1);
    expect(sent).toHaveLength(1);
    expect(server.snapshot().users.map((u) => u.name)).toEqual(["ok"]);
    await server.close();
  });

  it("keeps every invariant through a burst of random bytes", async () => {
    const [a] = await twoClients();
    let x = 12345;
    const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 16) & 0xff;
    for (let i = 0; i < 300; i++) {
      const len = 1 + (rnd() % 40);
      const bytes = Buffer.alloc(len);
      for (let j = 0; j < len; j++) bytes[j] = rnd();
      a.sendRaw(bytes);
      // Bursts beyond the socket's receive buffer (about 270 small datagrams here) would be lost.
      if (i % 50 === 49) await net.settle();
    }
    await net.settle();
    const c = net.server.counters;
    expect(c.received).toBe(c.accepted + totalDropped(c));
    expect(net.server.checkInvariants()).toEqual([]);
  });
});
