/**
 * pcap specifics: the "modified" pcap of old Red Hat tcpdump (24-byte record headers), FCS bits
 * in the link-type field, the pcapng if_tsoffset written by the writer.
 */
import { describe, expect, it } from "vitest";
import { createCaptureWriter, LinkType, parseFrame } from "../../dissector/capture/index.js";
import { hex, parseBytes, sampleDatagrams } from "./helpers.js";

describe("pcap variants", () => {
  it("reads the modified pcap format (magic a1b2cd34) in both byte orders", () => {
    for (const byteOrder of ["little", "big"] as const) {
      const le = byteOrder === "little";
      const datagrams = sampleDatagrams(5);
      const writer = createCaptureWriter({ format: "pcap", byteOrder });
      for (const d of datagrams) writer.writeDatagram(d);
      const plain = writer.bytes();
      const records: number[] = [];
      for (let pos = 24; pos < plain.length; ) {
        const captured = new DataView(plain.buffer, plain.byteOffset + pos).getUint32(8, le);
        records.push(...plain.subarray(pos, pos + 16), 0, 0, 0, 1, 0x08, 0x00, 0, 0, ...plain.subarray(pos + 16, pos + 16 + captured));
        pos += 16 + captured;
      }
      const bytes = Uint8Array.from([...plain.subarray(0, 24), ...records]);
      new DataView(bytes.buffer).setUint32(0, 0xa1b2cd34, le);
      const { packets, error } = parseBytes(bytes, 50);
      expect(error).toBeUndefined();
      expect(packets.map((p) => hex(parseFrame(p.linkType, p.data)!.payload))).toEqual(datagrams.map((d) => hex(d.payload)));
      expect(packets[1]!.offset).toBe(24 + 24 + packets[0]!.capturedLength);
      const cut = parseBytes(bytes.subarray(0, 24 + 20));
      expect((cut.error as Error).message).toBe("truncated packet record header at byte 24: 24 bytes needed, 20 remain");
    }
  });

  it("masks the FCS bits of the link-type field", () => {
    const writer = createCaptureWriter({ format: "pcap" });
    writer.writeDatagram(sampleDatagrams(1)[0]!);
    const bytes = writer.bytes();
    new DataView(bytes.buffer).setUint32(20, 0x14000000 | LinkType.ETHERNET, true);
    expect(parseBytes(bytes).packets[0]!.linkType).toBe(LinkType.ETHERNET);
  });

  it("applies if_tsoffset on write and on read", () => {
    const writer = createCaptureWriter({
      format: "pcapng",
      interfaces: [{ linkType: LinkType.ETHERNET, tsresol: 9, tsOffset: 1_000_000_000 }],
    });
    writer.writeDatagram({ ...sampleDatagrams(1)[0]!, tsSec: 1_700_000_123, tsNsec: 5 });
    const { packets, summary } = parseBytes(writer.bytes());
    expect(summary?.interfaces[0]?.tsOffset).toBe(1_000_000_000);
    expect([packets[0]!.tsSec, packets[0]!.tsNsec]).toEqual([1_700_000_123, 5]);
  });
});

describe("pcap writer options", () => {
  it("takes the link type, snaplen and resolution of a single described interface", () => {
    const writer = createCaptureWriter({ format: "pcap", interfaces: [{ linkType: LinkType.LINUX_SLL2, tsresol: 9, snaplen: 1000 }] });
    writer.writeDatagram({ ...sampleDatagrams(1)[0]!, tsNsec: 123_456_789 });
    const { packets, summary } = parseBytes(writer.bytes());
    expect(summary?.interfaces[0]).toMatchObject({ linkType: LinkType.LINUX_SLL2, unitsPerSecond: 1e9, snaplen: 1000 });
    expect(packets[0]).toMatchObject({ linkType: LinkType.LINUX_SLL2, tsNsec: 123_456_789 });
    expect(parseFrame(packets[0]!.linkType, packets[0]!.data)?.dst.port).toBe(1313);
    expect(() => createCaptureWriter({ format: "pcap", interfaces: [{ linkType: 1 }, { linkType: 101 }] })).toThrow(TypeError);
  });

  it("reads an IPv4 total length of 0 (segmentation offload) as the captured length", () => {
    const writer = createCaptureWriter({ format: "pcap", linkType: LinkType.RAW });
    writer.writeDatagram(sampleDatagrams(1)[0]!);
    const bytes = writer.bytes();
    bytes[24 + 16 + 2] = 0;
    bytes[24 + 16 + 3] = 0;
    const { packets } = parseBytes(bytes);
    expect(hex(parseFrame(LinkType.RAW, packets[0]!.data)!.payload)).toBe(hex(sampleDatagrams(1)[0]!.payload));
  });
});
