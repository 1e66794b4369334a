/**
 * ARQ state of every conversation (one direction: sender address -> receiver address) as a
 * struct of typed-array columns indexed by conversation number: about 50 bytes a conversation
 * plus its map entry, so that even a capture where every datagram comes from a new address stays
 * well under 200 bytes a frame. Each conversation keeps only the last message its sender sent.
 */
import { NumberIndex } from "./number-index.js";
import { SMALL_CHUNK_BITS as S, float64, int32, uint16, uint8 } from "./columns.js";

// States of the last message of a conversation.
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

/** Room for 2^26 endpoints in a numeric key. */
const KEY_SCALE = 0x4000000;

export class ConversationTable {
  private readonly keys = new NumberIndex();
  count = 0;
  /** Sender and receiver endpoint ids. */
  readonly a = int32(0, S);
  readonly b = int32(0, S);
  /** Reverse conversation, or -1. */
  readonly rev = int32(-1, S);
  readonly state = uint8(S_NONE, S);
  /** Frame of the original transmission of the last message. */
  readonly orig = int32(0, S);
  /** Type of the last message (255: none yet). */
  readonly type = uint8(255, S);
  readonly seq = uint8(0, S);
  /**
   * Sequence and frame of the last message that moved the link's Sequence on (255: none). A
   * Connection Accept sent again for a retransmitted Connection Request does not: it is the first
   * Accept's bytes, outside the flow of the link (WIRE.md section 5).
   */
  readonly linkSeq = uint8(255, S);
  readonly linkOrig = int32(0, S);
  /** Fingerprint of the last response (User List Response, ...) that moved the link on. */
  readonly respFp = int32(0, S);
  /**
   * A message outside the link's flow (a Connection Request from a connected client, the Accept
   * sent again for it, a response sent again for a duplicate request): it leaves the link's last
   * message as it is, and is kept here until its ACK or response (type 255: none).
   */
  readonly sideFrame = int32(0, S);
  readonly sideType = uint8(255, S);
  readonly sideSeq = uint8(0, S);
  readonly sideTxn = int32(-1, S);

  /** Fingerprint of the last message (as a signed 32-bit number). */
  readonly fp = int32(0, S);
  /** Transmissions of the last message. */
  readonly tx = uint16(S);
  readonly lastTxFrame = int32(0, S);
  readonly lastTxTime = float64(S);
  /** Frame that settled the last message (first ACK, or the implicit response). */
  readonly settledBy = int32(0, S);
  readonly dupAcks = uint16(S);
  /** Transaction whose request is the last message (connect, list, invite), or -1. */
  readonly txn = int32(-1, S);
  readonly flags = uint8(C_FRESH, S);

  /** Conversation number of (a -> b), created on first sight. */
  get(a: number, b: number): number {
    const key = a * KEY_SCALE + b;
    let c = this.keys.get(key);
    if (c < 0) {
      c = this.count++;
      this.keys.set(key, c);
      this.a.set(c, a);
      this.b.set(c, b);
      const r = this.keys.get(b * KEY_SCALE + a);
      if (r >= 0) {
        this.rev.set(c, r);
        this.rev.set(r, c);
      }
    }
    return c;
  }

  /** Conversation number of (a -> b), or -1. */
  find(a: number, b: number): number {
    return this.keys.get(a * KEY_SCALE + b);
  }

  hasFlag(c: number, flag: number): boolean {
    return (this.flags.get(c) & flag) !== 0;
  }

  setFlag(c: number, flag: number, on: boolean): void {
    const v = this.flags.get(c);
    this.flags.set(c, on ? v | flag : v & ~flag);
  }

  get bytes(): number {
    const cols = [this.a, this.b, this.rev, this.state, this.orig, this.type, this.seq, this.fp, this.tx, this.lastTxFrame, this.lastTxTime, this.settledBy, this.dupAcks, this.txn, this.flags];
    let n = this.keys.bytes;
    for (const c of cols) n += c.bytes;
    return n;
  }
}
