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
import { C_FORCED_PENDING, C_FRESH, NO_TYPE, S_GONE, S_NOACK, S_NONE, S_OUTSTANDING, S_SETTLED } from "./conversations.js";
import type { Deadline } from "./deadlines.js";
import { F_DUPACK, F_FORCED, F_RETX, F_SEQNF, F_SPURIOUS, F_STALE, F_UNACKED } from "./frame-table.js";
import { K_INVITE, outcomeOf } from "./transactions.js";

export class ArqLinks {
  /**
   * Called when the server's last transmission to a client went unanswered (the client is gone,
   * dated back to that frame); the semantics room ends its membership.
   */
  onServerGaveUp: (frame: number, client: number) => void = () => {};

  constructor(private readonly ctx: AnalysisContext) {}

  /**
   * A message (A=0): a retransmission of the conversation's outstanding message (or a spurious
   * one of an acknowledged one), else a new message. Returns null for a retransmission, else
   * whether the new message is outside the link's flow (see `sideType`).
   */
  onMessage(f: number, t: number, conv: number, srcEp: number, m: ImpMessage, fp: number): boolean | null {
    const C = this.ctx.convs;
    const state = C.state[conv]!;
    const connOutside = this.connectionInSession(conv, srcEp, m.type, f);
    if (!connOutside && state !== S_NONE && C.type[conv]! === m.type && C.seq[conv]! === m.seq && C.fp[conv]! === fp) {
      if (state === S_OUTSTANDING) {
        this.onRetransmission(f, t, conv, F_RETX);
        return null;
      }
      if (state !== S_GONE && t - C.lastTxTime[conv]! <= this.ctx.spuriousWindow) {
        this.onRetransmission(f, t, conv, F_SPURIOUS);
        return null;
      }
    }
    return this.onNewMessage(f, t, conv, m, fp, connOutside);
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
      return r >= 0 && !(C.type[r]! === MSG.connAccept && C.state[r]! === S_OUTSTANDING);
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
    if (state === S_OUTSTANDING) {
      // The previous message was never acknowledged, and its sender moved on.
      if (C.hasFlag(conv, C_FORCED_PENDING)) this.confirmForced(conv);
      else frames.flagsL.or(C.orig[conv]!, F_UNACKED);
    }
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

  /** An acknowledgement (A=1) on `conv`: of the last message the other way, a duplicate, or stale. */
  onAck(f: number, t: number, conv: number, m: ImpMessage): void {
    const { convs: C, frames, txs } = this.ctx;
    const r = C.rev[conv]!;
    const rState = r < 0 ? S_NONE : C.state[r]!;
    if (rState === S_NONE || rState === S_GONE || C.type[r]! !== m.type || C.seq[r]! !== m.seq) {
      // The ACK of a message outside the link's flow (the Accept sent again).
      if (r >= 0 && C.sideType[r]! === m.type && C.sideSeq[r]! === m.seq) {
        frames.acknowledge(f, C.sideFrame[r]!);
        C.sideType[r] = NO_TYPE;
        return;
      }
      frames.flags0.or(f, F_STALE);
      return;
    }
    if (rState === S_OUTSTANDING || (rState === S_NOACK && C.settledBy[r]! === 0)) {
      this.settle(r, f);
      // The invitee acknowledged an invitation: its answer is due within the time-out.
      const txn = C.txn[r]!;
      if (txn >= 0 && txs.kind.get(txn) === K_INVITE && txs.ackFrame.get(txn) === 0) {
        txs.ackFrame.set(txn, f);
        this.ctx.deadlines.add({ at: t + this.ctx.invitationTimeout, conv: -1, txn, frame: f });
      }
      return;
    }
    const dups = Math.min(C.dupAcks[r]! + 1, 0xffff);
    C.dupAcks[r] = dups;
    frames.flags0.or(f, F_DUPACK);
    frames.dupOf.set(f, C.settledBy[r]!);
    frames.dupNum.set(f, Math.min(dups, 255));
  }

  /** Whether a forced-disconnection deadline still stands (no answer since, no later transmission). */
  forcedLive(d: Deadline): boolean {
    const C = this.ctx.convs;
    return C.hasFlag(d.conv, C_FORCED_PENDING) && C.lastTxFrame[d.conv]! === d.frame;
  }

  /** The last of 1 + retries transmissions went unanswered: the sender considers the peer gone. */
  confirmForced(c: number): void {
    const { convs: C, frames, names } = this.ctx;
    if (!C.hasFlag(c, C_FORCED_PENDING)) return;
    C.setFlag(c, C_FORCED_PENDING, false);
    C.state[c] = S_GONE;
    const last = C.lastTxFrame[c]!;
    frames.flagsL.or(last, F_FORCED);
    frames.flagsL.or(C.orig[c]!, F_UNACKED);
    if (names.isServer(C.a[c]!)) {
      const client = names.clientAt(C.b[c]!, last, true);
      if (client !== 0) this.onServerGaveUp(last, client);
    }
  }

  /** The end of the capture: what is still outstanding was never acknowledged. */
  finish(): void {
    const { convs: C, frames } = this.ctx;
    for (let c = 0; c < C.count; c++) {
      if (C.state[c]! !== S_OUTSTANDING) continue;
      if (C.hasFlag(c, C_FORCED_PENDING)) this.confirmForced(c);
      else frames.flagsL.or(C.orig[c]!, F_UNACKED);
    }
  }
}
