/**
 * Streaming keeps memory flat: reading a large generated capture (pcap and pcapng) grows RSS by
 * much less than the file size (see bench/capture.ts for 1M packets).
 */
import { statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createCaptureWriter, parseFrame, readCapture } from "../../dissector/capture/index.js";
import { tempDir } from "./helpers.js";

const PACKETS = 300_000;

describe("large files", () => {
  for (const format of ["pcap", "pcapng"] as const) {
    it(`${format}: ${PACKETS} packets read with RSS growth far below the file size`, async () => {
      const tmp = tempDir();
      try {
        const path = tmp.path(`large.${format}`);
        const writer = createCaptureWriter({ format, path, nanosecond: true });
        const payload = new Uint8Array(120).fill(0x61);
        for (let i = 0; i < PACKETS; i++) {
          writer.writeDatagram({
            tsSec: 1_700_000_000 + (i >> 12),
            tsNsec: i % 1_000_000,
            src: { ip: "10.0.0.1", port: 40000 },
            dst: { ip: "10.0.0.2", port: 1313 },
            payload,
          });
        }
        await writer.close();
        const size = statSync(path).size;
        expect(size).toBeGreaterThan(PACKETS * 170);
        const before = process.memoryUsage.rss();
        let peak = before;
        let bytes = 0;
        const summary = await readCapture(path, (packet) => {
          const frame = parseFrame(packet.linkType, packet.data);
          bytes += frame ? frame.payload.length : 0;
          if ((packet.frame & 0x3fff) === 0) peak = Math.max(peak, process.memoryUsage.rss());
        });
        expect(summary.packets).toBe(PACKETS);
        expect(bytes).toBe(PACKETS * 120);
        const growth = peak - before;
        expect(growth, `RSS grew by ${(growth / 2 ** 20).toFixed(1)} MiB for a ${(size / 2 ** 20).toFixed(1)} MiB file`).toBeLessThan(
          Math.min(size / 2, 32 * 2 ** 20),
        );
      } finally {
        tmp.cleanup();
      }
    });
  }
});
