/** Messaging (6.2) and group management (6.3): creation, invitation, disjoint, dissolution. */
import { MSG, PUBLIC_GROUP } from "../../../src/protocol/index.js";
import { fail, nonStrict, pass, type Outcome, type ServerCase } from "../case.js";
import { describe, type CaseContext } from "../context.js";
import type { TestClient } from "../test-client.js";

/** `from` sends `text` to `group`; who got it (after a barrier). */
async function deliver(ctx: CaseContext, from: TestClient, group: number, text: string, others: TestClient[]) {
  const marks = others.map((o) => o.mark());
  const acked = await from.acked({ type: MSG.data, group, data: text }, ctx.answerMs);
  await ctx.barrier(from);
  const got = others.map((o, i) => o.since(marks[i]!).find((m) => m.ack === 0 && m.type === MSG.data && m.data === text));
  return { acked, got };
}

/** A creation or invitation whose invitee does not accept: what the asker gets, and when. */
async function unanswered(ctx: CaseContext, invite: "create" | "invite", answer: "reject" | "timeout"): Promise<Outcome> {
  const a = await ctx.connected("asker");
  const b = await ctx.connected("invitee");
  let asker = a;
  let group = 0;
  if (invite === "invite") {
    const c = await ctx.connected("partner");
    group = await ctx.group(a, [c]);
  }
  const fb = b.mark();
  const from = asker.mark();
  const req =
    invite === "create"
      ? { type: MSG.createRequest, mode: 0, invitees: [b.id] }
      : { type: MSG.inviteRequest, mode: 0, invite_group: group, invitee: b.id };
  if (!(await asker.acked(req, ctx.answerMs)))
    return fail(`no ACK of the ${invite === "create" ? "Group Creation" : "Group Invitation"} Request`);
  const inv = await b.waitFor((m) => m.ack === 0 && m.type === MSG.inviteRequest, ctx.answerMs, fb);
  if (!inv?.msg) return fail("the invitee got no Group Invitation Request");
  const acked = inv.at;
  const want = invite === "create" ? MSG.createReject : MSG.inviteReject;
  const wrong = invite === "create" ? MSG.createAccept : MSG.inviteAccept;
  const name = invite === "create" ? "Group Creation Reject" : "Group Invitation Reject";
  if (answer === "reject") {
    if (!(await b.acked({ type: MSG.inviteReject, mode: inv.msg.mode ?? 0, invite_group: inv.msg.invite_group ?? 0 }, ctx.answerMs)))
      return fail("no ACK of the invitee's Group Invitation Reject");
    const r = await asker.waitFor((m) => m.ack === 0 && (m.type === want || m.type === wrong), ctx.answerMs, from);
    if (!r?.msg) return fail(`no ${name} to the asker`);
    if (r.msg.type === wrong) return fail(`answered the reject with ${describe(r.msg)}`);
    return pass(`${name} to the asker after the invitee's reject`);
  }
  const t = ctx.timers.inviteTimeout;
  const late = ctx.timers.tolerance(t);
  asker = a;
  const r = await asker.waitFor((m) => m.ack === 0 && (m.type === want || m.type === wrong), t + late + 500, from);
  if (!r?.msg) return fail(`no ${name} within ${((t + late) / 1000).toFixed(1)} s of the invitee's ACK (timer ${t / 1000} s)`);
  if (r.msg.type === wrong) return fail(`${describe(r.msg)} though nobody accepted`);
  const after = r.at - acked;
  const text = `${name} ${(after / 1000).toFixed(2)} s after the invitee's ACK (timer ${t / 1000} s)`;
  if (after < t - 200) return fail(`${text}: too early`);
  if (after > t + late) return nonStrict(`${text}: late`);
  return pass(text);
}

