/**
 * Decoding with a memory for short datagrams. IMP repeats itself on the wire: every ACK is one
 * of a few 5-byte datagrams, and the server relays each group message to every member with the
 * same bytes (only the Sequence bit differs). Half a capture or more are such repeats, so each
 * distinct short datagram is decoded once: it is found again by a hash of its bytes, checked
 * byte for byte. Its Decoded is frozen and shared (readers only read it: a write would throw in
 * strict mode rather than change other frames) and decoded from a copy of the bytes, so its
 * payload view never points into a reader's reused buffer.
 */
import { decode } from "../src/codec/decode.js";
import type { Decoded } from "../src/codec/message.js";

/** Datagrams up to this long are remembered. */
export const CACHED_MAX_BYTES = 64;
/** Distinct datagrams remembered (then the memory starts afresh). */
const LIMIT = 8192;

interface Entry {
  readonly bytes: Uint8Array;
  readonly decoded: Decoded;
  /** Next entry with the same hash. */
  next: Entry | undefined;
}

function deepFreeze(d: Decoded): Decoded {
  const m = d.message;
  if (m) {
    for (const v of Object.values(m)) if (Array.isArray(v)) Object.freeze(v);
    Object.freeze(m);
  }
  for (const p of d.problems) Object.freeze(p);
  Object.freeze(d.problems);
  return Object.freeze(d);
}

export class DecodeCache {
  private readonly entries = new Map<number, Entry>();
  private count = 0;

  /** decode(bytes[start, start + length)), from memory when the datagram was seen before. */
  decodeAt(bytes: Uint8Array, start: number, length: number): Decoded {
    if (length > CACHED_MAX_BYTES) return decode(bytes.subarray(start, start + length));
    // FNV-1a over the bytes and the length.
    let h = 0x811c9dc5 ^ length;
    const end = start + length;
    for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    const first = this.entries.get(h);
    for (let e = first; e !== undefined; e = e.next) {
      const b = e.bytes;
      if (b.length !== length) continue;
      let same = true;
      for (let i = 0; i < length; i++) {
        if (b[i] !== bytes[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return e.decoded;
    }
    if (this.count >= LIMIT) {
      this.entries.clear();
      this.count = 0;
    }
    const copy = bytes.slice(start, end);
    const entry: Entry = { bytes: copy, decoded: deepFreeze(decode(copy)), next: this.entries.get(h) };
    this.entries.set(h, entry);
    this.count++;
    return entry.decoded;
  }

  /** decode(bytes), from memory when the datagram was seen before. */
  decode(bytes: Uint8Array): Decoded {
    return this.decodeAt(bytes, 0, bytes.length);
  }
}
