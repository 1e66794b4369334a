/**
 * Truncated and corrupt files: cut at every offset, random bytes flipped (seeded, bounded): the
 * reader delivers every packet before the damage, then CaptureFormatError with a real offset;
 * nothing else is ever thrown.
 */
import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  CaptureFormatError,
  createCaptureWriter,
  encodeIdb,
  encodePb,
  encodeShb,
  encodeSpb,
  LinkType,
  parseFrame,
  readCapture,
  wrapLink,
  buildUdpPackets,
  type CaptureWriterOptions,
  type ImpDatagram,
} from "../../dissector/capture/index.js";
import { parseBytes, rng, sampleDatagrams, tempDir, type KeptPacket } from "./helpers.js";

/** Six small datagrams, the third one larger than the 256-byte MTU (so fragmented). */
function datagrams(): ImpDatagram[] {
  return sampleDatagrams(6).map((d, i) => ({
    ...d,
    payload: new Uint8Array([10, 50, 400, 20, 5, 30][i]!).map((_, j) => (i * 7 + j) & 255),
  }));
}

function capture(options: CaptureWriterOptions): Uint8Array {
  const writer = createCaptureWriter({ ...options, mtu: 256 });
  for (const d of datagrams()) writer.writeDatagram(d);
  return writer.bytes();
}

function mixedPcapng(): Uint8Array {
  const ip = buildUdpPackets({ ip: "10.0.0.1", port: 1 }, { ip: "10.0.0.2", port: 1313 }, Uint8Array.of(1, 2, 3, 4, 5))[0]!;
  const base = capture({
    format: "pcapng",
    byteOrder: "big",
    interfaces: [{ linkType: LinkType.ETHERNET }, { linkType: LinkType.LINUX_SLL2, tsresol: 9 }],
  });
  const more = [
    encodeSpb(wrapLink(LinkType.ETHERNET, ip), undefined, "big"),
    encodePb({ interfaceId: 1, tsSec: 3, tsNsec: 4, tsresol: 9, data: wrapLink(LinkType.LINUX_SLL2, ip) }, "big"),
  ];
  const section = [encodeShb("little"), encodeIdb({ linkType: LinkType.RAW }), encodeSpb(ip)];
  return Uint8Array.from([...base, ...more.flatMap((b) => [...b]), ...section.flatMap((b) => [...b])]);
}

const files: [string, Uint8Array][] = [
  ["pcap µs little-endian", capture({ format: "pcap" })],
  ["pcap ns big-endian", capture({ format: "pcap", nanosecond: true, byteOrder: "big" })],
  ["pcapng ns little-endian", capture({ format: "pcapng", nanosecond: true })],
  ["pcapng big-endian, 2 IDBs, SPB, PB, 2 sections", mixedPcapng()],
];

/** End offset of each packet's record, found by a walk independent of the reader. */
function recordEnds(bytes: Uint8Array, packets: KeptPacket[], format: string): number[] {
  if (format === "pcap") return packets.map((p) => p.offset + 16 + p.capturedLength);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ends = new Map<number, number>();
  let le = true;
  for (let pos = 0; pos + 12 <= bytes.length; ) {
    if (view.getUint32(pos, true) === 0x0a0d0d0a) le = view.getUint32(pos + 8, true) === 0x1a2b3c4d;
    const length = view.getUint32(pos + 4, le);
    ends.set(pos, pos + length);
    pos += length;
  }
  return packets.map((p) => ends.get(p.offset)!);
}

/** What identifies a delivered packet, cheap to compare. */
function fingerprint(p: KeptPacket): string {
  return `${p.frame}@${p.offset}:${p.interfaceId}/${p.linkType} ${p.tsSec}.${p.tsNsec} ${p.capturedLength}/${p.originalLength} ${Buffer.from(p.data).toString("base64")}`;
}

function checkOutcome(result: ReturnType<typeof parseBytes>, length: number): void {
  if (result.error === undefined) return;
  expect(result.error).toBeInstanceOf(CaptureFormatError);
  const offset = (result.error as CaptureFormatError).offset;
  expect(Number.isInteger(offset)).toBe(true);
  expect(offset).toBeGreaterThanOrEqual(0);
  expect(offset).toBeLessThanOrEqual(Math.max(0, length - 1));
  expect((result.error as Error).message).toMatch(/at byte \d+|not a pcap or pcapng file/);
}

