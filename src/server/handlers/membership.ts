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

/** Stops an invitation's timer and forgets it (and the creation's wait for it). */
export function forgetInvitation(core: ServerCore, inv: Invitation): void {
  if (inv.timer) core.clock.clearTimer(inv.timer);
  inv.timer = null;
  core.state.invitations.delete(inv.invitee);
  core.state.groups.get(inv.group)?.creation?.pending.delete(inv.invitee);
}

/** Group Invitation Reject to the inviter, in the invitee's name (HL 7). */
export function rejectToInviter(core: ServerCore, inviter: number, invitee: number, group: number, mode: number): void {
  const to = core.state.users.get(inviter);
  if (to) core.send(to, { type: T.inviteReject, src: invitee, group: 0, mode, invite_group: group });
}

/** Every pending invitation into a group that no longer exists; join inviters get a Reject. */
export function cancelInvitationsInto(core: ServerCore, groupId: number, reason: string): void {
  for (const inv of [...core.state.invitations.values()]) {
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
