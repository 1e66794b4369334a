/**
 * Decoding with a memory for header-only datagrams: an ACK is 5 bytes, and a capture holds few
 * distinct ones (type, Sequence, source and group repeat), yet half its datagrams are ACKs. Each
 * distinct 5-byte datagram is decoded once; its Decoded is frozen and shared (readers only read
 * it; a write would throw in strict mode rather than change other frames). Longer datagrams are
 * decoded each time.
 */
import { decode } from "../src/codec/decode.js";
import { HEADER_LENGTH } from "../src/protocol/fields.js";
import type { Decoded } from "../src/codec/message.js";

/** Distinct header-only datagrams remembered (then the memory starts afresh). */
const LIMIT = 4096;

function deepFreeze(d: Decoded): Decoded {
  if (d.message) Object.freeze(d.message);
  Object.freeze(d.problems);
  for (const p of d.problems) Object.freeze(p);
  return Object.freeze(d);
}

export class DecodeCache {
  private readonly headers = new Map<number, Decoded>();

  /** decode(bytes), from memory for a header-only datagram. */
  decode(bytes: Uint8Array): Decoded {
    return bytes.length === HEADER_LENGTH ? this.header(bytes, 0) : decode(bytes);
  }

  /** The Decoded of the 5 bytes at `at` of `bytes`, from memory or decoded now. */
  header(bytes: Uint8Array, at: number): Decoded {
    const key = bytes[at]! * 0x1_0000_0000 + (((bytes[at + 1]! << 24) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 8) | bytes[at + 4]!) >>> 0);
    let d = this.headers.get(key);
    if (d === undefined) {
      if (this.headers.size >= LIMIT) this.headers.clear();
      d = deepFreeze(decode(bytes.subarray(at, at + HEADER_LENGTH)));
      this.headers.set(key, d);
    }
    return d;
  }
}
