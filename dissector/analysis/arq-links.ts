/**
 * The ARQ room (WIRE.md section 4): per conversation (one direction, sender address -> receiver
 * address) which message is outstanding, which frame retransmits it, which ACK settles it, which
 * ACK is a duplicate or stale, which new message kept the Sequence of the previous one, and when
 * the sender gave up (forced disconnection). Implicit acknowledgements (a response settles the
 * request on the reverse conversation) are settled here too; what the messages mean (names,
 * groups, transactions) is the semantics room's.
 */
import type { ImpMessage } from "../../src/codec/message.js";
import { MSG, messageSpec } from "../../src/protocol/messages.js";
import type { AnalysisContext } from "./context.js";
import {
  C_FORCED_PENDING,
  C_FRESH,
  type EarlierMessage,
  NO_TYPE,
  S_GONE,
  S_NOACK,
  S_NONE,
  S_OUTSTANDING,
  S_SETTLED,
} from "./conversations.js";
import type { Deadline } from "./deadlines.js";
import { EarlierMessages } from "./earlier-messages.js";
import { F_DUPACK, F_FORCED, F_RETX, F_SEQNF, F_SPURIOUS, F_STALE, F_UNACKED } from "./frame-table.js";
import { K_INVITE, outcomeOf } from "./transactions.js";

export class ArqLinks {
  /**
   * Called when the server's last transmission to a client went unanswered (the client is gone,
   * dated back to that frame); the semantics room ends its membership.
   */
  onServerGaveUp: (frame: number, client: number) => void = () => {};

  /** Messages a sender moved on from before their ACK (several outstanding per link). */
  readonly earlier: EarlierMessages;

  constructor(private readonly ctx: AnalysisContext) {
    this.earlier = new EarlierMessages(ctx.convs, (m) => ctx.frames.flagsL.or(m.orig, F_UNACKED));
  }

  /**
   * A message (A=0): a retransmission of a message still awaiting its ACK on this path (the
   * conversation's last one, or an earlier one its sender moved on from), a spurious one of a
   * message acknowledged a moment ago, else a new message. Returns null for a retransmission,
   * else whether the new message is outside the link's flow (see `sideType`).
   */
  onMessage(f: number, t: number, conv: number, srcEp: number, m: ImpMessage, fp: number): boolean | null {
    const C = this.ctx.convs;
    const window = this.ctx.spuriousWindow;
    const state = C.state[conv]!;
    const connOutside = this.connectionInSession(conv, srcEp, m.type, f);
    if (!connOutside && state !== S_NONE && C.type[conv]! === m.type && C.seq[conv]! === m.seq && C.fp[conv]! === fp) {
      if (state === S_OUTSTANDING) {
        this.onRetransmission(f, t, conv, F_RETX);
        return null;
      }
      if (state !== S_GONE && t - C.lastTxTime[conv]! <= window) {
        this.onRetransmission(f, t, conv, F_SPURIOUS);
        return null;
      }
    }
    if (!connOutside && C.earlier.has(conv)) {
      this.earlier.prune(conv, t, window);
      // Any time for an outstanding one whose bytes these are, when the frame would otherwise
      // keep the link's Sequence: never a "Sequence not flipped" on a retransmission.
      const unflipped = messageSpec(m.type)?.phase === "session" && m.seq === C.linkSeq[conv]!;
      const e = this.earlier.repeated(conv, m.type, m.seq, fp, t, window, unflipped);
      if (e) {
        this.onEarlierRetransmission(f, t, conv, e);
        return null;
      }
    }
    return this.onNewMessage(f, t, conv, m, fp, connOutside);
  }

  private onEarlierRetransmission(f: number, t: number, conv: number, e: EarlierMessage): void {
    const frames = this.ctx.frames;
    const outstanding = e.state === S_OUTSTANDING;
    e.tx = Math.min(e.tx + 1, 0xffff);
    e.lastTxFrame = f;
    e.lastTxTime = t;
    frames.flags0.or(f, outstanding ? F_RETX : F_SPURIOUS);
    frames.retxOf.set(f, e.orig);
    frames.txNum.set(f, Math.min(e.tx, 255));
    if (outstanding && e.tx >= 1 + this.ctx.retries) {
      e.forcedPending = true;
      this.ctx.deadlines.add({ at: t + this.ctx.rto, conv, txn: -1, frame: f });
    }
  }

