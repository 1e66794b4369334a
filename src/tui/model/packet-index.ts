/**
 * The packet index: one row per IMP datagram, held in typed-array columns (about 40 bytes a
 * row), never a decoded tree. Rows are 0-based in capture order; frame numbers are the capture's.
 */
import type { Endpoint } from "../../../dissector/capture/endpoint.js";
import type { Decoded } from "../../codec/message.js";
import { SEVERITY_RANK } from "../../protocol/problems.js";
import { f64, i32, u16, u32, u8 } from "./columns.js";

/** type column: the 5-bit type, ACK bit and "no message" (shorter than a header). */
export const TYPE_MASK = 0x1f;
export const TYPE_ACK = 0x20;
export const TYPE_NONE = 0x80;

/** flags column. */
export const FLAG_CODEC_SEV = 0x07; // codec problems: 0 none, else SEVERITY_RANK + 1
export const FLAG_ANALYSIS_SHIFT = 3; // analysis experts: 0 not known yet, 1 none, else SEVERITY_RANK + 2 (3 bits)
export const FLAG_ANALYSIS_SEV = 0x07 << FLAG_ANALYSIS_SHIFT;
export const FLAG_SIDE = 0x40; // payload kept in the side store (reassembled, or not re-readable)
export const FLAG_MALFORMED = 0x80;

export interface IndexedDatagram {
  frame: number;
  tsSec: number;
  tsNsec: number;
  src: Endpoint;
  dst: Endpoint;
  decoded: Decoded;
  /** Where the payload is: a file offset or an arena offset, per the store. */
  ref: number;
  length: number;
  frameLength: number;
  side: boolean;
}

export class PacketIndex {
  count = 0;
  firstSec = 0;
  firstNsec = 0;
  private readonly frames = i32();
  private readonly tsSec = u32();
  private readonly tsNsec = u32();
  private readonly refs = f64();
  private readonly lengths = u16();
  private readonly frameLengths = u32();
  private readonly types = u8();
  private readonly flagsCol = u8();
  private readonly srcs = i32();
  private readonly dsts = i32();
  private readonly srcIds = u8();
  private readonly groups = u8();
  /** Distinct endpoints: IPv4 endpoints are shared objects, so identity finds them. */
  readonly endpoints: Endpoint[] = [];
  private readonly endpointIds = new Map<Endpoint | string, number>();

  private endpointId(e: Endpoint): number {
    let id = this.endpointIds.get(e);
    if (id !== undefined) return id;
    const key = e.toString();
    id = this.endpointIds.get(key);
    if (id === undefined) {
      id = this.endpoints.length;
      this.endpoints.push(e);
      this.endpointIds.set(key, id);
    }
    if (this.endpointIds.size < 1 << 20) this.endpointIds.set(e, id);
    return id;
  }

  append(d: IndexedDatagram): number {
    const row = this.count;
    if (row === 0) {
      this.firstSec = d.tsSec;
      this.firstNsec = d.tsNsec;
    }
    const m = d.decoded.message;
    let sev = 0;
    let malformed = false;
    for (const p of d.decoded.problems) {
      sev = Math.max(sev, SEVERITY_RANK[p.severity] + 1);
      if (p.category === "malformed") malformed = true;
    }
    this.frames.set(row, d.frame);
    this.tsSec.set(row, d.tsSec);
    this.tsNsec.set(row, d.tsNsec);
    this.refs.set(row, d.ref);
    this.lengths.set(row, d.length);
    this.frameLengths.set(row, d.frameLength);
    this.types.set(row, m ? (m.type & TYPE_MASK) | (m.ack ? TYPE_ACK : 0) : TYPE_NONE);
    this.flagsCol.set(row, sev | (d.side ? FLAG_SIDE : 0) | (malformed || !m ? FLAG_MALFORMED : 0));
    this.srcs.set(row, this.endpointId(d.src));
    this.dsts.set(row, this.endpointId(d.dst));
    this.srcIds.set(row, m ? m.src : 0);
    this.groups.set(row, m ? m.group : 0);
    this.count = row + 1;
    return row;
  }

  frame(row: number): number {
    return this.frames.get(row);
  }
  sec(row: number): number {
    return this.tsSec.get(row);
  }
  nsec(row: number): number {
    return this.tsNsec.get(row);
  }
  /** Seconds since the first datagram. */
  relTime(row: number): number {
    return this.tsSec.get(row) - this.firstSec + (this.tsNsec.get(row) - this.firstNsec) / 1e9;
  }
  ref(row: number): number {
    return this.refs.get(row);
  }
  length(row: number): number {
    return this.lengths.get(row);
  }
  frameLength(row: number): number {
    return this.frameLengths.get(row);
  }
  type(row: number): number {
    return this.types.get(row);
  }
  flags(row: number): number {
    return this.flagsCol.get(row);
  }
  /** `code`: 1 when the analysis found nothing, else SEVERITY_RANK + 2. */
  setAnalysisSeverity(row: number, code: number): void {
    const f = this.flagsCol.get(row) & ~FLAG_ANALYSIS_SEV;
    this.flagsCol.set(row, f | (Math.min(7, code) << FLAG_ANALYSIS_SHIFT));
  }
  /** True once the analysis pass marked the row. */
  analysisKnown(row: number): boolean {
    return (this.flagsCol.get(row) & FLAG_ANALYSIS_SEV) !== 0;
  }
  /** Highest expert severity of the row (codec or analysis): -1 none, else SEVERITY_RANK. */
  severity(row: number): number {
    const f = this.flagsCol.get(row);
    const a = (f & FLAG_ANALYSIS_SEV) >> FLAG_ANALYSIS_SHIFT;
    return Math.max(f & FLAG_CODEC_SEV, a > 0 ? a - 1 : 0) - 1;
  }
  src(row: number): Endpoint {
    return this.endpoints[this.srcs.get(row)]!;
  }
  dst(row: number): Endpoint {
    return this.endpoints[this.dsts.get(row)]!;
  }
  srcId(row: number): number {
    return this.srcIds.get(row);
  }
  group(row: number): number {
    return this.groups.get(row);
  }

  /** Row of a frame number (binary search; frames increase), or -1. */
  rowOfFrame(frame: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.frames.get(mid) < frame) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.count && this.frames.get(lo) === frame ? lo : -1;
  }

  /** Row of the first frame >= `frame` (for go-to on a frame that is not IMP). */
  rowAtOrAfter(frame: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.frames.get(mid) < frame) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  bytes(): number {
    return [this.frames, this.tsSec, this.tsNsec, this.refs, this.lengths, this.frameLengths, this.types, this.flagsCol, this.srcs, this.dsts, this.srcIds, this.groups]
      .reduce((n, c) => n + c.bytes(), 0);
  }
}
