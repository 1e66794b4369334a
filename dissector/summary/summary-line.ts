/**
 * The one-line summary of a packet, as tshark prints it: number, time relative to the first
 * packet, source, destination, message type and Info.
 */
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

/**
 * Formats summary lines as formatSummaryLine does, for a million lines a second: the padded
 * address and type columns are computed once per distinct value and reused.
 */
export class SummaryFormatter {
  /** Keyed by the endpoint object (shared per address by the capture layer) or its text. */
  private readonly padded = new Map<object | string, string>();
  private readonly types = new Map<string, string>();

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