  private onRetransmission(f: number, t: number, conv: number, flag: number): void {
    const { convs: C, frames } = this.ctx;
    const tx = Math.min(C.tx[conv]! + 1, 0xffff);
    C.tx[conv] = tx;
    C.lastTxFrame[conv] = f;
    C.lastTxTime[conv] = t;
    frames.flags0.or(f, flag);
    frames.retxOf.set(f, C.orig[conv]!);
    frames.txNum.set(f, Math.min(tx, 255));
    if (flag === F_RETX && tx >= 1 + this.ctx.retries) {
      C.setFlag(conv, C_FORCED_PENDING, true);
      this.ctx.deadlines.add({ at: t + this.ctx.rto, conv, txn: -1, frame: f });
    }
  }

  /**
   * A Connection Request from an address that holds a session (the server answers it with the
   * first Accept again, or rejects another name), or the Accept or Reject that answers one.
   */
  private connectionInSession(conv: number, srcEp: number, type: number, f: number): boolean {
    const C = this.ctx.convs;
    if (type === MSG.connRequest) {
      // In a session: the address holds an ID whose Accept was acknowledged (before that, a
      // Connection Request again is a retransmission: its Accept may have been lost).
      const held = this.ctx.names.clientAt(srcEp, f, true);
      if (held === 0 || this.ctx.membership.groupOf(held) === 0) return false;
      const r = C.rev[conv]!;
      const acceptOutstanding =
        (C.type[r]! === MSG.connAccept && C.state[r]! === S_OUTSTANDING) || this.earlier.hasOutstanding(r, MSG.connAccept);
      return r >= 0 && !acceptOutstanding;
    }
    if (messageSpec(type)?.answers.includes(MSG.connRequest)) {
      const r = C.rev[conv]!;
      return r >= 0 && C.sideType[r]! === MSG.connRequest;
    }
    return false;
  }

  /** A new (not retransmitted) message; true when it is outside the link's flow (see sideType). */
  private onNewMessage(f: number, t: number, conv: number, m: ImpMessage, fp: number, connOutside: boolean): boolean {
    const { convs: C, frames, txs } = this.ctx;
    const state = C.state[conv]!;
    const type = m.type;
    const spec = messageSpec(type);
    const fresh = state === S_NONE || C.hasFlag(conv, C_FRESH);
    // The earlier response again, for a request that kept the Sequence of the sender's previous
    // message or was a retransmission (the receiver took it for a duplicate and answers it again,
    // WIRE.md section 5). (A request after one the receiver dropped keeps the Sequence too, but
    // gets a new response: its bytes differ.)
    const rev = C.rev[conv]!;
    // Connection messages are recognised by state, whatever their Sequence (WIRE.md section 4).
    const session = spec?.phase === "session";
    const response = spec !== undefined && spec.answers.length > 0 && session;
    let resent = false;
    if (!fresh && response && rev >= 0 && C.state[rev]! !== S_NONE) {
      const orig = C.orig[rev]!;
      // A retransmitted request whose first transmission was answered already; or a request
      // with its sender's previous Sequence (sent once or more), answered with the earlier
      // response's bytes.
      const retransmitted = (frames.flags0.get(C.lastTxFrame[rev]!) & (F_RETX | F_SPURIOUS)) !== 0;
      resent =
        (retransmitted && frames.responseIn.get(orig) !== 0) || ((frames.flags0.get(orig) & F_SEQNF) !== 0 && fp === C.respFp[conv]!);
    }
    if (connOutside || resent) {
      // Outside the link's flow: the link's last message stays (it may still await its ACK).
      C.sideFrame[conv] = f;
      C.sideType[conv] = type;
      C.sideSeq[conv] = m.seq;
      C.sideTxn[conv] = -1;
      if (spec && spec.answers.length > 0 && rev >= 0) this.answerSide(rev, f, type);
      // It answers the request the receiver took for a duplicate.
      if (resent) frames.respond(f, C.orig[rev]!);
      return true;
    }
    // The sender moves on: a last message that awaits its ACK stays outstanding, as an earlier
    // message (its ACK or its retransmission may still come); one the sender retransmitted
    // 1 + retries times is given up.
    if (state === S_OUTSTANDING && C.hasFlag(conv, C_FORCED_PENDING)) this.confirmForced(conv);
    else this.earlier.push(conv);
    if (response) C.respFp[conv] = fp;
    C.sideType[conv] = NO_TYPE;
    if (!fresh && session && m.seq === C.linkSeq[conv]!) {
      frames.flags0.or(f, F_SEQNF);
      frames.aux.set(f, C.linkOrig[conv]!);
    }
    // Connection messages on a running link (an Accept sent again for a retransmitted Connection
    // Request) leave its Sequence.
    if (fresh || session) {
      C.linkSeq[conv] = m.seq;
      C.linkOrig[conv] = f;
    }
    C.state[conv] = spec?.ackedBy.kind === "none" ? S_NOACK : S_OUTSTANDING;
    C.orig[conv] = f;
    C.type[conv] = type;
    C.seq[conv] = m.seq;
    C.fp[conv] = fp;
    C.tx[conv] = 1;
    C.lastTxFrame[conv] = f;
    C.lastTxTime[conv] = t;
    C.settledBy[conv] = 0;
    C.dupAcks[conv] = 0;
    C.txn[conv] = -1;
    C.flags[conv] = 0;

    // Implicit acknowledgement: a response settles the request on the reverse pair.
    if (spec && spec.answers.length > 0) {
      const r = C.rev[conv]!;
      const rState = r < 0 ? S_NONE : C.state[r]!;
      if (rState !== S_NONE && spec.answers.includes(C.type[r]!)) {
        const txn = C.txn[r]!;
        const open = txs.isOpen(txn);
        const outstanding = rState === S_OUTSTANDING;
        if (outstanding) this.settle(r, f);
        if (outstanding || open) {
          frames.respond(f, C.orig[r]!);
          if (open) txs.resolve(txn, f, outcomeOf(type));
        }
      }
    }
    return false;
  }

