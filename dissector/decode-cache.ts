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

/** Whether `a` equals `b[start, start + a.length)`, compared four bytes at a time. */
function sameBytes(a: Uint8Array, b: Uint8Array, start: number): boolean {
  const n = a.length;
  const whole = n & ~3;
  let i = 0;
  for (; i < whole; i += 4) {
    const j = start + i;
    if (
      (a[i]! | (a[i + 1]! << 8) | (a[i + 2]! << 16) | (a[i + 3]! << 24)) !==
      (b[j]! | (b[j + 1]! << 8) | (b[j + 2]! << 16) | (b[j + 3]! << 24))
    )
      return false;
  }
  for (; i < n; i++) if (a[i] !== b[start + i]) return false;
  return true;
}

export class DecodeCache {
  private readonly entries = new Map<number, Entry>();
  private count = 0;

  /** decode(bytes[start, start + length)), from memory when the datagram was seen before. */
  decodeAt(bytes: Uint8Array, start: number, length: number): Decoded {
    if (length > CACHED_MAX_BYTES) return decode(bytes.subarray(start, start + length));
    // FNV-1a over the length and the bytes, four at a time (then byte by byte).
    let h = Math.imul(0x811c9dc5 ^ length, 0x01000193);
    const end = start + length;
    const whole = start + (length & ~3);
    let i = start;
    for (; i < whole; i += 4)
      h = Math.imul(h ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)), 0x01000193);
    for (; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    for (let e = this.entries.get(h); e !== undefined; e = e.next) {
      if (e.bytes.length === length && sameBytes(e.bytes, bytes, start)) return e.decoded;
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
