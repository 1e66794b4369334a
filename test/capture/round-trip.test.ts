/**
 * Writer -> reader round trips: pcap µs/ns, pcapng µs/ns, both byte orders, files and memory,
 * fragmentation, any chunking of the input, streams.
 */
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  createCaptureWriter,
  Ipv4Reassembler,
  LinkType,
  parseFrame,
  readCapture,
  type CaptureWriterOptions,
} from "../../dissector/capture/index.js";
import { hex, keep, parseBytes, sampleDatagrams, tempDir, type KeptPacket } from "./helpers.js";

const variants: { name: string; options: CaptureWriterOptions }[] = [];
for (const format of ["pcap", "pcapng"] as const) {
  for (const nanosecond of [false, true]) {
    for (const byteOrder of ["little", "big"] as const) {
      variants.push({ name: `${format} ${nanosecond ? "ns" : "µs"} ${byteOrder}-endian`, options: { format, nanosecond, byteOrder } });
    }
  }
}

function written(options: CaptureWriterOptions, datagrams = sampleDatagrams()): Uint8Array {
  const writer = createCaptureWriter(options);
  for (const d of datagrams) writer.writeDatagram(d);
  return writer.bytes();
}

describe("writer -> reader round trip", () => {
  for (const { name, options } of variants) {
    it(name, () => {
      const datagrams = sampleDatagrams();
      const { packets, summary, error } = parseBytes(written(options, datagrams));
      expect(error).toBeUndefined();
      expect(summary?.format).toBe(options.format);
      expect(summary?.byteOrder).toBe(options.byteOrder);
      expect(summary?.interfaces[0]?.unitsPerSecond).toBe(options.nanosecond ? 1e9 : 1e6);
      expect(packets).toHaveLength(datagrams.length);
      packets.forEach((packet, i) => {
        const d = datagrams[i]!;
        expect(packet.frame).toBe(i + 1);
        expect(packet.linkType).toBe(LinkType.ETHERNET);
        expect(packet.tsSec).toBe(d.tsSec);
        expect(packet.tsNsec).toBe(options.nanosecond ? d.tsNsec : Math.floor(d.tsNsec! / 1000) * 1000);
        expect(packet.capturedLength).toBe(14 + 20 + 8 + d.payload.length);
        expect(packet.originalLength).toBe(packet.capturedLength);
        const frame = parseFrame(packet.linkType, packet.data);
        expect(frame).not.toBeNull();
        expect(frame!.src.toJSON()).toEqual(d.src);
        expect(frame!.dst.toJSON()).toEqual(d.dst);
        expect(frame!.ipVersion).toBe(4);
        expect(frame!.udpLength).toBe(8 + d.payload.length);
        expect(hex(frame!.payload)).toBe(hex(d.payload));
        expect(frame!.ipId).toBe(i + 1);
      });
    });
  }

  it("gives the same packets whatever the chunking of the input", () => {
    for (const format of ["pcap", "pcapng"] as const) {
      const bytes = written({ format, nanosecond: true });
      const whole = parseBytes(bytes);
      for (const chunk of [1, 2, 3, 5, 7, 16, 17, 100, 1000]) {
        const chunked = parseBytes(bytes, chunk);
        expect(chunked.error).toBeUndefined();
        expect(chunked.packets).toEqual(whole.packets);
        expect(chunked.summary).toEqual(whole.summary);
      }
    }
  });

  it("writes to a file and reads it back by path, by stream, with small read chunks", async () => {
    const tmp = tempDir();
    try {
      for (const format of ["pcap", "pcapng"] as const) {
        const path = tmp.path(`rt.${format}`);
        const writer = createCaptureWriter({ format, path, nanosecond: true, bufferSize: 4096 });
        const datagrams = sampleDatagrams(200);
        for (const d of datagrams) writer.writeDatagram(d);
        expect(writer.frames).toBe(200);
        await writer.close();
        const fromMemory = parseBytes(written({ format, nanosecond: true }, datagrams));
        const byPath: KeptPacket[] = [];
        const summary = await readCapture(path, (p) => byPath.push(keep(p)), { chunkSize: 4096 });
        expect(summary.packets).toBe(200);
        expect(byPath).toEqual(fromMemory.packets);
        const byStream: KeptPacket[] = [];
        const chunks = [...Buffer.from(written({ format, nanosecond: true }, datagrams))];
        const stream = Readable.from(
          (function* () {
            for (let at = 0; at < chunks.length; at += 333) yield Buffer.from(chunks.slice(at, at + 333));
          })(),
        );
        await readCapture(stream, (p) => byStream.push(keep(p)));
        expect(byStream).toEqual(fromMemory.packets);
      }
    } finally {
      tmp.cleanup();
    }
  });

  it("fragments datagrams larger than the MTU; the reassembler rebuilds them with their frames", () => {
    const datagrams = sampleDatagrams(10);
    const writer = createCaptureWriter({ format: "pcapng", mtu: 1500 });
    const counts = datagrams.map((d) => writer.writeDatagram(d));
    expect(counts.filter((c) => c > 1).length).toBe(2);
    const { packets, error } = parseBytes(writer.bytes());
    expect(error).toBeUndefined();
    expect(packets).toHaveLength(counts.reduce((a, b) => a + b, 0));
    const reassembler = new Ipv4Reassembler();
    const delivered: { payload: string; frames: number[] }[] = [];
    for (const packet of packets) {
      expect(packet.capturedLength).toBeLessThanOrEqual(1514);
      const frame = parseFrame(packet.linkType, packet.data)!;
      if (frame.fragment === null) {
        delivered.push({ payload: hex(frame.payload), frames: [packet.frame] });
        continue;
      }
      const whole = reassembler.push(packet.frame, frame, packet.tsSec);
      if (whole) {
        expect(whole.src.port).toBe(frame.fragment.offset === 0 ? frame.src.port : whole.src.port);
        delivered.push({ payload: hex(whole.payload), frames: whole.frames });
      }
    }
    expect(delivered.map((d) => d.payload)).toEqual(datagrams.map((d) => hex(d.payload)));
    expect(delivered[4]!.frames).toEqual([5, 6]);
    expect(reassembler.pending).toBe(0);
  });

  it("writes raw frames of another link type and truncates to the snaplen", () => {
    const writer = createCaptureWriter({ format: "pcap", linkType: LinkType.RAW, snaplen: 64 });
    const frame = new Uint8Array(100).fill(0x45, 0, 1);
    writer.writeFrame(frame, { tsSec: 5, tsNsec: 999_999_000 });
    const { packets, summary } = parseBytes(writer.bytes());
    expect(summary?.interfaces[0]).toMatchObject({ linkType: LinkType.RAW, snaplen: 64 });
    expect(packets[0]).toMatchObject({ linkType: LinkType.RAW, capturedLength: 64, originalLength: 100, tsSec: 5, tsNsec: 999_999_000 });
  });

  it("rejects bad writer input with TypeError/RangeError", () => {
    const writer = createCaptureWriter({ format: "pcap" });
    const d = sampleDatagrams(1)[0]!;
    expect(() => writer.writeDatagram({ ...d, src: { ip: "300.1.1.1", port: 1 } })).toThrow(TypeError);
    expect(() => writer.writeDatagram({ ...d, src: { ip: "::1", port: 1 } })).toThrow(TypeError);
    expect(() => writer.writeDatagram({ ...d, dst: { ip: "1.2.3.4", port: 70000 } })).toThrow(RangeError);
    expect(() => writer.writeDatagram({ ...d, payload: new Uint8Array(70000) })).toThrow(RangeError);
    expect(() => writer.writeDatagram({ ...d, tsNsec: 1e9 })).toThrow(RangeError);
    expect(() => writer.writeDatagram(d, 1)).toThrow(RangeError);
    expect(() => createCaptureWriter({ format: "pcap", mtu: 20 }).writeDatagram(d)).toThrow(RangeError);
  });
});
