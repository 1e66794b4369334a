/**
 * Flows of section 6 from the client's side: messaging (centralized, decentralized), group
 * creation, invitations (accepted, rejected, timed out; as invitee and as inviter), disjoint,
 * dissolution, updates, disconnection. Where the client ends up is read from where its next text
 * goes (the Group ID of the Data Message it sends when asked to).
 */
import { MSG } from "../../../src/protocol/index.js";
import type { ImpMessage } from "../../../src/codec/index.js";
import { fail, info, nonStrict, pass, type Outcome } from "../case.js";
import { ackForm, ALICE, BOB, GROUP, quietMs, type ClientCase, type ClientCaseContext } from "../client-context.js";

/** Its next text goes to the server with `group`: pass with `what`, else fail. */
async function textGoesTo(ctx: ClientCaseContext, group: number, what: string, odd: string[] = []): Promise<Outcome> {
  const t = await ctx.groupOfNextText("where am i");
  if (t.socket !== 0) return fail(`${what}, but its text went to a peer (socket ${t.socket}), not to the server`);
  if (t.group !== group) return fail(`${what}, but its next text went to group ${t.group}, not ${group}`);
  return odd.length ? nonStrict(`${what}; ${odd.join("; ")}`) : pass(`${what}; its next text went to group ${group}`);
}

/** A control message the client sends: Src its ID, Group 0. */
function controlForm(m: ImpMessage, id: number, hlen: number): string[] {
  const p: string[] = [];
  if (m.src !== id) p.push(`Source ID ${m.src}, not ${id}`);
  if (m.group !== 0) p.push(`Group ID ${m.group}, not 0`);
  if (m.hlen !== hlen) p.push(`HL ${m.hlen}, not ${hlen}`);
  return p;
}

/** The client, in GROUP (it accepted alice's invitation), invites bob; the answer comes as `type` from bob. */
async function inviterGets(ctx: ClientCaseContext, type: number, what: string): Promise<Outcome> {
  await ctx.joined(0);
  await ctx.addBob(1);
  const inv = await ctx.actFor("invite", { invitees: [BOB], group: GROUP }, MSG.inviteRequest, 0);
  if (inv.invitee !== BOB.id || inv.invite_group !== GROUP)
    return fail(`its Group Invitation Request names invitee ${inv.invitee} and group ${inv.invite_group}, not ${BOB.id} and ${GROUP}`);
  const odd = controlForm(inv, ctx.id, 8);
  const ack = await ctx.sendAcked({ type, src: BOB.id, group: 0, mode: 0, invite_group: GROUP });
  if (!ack) return fail(`no ACK of the ${what}`);
  return textGoesTo(ctx, GROUP, `invitation sent and ${what} acknowledged`, odd);
}

