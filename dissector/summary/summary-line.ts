/**
 * The one-line summary of a packet, as tshark prints it: number, time relative to the first
 * packet, source, destination, message type and Info.
 */
import { Buffer } from "node:buffer";
import type { Decoded } from "../../src/codec/message.js";
import { ACK_SPEC, messageSpec } from "../../src/protocol/messages.js";
import { typeName } from "../../src/protocol/fields.js";
import { infoText, type NameOf } from "./info.js";

/** Short type column: `Data`, `ACK Data`, `Reserved (0x15)`, `Malformed`. */
export function typeColumn(d: Decoded): string {
  const m = d.message;
  if (!m) return "Malformed";
  const spec = messageSpec(m.type);
  const short = spec ? spec.short : typeName(m.type);
  return m.ack ? `${ACK_SPEC.short} ${short}` : short;
}

/** Seconds since the first packet, 6 decimals. */
export function relativeTime(tsSec: number, tsNsec: number, firstSec: number, firstNsec: number): string {
  // Integer microseconds, formatted by hand: toFixed is a large share of a summary line's cost.
  let us = (tsSec - firstSec) * 1_000_000 + Math.round((tsNsec - firstNsec) / 1000);
  const sign = us < 0 ? "-" : "";
  if (us < 0) us = -us;
  const sec = Math.floor(us / 1_000_000);
  const frac = us - sec * 1_000_000;
  return `${sign}${sec}.${frac < 100000 ? String(frac).padStart(6, "0") : frac}`;
}

/** Info with malformed datagrams marked the way Wireshark marks them. */
export function summaryInfo(d: Decoded, nameOf?: NameOf): string {
  const m = d.message;
  if (!m) return `[Malformed: ${d.problems[0]?.text ?? "short datagram"}]`;
  let info = infoText(m, nameOf, d.layout !== null);
  for (const p of d.problems) {
    if (p.category === "malformed") {
      info += ` [Malformed: ${p.text}]`;
      break;
    }
  }
  return info;
}

export interface SummaryFields {
  frame: number;
  time: string;
  src: string;
  dst: string;
  type: string;
  info: string;
}

export function formatSummaryLine(s: SummaryFields): string {
  return `${String(s.frame).padStart(6)} ${s.time.padStart(11)} ${s.src.padEnd(21)} → ${s.dst.padEnd(21)} ${s.type.padEnd(12)} ${s.info}`;
}

/** A buffer that Node can encode a string into (Buffer#utf8Write, which Buffer has but does not type). */
export type Utf8Buffer = Buffer & { utf8Write(text: string, offset: number): number };

/**
 * Where SummaryFormatter.writeLine puts its bytes: a buffered output that lends its buffer.
 * `reserve(max)` makes room for up to `max` bytes at `used` (null once the output is closed);
 * `commit(end)` says where the bytes written end.
 */
export interface ByteTarget {
  reserve(max: number): Utf8Buffer | null;
  readonly used: number;
  commit(end: number): void;
}

const SPACE = 0x20;
/** The columns around the middle (addresses and type): frame (to 16 digits), time (to 20), spaces, newline. */
const FIXED_MAX = 16 + 1 + 20 + 1 + 1;

