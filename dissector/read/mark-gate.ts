/**
 * A cheap pre-check for the summary's analysis marks. Asking the analyzer for a frame's fields
 * (fieldsOf) costs about a third of a summary line, and almost every frame of a healthy capture
 * has no mark. The first-pass marks all need something unusual on the frame's ARQ pair: a message
 * with the Sequence of the previous message on the same pair (retransmission, spurious
 * retransmission, sequence not flipped), or an ACK that does not settle the last message the
 * other way (duplicate or stale ACK). This gate follows just that, per (sender, receiver), for
 * Data Messages and their ACKs, and says "maybe" for anything else (other types are rare and
 * always asked; so are pairs it has not seen, malformed datagrams, and the final view).
 *
 * It may say "maybe" for a frame without marks, never "no" for a frame with one: the tests
 * compare the summary of every bundled capture with and without the gate.
 */
import type { Decoded } from "../../src/codec/message.js";
import type { Endpoint } from "../capture/endpoint.js";

const DATA = 0x05;
/** Pairs followed at most; beyond, the table starts again (unknown pairs are asked). */
const MAX_PAIRS = 100_000;

/** Last message sent on a pair: its Sequence, and whether an ACK settled it. */
interface PairState {
  type: number;
  seq: number;
  acked: boolean;
}

export class MarkGate {
  /**
   * By sender, then receiver. Keyed by the Endpoint objects, which the capture layer shares per
   * address (a new object for a known address, after its cache was emptied, is only a pair
   * unknown here: asked, never missed).
   */
  private readonly pairs = new Map<Endpoint, Map<Endpoint, PairState>>();
  private count = 0;

  /** Whether the frame may have a first-pass analysis mark; updates the pair's state. */
  mayHaveMarks(src: Endpoint, dst: Endpoint, d: Decoded): boolean {
    const m = d.message;
    if (!m || d.problems.length > 0 || d.layout === null) return true;
    const from = m.ack ? dst : src;
    const to = m.ack ? src : dst;
    let row = this.pairs.get(from);
    let st = row?.get(to);
    if (m.ack) {
      const settles = st !== undefined && !st.acked && st.type === m.type && st.seq === m.seq;
      if (st) st.acked = true;
      return !(settles && m.type === DATA);
    }
    const maybe = st === undefined || st.seq === m.seq || m.type !== DATA;
    if (st === undefined) {
      if (this.count >= MAX_PAIRS) {
        this.pairs.clear();
        this.count = 0;
        row = undefined;
      }
      if (row === undefined) this.pairs.set(from, (row = new Map()));
      st = { type: m.type, seq: m.seq, acked: false };
      row.set(to, st);
      this.count++;
    } else if (st.type !== m.type || st.seq !== m.seq) {
      st.type = m.type;
      st.seq = m.seq;
      st.acked = false;
    }
    // Same Type and Sequence: maybe a retransmission of an acknowledged message, whose next ACK
    // is a duplicate; the state stays "acknowledged" (the next ACK is asked).
    return maybe;
  }
}
