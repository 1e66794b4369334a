/**
 * Group semantics (WIRE.md section 5, group creation and invitation): which Group Creation
 * Request a Group Creation Accept/Reject answers, which invitation an invitee's answer belongs to,
 * who joins a new group (the creator and the invitees that accepted before it existed), and the
 * invitation and creation transactions. Membership itself is kept by `Membership` (groups.ts).
 */
import type { ImpMessage } from "../../src/codec/message.js";
import { inIdClass } from "../../src/protocol/ids.js";
import { MSG } from "../../src/protocol/messages.js";
import type { AnalysisContext } from "./context.js";
import { F_LATE } from "./frame-table.js";
import { K_CREATE, K_INVITE, K_INVITE_REQ, O_TIMEOUT } from "./transactions.js";

export class GroupSemantics {
  /** Creations waiting for their Accept/Reject, by creator client ID. */
  private readonly pendingCreate = new Map<number, number[]>();
  /** Invitations from the server to an invitee, by (group << 8 | invitee). */
  private readonly pendingInvite = new Map<number, number>();
  /** Members' invitation requests, by (inviter << 16 | group << 8 | invitee). */
  private readonly pendingInviteReq = new Map<number, number>();
  /** Invitees that accepted before their group was created, by group. */
  private readonly pendingJoin = new Map<number, number[]>();

  constructor(private readonly ctx: AnalysisContext) {}

  onCreationRequest(f: number, m: ImpMessage): void {
    const txn = this.ctx.txs.open(K_CREATE, f, m.src, 0, -1);
    const list = this.pendingCreate.get(m.src);
    if (list) list.push(txn);
    else this.pendingCreate.set(m.src, [txn]);
  }

  onCreationAnswer(f: number, dstEp: number, m: ImpMessage): void {
    const { txs, membership } = this.ctx;
    // The creator is the client at the destination (variant: also in Source ID).
    const creator = this.ctx.names.clientAt(dstEp, f) || m.src;
    const list = this.pendingCreate.get(creator);
    const accept = m.type === MSG.createAccept;
    const g = accept ? (m.new_group ?? 0) : 0;
    let txn = -1;
    if (list && list.length > 0) {
      let i = 0;
      if (accept) {
        const exact = list.findIndex((x) => txs.group.get(x) === g);
        if (exact >= 0) i = exact;
      }
      txn = list.splice(i, 1)[0]!;
      if (list.length === 0) this.pendingCreate.delete(creator);
    }
    if (txn >= 0) txs.answer(f, txn, accept);
    const group = accept ? g : txn >= 0 ? txs.group.get(txn) : 0;
    if (accept && inIdClass(group, "private")) {
      if (txn >= 0) txs.group.set(txn, group);
      membership.join(f, creator, group, "create");
      for (const id of this.pendingJoin.get(group) ?? []) membership.join(f, id, group, "create");
    }
    if (group > 0) this.pendingJoin.delete(group);
  }

  /** Which way a group message goes: 1 client -> server, 2 server -> client, 0 unknown. */
  private direction(srcEp: number, dstEp: number): number {
    if (this.ctx.names.isServer(dstEp)) return 1;
    if (this.ctx.names.isServer(srcEp)) return 2;
    return 0;
  }

  onInvitation(f: number, conv: number, srcEp: number, dstEp: number, m: ImpMessage): void {
    const { txs } = this.ctx;
    const inviter = m.src;
    const g = m.invite_group ?? 0;
    const invitee = m.invitee ?? 0;
    let dir = this.direction(srcEp, dstEp);
    if (dir === 0) dir = this.ctx.names.clientAt(dstEp, f) === invitee && invitee !== 0 ? 2 : 1;
    if (dir === 1) {
      this.pendingInviteReq.set((inviter << 16) | (g << 8) | invitee, txs.open(K_INVITE_REQ, f, invitee, g, -1));
      return;
    }
    // Server -> invitee: part of a creation by the inviter, or of a member's invitation request.
    let parent = this.pendingInviteReq.get((inviter << 16) | (g << 8) | invitee) ?? -1;
    if (parent < 0) {
      for (const c of this.pendingCreate.get(inviter) ?? []) {
        const cg = txs.group.get(c);
        if (cg === 0 || cg === g) {
          parent = c;
          txs.group.set(c, g);
          break;
        }
      }
    }
    const txn = txs.open(K_INVITE, f, invitee, g, parent);
    this.pendingInvite.set((g << 8) | invitee, txn);
    this.ctx.convs.txn[conv] = txn;
  }

  onInvitationAnswer(f: number, srcEp: number, dstEp: number, m: ImpMessage): void {
    const { txs, frames, membership } = this.ctx;
    const g = m.invite_group ?? 0;
    // Variant HL 8 names the invitee; otherwise the invitee is the Source ID.
    const invitee = m.invitee || m.src;
    const accept = m.type === MSG.inviteAccept;
    let dir = this.direction(srcEp, dstEp);
    if (dir === 0) dir = this.ctx.names.clientAt(srcEp, f) === invitee ? 1 : 2;
    if (dir === 2) {
      // Server -> inviter: the answer to a member's invitation request.
      const inviter = this.ctx.names.clientAt(dstEp, f);
      const key = (inviter << 16) | (g << 8) | invitee;
      const txn = this.pendingInviteReq.get(key);
      if (txn !== undefined) {
        this.pendingInviteReq.delete(key);
        txs.answer(f, txn, accept);
        // A reject because the forwarded invitation timed out.
        const sub = this.pendingInvite.get((g << 8) | invitee);
        if (!accept && sub !== undefined && txs.parent.get(sub) === txn && txs.outcome.get(sub) === O_TIMEOUT)
          txs.outcome.set(txn, O_TIMEOUT);
      }
      return;
    }
    const key = (g << 8) | invitee;
    const txn = this.pendingInvite.get(key);
    if (txn !== undefined) {
      this.pendingInvite.delete(key);
      if (txs.outcome.get(txn) === O_TIMEOUT) {
        frames.flags0.or(f, F_LATE);
        frames.aux.set(f, txs.req.get(txn));
        return;
      }
      txs.answer(f, txn, accept);
    }
    if (!accept) return;
    if (membership.isAlive(g)) membership.join(f, invitee, g, "invitation");
    else {
      const list = this.pendingJoin.get(g);
      if (list) list.push(invitee);
      else this.pendingJoin.set(g, [invitee]);
    }
  }

  /** Forgets the pending creations and invitations below transaction `floor` (retention.ts). */
  forgetBelow(floor: number): void {
    for (const [creator, list] of this.pendingCreate) {
      const kept = list.filter((txn) => txn >= floor);
      if (kept.length === 0) this.pendingCreate.delete(creator);
      else this.pendingCreate.set(creator, kept);
    }
    for (const map of [this.pendingInvite, this.pendingInviteReq]) for (const [key, txn] of map) if (txn < floor) map.delete(key);
  }

  /** Entries held (for the memory estimate and the bounds). */
  get entries(): number {
    let n = this.pendingInvite.size + this.pendingInviteReq.size;
    for (const l of this.pendingCreate.values()) n += l.length;
    for (const l of this.pendingJoin.values()) n += l.length;
    return n;
  }
}