/** Writes `n` (a non-negative integer) right-aligned in `width` columns; returns the end. */
function putInt(buf: Uint8Array, at: number, n: number, width: number): number {
  let digits = 1;
  for (let p = 10; p <= n; p *= 10) digits++;
  for (let i = digits; i < width; i++) buf[at++] = SPACE;
  let end = at + digits;
  for (let i = end - 1; i >= at; i--) {
    buf[i] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  return end;
}

/**
 * Formats summary lines as formatSummaryLine does, for a million lines a second: the padded
 * address and type columns are computed once per distinct value and reused, and `writeLine`
 * encodes a line straight into the output's buffer (no line string to build and flatten).
 */
export class SummaryFormatter {
  /** Keyed by the endpoint object (shared per address by the capture layer) or its text. */
  private readonly padded = new Map<object | string, string>();
  private readonly types = new Map<string, string>();
  /** `source → destination type ` as bytes, by source, destination and type/ACK (bounded). */
  private readonly middles = new Map<object | string, Map<object | string, (Uint8Array | undefined)[]>>();
  private middleCount = 0;

  private middle(src: object | string, dst: object | string, d: Decoded): Uint8Array {
    let bySrc = this.middles.get(src);
    if (bySrc === undefined) {
      bySrc = new Map();
      this.middles.set(src, bySrc);
    }
    let byType = bySrc.get(dst);
    if (byType === undefined) {
      byType = [];
      bySrc.set(dst, byType);
    }
    const m = d.message;
    const key = m ? m.type * 2 + m.ack + 1 : 0;
    let b = byType[key];
    if (b === undefined) {
      if (++this.middleCount > 65536) {
        this.middles.clear();
        this.middleCount = 0;
      }
      b = Buffer.from(`${this.endpoint(src)} → ${this.endpoint(dst)} ${typeColumn(d).padEnd(12)} `, "utf8");
      byType[key] = b;
    }
    return b;
  }

  /**
   * The line `line()` makes, with the time given as the packet's and the first packet's
   * timestamps, encoded into `out`; false when the output is closed.
   */
  writeLine(
    out: ByteTarget,
    frame: number,
    tsSec: number,
    tsNsec: number,
    refSec: number,
    refNsec: number,
    src: object | string,
    dst: object | string,
    d: Decoded,
    info: string,
  ): boolean {
    const middle = this.middle(src, dst, d);
    const buf = out.reserve(FIXED_MAX + middle.length + info.length * 3);
    if (buf === null) return false;
    let at = out.used;
    at = putInt(buf, at, frame, 6);
    buf[at++] = SPACE;
    // The time as relativeTime() writes it: integer microseconds, 6 decimals, padded to 11.
    let us = (tsSec - refSec) * 1_000_000 + Math.round((tsNsec - refNsec) / 1000);
    const negative = us < 0;
    if (negative) us = -us;
    const sec = Math.floor(us / 1_000_000);
    const frac = us - sec * 1_000_000;
    let secDigits = 1;
    for (let p = 10; p <= sec; p *= 10) secDigits++;
    const timeWidth = (negative ? 1 : 0) + secDigits + 7;
    for (let i = timeWidth; i < 11; i++) buf[at++] = SPACE;
    if (negative) buf[at++] = 0x2d;
    at = putInt(buf, at, sec, 0);
    buf[at++] = 0x2e;
    let f = frac;
    for (let i = at + 5; i >= at; i--) {
      buf[i] = 0x30 + (f % 10);
      f = Math.floor(f / 10);
    }
    at += 6;
    buf[at++] = SPACE;
    buf.set(middle, at);
    at += middle.length;
    at += buf.utf8Write(info, at);
    buf[at++] = 0x0a;
    out.commit(at);
    return true;
  }

  private endpoint(e: object | string): string {
    let p = this.padded.get(e);
    if (p === undefined) {
      if (this.padded.size > 65536) this.padded.clear();
      p = String(e).padEnd(21);
      this.padded.set(e, p);
    }
    return p;
  }

  /** One line with its newline. */
  line(frame: number, time: string, src: object | string, dst: object | string, d: Decoded, info: string): string {
    const m = d.message;
    const key = m ? `${m.type}/${m.ack}` : "-";
    let type = this.types.get(key);
    if (type === undefined) {
      type = typeColumn(d).padEnd(12);
      this.types.set(key, type);
    }
    const f = String(frame);
    return `${f.length < 6 ? "      ".slice(f.length) + f : f} ${time.length < 11 ? "           ".slice(time.length) + time : time} ${this.endpoint(src)} → ${this.endpoint(dst)} ${type} ${info}\n`;
  }
}
