/**
 * `-z conv,udp` and `-z endpoints,udp` as tshark 4 prints them: one row per UDP conversation
 * (A is the source of its first datagram) or per endpoint (address and port), frames and bytes
 * on the wire each way, busiest first (most frames; ties in order of appearance).
 *
 * Bounded: at most MAX_ROWS conversations (endpoints) are kept; datagrams of those that come
 * later are counted on a last line instead of a row of their own.
 */
import type { UdpFrame } from "../../capture/parse-frame.js";
import type { CapturePacket } from "../../capture/packet.js";
import type { ReadFrame } from "../frame.js";
import { sizeText } from "./size-text.js";
import type { Tap } from "./tap.js";

/** Conversations (endpoints) kept at most. */
export const MAX_ROWS = 100_000;

const RULE = `${"=".repeat(80)}\n`;

interface Counts {
  order: number;
  /** A → B (A's transmissions) and B → A. */
  txFrames: number;
  txBytes: number;
  rxFrames: number;
  rxBytes: number;
  /** Nanoseconds since the first packet of the capture, of the first and last datagram. */
  first: number;
  last: number;
}

/** Shared by both taps: each UDP datagram once, with its wire length and time. */
abstract class UdpTap implements Tap {
  /** `maxRows`: conversations (endpoints) kept at most (tests make it small). */
  constructor(protected readonly maxRows = MAX_ROWS) {}

  private refSec = -1;
  private refNsec = 0;
  /** Datagrams past the bound of MAX_ROWS rows. */
  protected unlisted = 0;

  packet(p: CapturePacket, udp: UdpFrame | null): void {
    if (this.refSec < 0) {
      this.refSec = p.tsSec;
      this.refNsec = p.tsNsec;
    }
    // A fragment: counted once reassembled, on the frame of its last fragment (as tshark's UDP
    // tap sees it); only reassembled IMP datagrams get there (frame()).
    if (udp === null || udp.fragment !== null) return;
    this.datagram(udp.src.toString(), udp.dst.toString(), p.originalLength, this.time(p));
  }

  frame(f: ReadFrame): void {
    if (f.fragments) this.datagram(f.src.toString(), f.dst.toString(), f.packet.originalLength, this.time(f.packet));
  }

  private time(p: CapturePacket): number {
    return (p.tsSec - this.refSec) * 1e9 + (p.tsNsec - this.refNsec);
  }

  protected abstract datagram(src: string, dst: string, bytes: number, time: number): void;

  abstract render(): string;

  /** Rows by frames, most first; equal ones in order of appearance. */
  protected static busiestFirst<T extends { order: number }>(rows: Iterable<T>, frames: (r: T) => number): T[] {
    return [...rows].sort((a, b) => frames(b) - frames(a) || a.order - b.order);
  }

  protected countIn<K>(map: Map<K, Counts>, key: K, time: number): Counts | null {
    let c = map.get(key);
    if (c === undefined) {
      if (map.size >= this.maxRows) return null;
      c = { order: map.size, txFrames: 0, txBytes: 0, rxFrames: 0, rxBytes: 0, first: time, last: time };
      map.set(key, c);
    }
    if (time < c.first) c.first = time;
    if (time > c.last) c.last = time;
    return c;
  }

  protected unlistedLine(what: string): string {
    return this.unlisted > 0 ? `(${this.unlisted} datagrams of ${what} past the first ${this.maxRows} not listed)\n` : "";
  }
}

export class UdpConversationsTap extends UdpTap {
  /** By "A <-> B" in the order of the first datagram. */
  private readonly conversations = new Map<string, Counts & { a: string; b: string }>();

  protected datagram(src: string, dst: string, bytes: number, time: number): void {
    const key = src < dst ? `${src} ${dst}` : `${dst} ${src}`;
    const known = this.conversations.get(key);
    if (known === undefined && this.conversations.size >= this.maxRows) {
      this.unlisted++;
      return;
    }
    const c = known ?? {
      order: this.conversations.size,
      a: src,
      b: dst,
      txFrames: 0,
      txBytes: 0,
      rxFrames: 0,
      rxBytes: 0,
      first: time,
      last: time,
    };
    if (known === undefined) this.conversations.set(key, c);
    if (time < c.first) c.first = time;
    if (time > c.last) c.last = time;
    if (src === c.a) {
      c.txFrames++;
      c.txBytes += bytes;
    } else {
      c.rxFrames++;
      c.rxBytes += bytes;
    }
  }

  render(): string {
    let out = `${RULE}UDP Conversations\nFilter:<No Filter>\n`;
    const pad = " ".repeat(59);
    out += `${pad}|       <-      | |       ->      | |     Total     |    Relative    |   Duration   |\n`;
    out += `${pad}| Frames  Bytes | | Frames  Bytes | | Frames  Bytes |      Start     |              |\n`;
    for (const c of UdpTap.busiestFirst(this.conversations.values(), (r) => r.txFrames + r.rxFrames)) {
      const cell = (frames: number, bytes: number) => `${String(frames).padStart(6)} ${sizeText(bytes).padEnd(9)}`;
      out += `${c.a.padEnd(26)} <-> ${c.b.padEnd(26)}  ${cell(c.rxFrames, c.rxBytes)}  ${cell(c.txFrames, c.txBytes)}  `;
      out += `${cell(c.txFrames + c.rxFrames, c.txBytes + c.rxBytes)}  ${(c.first / 1e9).toFixed(9).padStart(14)}   ${((c.last - c.first) / 1e9).toFixed(4).padStart(12)}\n`;
    }
    return out + this.unlistedLine("other conversations") + RULE;
  }
}

export class UdpEndpointsTap extends UdpTap {
  private readonly endpoints = new Map<string, Counts & { ip: string; port: number }>();

  protected datagram(src: string, dst: string, bytes: number, time: number): void {
    const s = this.endpoint(src, time);
    if (s) {
      s.txFrames++;
      s.txBytes += bytes;
    }
    const d = this.endpoint(dst, time);
    if (d) {
      d.rxFrames++;
      d.rxBytes += bytes;
    }
    if (!s || !d) this.unlisted++;
  }

  private endpoint(text: string, time: number): (Counts & { ip: string; port: number }) | null {
    const known = this.endpoints.get(text);
    if (known) return known;
    const c = this.countIn(this.endpoints as Map<string, Counts>, text, time) as (Counts & { ip: string; port: number }) | null;
    if (c === null) return null;
    const colon = text.lastIndexOf(":");
    c.ip = text.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
    c.port = Number(text.slice(colon + 1));
    return c;
  }

  render(): string {
    let out = `${RULE}UDP Endpoints\nFilter:<No Filter>\n`;
    out += `${" ".repeat(23)}|  Port  ||  Packets  | |  Bytes  | | Tx Packets | | Tx Bytes | | Rx Packets | | Rx Bytes |\n`;
    for (const e of UdpTap.busiestFirst(this.endpoints.values(), (r) => r.txFrames + r.rxFrames)) {
      const n = (v: number, w: number) => String(v).padStart(w);
      out += `${e.ip.padEnd(20)}      ${n(e.port, 5)}     ${n(e.txFrames + e.rxFrames, 6)}     ${n(e.txBytes + e.rxBytes, 9)}     `;
      out += `${n(e.txFrames, 6)}       ${n(e.txBytes, 9)}      ${n(e.rxFrames, 6)}       ${n(e.rxBytes, 9)}   \n`;
    }
    return out + this.unlistedLine("other endpoints") + RULE;
  }
}
