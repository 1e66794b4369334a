/**
 * The earlier messages of a link: those its sender moved on from while they still awaited their
 * ACK, and those acknowledged a moment ago. WIRE.md section 4 allows one outstanding message per
 * receiver, but the 2017 implementation keeps several: its server sends a User List Response while
 * the Connection Accept before it is unacknowledged, then sends the Accept again 500 ms later.
 * Judged from what was sent, as tcp.analysis.retransmission is: the same bytes again on the same
 * path before their ACK is a retransmission of that message, whichever message came in between;
 * an ACK settles the oldest outstanding message of its Type and Sequence.
 *
 * Bounded: at most MAX_EARLIER a conversation; one acknowledged after its sender moved on is kept
 * for the spurious window only (its retransmission may cross the ACK); the oldest unacknowledged
 * one is given up (never acknowledged) when one more comes.
 */
import { type ConversationTable, type EarlierMessage, MAX_EARLIER, S_OUTSTANDING, S_SETTLED } from "./conversations.js";

export class EarlierMessages {
  constructor(
    private readonly convs: ConversationTable,
    /** Called with each outstanding message given up (never acknowledged). */
    private readonly onGivenUp: (m: EarlierMessage) => void,
  ) {}

  /**
   * The conversation's current message becomes an earlier one, when it still awaits its ACK (its
   * sender moved on). One acknowledged before is not kept: a sender does not send it again after
   * moving on, and the same bytes later are a new message (the alternating bit repeats them).
   */
  push(c: number): void {
    const C = this.convs;
    const state = C.state[c]!;
    if (state !== S_OUTSTANDING) return;
    let list = C.earlier.get(c);
    if (!list) C.earlier.set(c, (list = []));
    list.push({
      orig: C.orig[c]!,
      type: C.type[c]!,
      seq: C.seq[c]!,
      fp: C.fp[c]!,
      state,
      tx: C.tx[c]!,
      lastTxFrame: C.lastTxFrame[c]!,
      lastTxTime: C.lastTxTime[c]!,
      settledBy: C.settledBy[c]!,
      dupAcks: C.dupAcks[c]!,
      txn: C.txn[c]!,
      forcedPending: false,
    });
    if (list.length > MAX_EARLIER) {
      // One too many: an acknowledged one goes first, else the oldest (given up).
      const settled = list.findIndex((m) => m.state !== S_OUTSTANDING);
      this.drop(list, Math.max(settled, 0));
    }
  }

  /**
   * The earlier message these bytes repeat: an outstanding one sent last within `window` (or at any
   * time when `anyTime`: the frame would otherwise be a new message that kept the Sequence), or an
   * acknowledged one sent last within `window` (a spurious retransmission). Undefined: none.
   */
  repeated(c: number, type: number, seq: number, fp: number, t: number, window: number, anyTime: boolean): EarlierMessage | undefined {
    const list = this.convs.earlier.get(c);
    if (!list) return undefined;
    for (const m of list) {
      if (m.type !== type || m.seq !== seq || m.fp !== fp) continue;
      const recent = t - m.lastTxTime <= window;
      if (m.state === S_OUTSTANDING ? recent || anyTime : recent) return m;
    }
    return undefined;
  }

  /** The oldest outstanding earlier message of this Type and Sequence (an ACK settles it). */
  outstanding(c: number, type: number, seq: number): EarlierMessage | undefined {
    const list = this.convs.earlier.get(c);
    if (!list) return undefined;
    for (const m of list) if (m.state === S_OUTSTANDING && m.type === type && m.seq === seq) return m;
    return undefined;
  }

  /** The latest acknowledged earlier message of this Type and Sequence (a duplicate ACK's). */
  settled(c: number, type: number, seq: number): EarlierMessage | undefined {
    const list = this.convs.earlier.get(c);
    if (!list) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const m = list[i]!;
      if (m.state === S_SETTLED && m.type === type && m.seq === seq) return m;
    }
    return undefined;
  }

  /** Whether an earlier message of this type is outstanding. */
  hasOutstanding(c: number, type: number): boolean {
    for (const m of this.convs.earlier.get(c) ?? []) if (m.state === S_OUTSTANDING && m.type === type) return true;
    return false;
  }

  /** The earlier message whose last transmission is `frame` with a forced disconnection pending. */
  forcedAt(c: number, frame: number): EarlierMessage | undefined {
    for (const m of this.convs.earlier.get(c) ?? []) if (m.forcedPending && m.lastTxFrame === frame) return m;
    return undefined;
  }

  /** Acknowledged messages past the window go (nothing more can repeat them). */
  prune(c: number, t: number, window: number): void {
    const list = this.convs.earlier.get(c);
    if (!list) return;
    for (let i = list.length - 1; i >= 0; i--) {
      const m = list[i]!;
      if (m.state !== S_OUTSTANDING && t - m.lastTxTime > window) list.splice(i, 1);
    }
    if (list.length === 0) this.convs.earlier.delete(c);
  }

  /** Forgets a conversation's earlier messages; the outstanding ones were never acknowledged. */
  clear(c: number): void {
    const list = this.convs.earlier.get(c);
    if (!list) return;
    for (const m of list) if (m.state === S_OUTSTANDING) this.onGivenUp(m);
    this.convs.earlier.delete(c);
  }

  private drop(list: EarlierMessage[], i: number): void {
    const [m] = list.splice(i, 1);
    if (m && m.state === S_OUTSTANDING) this.onGivenUp(m);
  }
}