export const GROUP_CASES: ServerCase[] = [
  {
    id: "6.2.1",
    title: "Centralized messaging in the Public Group",
    sections: ["6.2.1", "5.6", "3.3.1"],
    expect:
      "Data to group 1 is acknowledged to its sender and relayed, unchanged but for S, to every other member and not back to the sender.",
    async run(ctx) {
      const a = await ctx.connected("ann");
      const b = await ctx.connected("bob");
      const c = await ctx.connected("cid");
      const fa = a.mark();
      const { acked, got } = await deliver(ctx, a, PUBLIC_GROUP, "hello all", [b, c]);
      if (!acked) return fail("no ACK to the sender");
      const missing = [b, c].filter((_, i) => !got[i]);
      if (missing.length) return fail(`not relayed to ${missing.map((m) => m.name).join(", ")}`);
      for (const m of got) {
        if (m!.src !== a.id || m!.group !== PUBLIC_GROUP) return fail(`relayed as ${describe(m)}, not Source ${a.id}, Group 1`);
        if (m!.hlen !== 7 || m!.data_len !== 9) return fail(`relayed with HL ${m!.hlen}, Data Length ${m!.data_len}`);
      }
      if (a.since(fa).some((m) => m.ack === 0 && m.type === MSG.data)) return fail("relayed back to its sender");
      return pass("ACK to the sender; relayed to bob and cid with Source and Group kept");
    },
  },
  {
    id: "6.2.2",
    title: "Messaging in a private group",
    sections: ["6.2.1", "3.1.3", "3.2"],
    expect: "Data to a centralized private group reaches its members only; the Public Group's other clients do not get it.",
    async run(ctx) {
      const a = await ctx.connected("pa");
      const b = await ctx.connected("pb");
      const x = await ctx.connected("px");
      const g = await ctx.group(a, [b]);
      const { acked, got } = await deliver(ctx, a, g, "private", [b, x]);
      if (!acked) return fail("no ACK to the sender");
      if (!got[0]) return fail(`not relayed to the other member of group ${g}`);
      if (got[0].group !== g) return fail(`relayed with Group ${got[0].group}, not ${g}`);
      if (got[1]) return fail(`relayed to a client outside group ${g}`);
      const pub = await deliver(ctx, x, PUBLIC_GROUP, "public", [a, b]);
      if (pub.got.some((m) => m)) return fail("Public Group data relayed to members of a private group");
      return pass(`relayed inside group ${g} only; Public Group data kept out of it`);
    },
  },
  {
    id: "6.2.3",
    title: "Decentralized group",
    sections: ["6.2.2", "3.3.2", "5.8"],
    expect:
      "A decentralized group is created like a centralized one (Group Creation Accept with mode 1) and its members are listed in it with their addresses.",
    async run(ctx) {
      const a = await ctx.connected("da");
      const b = await ctx.connected("db");
      const from = a.mark();
      const g = await ctx.group(a, [b], 1);
      const acc = a.since(from).find((m) => m.ack === 0 && m.type === MSG.createAccept)!;
      if (acc.mode !== 1) return fail(`Group Creation Accept with mode ${acc.mode}`);
      const list = (await a.list(ctx.answerMs)) ?? [];
      const eb = list.find((e) => e.client_id === b.id);
      if (eb?.group !== g) return fail(`the member is listed in group ${eb?.group ?? "(absent)"}, not ${g}`);
      if (eb.ip !== b.local.ip || eb.port !== b.local.port) return fail(`the member's address is listed as ${eb.ip}:${eb.port}`);
      return pass(`group ${g}, mode 1; the member listed in it at ${eb.ip}:${eb.port}`);
    },
  },
  {
    id: "6.3.1",
    title: "Group creation successful",
    sections: ["6.3.1", "5.7", "5.8", "5.10", "5.11"],
    expect:
      "Creation Request: ACK, Invitation Request to the invitee (mode, a group ID 2..254, invitee), its Accept: ACK and Group Creation Accept with the same group ID.",
    async run(ctx) {
      const a = await ctx.connected("maker");
      const b = await ctx.connected("joiner");
      const fb = b.mark();
      const from = a.mark();
      if (!(await a.acked({ type: MSG.createRequest, mode: 0, invitees: [b.id] }, ctx.answerMs)))
        return fail("no ACK of the Group Creation Request");
      const inv = await b.waitFor((m) => m.ack === 0 && m.type === MSG.inviteRequest, ctx.answerMs, fb);
      if (!inv?.msg) return fail("no Group Invitation Request to the invitee");
      const g = inv.msg.invite_group ?? 0;
      if (g < 2 || g > 254) return fail(`Group Invitation Request for group ${g}`);
      if (inv.msg.invitee !== b.id || inv.msg.hlen !== 8)
        return fail(`Group Invitation Request ${describe(inv.msg)}, invitee ${inv.msg.invitee}`);
      if (!(await b.acked({ type: MSG.inviteAccept, mode: 0, invite_group: g }, ctx.answerMs)))
        return fail("no ACK of the Group Invitation Accept");
      const acc = await a.waitFor((m) => m.ack === 0 && m.type === MSG.createAccept, ctx.answerMs, from);
      if (!acc?.msg) return fail("no Group Creation Accept to the creator");
      if (acc.msg.new_group !== g) return fail(`Group Creation Accept for group ${acc.msg.new_group}, invitation was for ${g}`);
      const notes = [] as string[];
      if (inv.msg.src !== a.id) notes.push(`invitation with Source ${inv.msg.src}, not the inviter's ${a.id}`);
      if (acc.msg.src !== 0 && acc.msg.src !== a.id) notes.push(`Group Creation Accept with Source ${acc.msg.src}`);
      const { got } = await deliver(ctx, a, g, "in group", [b]);
      if (!got[0]) return fail(`group ${g} created, but data to it does not reach the member`);
      return notes.length ? nonStrict(notes.join("; ")) : pass(`group ${g} created; data reaches the member`);
    },
  },
  {
    id: "6.3.2",
    title: "Group creation rejected",
    sections: ["6.3.2", "5.9", "5.12"],
    expect: "When the only invitee answers Group Invitation Reject, the creator gets a Group Creation Reject.",
    run: (ctx) => unanswered(ctx, "create", "reject"),
  },
  {
    id: "6.3.2.2",
    title: "Group creation timed out",
    sections: ["6.3.2", "5.9"],
    expect:
      "When the only invitee acknowledges the invitation and never answers, the creator gets a Group Creation Reject 15 s after that ACK.",
    slowMs: 15_000,
    run: (ctx) => unanswered(ctx, "create", "timeout"),
  },
  {
    id: "6.3.3",
    title: "Group invitation successful",
    sections: ["6.3.3", "5.10", "5.11"],
    expect:
      "A member's Group Invitation Request is acknowledged and forwarded; the invitee's Accept is acknowledged and forwarded to the inviter, and the invitee joins.",
    async run(ctx) {
      const a = await ctx.connected("inviter");
      const b = await ctx.connected("member");
      const c = await ctx.connected("newbie");
      const g = await ctx.group(a, [b]);
      const fc = c.mark();
      const from = a.mark();
      if (!(await a.acked({ type: MSG.inviteRequest, mode: 0, invite_group: g, invitee: c.id }, ctx.answerMs)))
        return fail("no ACK of the Group Invitation Request");
      const inv = await c.waitFor((m) => m.ack === 0 && m.type === MSG.inviteRequest, ctx.answerMs, fc);
      if (!inv?.msg) return fail("not forwarded to the invitee");
      if (inv.msg.invite_group !== g) return fail(`forwarded for group ${inv.msg.invite_group}, not ${g}`);
      if (!(await c.acked({ type: MSG.inviteAccept, mode: 0, invite_group: g }, ctx.answerMs)))
        return fail("no ACK of the invitee's Accept");
      const fwd = await a.waitFor((m) => m.ack === 0 && m.type === MSG.inviteAccept, ctx.answerMs, from);
      if (!fwd?.msg) return fail("the Accept was not forwarded to the inviter");
      if (fwd.msg.src !== c.id || fwd.msg.invite_group !== g)
        return fail(`forwarded as ${describe(fwd.msg)}, group ${fwd.msg.invite_group}`);
      const { got } = await deliver(ctx, a, g, "welcome", [b, c]);
      if (!got[1]) return fail(`the invitee does not get group ${g}'s data`);
      return pass(`invitee joined group ${g}; the inviter got its Accept`);
    },
  },
  {
    id: "6.3.4",
    title: "Group invitation rejected",
    sections: ["6.3.4", "5.12"],
    expect: "When the invitee answers Group Invitation Reject, it is acknowledged and forwarded to the inviter.",
    run: (ctx) => unanswered(ctx, "invite", "reject"),
  },
  {
    id: "6.3.4.2",
    title: "Group invitation timed out",
    sections: ["6.3.4", "5.12"],
    expect:
      "When the invitee acknowledges the invitation and never answers, the inviter gets a Group Invitation Reject 15 s after that ACK.",
    slowMs: 15_000,
    run: (ctx) => unanswered(ctx, "invite", "timeout"),
  },
  {
    id: "6.3.5",
    title: "Group disjoint",
    sections: ["6.3.5", "5.13"],
    expect: "A Group Disjoint Request is acknowledged; the client is back in the Public Group, the group of three goes on with two.",
    async run(ctx) {
      const a = await ctx.connected("ga");
      const b = await ctx.connected("gb");
      const c = await ctx.connected("gc");
      const g = await ctx.group(a, [b, c]);
      if (!(await c.acked({ type: MSG.disjoint }, ctx.answerMs))) return fail("no ACK of the Group Disjoint Request");
      await ctx.barrier(c);
      const list = (await c.list(ctx.answerMs)) ?? [];
      const gr = (x: TestClient) => list.find((e) => e.client_id === x.id)?.group;
      if (gr(c) !== PUBLIC_GROUP) return fail(`the client is listed in group ${gr(c)}, not 1`);
      const { got } = await deliver(ctx, a, g, "still here", [b, c]);
      if (!got[0]) return fail(`group ${g} no longer relays to its remaining member`);
      if (got[1]) return fail(`the client that left still gets group ${g}'s data`);
      return pass(`back in group 1; group ${g} goes on with two`);
    },
  },
  {
    id: "6.3.6",
    title: "Group dissolution",
    sections: ["6.3.6", "5.14"],
    expect:
      "When one of two members leaves, the other gets a Group Dissolution (Group ID the dissolved group, or 1) and is back in the Public Group.",
    async run(ctx) {
      const a = await ctx.connected("da");
      const b = await ctx.connected("db");
      const g = await ctx.group(a, [b]);
      const fa = a.mark();
      if (!(await b.acked({ type: MSG.disjoint }, ctx.answerMs))) return fail("no ACK of the Group Disjoint Request");
      const d = await a.waitFor((m) => m.ack === 0 && m.type === MSG.dissolution, ctx.answerMs, fa);
      if (!d?.msg) return fail("no Group Dissolution to the last member");
      if (d.msg.hlen !== 5 || d.msg.src !== 0) return fail(`Group Dissolution as ${describe(d.msg)}`);
      const list = (await a.list(ctx.answerMs)) ?? [];
      const mine = list.find((e) => e.client_id === a.id)?.group;
      if (mine !== PUBLIC_GROUP) return fail(`the last member is listed in group ${mine}`);
      if (d.msg.group !== g && d.msg.group !== PUBLIC_GROUP) return nonStrict(`Group Dissolution with Group ${d.msg.group}, not ${g}`);
      return pass(`Group Dissolution (group ${d.msg.group}); back in group 1`);
    },
  },
];
