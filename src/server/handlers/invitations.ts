/**
 * Group creation and invitations (WIRE.md section 5): the Group Creation Request reserves a
 * group and invites each valid invitee; an invitation into an existing group is forwarded to
 * the invitee; each invitee's answer timer starts when it acknowledges the Group Invitation
 * Request; answers, time-outs and departures settle the invitation.
 *
 * The invitation rule (docs/PROTOCOL.md 5.1): an invitee is sent one invitation at a time; a
 * second one, from another inviter, waits behind it (FIFO, at most `maxQueuedInvitations`, one
 * per inviter) and is sent when the first is settled. So one client that keeps inviting everyone
 * delays the others' invitations by at most one answer time each, and never blocks them. A
 * creator has at most one creation pending.
 */
import type { ImpMessage, MessageInput } from "../../codec/index.js";
import { FIRST_PRIVATE_GROUP, LAST_PRIVATE_GROUP, PUBLIC_GROUP } from "../../protocol/index.js";
import type { ServerCore } from "../core.js";
import { MSG as T } from "../../protocol/messages.js";
import type { Group, Invitation, Mode, User } from "../state.js";
import { forgetInvitation, moveUser, rejectToInviter } from "./membership.js";

function inviteRequest(inviter: number, group: number, mode: Mode, invitee: number): MessageInput {
  return { type: T.inviteRequest, src: inviter, group: 0, mode, invite_group: group, invitee };
}

/** Why `inviter` may not add an invitation for `invitee` now (null: it may, sent or queued). */
function cannotInvite(core: ServerCore, inviter: number, invitee: number): string | null {
  const mine = core.state.invitationsOf(invitee);
  if (mine.some((i) => i.inviter === inviter)) return "invitee has an invitation from this inviter pending";
  if (mine.length > core.options.maxQueuedInvitations) return "invitee has too many invitations pending";
  return null;
}

/** Sends the invitation, or queues it behind the one the invitee has (cannotInvite was null). */
function invite(core: ServerCore, kind: "create" | "join", inviter: number, invitee: User, group: Group): void {
  const request = inviteRequest(inviter, group.id, group.mode, invitee.id);
  const inv: Invitation = { invitee: invitee.id, inviter, group: group.id, mode: group.mode, kind, request, timer: null };
  const state = core.state;
  group.creation?.pending.add(invitee.id);
  if (state.invitations.has(invitee.id)) {
    let list = state.waiting.get(invitee.id);
    if (!list) state.waiting.set(invitee.id, (list = []));
    list.push(inv);
    core.counters.invitationsQueued++;
    core.emit({ event: "invitation-queued", group: group.id, inviter, invitee: invitee.id, kind, position: list.length });
    return;
  }
  state.invitations.set(invitee.id, inv);
  core.counters.invitationsSent++;
  core.emit({ event: "invited", group: group.id, inviter, invitee: invitee.id, kind });
  core.send(invitee, request);
}

/** Group Creation Request: ACK, reserve the lowest free group, invite each valid invitee. */
export function onCreate(core: ServerCore, creator: User, m: ImpMessage): void {
  core.ack(creator, m);
  const mode: Mode = m.mode === 1 ? 1 : 0;
  const seen = new Set<number>();
  const invitees: User[] = [];
  for (const id of m.invitees ?? []) {
    if (seen.has(id)) continue;
    seen.add(id);
    const u = core.state.users.get(id);
    if (!u || u === creator || cannotInvite(core, creator.id, id) !== null) continue;
    invitees.push(u);
  }
  const reject = (reason: string) => {
    core.counters.groupCreationsRejected++;
    core.emit({ event: "group-creation-rejected", group: 0, creator: creator.id, reason });
    core.send(creator, { type: T.createReject, src: 0, group: 0 });
  };
  // As the 2017 client, which only asks from the Public Group: a member of a private group disjoins first.
  if (creator.group !== PUBLIC_GROUP) return reject("creator is in a private group");
  for (const g of core.state.groups.values())
    if (!g.created && g.creation?.creator === creator.id) return reject("a creation of this client is pending");
  if (invitees.length === 0) return reject("no valid invitee");
  const group = core.state.reserveGroup(mode, creator.id);
  if (!group) return reject("no free group ID");
  core.emit({ event: "group-reserved", group: group.id, creator: creator.id, mode, invitees: invitees.map((u) => u.id) });
  for (const u of invitees) invite(core, "create", creator.id, u, group);
}

/** Group Invitation Request from a member: ACK, then forward it, or refuse it at once. */
export function onInvite(core: ServerCore, inviter: User, m: ImpMessage): void {
  core.ack(inviter, m);
  const groupId = m.invite_group ?? 0;
  const inviteeId = m.invitee ?? 0;
  const group = core.state.groups.get(groupId);
  const invitee = core.state.users.get(inviteeId);
  let reason: string | null = null;
  if (groupId < FIRST_PRIVATE_GROUP || groupId > LAST_PRIVATE_GROUP || !group || !group.created) reason = "no such private group";
  else if (inviter.group !== groupId) reason = "inviter not in the group";
  else if (!invitee) reason = "unknown invitee";
  else if (invitee === inviter) reason = "invitee is the inviter";
  else if (invitee.group === groupId) reason = "invitee already in the group";
  else reason = cannotInvite(core, inviter.id, inviteeId);
  if (reason !== null || !group || !invitee) {
    core.counters.invitationsRefused++;
    core.emit({ event: "invitation-refused", group: groupId, inviter: inviter.id, invitee: inviteeId, reason: reason ?? "" });
    core.send(inviter, { type: T.inviteReject, src: inviteeId, group: 0, mode: m.mode ?? 0, invite_group: groupId });
    return;
  }
  invite(core, "join", inviter.id, invitee, group);
}

