/**
 * The packet index: one row per IMP datagram, held in typed-array columns (38 bytes a row),
 * never a decoded tree. Rows are 0-based in capture order; frame numbers are the capture's.
 */
import type { Endpoint } from "../../../dissector/capture/endpoint.js";
import type { Decoded } from "../../codec/message.js";
import { SEVERITY_RANK } from "../../protocol/problems.js";

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

const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

/** 65 536 rows: one typed array per column (monomorphic accesses, nothing copied when growing). */
class Chunk {
  readonly frames = new Int32Array(CHUNK);
  readonly tsSec = new Uint32Array(CHUNK);
  readonly tsNsec = new Uint32Array(CHUNK);
  readonly refs = new Float64Array(CHUNK);
  readonly lengths = new Uint16Array(CHUNK);
  readonly frameLengths = new Uint32Array(CHUNK);
  readonly types = new Uint8Array(CHUNK);
  readonly flags = new Uint8Array(CHUNK);
  readonly srcIds = new Uint8Array(CHUNK);
  readonly groups = new Uint8Array(CHUNK);
  readonly srcs = new Int32Array(CHUNK);
  readonly dsts = new Int32Array(CHUNK);
  static readonly BYTES = CHUNK * (4 + 4 + 4 + 8 + 2 + 4 + 1 + 1 + 1 + 1 + 4 + 4);
}

export class PacketIndex {
  count = 0;
  firstSec = 0;
  firstNsec = 0;
  private readonly chunks: Chunk[] = [];
  /** Distinct endpoints: IPv4 endpoints are shared objects, so identity finds them. */
  readonly endpoints: Endpoint[] = [];
  private readonly endpointIds = new Map<Endpoint | string, number>();
  private lastSrc: Endpoint | null = null;
  private lastSrcId = 0;
  private lastDst: Endpoint | null = null;
  private lastDstId = 0;

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

  private chunk(row: number): Chunk {
    return this.chunks[row >>> CHUNK_BITS]!;
  }

  append(d: IndexedDatagram): number {
    const row = this.count;
    if (row === 0) {
      this.firstSec = d.tsSec;
      this.firstNsec = d.tsNsec;
    }
    if ((row & MASK) === 0) this.chunks.push(new Chunk());
    const c = this.chunks[row >>> CHUNK_BITS]!;
    const i = row & MASK;
    const m = d.decoded.message;
    let sev = 0;
    let malformed = false;
    const problems = d.decoded.problems;
    for (let k = 0; k < problems.length; k++) {
      const p = problems[k]!;
      sev = Math.max(sev, SEVERITY_RANK[p.severity] + 1);
      if (p.category === "malformed") malformed = true;
    }
    if (d.src !== this.lastSrc) {
      this.lastSrc = d.src;
      this.lastSrcId = this.endpointId(d.src);
    }
    if (d.dst !== this.lastDst) {
      this.lastDst = d.dst;
      this.lastDstId = this.endpointId(d.dst);
    }
    c.frames[i] = d.frame;
    c.tsSec[i] = d.tsSec;
    c.tsNsec[i] = d.tsNsec;
    c.refs[i] = d.ref;
    c.lengths[i] = d.length;
    c.frameLengths[i] = d.frameLength;
    c.types[i] = m ? (m.type & TYPE_MASK) | (m.ack ? TYPE_ACK : 0) : TYPE_NONE;
    c.flags[i] = sev | (d.side ? FLAG_SIDE : 0) | (malformed || !m ? FLAG_MALFORMED : 0);
    c.srcs[i] = this.lastSrcId;
    c.dsts[i] = this.lastDstId;
    c.srcIds[i] = m ? m.src : 0;
    c.groups[i] = m ? m.group : 0;
    this.count = row + 1;
    return row;
  }

  frame(row: number): number {
    return this.chunk(row).frames[row & MASK]!;
  }
  sec(row: number): number {
    return this.chunk(row).tsSec[row & MASK]!;
  }
  nsec(row: number): number {
    return this.chunk(row).tsNsec[row & MASK]!;
  }
  /** Seconds since the first datagram. */
  relTime(row: number): number {
    const c = this.chunk(row);
    return c.tsSec[row & MASK]! - this.firstSec + (c.tsNsec[row & MASK]! - this.firstNsec) / 1e9;
  }
  ref(row: number): number {
    return this.chunk(row).refs[row & MASK]!;
  }
  length(row: number): number {
    return this.chunk(row).lengths[row & MASK]!;
  }
  frameLength(row: number): number {
    return this.chunk(row).frameLengths[row & MASK]!;
  }
  type(row: number): number {
    return this.chunk(row).types[row & MASK]!;
  }
  flags(row: number): number {
    return this.chunk(row).flags[row & MASK]!;
  }
  /** `code`: 1 when the analysis found nothing, else SEVERITY_RANK + 2. */
  setAnalysisSeverity(row: number, code: number): void {
    const c = this.chunk(row);
    const f = c.flags[row & MASK]! & ~FLAG_ANALYSIS_SEV;
    c.flags[row & MASK] = f | (Math.min(7, code) << FLAG_ANALYSIS_SHIFT);
  }
  /** True once the analysis pass marked the row. */
  analysisKnown(row: number): boolean {
    return (this.flags(row) & FLAG_ANALYSIS_SEV) !== 0;
  }
  /** Highest expert severity of the row (codec or analysis): -1 none, else SEVERITY_RANK. */
  severity(row: number): number {
    const f = this.flags(row);
    const a = (f & FLAG_ANALYSIS_SEV) >> FLAG_ANALYSIS_SHIFT;
    return Math.max(f & FLAG_CODEC_SEV, a > 0 ? a - 1 : 0) - 1;
  }
  src(row: number): Endpoint {
    return this.endpoints[this.chunk(row).srcs[row & MASK]!]!;
  }
  dst(row: number): Endpoint {
    return this.endpoints[this.chunk(row).dsts[row & MASK]!]!;
  }
  srcId(row: number): number {
    return this.chunk(row).srcIds[row & MASK]!;
  }
  group(row: number): number {
    return this.chunk(row).groups[row & MASK]!;
  }

  /** Row of a frame number (binary search; frames increase), or -1. */
  rowOfFrame(frame: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.frame(mid) < frame) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.count && this.frame(lo) === frame ? lo : -1;
  }

  /** Row of the first frame >= `frame` (for go-to on a frame that is not IMP). */
  rowAtOrAfter(frame: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.frame(mid) < frame) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  bytes(): number {
    return this.chunks.length * Chunk.BYTES;
  }
}
