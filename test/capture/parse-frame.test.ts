/**
 * parseFrame over every link layer (Ethernet with stacked tags, SLL, SLL2, NULL both orders,
 * LOOP, raw IP), IPv4 and IPv6 (extension headers), and malformed frames (null, never a throw).
 */
import { describe, expect, it } from "vitest";
import {
  addressBytes,
  buildIpv6,
  buildUdp,
  buildUdpPackets,
  createCaptureWriter,
  LinkType,
  parseFrame,
  wrapLink,
} from "../../dissector/capture/index.js";
import { hex, parseBytes } from "./helpers.js";

const payload = new TextEncoder().encode("\x28\x01\x02\x05hello");
const v4 = buildUdpPackets({ ip: "172.16.0.5", port: 40123 }, { ip: "172.16.0.1", port: 1313 }, payload, { id: 4242 })[0]!;
const v6 = buildUdpPackets({ ip: "2001:db8::5", port: 40123 }, { ip: "2001:db8::1", port: 1313 }, payload)[0]!;

const linkTypes = [
  LinkType.ETHERNET,
  LinkType.LINUX_SLL,
  LinkType.LINUX_SLL2,
  LinkType.NULL,
  LinkType.LOOP,
  LinkType.RAW,
  LinkType.RAW_12,
  LinkType.RAW_14,
];

function expectUdp(linkType: number, frame: Uint8Array, version: 4 | 6): void {
  const parsed = parseFrame(linkType, frame);
  expect(parsed, `link type ${linkType}`).not.toBeNull();
  expect(parsed!.ipVersion).toBe(version);
  expect(parsed!.src.toString()).toBe(version === 4 ? "172.16.0.5:40123" : "[2001:db8::5]:40123");
  expect(parsed!.dst.port).toBe(1313);
  expect(hex(parsed!.payload)).toBe(hex(payload));
  expect(parsed!.truncated).toBe(false);
  expect(parsed!.fragment).toBeNull();
}

