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

/** "00" to "99": the ASCII digits of i at 2i and 2i + 1 (numbers are written two digits a step). */
const PAIRS = Uint8Array.from({ length: 200 }, (_, i) => 0x30 + (i & 1 ? (i >> 1) % 10 : Math.floor((i >> 1) / 10)));

/** "000" to "999": the ASCII digits of i at 3i, 3i + 1, 3i + 2 (for the microseconds). */
const TRIPLES = Uint8Array.from({ length: 3000 }, (_, k) => {
  const i = Math.floor(k / 3);
  const digit = k % 3 === 0 ? Math.floor(i / 100) : k % 3 === 1 ? Math.floor(i / 10) % 10 : i % 10;
  return 0x30 + digit;
});

/** Number of decimal digits of `n` (a non-negative integer). */
function digitsOf(n: number): number {
  let digits = 1;
  for (let p = 10; p <= n; p *= 10) digits++;
  return digits;
}

/** Writes the `digits` last decimal digits of `n` (a non-negative integer) to buf[end - digits, end). */
function putDigits(buf: Uint8Array, end: number, n: number, digits: number): void {
  let i = end;
  const stop = end - digits;
  while (i - stop >= 2) {
    const q = n < 0x80000000 ? (n / 100) | 0 : Math.floor(n / 100);
    const r = (n - q * 100) * 2;
    buf[--i] = PAIRS[r + 1]!;
    buf[--i] = PAIRS[r]!;
    n = q;
  }
  if (i > stop) buf[--i] = 0x30 + (n % 10);
}

/** Writes `n` (a non-negative integer) right-aligned in `width` columns; returns the end. */
function putInt(buf: Uint8Array, at: number, n: number, width: number): number {
  const digits = digitsOf(n);
  for (let i = digits; i < width; i++) buf[at++] = SPACE;
  putDigits(buf, at + digits, n, digits);
  return at + digits;
}

/**
 * The start of a line (frame number, time, spaces) as the last line left it: consecutive lines
 * have consecutive frame numbers and mostly the same whole second, so the number is counted up
 * in place and the seconds are reused; only the microseconds are written anew each time.
 */
class LineHead {
  /** The frame number padded to 6, and a space. */
  private readonly number = new Uint8Array(24);
  private numberLength = 0;
  private lastFrame = -2;
  /** The time up to its decimal point, padded, with its sign. */
  private readonly seconds = new Uint8Array(32);
  private secondsLength = 0;
  private lastSeconds = Number.NaN;

  /**
   * Writes the frame number, the time as relativeTime() writes it (integer microseconds, 6
   * decimals, padded to 11) and the middle columns at buf[at]; returns the end.
   */
  write(
    buf: Uint8Array,
    at: number,
    frame: number,
    tsSec: number,
    tsNsec: number,
    refSec: number,
    refNsec: number,
    middle: Uint8Array,
  ): number {
    if (frame !== this.lastFrame) {
      if (frame !== this.lastFrame + 1 || !this.countUp()) {
        this.numberLength = putInt(this.number, 0, frame, 6);
        this.number[this.numberLength++] = SPACE;
      }
      this.lastFrame = frame;
    }
    const number = this.number;
    for (let i = 0; i < this.numberLength; i++) buf[at++] = number[i]!;
    // Integer microseconds since the reference, as whole seconds and the microseconds within.
    let sec = tsSec - refSec;
    let frac = Math.round((tsNsec - refNsec) / 1000);
    if (frac < 0) {
      frac += 1_000_000;
      sec -= 1;
    } else if (frac >= 1_000_000) {
      frac -= 1_000_000;
      sec += 1;
    }
    let negative = false;
    if (sec < 0) {
      // Before the reference: the magnitude of the whole time, with a minus sign.
      const us = -(sec * 1_000_000 + frac);
      negative = true;
      sec = Math.floor(us / 1_000_000);
      frac = us - sec * 1_000_000;
    }
    const key = negative ? -1 - sec : sec;
    if (key !== this.lastSeconds) this.setSeconds(key, negative, sec);
    const seconds = this.seconds;
    for (let i = 0; i < this.secondsLength; i++) buf[at++] = seconds[i]!;
    const high = ((frac / 1000) | 0) * 3;
    const low = (frac - (high / 3) * 1000) * 3;
    buf[at] = TRIPLES[high]!;
    buf[at + 1] = TRIPLES[high + 1]!;
    buf[at + 2] = TRIPLES[high + 2]!;
    buf[at + 3] = TRIPLES[low]!;
    buf[at + 4] = TRIPLES[low + 1]!;
    buf[at + 5] = TRIPLES[low + 2]!;
    at += 6;
    buf[at++] = SPACE;
    buf.set(middle, at);
    return at + middle.length;
  }

  /** Adds one to the number in place; false when it needs a wider field (then it is rewritten). */
  private countUp(): boolean {
    const number = this.number;
    for (let i = this.numberLength - 2; i >= 0; i--) {
      const c = number[i]!;
      if (c === 0x39) {
        number[i] = 0x30;
        continue;
      }
      if (c === SPACE) {
        number[i] = 0x31;
        return true;
      }
      number[i] = c + 1;
      return true;
    }
    return false;
  }

  private setSeconds(key: number, negative: boolean, sec: number): void {
    const digits = digitsOf(sec);
    let at = 0;
    for (let i = (negative ? 1 : 0) + digits + 7; i < 11; i++) this.seconds[at++] = SPACE;
    if (negative) this.seconds[at++] = 0x2d;
    putDigits(this.seconds, at + digits, sec, digits);
    at += digits;
    this.seconds[at++] = 0x2e;
    this.secondsLength = at;
    this.lastSeconds = key;
  }
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
  private readonly head = new LineHead();

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
    let at = this.head.write(buf, out.used, frame, tsSec, tsNsec, refSec, refNsec, middle);
    at += buf.utf8Write(info, at);
    buf[at++] = 0x0a;
    out.commit(at);
    return true;
  }

  /**
   * What follows the time in writeLine's line, as bytes: the middle columns, the Info and the
   * newline (a reader that sees the same datagram between the same endpoints again keeps it).
   */
  tail(src: object | string, dst: object | string, d: Decoded, info: Uint8Array): Uint8Array {
    const middle = this.middle(src, dst, d);
    const tail = new Uint8Array(middle.length + info.length + 1);
    tail.set(middle, 0);
    tail.set(info, middle.length);
    tail[tail.length - 1] = 0x0a;
    return tail;
  }

  /** writeLine with all that follows the time given as bytes by `tail()`. */
  writeLineTail(out: ByteTarget, frame: number, tsSec: number, tsNsec: number, refSec: number, refNsec: number, tail: Uint8Array): boolean {
    const buf = out.reserve(FIXED_MAX + tail.length);
    if (buf === null) return false;
    out.commit(this.head.write(buf, out.used, frame, tsSec, tsNsec, refSec, refNsec, tail));
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