export const GROUP_CASES: ClientCase[] = [
  {
    id: "5.6.1",
    title: "Data Message from the server",
    sections: ["5.6", "5.18", "WIRE 3", "WIRE 4"],
    expect: "A relayed Data Message is acknowledged: same Type and S, A=1, HL 5, the client's ID as Source, Group 0.",
    async run(ctx) {
      const ack = await ctx.sendAcked({ type: MSG.data, src: ALICE.id, group: 1, data: "hello from alice" });
      if (!ack) return fail(`no ACK within ${ctx.answerMs} ms`);
      const odd = ackForm(ack, ctx.id);
      return odd.length ? nonStrict(`acknowledged with ${odd.join(", ")}`) : pass(`acknowledged (Src ${ack.src}, Group 0)`);
    },
  },
  {
    id: "5.4.1",
    title: "User List Request on demand",
    sections: ["5.4", "5.5", "6.4"],
    expect: "Asked for the list, the client sends a User List Request (its ID, Group 1, HL 5) and acknowledges the response.",
    async run(ctx) {
      const reqP = ctx.next(MSG.listRequest, ctx.answerMs * 2, 0);
      ctx.act("list");
      const req = await reqP;
      if (!req) return fail("no User List Request");
      const ack = await ctx.sendAcked({ type: MSG.listResponse, src: ctx.id, group: 1, entry: ctx.t.roster() });
      if (!ack) return fail("no ACK of the User List Response");
      const odd = controlForm(req, ctx.id, 5).filter((s) => !s.startsWith("Group"));
      if (req.group !== 1) odd.push(`Group ID ${req.group}, not 1`);
      return odd.length ? nonStrict(odd.join("; ")) : pass("request sent, response acknowledged");
    },
  },
  {
    id: "6.2.1",
    title: "Centralized messaging",
    sections: ["6.2.1", "5.6", "3.2"],
    expect:
      "A text is sent to the server as one Data Message (its ID, Group 1, HL 7, the right data length) and not again once acknowledged.",
    async run(ctx) {
      const text = "hello, world";
      const t = await ctx.groupOfNextText(text);
      if (t.socket !== 0) return fail(`sent to a peer (socket ${t.socket}), not to the server`);
      if (t.m.group !== 1 || t.m.src !== ctx.id) return fail(`Source ID ${t.m.src}, Group ID ${t.m.group} (${ctx.id} and 1 expected)`);
      if (t.m.hlen !== 7 || t.m.data !== text) return fail(`HL ${t.m.hlen}, text "${t.m.data}" (HL 7, "${text}" expected)`);
      const mark = ctx.mark();
      await ctx.sleep(quietMs(ctx));
      const again = ctx.fromClient(mark, 0).filter(({ m }) => m.ack === 0 && m.type === MSG.data).length;
      if (again) return fail(`sent ${again} more time(s) after its ACK`);
      return pass(`"${text}" to group 1, once`);
    },
  },
  {
    id: "6.2.2",
    title: "Decentralized messaging",
    sections: ["6.2.2", "3.3.2", "WIRE 6"],
    expect:
      "In a decentralized group, the client sends its text straight to the other member's address and acknowledges a member's Data Message with its own ID.",
    async run(ctx) {
      await ctx.joined(1);
      const t = await ctx.groupOfNextText("to my peer");
      if (t.socket !== ALICE.socket)
        return fail(`its text went to ${t.socket === 0 ? "the server" : `socket ${t.socket}`}, not to alice's address`);
      if (t.group !== GROUP) return fail(`its text to alice has Group ID ${t.group}, not ${GROUP}`);
      const ack = await ctx.sendAcked({ type: MSG.data, src: ALICE.id, group: GROUP, data: "hi, peer" }, ALICE.socket);
      if (!ack) return fail("no ACK of alice's Data Message (sent from alice's address)");
      const odd = ackForm(ack, ctx.id);
      return odd.length ? nonStrict(`peer ACK with ${odd.join(", ")}`) : pass("text sent to alice directly; alice's text acknowledged");
    },
  },
  {
    id: "6.2.2.2",
    title: "Decentralized peer that never acknowledges",
    sections: ["6.2.2", "3.2", "WIRE 6"],
    expect:
      "A text to a member that never acknowledges is sent to it 1 + 5 times; the member is then out of the client's list and gets no more texts.",
    slowMs: 4000,
    async run(ctx) {
      await ctx.joined(1);
      const mark = ctx.mark();
      ctx.act("send", { text: "hello?" });
      const { rto, retries, tolerance } = ctx.timers;
      await ctx.sleep((retries + 2) * rto + tolerance(rto) * 2);
      const toAlice = () => ctx.fromClient(mark, ALICE.socket).filter(({ m }) => m.ack === 0 && m.type === MSG.data).length;
      const n = toAlice();
      if (n === 0) return fail("asked to send, it sent nothing to alice");
      if (n === 1) return fail("never retransmitted to alice");
      ctx.act("send", { text: "still there?" });
      await ctx.sleep(ctx.answerMs);
      const later = toAlice() - n;
      if (n !== retries + 1) return nonStrict(`sent to alice ${n} times; WIRE.md: 1 + ${retries}`);
      if (later > 0) return nonStrict(`sent ${n} times, then the next text went to alice again (WIRE.md 6: removed from the local list)`);
      return pass(`sent ${n} times, then alice got no more texts`);
    },
  },
  {
    id: "6.3.1",
    title: "Group creation successful",
    sections: ["6.3.1", "5.7", "5.8"],
    expect:
      "Asked to create a group with alice, the client sends a Group Creation Request (mode 0, invitee alice's ID); after the Accept its texts go to the new group.",
    async run(ctx) {
      const req = await ctx.actFor("create", { mode: "centralized", invitees: [ALICE] }, MSG.createRequest, 0);
      if ((req.invitees ?? []).join() !== String(ALICE.id) || req.mode !== 0)
        return fail(`request with invitees [${req.invitees?.join(", ")}] and mode ${req.mode}, not [${ALICE.id}] and 0`);
      const odd = controlForm(req, ctx.id, 7);
      if (!(await ctx.sendAcked({ type: MSG.createAccept, src: 0, group: 0, mode: 0, new_group: GROUP })))
        return fail("no ACK of the Group Creation Accept");
      return textGoesTo(ctx, GROUP, "creation accepted", odd);
    },
  },
  {
    id: "6.3.1.2",
    title: "Decentralized group creation",
    sections: ["6.3.1", "3.3.2", "5.7", "WIRE 2 (E7)"],
    expect: "Asked for a decentralized group, the client's Group Creation Request carries the mode bit 1 (0x80).",
    async run(ctx) {
      const req = await ctx.actFor("create", { mode: "decentralized", invitees: [ALICE] }, MSG.createRequest, 0);
      if (req.mode !== 1) return fail(`mode ${req.mode} in the request`);
      return pass("mode bit set");
    },
  },
  {
    id: "6.3.2",
    title: "Group creation rejected",
    sections: ["6.3.2", "5.9"],
    expect: "After a Group Creation Reject (acknowledged) the client stays in the Public Group.",
    async run(ctx) {
      await ctx.actFor("create", { mode: "centralized", invitees: [ALICE] }, MSG.createRequest, 0);
      if (!(await ctx.sendAcked({ type: MSG.createReject, src: 0, group: 0 }))) return fail("no ACK of the Group Creation Reject");
      return textGoesTo(ctx, 1, "reject acknowledged");
    },
  },
  {
    id: "6.3.3",
    title: "Group invitation accepted",
    sections: ["6.3.3", "5.10", "5.11", "WIRE 3 (E3)"],
    expect:
      "Invited, the client acknowledges; told to accept, it sends a Group Invitation Accept (HL 7, the mode and group) and its texts go to that group.",
    async run(ctx) {
      const acc = await ctx.joined(0);
      if (acc.invite_group !== GROUP || acc.mode !== 0) return fail(`Accept for group ${acc.invite_group}, mode ${acc.mode}`);
      const odd = controlForm(acc, ctx.id, 7);
      return textGoesTo(ctx, GROUP, "invitation accepted", odd);
    },
  },
  {
    id: "6.3.4",
    title: "Group invitation rejected",
    sections: ["6.3.4", "5.10", "5.12", "WIRE 3 (E3, E6)"],
    expect:
      "Told to reject an invitation, the client sends a Group Invitation Reject (HL 7, the mode and group) and stays in the Public Group.",
    async run(ctx) {
      const inv = ctx.send({ type: MSG.inviteRequest, src: ALICE.id, group: 0, mode: 0, invite_group: GROUP, invitee: ctx.id });
      if (!(await ctx.ackOf(inv))) return fail("no ACK of the Group Invitation Request");
      const rej = await ctx.actFor("reject", { group: GROUP }, MSG.inviteReject, 0);
      if (rej.invite_group !== GROUP) return fail(`Reject for group ${rej.invite_group}, not ${GROUP}`);
      return textGoesTo(ctx, 1, "invitation rejected", controlForm(rej, ctx.id, 7));
    },
  },
  {
    id: "6.3.3.2",
    title: "Invitation accepted (inviter)",
    sections: ["6.3.3", "5.10", "5.11"],
    expect:
      "In a group, asked to invite bob, the client sends a Group Invitation Request (HL 8, group, invitee) and acknowledges bob's forwarded Accept.",
    run: (ctx) => inviterGets(ctx, MSG.inviteAccept, "forwarded Group Invitation Accept"),
  },
  {
    id: "6.3.4.2",
    title: "Invitation rejected or timed out (inviter)",
    sections: ["6.3.4", "5.12"],
    expect:
      "The inviter acknowledges the Group Invitation Reject the server sends when the invitee declines or its 15 s timer runs out, and stays in its group.",
    run: (ctx) => inviterGets(ctx, MSG.inviteReject, "Group Invitation Reject"),
  },
  {
    id: "6.3.5",
    title: "Group disjoint",
    sections: ["6.3.5", "5.13", "WIRE 3 (E4)"],
    expect:
      "Told to leave its group, the client sends a Group Disjoint Request (its ID, Group 0, HL 5) and its texts go to the Public Group.",
    async run(ctx) {
      await ctx.joined(0);
      const req = await ctx.actFor("leave", {}, MSG.disjoint, 0);
      return textGoesTo(ctx, 1, "left", controlForm(req, ctx.id, 5));
    },
  },
  {
    id: "6.3.6",
    title: "Group dissolution",
    sections: ["6.3.6", "5.14", "WIRE 3 (E15)"],
    expect: "A Group Dissolution of its group is acknowledged and the client's texts go to the Public Group.",
    async run(ctx) {
      await ctx.joined(0);
      if (!(await ctx.sendAcked({ type: MSG.dissolution, src: 0, group: GROUP }))) return fail("no ACK of the Group Dissolution");
      return textGoesTo(ctx, 1, "dissolution acknowledged");
    },
  },
  {
    id: "6.4.1",
    title: "Update List",
    sections: ["6.4", "5.15"],
    expect: "An Update List (bob joins) is acknowledged and bob can then be invited by name.",
    async run(ctx) {
      const ack = await ctx.sendAcked({ type: MSG.updateList, src: 0, group: 255, entry: [ctx.entry(BOB, 1)] });
      if (!ack) return fail("no ACK of the Update List");
      const req = await ctx.actFor("create", { mode: "centralized", invitees: [BOB] }, MSG.createRequest, 0);
      if (!(req.invitees ?? []).includes(BOB.id))
        return fail(`asked to invite bob, it invited [${req.invitees?.join(", ")}], not ${BOB.id}`);
      return pass(`acknowledged; bob (ID ${BOB.id}) invited`);
    },
  },
  {
    id: "6.4.2",
    title: "Update Disconnection",
    sections: ["6.4", "5.16", "WIRE 3 (E2)"],
    expect: "An Update Disconnection (alice left) is acknowledged and the client keeps working.",
    async run(ctx) {
      const ack = await ctx.sendAcked({ type: MSG.updateDisconnection, src: 0, group: 255, client_id: ALICE.id });
      if (!ack) return fail("no ACK of the Update Disconnection");
      const odd = ackForm(ack, ctx.id);
      if (!(await ctx.alive())) return fail("no ACK of a Data Message afterwards");
      return odd.length ? nonStrict(`ACK with ${odd.join(", ")}`) : pass("acknowledged");
    },
  },
  {
    id: "6.5.1",
    title: "Disconnection",
    sections: ["6.5", "5.17"],
    expect: "Told to quit, the client sends a Disconnection Request (its ID, Group 0, HL 5) and, once acknowledged, nothing more.",
    async run(ctx) {
      const req = await ctx.actFor("quit", {}, MSG.disconnect, 0);
      const mark = ctx.mark();
      await ctx.sleep(quietMs(ctx));
      const more = ctx.fromClient(mark, 0).filter(({ m }) => m.ack === 0);
      const exit = ctx.t.exitInfo();
      const how = exit ? `exited (${exit.signal ?? `code ${exit.code}`})` : "still running";
      if (more.length) return fail(`sent ${more.length} more message(s) after the ACK of its Disconnection Request`);
      const odd = controlForm(req, ctx.id, 5);
      if (odd.length) return nonStrict(odd.join("; "));
      return exit ? pass(`request acknowledged; ${how}`) : info(`request acknowledged, nothing more; ${how}`);
    },
  },
];
