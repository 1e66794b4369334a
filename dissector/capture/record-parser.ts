/**
 * The contract between the chunking driver (capture-parser.ts) and a file-format parser.
 * A format parser consumes whole records from a byte range and stops in front of the first
 * record that is not complete yet, saying how many bytes it needs from there.
 */
import type { CaptureFormatError } from "./errors.js";
import type { CaptureInterface } from "./packet.js";

export interface RecordParser {
  readonly format: "pcap" | "pcapng";
  /**
   * Parses whole records in buf[pos, end); buf[0] is at file offset `base`, `view` covers buf.
   * Returns the position of the first unconsumed byte and sets `need`. Throws CaptureFormatError
   * on damage (after having delivered every packet before it).
   */
  parse(buf: Uint8Array, view: DataView, pos: number, end: number, base: number): number;
  /** Bytes needed, from the position parse returned, before it can make progress. */
  readonly need: number;
  /** The error for input that ends `remain` bytes into an incomplete record at `offset`. */
  truncated(remain: number, offset: number): CaptureFormatError;
  readonly byteOrder: "little" | "big";
  readonly packets: number;
  readonly interfaces: readonly CaptureInterface[];
}

/** Largest block or record accepted (Wireshark's limit as well): anything larger is damage. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

export function hex32(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, "0")}`;
}