  /** A response outside the link's flow answers the request outside it on the reverse pair, if any. */
  private answerSide(r: number, f: number, type: number): void {
    const { convs: C, frames, txs } = this.ctx;
    const side = C.sideType[r]!;
    if (side === NO_TYPE || !messageSpec(type)!.answers.includes(side)) return;
    const orig = C.sideFrame[r]!;
    frames.respond(f, orig);
    frames.acknowledge(f, orig);
    const txn = C.sideTxn[r]!;
    if (txs.isOpen(txn)) txs.resolve(txn, f, outcomeOf(type));
    // Kept until the sender's next message of its link: a duplicated request gets its answer twice.
  }

  private settle(r: number, f: number): void {
    const { convs: C, frames } = this.ctx;
    const orig = C.orig[r]!;
    frames.ackedIn.set(orig, f);
    frames.ackTo.set(f, orig);
    C.state[r] = S_SETTLED;
    C.settledBy[r] = f;
    C.setFlag(r, C_FORCED_PENDING, false);
  }

  /**
   * An acknowledgement (A=1) on `conv`: it settles the oldest message of its Type and Sequence
   * still awaiting its ACK the other way (an earlier one, or the last one); else it repeats the
   * ACK of one acknowledged already (duplicate), else it matches nothing sent (stale).
   */
  onAck(f: number, t: number, conv: number, m: ImpMessage): void {
    const { convs: C, frames } = this.ctx;
    const r = C.rev[conv]!;
    if (r < 0) {
      frames.flags0.or(f, F_STALE);
      return;
    }
    if (C.earlier.has(r)) {
      this.earlier.prune(r, t, this.ctx.spuriousWindow);
      const e = this.earlier.outstanding(r, m.type, m.seq);
      if (e) {
        e.state = S_SETTLED;
        e.settledBy = f;
        e.forcedPending = false;
        frames.ackedIn.set(e.orig, f);
        frames.ackTo.set(f, e.orig);
        this.invitationAcknowledged(e.txn, f, t);
        return;
      }
    }
    const rState = C.state[r]!;
    const matches = rState !== S_NONE && rState !== S_GONE && C.type[r]! === m.type && C.seq[r]! === m.seq;
    if (matches && (rState === S_OUTSTANDING || (rState === S_NOACK && C.settledBy[r]! === 0))) {
      this.settle(r, f);
      this.invitationAcknowledged(C.txn[r]!, f, t);
      return;
    }
    // Another ACK of an acknowledged message: of the one of this Type and Sequence sent last (an
    // earlier message's retransmission that crossed its ACK is acknowledged again).
    const e = C.earlier.has(r) ? this.earlier.settled(r, m.type, m.seq) : undefined;
    if (matches && !(e && e.lastTxFrame > C.lastTxFrame[r]!)) {
      C.dupAcks[r] = Math.min(C.dupAcks[r]! + 1, 0xffff);
      this.duplicateAck(f, C.settledBy[r]!, C.dupAcks[r]!);
      return;
    }
    // The ACK of a message outside the link's flow (the Accept sent again).
    if (!e && C.sideType[r]! === m.type && C.sideSeq[r]! === m.seq) {
      frames.acknowledge(f, C.sideFrame[r]!);
      C.sideType[r] = NO_TYPE;
      return;
    }
    if (e) {
      e.dupAcks = Math.min(e.dupAcks + 1, 0xffff);
      this.duplicateAck(f, e.settledBy, e.dupAcks);
      return;
    }
    frames.flags0.or(f, F_STALE);
  }

