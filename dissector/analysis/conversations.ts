/**
 * ARQ state of every conversation (one direction: sender address -> receiver address) as a
 * struct of typed-array columns indexed by conversation number (plain arrays, doubled when full:
 * read and written by index, the hottest state of the analysis): about 50 bytes a conversation
 * plus its map entry, so that even a capture where every datagram comes from a new address stays
 * well under 200 bytes a frame. Each conversation keeps only the last message its sender sent.
 */
import { NumberIndex } from "./number-index.js";

// States of the last message of a conversation.
/** A type column's value when there is no message: past the 5-bit type codes. */
export const NO_TYPE = 255;

export const S_NONE = 0;
export const S_OUTSTANDING = 1;
export const S_SETTLED = 2;
/** Needs no ACK (Connection Reject). */
export const S_NOACK = 3;
/** All transmissions unanswered: the sender discarded it. */
export const S_GONE = 4;

// Flags.
/** 1 + retries transmissions seen and no answer yet: a forced disconnection unless answered in time. */
export const C_FORCED_PENDING = 1;
/** The next message may carry any S (a fresh session after a Connection Request). */
export const C_FRESH = 2;

/**
 * A message its sender moved on from while it still awaited its ACK (the 2017 implementation
 * keeps more than one outstanding per link), or acknowledged a moment ago: kept so that a later
 * retransmission of it, its late ACK, or a duplicate ACK is recognised.
 */
export interface EarlierMessage {
  readonly orig: number;
  readonly type: number;
  readonly seq: number;
  readonly fp: number;
  state: number;
  tx: number;
  lastTxFrame: number;
  lastTxTime: number;
  settledBy: number;
  dupAcks: number;
  readonly txn: number;
  forcedPending: boolean;
}

/** Earlier messages kept per conversation (the oldest is given up when one more comes). */
export const MAX_EARLIER = 8;

/** Room for 2^26 endpoints in a numeric key. */
const KEY_SCALE = 0x4000000;

export class ConversationTable {
  private readonly keys = new NumberIndex();
  /** Rows in use or freed (the columns' high-water mark). */
  count = 0;
  /** Rows of forgotten conversations, taken again before new ones. */
  private readonly free: number[] = [];
  /**
   * With rows taken again (retention.ts) only: the order of appearance of each row's conversation
   * (`imp.analysis.conversation`; otherwise the row itself) and its last frame (any datagram).
   * Not kept otherwise: a capture from ever-new addresses pays nothing for them.
   */
  serial: Int32Array | null = null;
  seen: Int32Array | null = null;
  private nextSerial = 0;
  /** Room in the columns (they grow by doubling; new rows take each column's fill value). */
  private capacity = 0;
  /** Sender and receiver endpoint ids. */
  a: Int32Array = new Int32Array(0);
  b: Int32Array = new Int32Array(0);
  /** Reverse conversation, or -1. */
  rev: Int32Array = new Int32Array(0);
  state: Uint8Array = new Uint8Array(0);
  /** Frame of the original transmission of the last message. */
  orig: Int32Array = new Int32Array(0);
  /** Type of the last message (NO_TYPE: none yet). */
  type: Uint8Array = new Uint8Array(0);
  seq: Uint8Array = new Uint8Array(0);
  /**
   * Sequence and frame of the last message that moved the link's Sequence on (255: none). A
   * Connection Accept sent again for a retransmitted Connection Request does not: it is the first
   * Accept's bytes, outside the flow of the link (WIRE.md section 5).
   */
  linkSeq: Uint8Array = new Uint8Array(0);
  linkOrig: Int32Array = new Int32Array(0);
  /** Fingerprint of the last response (User List Response, ...) that moved the link on. */
  respFp: Int32Array = new Int32Array(0);
  /**
   * A message outside the link's flow (a Connection Request from a connected client, the Accept
   * sent again for it, a response sent again for a duplicate request): it leaves the link's last
   * message as it is, and is kept here until its ACK or response (type NO_TYPE: none).
   */
  sideFrame: Int32Array = new Int32Array(0);
  sideType: Uint8Array = new Uint8Array(0);
  sideSeq: Uint8Array = new Uint8Array(0);
  sideTxn: Int32Array = new Int32Array(0);

  /** Fingerprint of the last message (as a signed 32-bit number). */
  fp: Int32Array = new Int32Array(0);
  /** Transmissions of the last message. */
  tx: Uint16Array = new Uint16Array(0);
  lastTxFrame: Int32Array = new Int32Array(0);
  lastTxTime: Float64Array = new Float64Array(0);
  /** Frame that settled the last message (first ACK, or the implicit response). */
  settledBy: Int32Array = new Int32Array(0);
  dupAcks: Uint16Array = new Uint16Array(0);
  /** Transaction whose request is the last message (connect, list, invite), or -1. */
  txn: Int32Array = new Int32Array(0);
  flags: Uint8Array = new Uint8Array(0);
  /** Earlier messages per conversation, oldest first (few: most links have none). */
  readonly earlier = new Map<number, EarlierMessage[]>();

  /** Conversation number of (a -> b), created on first sight. */
  get(a: number, b: number): number {
    const key = a * KEY_SCALE + b;
    let c = this.keys.get(key);
    if (c < 0) {
      c = this.free.pop() ?? this.count++;
      if (c >= this.capacity) this.grow();
      this.keys.set(key, c);
      if (this.serial) this.serial[c] = this.nextSerial;
      this.nextSerial++;
      this.a[c] = a;
      this.b[c] = b;
      const r = this.keys.get(b * KEY_SCALE + a);
      if (r >= 0) {
        this.rev[c] = r;
        this.rev[r] = c;
      }
    }
    return c;
  }

