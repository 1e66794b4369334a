/**
 * What a new message means beyond its ARQ link (WIRE.md sections 5 and 6): names (Connection
 * Request + Accept, list entries, the Source ID of a client talking to the server), membership
 * (connect, disjoint, dissolution, disconnection, forced disconnection, an ID given to someone
 * else), and the connect and list transactions. Group creation and invitations are handed to
 * the group room (group-semantics.ts).
 */
import type { ImpMessage, ListEntry } from "../../src/codec/message.js";
import { PUBLIC_GROUP } from "../../src/protocol/fields.js";
import { inIdClass } from "../../src/protocol/ids.js";
import { MSG } from "../../src/protocol/messages.js";
import type { ArqLinks } from "./arq-links.js";
import type { AnalysisContext } from "./context.js";
import { C_FRESH } from "./conversations.js";
import { F_CONNECTED, F_REJECTED } from "./frame-table.js";
import type { MembershipReason } from "./groups.js";
import { GroupSemantics } from "./group-semantics.js";
import { K_CONNECT, K_LIST } from "./transactions.js";

export class Semantics {
  readonly groups: GroupSemantics;

  constructor(
    private readonly ctx: AnalysisContext,
    private readonly links: ArqLinks,
  ) {
    this.groups = new GroupSemantics(ctx);
    links.onServerGaveUp = (frame, client) => {
      if (this.ctx.membership.groupOf(client) !== 0) this.clientLeft(frame, client, "forced", true);
    };
  }

  /** A new message (not a retransmission); `outside`: outside its link's flow (see ArqLinks). */
  onMessage(f: number, conv: number, srcEp: number, dstEp: number, m: ImpMessage, outside: boolean): void {
    const { names, membership: groups, convs, txs, frames } = this.ctx;
    // A client speaking to the server shows which ID its address holds (captures that start
    // late); not when another address holds that ID (the server drops such datagrams).
    if (m.src > 0 && names.isServer(dstEp) && !names.isServer(srcEp) && !names.isConnected(m.src) && names.clientAt(srcEp, f, true) === 0) {
      names.bind(f, m.src, undefined, srcEp, true);
    }
    switch (m.type) {
      case MSG.connRequest: {
        if (m.username !== undefined) names.pendingName.set(srcEp, m.username);
        const txn = txs.open(K_CONNECT, f, 0, 0, -1);
        // A new session starts both links afresh; a Connection Request from an address that
        // holds a session is answered with the first Accept again, and the links go on.
        if (outside) convs.sideTxn[conv] = txn;
        else {
          convs.txn[conv] = txn;
          const rev = convs.rev[conv]!;
          if (rev >= 0) convs.setFlag(rev, C_FRESH, true);
          convs.setFlag(conv, C_FRESH, true);
        }
        break;
      }
      case MSG.connAccept: {
        const id = m.client_id ?? 0;
        if (id > 0) {
          if (this.bindClient(f, id, names.pendingName.get(dstEp), dstEp, false)) frames.flags0.or(f, F_CONNECTED);
          names.pendingName.delete(dstEp);
          groups.join(f, id, PUBLIC_GROUP, "connect");
          const r = convs.rev[conv]!;
          const txn = r >= 0 ? convs.txn[r]! : -1;
          if (txn >= 0 && txs.req.get(txn) === frames.responseTo.get(f)) txs.client.set(txn, id);
        }
        break;
      }
      case MSG.connReject:
        frames.flags0.or(f, F_REJECTED);
        names.pendingName.delete(dstEp);
        break;
      case MSG.listRequest:
        convs.txn[conv] = txs.open(K_LIST, f, m.src, PUBLIC_GROUP, -1);
        break;
      case MSG.listResponse:
      case MSG.updateList:
        if (m.entry) this.learnEntries(f, m.entry, m.type === MSG.listResponse ? "list" : "update");
        break;
      case MSG.createRequest:
        this.groups.onCreationRequest(f, m);
        break;
      case MSG.createAccept:
      case MSG.createReject:
        this.groups.onCreationAnswer(f, dstEp, m);
        break;
      case MSG.inviteRequest:
        this.groups.onInvitation(f, conv, srcEp, dstEp, m);
        break;
      case MSG.inviteAccept:
      case MSG.inviteReject:
        this.groups.onInvitationAnswer(f, srcEp, dstEp, m);
        break;
      case MSG.disjoint: {
        const id = m.src || names.clientAt(srcEp, f);
        if (groups.groupOf(id) > PUBLIC_GROUP) {
          const g = groups.groupOf(id);
          groups.join(f, id, PUBLIC_GROUP, "disjoint");
          if (groups.membersNow(g).length === 0) groups.setAlive(g, false, f);
        }
        break;
      }
      case MSG.dissolution: {
        const id = names.clientAt(dstEp, f);
        const g = groups.groupOf(id);
        if (g > PUBLIC_GROUP) {
          groups.join(f, id, PUBLIC_GROUP, "dissolution");
          groups.setAlive(g, false, f);
        }
        if (inIdClass(m.group, "private")) groups.setAlive(m.group, false, f);
        break;
      }
      case MSG.updateDisconnection: {
        const id = m.client_id ?? 0;
        // Evidence that a forced disconnection from the server to that client happened.
        const ep = names.endpointOf(id, f, true);
        if (ep >= 0) {
          const c = convs.find(srcEp, ep);
          if (c >= 0) this.links.confirmForced(c);
        }
        this.clientLeft(f, id, "update_disconnection");
        break;
      }
      case MSG.disconnect:
        this.clientLeft(f, m.src || names.clientAt(srcEp, f), "disconnect");
        break;
      default:
        break;
    }
  }

  private clientLeft(f: number, id: number, reason: MembershipReason, late = false): void {
    if (id <= 0) return;
    const { membership } = this.ctx;
    const g = membership.groupOf(id);
    membership.leave(f, id, reason, late);
    if (g > PUBLIC_GROUP && membership.membersNow(g).length === 0) membership.setAlive(g, false, f);
    this.ctx.names.markLeft(f, id);
  }

  /** Binds a name; returns true when it is news. A reused ID ends its previous holder's membership. */
  private bindClient(f: number, id: number, name: string | undefined, ep: number, fromList: boolean): boolean {
    const r = this.ctx.names.bind(f, id, name, ep, fromList);
    if (r === "replaced") this.ctx.membership.leave(f, id, "reused");
    return r !== "same";
  }

  private learnEntries(f: number, entries: readonly ListEntry[], reason: MembershipReason): void {
    const { membership } = this.ctx;
    for (const e of entries) {
      if (!e || e.client_id <= 0) continue;
      const ep = this.ctx.names.endpoint(e.ip, e.port);
      this.bindClient(f, e.client_id, e.username, ep, true);
      if (!inIdClass(e.group, "public") && !inIdClass(e.group, "private")) continue;
      // Back to the Public Group as the last member of a private group: the group is dissolved
      // (the server may send this update before the Group Dissolution itself).
      const cur = membership.groupOf(e.client_id);
      const last = e.group === PUBLIC_GROUP && cur > PUBLIC_GROUP && membership.membersNow(cur).length === 1;
      membership.join(f, e.client_id, e.group, last ? "dissolution" : reason);
      if (last) membership.setAlive(cur, false, f);
    }
  }
}
