/**
 * pcapng specifics: several interfaces with their link types and resolutions, SPB and the
 * obsolete PB, unknown blocks, several sections of either byte order, a file written by hand.
 */
import { describe, expect, it } from "vitest";
import {
  BlockType,
  buildUdpPackets,
  CaptureFormatError,
  encodeBlock,
  encodeEpb,
  encodeIdb,
  encodePb,
  encodeShb,
  encodeSpb,
  LinkType,
  parseFrame,
  wrapLink,
} from "../../dissector/capture/index.js";
import { hex, parseBytes } from "./helpers.js";

const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
const payload = new TextEncoder().encode("imp payload");
const ip = buildUdpPackets({ ip: "10.1.1.1", port: 5000 }, { ip: "10.1.1.2", port: 1313 }, payload)[0]!;

describe("pcapng reader", () => {
  it("reads several interfaces with their own link types, resolutions and offsets", () => {
    const interfaces = [
      { linkType: LinkType.ETHERNET, tsresol: 6 },
      { linkType: LinkType.LINUX_SLL2, tsresol: 9, name: "any" },
      { linkType: LinkType.RAW, tsresol: 0x80 | 20, tsOffset: 1000 },
      { linkType: LinkType.NULL, tsresol: 3 },
    ];
    const times = [
      [1_700_000_000, 123_456_000],
      [4_000_000_000, 999_999_999],
      [1_700_000_001, 500_000_000],
      [1_700_000_002, 7_000_000],
    ] as const;
    for (const byteOrder of ["little", "big"] as const) {
      const blocks = [encodeShb(byteOrder), ...interfaces.map((i) => encodeIdb(i, byteOrder))];
      interfaces.forEach((iface, id) => {
        const [tsSec, tsNsec] = times[id]!;
        blocks.push(
          encodeEpb(
            { interfaceId: id, tsSec: tsSec - (iface.tsOffset ?? 0), tsNsec, tsresol: iface.tsresol, data: wrapLink(iface.linkType, ip) },
            byteOrder,
          ),
        );
      });
      const { packets, summary, error } = parseBytes(concat(...blocks));
      expect(error).toBeUndefined();
      expect(summary?.interfaces.map((i) => [i.linkType, i.unitsPerSecond, i.tsOffset])).toEqual([
        [1, 1e6, 0],
        [276, 1e9, 0],
        [101, 2 ** 20, 1000],
        [0, 1e3, 0],
      ]);
      expect(summary?.interfaces[1]?.name).toBe("any");
      expect(packets.map((p) => [p.interfaceId, p.linkType, p.tsSec, p.tsNsec])).toEqual([
        [0, 1, 1_700_000_000, 123_456_000],
        [1, 276, 4_000_000_000, 999_999_999],
        [2, 101, 1_700_000_001, 500_000_000],
        [3, 0, 1_700_000_002, 7_000_000],
      ]);
      for (const p of packets) expect(hex(parseFrame(p.linkType, p.data)!.payload)).toBe(hex(payload));
    }
  });

  it("reads SPB (interface 0, no time, cut to the snaplen) and the obsolete PB", () => {
    const frame = wrapLink(LinkType.ETHERNET, ip);
    const bytes = concat(
      encodeShb(),
      encodeIdb({ linkType: LinkType.ETHERNET, snaplen: 0 }),
      encodeIdb({ linkType: LinkType.RAW, tsresol: 9 }),
      encodeSpb(frame),
      encodePb({ interfaceId: 1, tsSec: 12, tsNsec: 34, tsresol: 9, data: ip }),
    );
    const { packets, error } = parseBytes(bytes);
    expect(error).toBeUndefined();
    expect(packets.map((p) => [p.interfaceId, p.linkType, p.tsSec, p.tsNsec, p.capturedLength, p.originalLength])).toEqual([
      [0, 1, 0, 0, frame.length, frame.length],
      [1, 101, 12, 34, ip.length, ip.length],
    ]);
    expect(hex(parseFrame(1, packets[0]!.data)!.payload)).toBe(hex(payload));

    const snapped = parseBytes(concat(encodeShb(), encodeIdb({ linkType: 1, snaplen: 20 }), encodeSpb(frame)));
    expect(snapped.packets[0]).toMatchObject({ capturedLength: 20, originalLength: frame.length });
  });

  it("skips unknown and uninteresting blocks", () => {
    const bytes = concat(
      encodeShb(),
      encodeBlock(0x0000000a, new Uint8Array(20)),
      encodeIdb({ linkType: LinkType.RAW }),
      encodeBlock(BlockType.NRB, new Uint8Array(8)),
      encodeEpb({ interfaceId: 0, tsSec: 1, tsNsec: 0, data: ip }),
      encodeBlock(BlockType.ISB, new Uint8Array(12)),
      encodeBlock(0x40000bad, new Uint8Array(0)),
      encodeBlock(0x12345678, new Uint8Array(1000)),
      encodeEpb({ interfaceId: 0, tsSec: 2, tsNsec: 0, data: ip }),
    );
    const { packets, error } = parseBytes(bytes);
    expect(error).toBeUndefined();
    expect(packets.map((p) => p.tsSec)).toEqual([1, 2]);
  });

  it("starts over at each section, whose byte order may differ", () => {
    const blocks = [
      encodeShb("little"),
      encodeIdb({ linkType: LinkType.ETHERNET }, "little"),
      encodeEpb({ interfaceId: 0, tsSec: 1, tsNsec: 0, data: wrapLink(1, ip) }, "little"),
      encodeShb("big"),
      encodeIdb({ linkType: LinkType.RAW, tsresol: 9 }, "big"),
      encodeEpb({ interfaceId: 0, tsSec: 2, tsNsec: 5, tsresol: 9, data: ip }, "big"),
    ];
    const bytes = concat(...blocks);
    const secondEpb = blocks.slice(0, 5).reduce((n, b) => n + b.length, 0);
    const { packets, summary, error } = parseBytes(bytes, 13);
    expect(error).toBeUndefined();
    expect(summary?.byteOrder).toBe("little");
    expect(summary?.interfaces.map((i) => [i.section, i.id, i.linkType])).toEqual([
      [0, 0, 1],
      [1, 0, 101],
    ]);
    expect(packets.map((p) => [p.linkType, p.tsSec, p.tsNsec, p.offset])).toEqual([
      [1, 1, 0, 48],
      [101, 2, 5, secondEpb],
    ]);
  });

  it("reads a big-endian file written byte by byte from the specification", () => {
    const be32 = (n: number): number[] => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
    const be16 = (n: number): number[] => [n >>> 8, n & 255];
    const udp = [...be16(1313), ...be16(40000), ...be16(8 + 3), 0, 0, 0x41, 0x42, 0x43];
    const ipv4 = [0x45, 0, ...be16(20 + udp.length), 0, 7, 0, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 2, ...udp];
    const data = [...ipv4, 0]; // 32 bytes: padded to 32
    const bytes = Uint8Array.from([
      ...be32(0x0a0d0d0a),
      ...be32(28),
      ...be32(0x1a2b3c4d),
      ...be16(1),
      ...be16(0),
      ...be32(0xffffffff),
      ...be32(0xffffffff),
      ...be32(28),
      ...be32(1),
      ...be32(20),
      ...be16(101),
      ...be16(0),
      ...be32(65535),
      ...be32(20),
      ...be32(6),
      ...be32(32 + 32),
      ...be32(0),
      ...be32(0x00060000),
      ...be32(0x00000001),
      ...be32(31),
      ...be32(31),
      ...data,
      ...be32(64),
    ]);
    const { packets, summary, error } = parseBytes(bytes);
    expect(error).toBeUndefined();
    expect(summary).toMatchObject({ format: "pcapng", byteOrder: "big", packets: 1 });
    expect(packets[0]).toMatchObject(
      { linkType: 101, capturedLength: 31, tsSec: 1_688_849_860, tsNsec: 263_937_000 } /* 0x0006000000000001 µs */,
    );
    const frame = parseFrame(101, packets[0]!.data)!;
    expect([frame.src.ip, frame.src.port, frame.dst.ip, frame.dst.port, frame.ipId]).toEqual(["127.0.0.1", 1313, "127.0.0.2", 40000, 7]);
    expect(new TextDecoder().decode(frame.payload)).toBe("ABC");
  });

  it("reports damaged blocks with their offset", () => {
    const shb = encodeShb();
    const idb = encodeIdb({ linkType: 1 });
    const epb = encodeEpb({ interfaceId: 0, tsSec: 1, tsNsec: 0, data: wrapLink(1, ip) });
    const cases: [string, Uint8Array, RegExp, number][] = [
      [
        "undeclared interface",
        concat(shb, idb, epb, encodeEpb({ interfaceId: 3, tsSec: 1, tsNsec: 0, data: ip })),
        /interface 3 not described/,
        shb.length + idb.length + epb.length,
      ],
      ["packet before any IDB", concat(shb, epb), /interface 0 not described/, shb.length],
      [
        "trailing length",
        concat(shb, idb, epb.slice(0, epb.length - 4), Uint8Array.of(0, 1, 0, 0)),
        /trailing length/,
        shb.length + idb.length,
      ],
      [
        "length not a multiple of 4",
        concat(shb, idb, Uint8Array.of(6, 0, 0, 0, 13, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
        /bad block length 13/,
        shb.length + idb.length,
      ],
      [
        "bad byte-order magic",
        concat(shb, Uint8Array.of(10, 13, 13, 10, 28, 0, 0, 0, 1, 2, 3, 4)),
        /byte-order magic 0x04030201/,
        shb.length,
      ],
      [
        "truncated block",
        concat(shb, idb, epb.subarray(0, 40)),
        /truncated block at byte 48: header says 88 bytes, 40 remain/,
        shb.length + idb.length,
      ],
      [
        "captured length beyond block",
        (() => {
          const b = concat(shb, idb, epb);
          b[48 + 20] = 200;
          return b;
        })(),
        /captured length 200 exceeds the block/,
        48,
      ],
    ];
    for (const [name, bytes, message, offset] of cases) {
      const { packets, error } = parseBytes(bytes);
      expect(error, name).toBeInstanceOf(CaptureFormatError);
      expect((error as Error).message, name).toMatch(message);
      expect((error as CaptureFormatError).offset, name).toBe(offset);
      expect(packets.length, name).toBe(name === "undeclared interface" ? 1 : 0);
    }
  });
});