describe("parseFrame", () => {
  it("finds UDP in every link layer, IPv4 and IPv6, through a capture file", () => {
    for (const linkType of linkTypes) {
      for (const [ip, version] of [
        [v4, 4],
        [v6, 6],
      ] as const) {
        const writer = createCaptureWriter({ format: "pcapng", linkType });
        writer.writeFrame(wrapLink(linkType, ip), { tsSec: 1 });
        const { packets } = parseBytes(writer.bytes());
        expect(packets[0]!.linkType).toBe(linkType);
        expectUdp(linkType, packets[0]!.data, version);
      }
    }
    expectUdp(LinkType.IPV4, wrapLink(LinkType.IPV4, v4), 4);
    expectUdp(LinkType.IPV6, wrapLink(LinkType.IPV6, v6), 6);
    expect(parseFrame(LinkType.ETHERNET, v4)?.ipId ?? 4242).toBe(4242);
    expect(parseFrame(LinkType.RAW, v4)!.ipId).toBe(4242);
  });

  it("reads NULL in either byte order and LOOP always big-endian", () => {
    expectUdp(LinkType.NULL, wrapLink(LinkType.NULL, v4, { byteOrder: "big" }), 4);
    expectUdp(LinkType.NULL, wrapLink(LinkType.NULL, v6, { byteOrder: "little" }), 6);
    for (const family of [24, 28, 30]) {
      const frame = wrapLink(LinkType.NULL, v6);
      frame[0] = family;
      expectUdp(LinkType.NULL, frame, 6);
    }
    const loop = wrapLink(LinkType.LOOP, v4);
    expect([...loop.subarray(0, 4)]).toEqual([0, 0, 0, 2]);
    expect(parseFrame(LinkType.LOOP, Uint8Array.from([2, 0, 0, 0, ...v4]))).toBeNull();
    expect(parseFrame(LinkType.NULL, Uint8Array.from([7, 0, 0, 0, ...v4]))).toBeNull();
  });

  it("crosses stacked 802.1Q and 802.1ad tags", () => {
    const tags = [
      { id: 100, tpid: 0x88a8 },
      { id: 200, priority: 5 },
      { id: 4095, tpid: 0x9100 },
    ];
    for (const [ip, version] of [
      [v4, 4],
      [v6, 6],
    ] as const) {
      const frame = wrapLink(LinkType.ETHERNET, ip, { vlans: tags });
      expect(frame.length).toBe(14 + 12 + ip.length);
      expectUdp(LinkType.ETHERNET, frame, version);
      expect(parseFrame(LinkType.ETHERNET, frame)!.vlanTags).toBe(3);
      expect(parseFrame(LinkType.ETHERNET, frame)!.ipOffset).toBe(26);
      expect(parseFrame(LinkType.ETHERNET, frame.subarray(0, 24))).toBeNull();
    }
  });

  it("cuts Ethernet padding with the IPv4 total length", () => {
    const tiny = buildUdpPackets({ ip: "10.0.0.1", port: 1 }, { ip: "10.0.0.2", port: 1313 }, Uint8Array.of(1, 2))[0]!;
    const frame = new Uint8Array(60);
    frame.set(wrapLink(LinkType.ETHERNET, tiny));
    frame.fill(0xee, 14 + tiny.length);
    const parsed = parseFrame(LinkType.ETHERNET, frame)!;
    expect([...parsed.payload]).toEqual([1, 2]);
    expect(parsed.truncated).toBe(false);
  });

  it("walks IPv6 extension headers and reports IPv6 fragments", () => {
    const src = addressBytes("fe80::1");
    const dst = addressBytes("ff02::1:3");
    const udp = buildUdp(src, 5353, dst, 1313, payload);
    const hopByHop = Uint8Array.from([43, 0, 1, 4, 0, 0, 0, 0]);
    const routing = Uint8Array.from([60, 0, 0, 0, 0, 0, 0, 0]);
    const destination = Uint8Array.from([17, 1, ...new Array<number>(14).fill(0)]);
    const chain = Uint8Array.from([...hopByHop, ...routing, ...destination, ...udp]);
    const parsed = parseFrame(LinkType.RAW, buildIpv6(src, dst, 0, chain))!;
    expect([parsed.src.ip, parsed.dst.ip, parsed.dst.port]).toEqual(["fe80::1", "ff02::1:3", 1313]);
    expect(parsed.udpOffset).toBe(40 + 32);
    expect(hex(parsed.payload)).toBe(hex(payload));

    const fragmentHeader = Uint8Array.from([17, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef]);
    const fragment = parseFrame(LinkType.RAW, buildIpv6(src, dst, 44, Uint8Array.from([...fragmentHeader, ...udp.subarray(0, 16)])))!;
    expect(fragment.fragment).toEqual({ moreFragments: true, offset: 0, id: 0xdeadbeef, protocol: 17 });
    expect(fragment.dst.port).toBe(1313);
    expect(parseFrame(LinkType.RAW, buildIpv6(src, dst, 59, udp))).toBeNull();
    expect(parseFrame(LinkType.RAW, buildIpv6(src, dst, 0, Uint8Array.from([17, 200, 0, 0, 0, 0, 0, 0])))).toBeNull();
  });

  it("formats IPv6 addresses the RFC 5952 way", () => {
    for (const text of ["::", "::1", "2001:db8::1:0:0:1", "2001:0:0:1::1", "fe80::1:2:3:4", "::ffff:10.1.2.3", "1:2:3:4:5:6:7:8"]) {
      const bytes = addressBytes(text);
      const udp = buildUdp(bytes, 1, bytes, 2, payload);
      expect(parseFrame(LinkType.RAW, buildIpv6(bytes, bytes, 17, udp))!.src.ip).toBe(text);
    }
  });

  it("flags frames cut short by the snaplen and UDP lengths beyond the IP payload", () => {
    const frame = wrapLink(LinkType.ETHERNET, v4);
    const cut = parseFrame(LinkType.ETHERNET, frame.subarray(0, frame.length - 3))!;
    expect(cut.truncated).toBe(true);
    expect(cut.payload.length).toBe(payload.length - 3);
    const lying = frame.slice();
    lying[14 + 20 + 5] = 200;
    const parsed = parseFrame(LinkType.ETHERNET, lying)!;
    expect(parsed.truncated).toBe(true);
    expect(parsed.udpLength).toBe(200);
    expect(parsed.payload.length).toBe(payload.length);
  });

  it("returns null for what is not IP/UDP or is malformed, and never throws", () => {
    const eth = wrapLink(LinkType.ETHERNET, v4);
    const variants: [number, Uint8Array][] = [
      [LinkType.ETHERNET, eth.subarray(0, 13)],
      [LinkType.ETHERNET, Uint8Array.from([...eth.subarray(0, 12), 0x08, 0x06, ...v4])],
      [LinkType.ETHERNET, eth.subarray(0, 14 + 19)],
      [LinkType.RAW, Uint8Array.from([0x44, ...v4.subarray(1)])],
      [LinkType.RAW, Uint8Array.from([0x4f, ...v4.subarray(1)])],
      [LinkType.RAW, Uint8Array.from([...v4.subarray(0, 2), 0, 10, ...v4.subarray(4)])],
      [LinkType.RAW, Uint8Array.from([...v4.subarray(0, 9), 6, ...v4.subarray(10)])],
      [LinkType.RAW, Uint8Array.from([...v4.subarray(0, 24), 0, 7, ...v4.subarray(26)])],
      [LinkType.RAW, v4.subarray(0, 27)],
      [LinkType.RAW, new Uint8Array(0)],
      [LinkType.LINUX_SLL, new Uint8Array(15)],
      [LinkType.LINUX_SLL2, new Uint8Array(19)],
      [147, eth],
    ];
    for (const [linkType, frame] of variants) expect(parseFrame(linkType, frame)).toBeNull();
    for (let seed = 0; seed < 2000; seed++) {
      const frame = eth.slice(0, (seed * 7) % (eth.length + 1));
      for (let i = 0; i < frame.length; i += 1 + (seed % 5)) frame[i] = (frame[i]! * 31 + seed) & 255;
      for (const linkType of [...linkTypes, LinkType.IPV4, LinkType.IPV6]) expect(() => parseFrame(linkType, frame)).not.toThrow();
    }
  });
});