/** The invitee acknowledged its Group Invitation Request: its answer timer starts. */
export function onInvitationAcked(core: ServerCore, invitee: User, request: MessageInput): void {
  const inv = core.state.invitations.get(invitee.id);
  if (!inv || inv.request !== request || inv.timer) return;
  inv.timer = core.clock.setTimer(core.options.inviteTimeoutMs, () => {
    inv.timer = null;
    if (core.state.invitations.get(invitee.id) !== inv) return;
    core.counters.invitationsTimedOut++;
    core.emit({ event: "invitation-timeout", group: inv.group, inviter: inv.inviter, invitee: inv.invitee });
    settle(core, inv, false);
    core.afterTurn();
  });
}

/** Group Invitation Accept or Reject from an invitee: ACK, then settle its invitation. */
export function onAnswer(core: ServerCore, invitee: User, m: ImpMessage): void {
  core.ack(invitee, m);
  // Only the invitation sent can be answered (those waiting behind it are unknown to the invitee).
  const inv = core.state.invitations.get(invitee.id);
  if (!inv || inv.group !== m.invite_group) {
    core.counters.unsolicitedAnswers++;
    core.emit({ event: "unsolicited-answer", id: invitee.id, group: m.invite_group ?? 0 });
    return;
  }
  const accepted = m.type === T.inviteAccept;
  if (accepted) core.counters.invitationsAccepted++;
  else core.counters.invitationsRejected++;
  core.emit({
    event: accepted ? "invitation-accepted" : "invitation-rejected",
    group: inv.group,
    inviter: inv.inviter,
    invitee: inv.invitee,
  });
  settle(core, inv, accepted);
}

/** The invitee is leaving: its invitation counts as rejected. A creator leaving cancels its reserved groups. */
export function onUserLeaving(core: ServerCore, user: User): void {
  // Those waiting first, so that settling the one sent does not send the next.
  for (const own of core.state.invitationsOf(user.id).reverse()) {
    if (!core.state.isPending(own)) continue;
    core.emit({ event: "invitation-cancelled", group: own.group, inviter: own.inviter, invitee: own.invitee, reason: "invitee left" });
    settle(core, own, false);
  }
  for (const g of [...core.state.groups.values()]) {
    if (g.created || g.creation?.creator !== user.id) continue;
    for (const id of [...g.creation.pending]) {
      const inv = core.state.invitationOf(id, g.id);
      if (!inv) continue;
      forgetInvitation(core, inv);
      core.emit({ event: "invitation-cancelled", group: g.id, inviter: user.id, invitee: id, reason: "creator left" });
    }
    core.state.deleteGroup(g.id);
  }
}

/** Ends an invitation with an accept or a reject (explicit, time-out or departure). */
function settle(core: ServerCore, inv: Invitation, accepted: boolean): void {
  forgetInvitation(core, inv);
  const group = core.state.groups.get(inv.group);
  const invitee = core.state.users.get(inv.invitee);
  const inviter = core.state.users.get(inv.inviter);
  if (!group) return;
  if (inv.kind === "join") {
    if (accepted && invitee && group.created) {
      const changed = moveUser(core, invitee, group.id);
      if (inviter) core.send(inviter, { type: T.inviteAccept, src: inv.invitee, group: 0, mode: group.mode, invite_group: group.id });
      core.updateList(changed);
    } else if (!accepted) {
      rejectToInviter(core, inv.inviter, inv.invitee, group.id, group.mode);
    }
    return;
  }
  // A creation invitation.
  if (accepted && invitee) {
    if (!group.created) {
      group.created = true;
      core.counters.groupsCreated++;
      const changed: User[] = [];
      if (inviter) changed.push(...moveUser(core, inviter, group.id));
      changed.push(...moveUser(core, invitee, group.id));
      core.emit({ event: "group-created", group: group.id, creator: inv.inviter, accepter: inv.invitee, mode: group.mode });
      if (inviter) core.send(inviter, { type: T.createAccept, src: 0, group: 0, mode: group.mode, new_group: group.id });
      core.updateList(changed);
    } else {
      const changed = moveUser(core, invitee, group.id);
      if (inviter) core.send(inviter, { type: T.inviteAccept, src: inv.invitee, group: 0, mode: group.mode, invite_group: group.id });
      core.updateList(changed);
    }
  }
  if (group.creation && group.creation.pending.size === 0) {
    group.creation = null;
    if (!group.created) {
      core.state.deleteGroup(group.id);
      core.counters.groupCreationsRejected++;
      core.emit({ event: "group-creation-rejected", group: group.id, creator: inv.inviter, reason: "every invitee rejected or timed out" });
      if (inviter) core.send(inviter, { type: T.createReject, src: 0, group: 0 });
    }
  }
}
