/**
 * Group membership: moving a client between groups, dissolving a private group left with one
 * member, cancelling invitations into a group that is gone, and the Group Disjoint Request.
 */
import type { ImpMessage } from "../../codec/index.js";
import { PUBLIC_GROUP } from "../../protocol/index.js";
import type { ServerCore } from "../core.js";
import { MSG as T } from "../../protocol/messages.js";
import type { Invitation, User } from "../state.js";

/**
 * Moves `user` into `group`. The private group it leaves shrinks, and is dissolved when one member
 * is left (Group Dissolution to that member). Returns every user whose entry changed.
 */
export function moveUser(core: ServerCore, user: User, group: number): User[] {
  const from = user.group;
  if (from === group) return [];
  core.state.setGroup(user, group);
  // Other invitations of this client into the group it is now in are moot: their inviters get a Reject.
  for (const inv of core.state.invitationsOf(user.id)) {
    if (inv.group !== group) continue;
    forgetInvitation(core, inv);
    core.emit({ event: "invitation-cancelled", group, inviter: inv.inviter, invitee: inv.invitee, reason: "invitee already in the group" });
    if (inv.kind === "join") rejectToInviter(core, inv.inviter, inv.invitee, group, inv.mode);
  }
  if (from !== PUBLIC_GROUP) core.emit({ event: "left", id: user.id, group: from });
  if (group !== PUBLIC_GROUP) core.emit({ event: "joined", id: user.id, group });
  return [user, ...shrink(core, from)];
}

/** After a member left `groupId`: dissolves it when one member is left; returns who moved. */
export function shrink(core: ServerCore, groupId: number): User[] {
  if (groupId === PUBLIC_GROUP) return [];
  const g = core.state.groups.get(groupId);
  if (!g?.created || g.members.size >= 2) return [];
  const moved: User[] = [];
  for (const id of g.members) {
    const last = core.state.users.get(id)!;
    core.state.setGroup(last, PUBLIC_GROUP);
    core.send(last, { type: T.dissolution, src: 0, group: groupId });
    core.emit({ event: "dissolved", group: groupId, last: id });
    moved.push(last);
  }
  if (moved.length === 0) core.emit({ event: "dissolved", group: groupId, last: 0 });
  core.counters.groupsDissolved++;
  cancelInvitationsInto(core, groupId, "group dissolved");
  core.state.deleteGroup(groupId);
  return moved;
}

/**
 * Stops an invitation's timer and forgets it (and the creation's wait for it). When it was the
 * one sent to its invitee, the next one waiting for that invitee is sent.
 */
export function forgetInvitation(core: ServerCore, inv: Invitation): void {
  if (inv.timer) core.clock.clearTimer(inv.timer);
  inv.timer = null;
  const state = core.state;
  state.groups.get(inv.group)?.creation?.pending.delete(inv.invitee);
  if (state.invitations.get(inv.invitee) === inv) {
    state.invitations.delete(inv.invitee);
    sendNextInvitation(core, inv.invitee);
    return;
  }
  const list = state.waiting.get(inv.invitee);
  const at = list ? list.indexOf(inv) : -1;
  if (!list || at < 0) return;
  list.splice(at, 1);
  if (list.length === 0) state.waiting.delete(inv.invitee);
}

/** Sends `invitee` the first invitation waiting for it, if it is still connected. */
function sendNextInvitation(core: ServerCore, inviteeId: number): void {
  const state = core.state;
  const invitee = state.users.get(inviteeId);
  const list = state.waiting.get(inviteeId);
  // An invitee that is leaving (its link is closed) has its waiting invitations settled by onUserLeaving.
  if (!list || !invitee || invitee.link.isClosed) return;
  const next = list.shift()!;
  if (list.length === 0) state.waiting.delete(inviteeId);
  state.invitations.set(inviteeId, next);
  core.counters.invitationsSent++;
  core.emit({ event: "invited", group: next.group, inviter: next.inviter, invitee: inviteeId, kind: next.kind });
  core.send(invitee, next.request);
}

/** Group Invitation Reject to the inviter, in the invitee's name (HL 7). */
export function rejectToInviter(core: ServerCore, inviter: number, invitee: number, group: number, mode: number): void {
  const to = core.state.users.get(inviter);
  if (to) core.send(to, { type: T.inviteReject, src: invitee, group: 0, mode, invite_group: group });
}

/** Every pending invitation into a group that no longer exists; join inviters get a Reject. */
export function cancelInvitationsInto(core: ServerCore, groupId: number, reason: string): void {
  const all = [...core.state.waiting.values()].flat().concat([...core.state.invitations.values()]);
  for (const inv of all) {
    if (inv.group !== groupId) continue;
    forgetInvitation(core, inv);
    core.emit({ event: "invitation-cancelled", group: groupId, inviter: inv.inviter, invitee: inv.invitee, reason });
    if (inv.kind === "join") rejectToInviter(core, inv.inviter, inv.invitee, groupId, inv.mode);
  }
}

/** Group Disjoint Request: ACK; back to the Public Group; the old group may dissolve. */
export function onDisjoint(core: ServerCore, user: User, m: ImpMessage): void {
  core.ack(user, m);
  if (user.group === PUBLIC_GROUP) return;
  core.updateList(moveUser(core, user, PUBLIC_GROUP));
}
