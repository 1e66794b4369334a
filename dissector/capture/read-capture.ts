/**
 * Convenience reader over a path or a stream (stdin, a socket, any async iterable of bytes):
 * reads in large chunks into the push parser; no per-packet promise.
 */
import { Buffer } from "node:buffer";
import { open } from "node:fs/promises";
import { CaptureParser } from "./capture-parser.js";
import type { CaptureSummary, PacketHandler } from "./packet.js";

export interface ReadCaptureOptions {
  /** Read size for a path, in bytes (default 1 MiB). The buffer is reused between reads. */
  chunkSize?: number;
}

export type CaptureSource = string | AsyncIterable<Uint8Array | string>;

const DEFAULT_CHUNK = 1024 * 1024;

/**
 * Streams a capture file through `onPacket` (synchronously, once per packet, in order).
 * Resolves with the summary. On damage it rejects with CaptureFormatError after every good
 * packet before the damage was delivered; file-system errors and errors thrown by `onPacket`
 * reject unchanged.
 */
export async function readCapture(
  source: CaptureSource,
  onPacket: PacketHandler,
  options: ReadCaptureOptions = {},
): Promise<CaptureSummary> {
  const parser = new CaptureParser(onPacket);
  if (typeof source === "string") {
    const chunkSize = Math.max(4096, options.chunkSize ?? DEFAULT_CHUNK);
    const file = await open(source, "r");
    try {
      const buffer = new Uint8Array(chunkSize);
      for (;;) {
        const { bytesRead } = await file.read(buffer, 0, chunkSize, null);
        if (bytesRead === 0) break;
        parser.push(buffer.subarray(0, bytesRead));
      }
    } finally {
      await file.close();
    }
  } else {
    for await (const chunk of source) {
      parser.push(typeof chunk === "string" ? Buffer.from(chunk, "latin1") : chunk);
    }
  }
  return parser.end();
}