describe("damaged captures", () => {
  for (const [name, bytes] of files) {
    it(`${name}: cut at every offset`, () => {
      const full = parseBytes(bytes);
      expect(full.error).toBeUndefined();
      const format = full.summary!.format;
      // Ends of records: a packet's record ends where the next record (packet or not) starts;
      // use the next packet's offset as a safe upper bound and the record's own end for the last.
      const ends = recordEnds(bytes, full.packets, format);
      const expectedAll = full.packets.map(fingerprint);
      for (let cut = 0; cut < bytes.length; cut++) {
        const complete = ends.filter((end) => end <= cut).length;
        for (const chunk of [cut || 1, 7]) {
          const result = parseBytes(bytes.subarray(0, cut), chunk);
          checkOutcome(result, cut);
          expect(result.packets.map(fingerprint)).toEqual(expectedAll.slice(0, complete));
        }
      }
    });

    it(`${name}: random bytes flipped`, () => {
      const full = parseBytes(bytes);
      const ends = recordEnds(bytes, full.packets, full.summary!.format);
      const random = rng(0x1313 + bytes.length);
      for (let round = 0; round < 1000; round++) {
        const damaged = bytes.slice();
        let first = damaged.length;
        const flips = 1 + Math.floor(random() * 4);
        for (let f = 0; f < flips; f++) {
          const at = Math.floor(random() * damaged.length);
          damaged[at] = damaged[at]! ^ (1 + Math.floor(random() * 255));
          first = Math.min(first, at);
        }
        const result = parseBytes(damaged, round % 2 === 0 ? damaged.length : 64);
        checkOutcome(result, damaged.length);
        const intact = full.packets.filter((_, i) => ends[i]! <= first).length;
        expect(result.packets.length).toBeGreaterThanOrEqual(intact);
        expect(result.packets.slice(0, intact).map(fingerprint)).toEqual(full.packets.slice(0, intact).map(fingerprint));
        for (const p of result.packets) expect(() => parseFrame(p.linkType, p.data)).not.toThrow();
      }
    });
  }

  it("survives random bytes behind every magic", () => {
    const random = rng(42);
    const heads = [
      capture({ format: "pcap" }).subarray(0, 24),
      capture({ format: "pcap", nanosecond: true, byteOrder: "big" }).subarray(0, 24),
      capture({ format: "pcapng" }).subarray(0, 48),
      new Uint8Array(0),
    ];
    for (let round = 0; round < 2000; round++) {
      const head = heads[round % heads.length]!;
      const tail = new Uint8Array(Math.floor(random() * 600)).map(() => (random() < 0.5 ? 0 : Math.floor(random() * 256)));
      const bytes = Uint8Array.from([...head, ...tail]);
      const result = parseBytes(bytes, 1 + (round % 97));
      checkOutcome(result, bytes.length);
      for (const p of result.packets) expect(() => parseFrame(p.linkType, p.data)).not.toThrow();
    }
  });

  it("names the damage precisely", () => {
    const pcap = capture({ format: "pcap" });
    const full = parseBytes(pcap).packets;
    const second = full[1]!;
    const cut = parseBytes(pcap.subarray(0, second.offset + 16 + 12));
    expect(cut.packets).toHaveLength(1);
    expect((cut.error as Error).message).toBe(
      `truncated packet record at byte ${second.offset}: header says ${second.capturedLength} bytes, 12 remain`,
    );
    expect((cut.error as CaptureFormatError).offset).toBe(second.offset);
    expect((parseBytes(pcap.subarray(0, second.offset + 5)).error as Error).message).toBe(
      `truncated packet record header at byte ${second.offset}: 16 bytes needed, 5 remain`,
    );
    expect((parseBytes(pcap.subarray(0, 10)).error as Error).message).toBe(
      "truncated pcap file header at byte 0: 24 bytes needed, 10 remain",
    );
    const huge = pcap.slice();
    new DataView(huge.buffer).setUint32(second.offset + 8, 0x7fffffff, true);
    expect((parseBytes(huge).error as Error).message).toBe(
      `corrupt packet record at byte ${second.offset}: captured length 2147483647 exceeds the maximum 262144`,
    );
    const text = new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n");
    const notCapture = parseBytes(text);
    expect((notCapture.error as Error).message).toBe("not a pcap or pcapng file (magic 0x47455420)");
    expect((notCapture.error as CaptureFormatError).offset).toBe(0);
    expect((parseBytes(new Uint8Array(0)).error as Error).message).toBe("not a pcap or pcapng file (empty)");
    expect((parseBytes(Uint8Array.of(0xd4, 0xc3)).error as Error).message).toBe("not a pcap or pcapng file (only 2 bytes)");
  });

  it("readCapture delivers the good packets of a truncated file, then rejects with CaptureFormatError", async () => {
    const tmp = tempDir();
    try {
      const bytes = capture({ format: "pcapng" });
      const full = parseBytes(bytes).packets;
      const path = tmp.path("cut.pcapng");
      writeFileSync(path, bytes.subarray(0, bytes.length - 10));
      const seen: number[] = [];
      const error = await readCapture(path, (p) => seen.push(p.frame), { chunkSize: 4096 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CaptureFormatError);
      expect((error as CaptureFormatError).offset).toBe(full.at(-1)!.offset);
      expect((error as Error).message).toMatch(/^truncated block at byte \d+: header says \d+ bytes, \d+ remain$/);
      expect(seen).toEqual(full.slice(0, -1).map((p) => p.frame));
      const missing = await readCapture(tmp.path("none.pcap"), () => undefined).catch((e: unknown) => e);
      expect((missing as NodeJS.ErrnoException).code).toBe("ENOENT");
    } finally {
      tmp.cleanup();
    }
  });
});
