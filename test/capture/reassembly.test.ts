/**
 * IPv4 reassembly: order, duplicates, bounds, and a User List Response larger than the MTU.
 */
import { describe, expect, it } from "vitest";
import { encode } from "../../src/codec/index.js";
import {
  buildUdpPackets,
  Ipv4Reassembler,
  LinkType,
  parseFrame,
  type ReassembledDatagram,
  type UdpFrame,
} from "../../dissector/capture/index.js";
import { hex } from "./helpers.js";

function fragments(payload: Uint8Array, id: number, mtu = 576, src = "10.0.0.1"): UdpFrame[] {
  return buildUdpPackets({ ip: src, port: 1313 }, { ip: "10.0.0.2", port: 40000 }, payload, { id, mtu }).map(
    (p) => parseFrame(LinkType.RAW, p)!,
  );
}

describe("Ipv4Reassembler", () => {
  it("rebuilds a User List Response larger than an Ethernet MTU and lists its fragment frames", () => {
    const entry = Array.from({ length: 150 }, (_, i) => ({
      client_id: i + 1,
      group: 1,
      username: `user${i}`,
      ip: "10.0.0.9",
      port: 40000 + i,
    }));
    const payload = encode({ type: 4, seq: 1, src: 0, group: 1, entry });
    expect(payload.length).toBeGreaterThan(1500);
    const parts = fragments(payload, 77, 1500);
    expect(parts.length).toBe(Math.ceil((payload.length + 8) / 1480));
    const reassembler = new Ipv4Reassembler();
    let result: ReassembledDatagram | null = null;
    parts.forEach((part, i) => {
      expect(part.fragment).not.toBeNull();
      result = reassembler.push(10 + i, part) ?? result;
    });
    expect(result).not.toBeNull();
    const whole = result as ReassembledDatagram | null;
    if (whole === null) throw new Error("not reassembled");
    expect(whole.frames).toEqual(parts.map((_, i) => 10 + i));
    expect([whole.src.ip, whole.src.port, whole.dst.ip, whole.dst.port, whole.id, whole.protocol]).toEqual([
      "10.0.0.1",
      1313,
      "10.0.0.2",
      40000,
      77,
      17,
    ]);
    // IPv4 endpoints print as ip:port (not as a bracketed IPv6 address) and are the shared objects.
    expect(String(whole.src)).toBe("10.0.0.1:1313");
    expect(whole.src).toBe(parts[0]!.src);
    expect(hex(whole.payload)).toBe(hex(payload));
    expect(whole.udp?.length).toBe(payload.length + 8);
  });

  it("accepts fragments in any order and duplicates, and keeps datagrams apart by id and address", () => {
    const a = new Uint8Array(3000).map((_, i) => i & 255);
    const b = new Uint8Array(2000).fill(7);
    const fa = fragments(a, 1);
    const fb = fragments(b, 1, 576, "10.0.0.3");
    const reassembler = new Ipv4Reassembler();
    const order = [...fa.map((f, i) => ({ f, n: i + 1 })), ...fb.map((f, i) => ({ f, n: 100 + i }))].reverse();
    order.splice(2, 0, order[0]!);
    const done = order.map(({ f, n }) => reassembler.push(n, f)).filter((d) => d !== null);
    expect(done.map((d) => hex(d.payload))).toEqual([hex(b), hex(a)]);
    expect(done[1]!.frames).toEqual(fa.map((_, i) => fa.length - i));
    expect(reassembler.pending).toBe(0);
  });

  it("ignores frames that are not fragments and drops impossible ones", () => {
    const reassembler = new Ipv4Reassembler();
    const whole = parseFrame(
      LinkType.RAW,
      buildUdpPackets({ ip: "1.1.1.1", port: 1 }, { ip: "2.2.2.2", port: 2 }, new Uint8Array(10))[0]!,
    )!;
    expect(reassembler.push(1, whole)).toBeNull();
    const last = fragments(new Uint8Array(3000), 9).at(-1)!;
    const beyond: UdpFrame = { ...last, fragment: { ...last.fragment!, offset: 65528 } };
    expect(reassembler.push(2, beyond)).toBeNull();
    expect(reassembler.pending).toBe(0);
  });

  it("stays within its bounds: oldest evicted, timed-out dropped", () => {
    const reassembler = new Ipv4Reassembler({ maxDatagrams: 4, timeoutSec: 10 });
    for (let id = 0; id < 100; id++) reassembler.push(id, fragments(new Uint8Array(1000), id)[0]!, 0);
    expect(reassembler.pending).toBe(4);
    expect(reassembler.dropped).toBe(96);
    reassembler.push(200, fragments(new Uint8Array(1000), 500)[0]!, 11);
    expect(reassembler.pending).toBe(1);
    const memory = new Ipv4Reassembler({ maxDatagrams: 1000, maxBytes: 200_000 });
    for (let id = 0; id < 1000; id++) for (const part of fragments(new Uint8Array(5000), id).slice(0, -1)) memory.push(id, part);
    expect(memory.pending).toBeLessThanOrEqual(Math.ceil(200_000 / 4500) + 1);
  });
});

describe("Ipv4Reassembler against floods", () => {
  it("drops a datagram fed the same fragment over and over", () => {
    const reassembler = new Ipv4Reassembler();
    const first = fragments(new Uint8Array(3000), 5)[0]!;
    for (let i = 0; i < 1000; i++) reassembler.push(i, first);
    expect(reassembler.pending).toBeLessThanOrEqual(1);
    expect(reassembler.dropped).toBeGreaterThan(0);
  });
});
