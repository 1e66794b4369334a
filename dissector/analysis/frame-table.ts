/**
 * What the analysis keeps of each frame: a few numbers in typed-array columns indexed by frame
 * number (type, S, A, conversation, length, time, first-pass and later flags, and the frames it
 * points at). Nothing of a frame's bytes or decoded message is kept. The first-pass flags are
 * set when the frame is added and never change; the later flags (`flagsL`) are written back as
 * later frames teach something about it (unacked, forced, no response, invitation time-out).
 */
import { type Column, FRAME_CHUNK_BITS, float64, int32, uint8, uint16 } from "./columns.js";

// Per-frame info bits.
export const I_PRESENT = 0x100;
/** No message at all. */
export const I_MALFORMED = 0x200;
/** A conforming receiver drops it: not analysed. */
export const I_DROPPED = 0x400;
export const I_ACK = 0x40;
export const I_SEQ = 0x20;
export const I_TYPE = 0x1f;

// Per-frame flags (first-pass column and later column).
export const F_RETX = 1;
export const F_SPURIOUS = 2;
export const F_DUPACK = 4;
export const F_STALE = 8;
export const F_SEQNF = 16;
export const F_UNACKED = 32;
export const F_FORCED = 64;
export const F_NORESP = 128;
export const F_INVTIMEOUT = 256;
export const F_LATE = 512;
export const F_CONNECTED = 1024;
export const F_REJECTED = 2048;

/** The first-pass notes the summary marks in Info: known once the frame is added. */
export const F_FIRST_NOTES = F_RETX | F_SPURIOUS | F_DUPACK | F_STALE | F_SEQNF | F_LATE;

export class FrameTable {
  readonly info: Column<Uint16Array>;
  readonly conv: Column<Int32Array>;
  /** Datagram length (clamped to 65 535). */
  readonly len: Column<Uint16Array>;
  readonly time: Column<Float64Array>;
  /** Flags known when the frame was added. */
  readonly flags0: Column<Uint16Array>;
  /** Flags later frames taught (final view). */
  readonly flagsL: Column<Uint16Array>;
  readonly ackTo: Column<Int32Array>;
  readonly ackedIn: Column<Int32Array>;
  readonly retxOf: Column<Int32Array>;
  readonly txNum: Column<Uint8Array>;
  readonly dupOf: Column<Int32Array>;
  readonly dupNum: Column<Uint8Array>;
  readonly responseTo: Column<Int32Array>;
  readonly responseIn: Column<Int32Array>;
  /** seq_not_flipped: previous message; late_answer: the timed-out invitation. */
  readonly aux: Column<Int32Array>;

  /** Highest frame number added, and how many were. */
  last = 0;
  count = 0;
  /** Frames up to this one were forgotten (retention.ts): they read as absent. */
  floor = 0;

  constructor(bits = FRAME_CHUNK_BITS) {
    this.info = uint16(bits);
    this.conv = int32(0, bits);
    this.len = uint16(bits);
    this.time = float64(bits);
    this.flags0 = uint16(bits);
    this.flagsL = uint16(bits);
    this.ackTo = int32(0, bits);
    this.ackedIn = int32(0, bits);
    this.retxOf = int32(0, bits);
    this.txNum = uint8(0, bits);
    this.dupOf = int32(0, bits);
    this.dupNum = uint8(0, bits);
    this.responseTo = int32(0, bits);
    this.responseIn = int32(0, bits);
    this.aux = int32(0, bits);
  }

  has(frame: number): boolean {
    return (this.info.get(frame) & I_PRESENT) !== 0;
  }

  /** `frame` answers the request (or acknowledges the message) in `orig`: both ways, the first answer kept. */
  respond(frame: number, orig: number): void {
    this.responseTo.set(frame, orig);
    if (this.responseIn.get(orig) === 0) this.responseIn.set(orig, frame);
  }

  acknowledge(frame: number, orig: number): void {
    this.ackTo.set(frame, orig);
    if (this.ackedIn.get(orig) === 0) this.ackedIn.set(orig, frame);
  }

  private get columns(): readonly Column<Int32Array | Uint16Array | Uint8Array | Float64Array>[] {
    return [
      this.info,
      this.conv,
      this.len,
      this.time,
      this.flags0,
      this.flagsL,
      this.ackTo,
      this.ackedIn,
      this.retxOf,
      this.txNum,
      this.dupOf,
      this.dupNum,
      this.responseTo,
      this.responseIn,
      this.aux,
    ];
  }

  /** Forgets every frame up to `frame` (their chunks are released). */
  forgetThrough(frame: number): void {
    if (frame <= this.floor) return;
    this.floor = frame;
    for (const c of this.columns) c.forgetBelow(frame + 1);
  }

  get bytes(): number {
    let n = 0;
    for (const c of this.columns) n += c.bytes;
    return n;
  }
}