  private duplicateAck(f: number, of: number, n: number): void {
    const frames = this.ctx.frames;
    frames.flags0.or(f, F_DUPACK);
    frames.dupOf.set(f, of);
    frames.dupNum.set(f, Math.min(n, 255));
  }

  /** The invitee acknowledged an invitation: its answer is due within the time-out. */
  private invitationAcknowledged(txn: number, f: number, t: number): void {
    const txs = this.ctx.txs;
    if (txn < 0 || txs.kind.get(txn) !== K_INVITE || txs.ackFrame.get(txn) !== 0) return;
    txs.ackFrame.set(txn, f);
    this.ctx.deadlines.add({ at: t + this.ctx.invitationTimeout, conv: -1, txn, frame: f });
  }

  /** Whether a forced-disconnection deadline still stands (no answer since, no later transmission). */
  forcedLive(d: Deadline): boolean {
    const C = this.ctx.convs;
    if (C.hasFlag(d.conv, C_FORCED_PENDING) && C.lastTxFrame[d.conv]! === d.frame) return true;
    return this.earlier.forcedAt(d.conv, d.frame) !== undefined;
  }

  /** A forced-disconnection deadline passed (or the capture ended): the sender gave up. */
  fireForced(d: Deadline): void {
    const e = this.earlier.forcedAt(d.conv, d.frame);
    if (e) this.gaveUp(d.conv, e);
    else this.confirmForced(d.conv);
  }

  /** The last of 1 + retries transmissions went unanswered: the sender considers the peer gone. */
  confirmForced(c: number): void {
    const C = this.ctx.convs;
    if (!C.hasFlag(c, C_FORCED_PENDING)) return;
    C.setFlag(c, C_FORCED_PENDING, false);
    C.state[c] = S_GONE;
    this.forced(c, C.orig[c]!, C.lastTxFrame[c]!);
  }

  /** An earlier message's last transmission went unanswered. */
  private gaveUp(c: number, e: EarlierMessage): void {
    e.forcedPending = false;
    e.state = S_GONE;
    this.forced(c, e.orig, e.lastTxFrame);
  }

  private forced(c: number, orig: number, last: number): void {
    const { convs: C, frames, names } = this.ctx;
    frames.flagsL.or(last, F_FORCED);
    frames.flagsL.or(orig, F_UNACKED);
    if (names.isServer(C.a[c]!)) {
      const client = names.clientAt(C.b[c]!, last, true);
      if (client !== 0) this.onServerGaveUp(last, client);
    }
  }

  /**
   * Forgets a conversation idle for longer than the state window (retention.ts): what it still
   * awaited was never acknowledged, as at the end of the capture; its row is taken again.
   */
  forget(c: number): void {
    const { convs: C, frames } = this.ctx;
    for (const e of C.earlier.get(c) ?? []) if (e.forcedPending) this.gaveUp(c, e);
    this.earlier.clear(c);
    if (C.state[c]! === S_OUTSTANDING) {
      if (C.hasFlag(c, C_FORCED_PENDING)) this.confirmForced(c);
      else frames.flagsL.or(C.orig[c]!, F_UNACKED);
    }
    C.forget(c);
  }

  /** The end of the capture: what is still outstanding was never acknowledged. */
  finish(): void {
    const { convs: C, frames } = this.ctx;
    for (const [c, list] of C.earlier) for (const e of list) if (e.forcedPending) this.gaveUp(c, e);
    for (const c of [...C.earlier.keys()]) this.earlier.clear(c);
    for (let c = 0; c < C.count; c++) {
      if (C.state[c]! !== S_OUTSTANDING) continue;
      if (C.hasFlag(c, C_FORCED_PENDING)) this.confirmForced(c);
      else frames.flagsL.or(C.orig[c]!, F_UNACKED);
    }
  }
}