  /** Keeps each row's serial number and last frame from now on (retention.ts). */
  trackRows(): void {
    if (this.serial) return;
    this.serial = new Int32Array(this.capacity);
    for (let c = 0; c < this.count; c++) this.serial[c] = c;
    this.seen = new Int32Array(this.capacity);
  }

  /** The conversation's number in order of appearance. */
  serialOf(c: number): number {
    return this.serial ? this.serial[c]! : c;
  }

  /** Conversations in use. */
  get live(): number {
    return this.count - this.free.length;
  }

  /** Whether row `c` holds a conversation (not a forgotten one). */
  inUse(c: number): boolean {
    return c < this.count && this.keys.get(this.a[c]! * KEY_SCALE + this.b[c]!) === c;
  }

  /**
   * Forgets a conversation (its ARQ state must be settled first): its row goes back to the free
   * list with every column at its fill value; the reverse conversation loses its link to it.
   */
  forget(c: number): void {
    if (!this.keys.delete(this.a[c]! * KEY_SCALE + this.b[c]!)) return;
    const r = this.rev[c]!;
    if (r >= 0) this.rev[r] = -1;
    this.earlier.delete(c);
    this.a[c] = 0;
    this.b[c] = 0;
    this.rev[c] = -1;
    this.state[c] = S_NONE;
    this.orig[c] = 0;
    this.type[c] = NO_TYPE;
    this.seq[c] = 0;
    this.linkSeq[c] = 255;
    this.linkOrig[c] = 0;
    this.respFp[c] = 0;
    this.sideFrame[c] = 0;
    this.sideType[c] = NO_TYPE;
    this.sideSeq[c] = 0;
    this.sideTxn[c] = -1;
    this.fp[c] = 0;
    this.tx[c] = 0;
    this.lastTxFrame[c] = 0;
    this.lastTxTime[c] = 0;
    this.settledBy[c] = 0;
    this.dupAcks[c] = 0;
    this.txn[c] = -1;
    this.flags[c] = C_FRESH;
    if (this.seen) this.seen[c] = 0;
    this.free.push(c);
  }

  /** Conversation number of (a -> b), or -1. */
  find(a: number, b: number): number {
    return this.keys.get(a * KEY_SCALE + b);
  }

  hasFlag(c: number, flag: number): boolean {
    return (this.flags[c]! & flag) !== 0;
  }

  setFlag(c: number, flag: number, on: boolean): void {
    const v = this.flags[c]!;
    this.flags[c] = on ? v | flag : v & ~flag;
  }

  /** Doubles every column (64 rows at first); the new rows take the column's fill value. */
  private grow(): void {
    const size = Math.max(64, this.capacity * 2);
    const grown = <T extends Int32Array | Uint8Array | Uint16Array | Float64Array>(old: T, fill: number): T => {
      const next = new (old.constructor as new (n: number) => T)(size);
      next.set(old);
      if (fill !== 0) next.fill(fill, old.length);
      return next;
    };
    this.a = grown(this.a, 0);
    this.b = grown(this.b, 0);
    this.rev = grown(this.rev, -1);
    this.state = grown(this.state, S_NONE);
    this.orig = grown(this.orig, 0);
    this.type = grown(this.type, NO_TYPE);
    this.seq = grown(this.seq, 0);
    this.linkSeq = grown(this.linkSeq, 255);
    this.linkOrig = grown(this.linkOrig, 0);
    this.respFp = grown(this.respFp, 0);
    this.sideFrame = grown(this.sideFrame, 0);
    this.sideType = grown(this.sideType, NO_TYPE);
    this.sideSeq = grown(this.sideSeq, 0);
    this.sideTxn = grown(this.sideTxn, -1);
    this.fp = grown(this.fp, 0);
    this.tx = grown(this.tx, 0);
    this.lastTxFrame = grown(this.lastTxFrame, 0);
    this.lastTxTime = grown(this.lastTxTime, 0);
    this.settledBy = grown(this.settledBy, 0);
    this.dupAcks = grown(this.dupAcks, 0);
    this.txn = grown(this.txn, -1);
    this.flags = grown(this.flags, C_FRESH);
    if (this.serial) this.serial = grown(this.serial, 0);
    if (this.seen) this.seen = grown(this.seen, 0);
    this.capacity = size;
  }

  get bytes(): number {
    const cols = [
      this.a,
      this.b,
      this.rev,
      this.state,
      this.orig,
      this.type,
      this.seq,
      this.fp,
      this.tx,
      this.lastTxFrame,
      this.lastTxTime,
      this.settledBy,
      this.dupAcks,
      this.txn,
      this.flags,
      this.linkSeq,
      this.linkOrig,
      this.respFp,
      this.sideFrame,
      this.sideType,
      this.sideSeq,
      this.sideTxn,
    ];
    let n = this.keys.bytes + this.free.length * 8 + (this.serial?.byteLength ?? 0) + (this.seen?.byteLength ?? 0);
    for (const c of cols) n += c.byteLength;
    for (const list of this.earlier.values()) n += 64 + list.length * 120;
    return n;
  }
}
