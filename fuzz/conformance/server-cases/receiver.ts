/**
 * Every message type as the server receives it (5.4 to 5.18): what it must answer, and the
 * server-to-client types it must drop when a client sends them.
 */
import { encode, type MessageInput } from "../../../src/codec/index.js";
import { messageSpec, MSG, PUBLIC_GROUP } from "../../../src/protocol/index.js";
import { fail, info, nonStrict, pass, type ServerCase } from "../case.js";
import { describe } from "../context.js";

/** Server-to-client types a client sends to the server, by section: each must be dropped. */
const WRONG_DIRECTION: readonly [string, MessageInput][] = [
  ["5.2.1", { type: MSG.connAccept, client_id: 7 }],
  ["5.3.2", { type: MSG.connReject, error: 1 }],
  ["5.5.1", { type: MSG.listResponse, group: PUBLIC_GROUP, entry: [] }],
  ["5.8.1", { type: MSG.createAccept, mode: 0, new_group: 9 }],
  ["5.9.1", { type: MSG.createReject }],
  ["5.14.1", { type: MSG.dissolution, group: PUBLIC_GROUP }],
  ["5.15.1", { type: MSG.updateList, group: 255, entry: [{ client_id: 9, group: 1, username: "ghost", ip: "127.0.0.9", port: 9 }] }],
  ["5.16.1", { type: MSG.updateDisconnection, group: 255, client_id: 9 }],
];

const wrongDirection: ServerCase[] = WRONG_DIRECTION.map(([id, m]) => {
  const name = messageSpec(m.type)!.name;
  return {
    id,
    title: `${name} sent to the server`,
    sections: [id.split(".").slice(0, 2).join("."), "WIRE 5"],
    expect: `A ${name} from a connected client (a server-to-client type) is dropped: no answer, no ACK.`,
    async run(ctx) {
      const a = await ctx.connected("sender");
      const from = a.mark();
      // Sent with the next S but not counted as sent: a dropped message must not put the client out of step.
      a.raw(encode({ src: a.id, group: 0, ...m, seq: a.lastSent ^ 1 }));
      await ctx.barrier(a);
      const got = a.since(from).filter((x) => x.type !== MSG.listResponse && !(x.ack === 1 && x.type === MSG.listRequest));
      return got.length === 0 ? pass("dropped, no answer") : fail(`answered with ${describe(got[0])}`);
    },
  };
});

export const RECEIVER_CASES: ServerCase[] = [
  ...wrongDirection,
  {
    id: "5.4.1",
    title: "User List Request with a wrong Header Length",
    sections: ["5.4", "4", "WIRE 3"],
    expect: "A User List Request with HL 6 and one extra byte is malformed and gets no answer.",
    async run(ctx) {
      const a = await ctx.connected("lister");
      const from = a.mark();
      const b = encode({ type: MSG.listRequest, seq: a.lastSent ^ 1, src: a.id, group: PUBLIC_GROUP });
      const bad = Buffer.concat([b, Buffer.from([0])]);
      bad[4] = 6;
      a.raw(bad);
      const b2 = await ctx.connected("witness");
      await ctx.barrier(b2);
      const got = a.since(from).filter((x) => x.ack === 0 && x.type === MSG.listResponse);
      return got.length === 0 ? pass("no answer") : fail(`answered with ${describe(got[0])}`);
    },
  },
  {
    id: "5.6.1",
    title: "Data Message with a wrong Data Length dropped",
    sections: ["5.6", "WIRE 3"],
    expect: "A Data Message whose Data Length says 10 with 2 bytes of text is malformed: no ACK, no relay.",
    async run(ctx) {
      const a = await ctx.connected("talker");
      const b = await ctx.connected("hearer");
      const fa = a.mark();
      const fb = b.mark();
      a.raw(encode({ type: MSG.data, seq: a.lastSent ^ 1, src: a.id, group: PUBLIC_GROUP, data: "hi" }, { data_len: 10 }));
      await ctx.barrier(a);
      const acked = a.since(fa).some((x) => x.ack === 1 && x.type === MSG.data);
      const relayed = b.since(fb).some((x) => x.ack === 0 && x.type === MSG.data);
      if (relayed) return fail("relayed to the other member");
      return acked ? fail("acknowledged a malformed Data Message") : pass("dropped: no ACK, no relay");
    },
  },
  {
    id: "5.6.2",
    title: "Data Message to a group the sender is not in",
    sections: ["5.6", "4", "WIRE 5"],
    expect: "Data to a private group the sender is not in is acknowledged and not relayed to that group's members.",
    async run(ctx) {
      const a = await ctx.connected("owner");
      const b = await ctx.connected("member");
      const x = await ctx.connected("outsider");
      const g = await ctx.group(a, [b]);
      const fa = a.mark();
      const fb = b.mark();
      const acked = await x.acked({ type: MSG.data, group: g, data: "intrude" }, ctx.answerMs);
      await ctx.barrier(x);
      const relayed = [...a.since(fa), ...b.since(fb)].some((m) => m.ack === 0 && m.type === MSG.data);
      if (relayed) return fail(`relayed into group ${g}, which the sender is not in`);
      return acked
        ? pass(`acknowledged, not relayed into group ${g}`)
        : nonStrict("dropped without an ACK (WIRE.md: acknowledged and dropped)");
    },
  },
  {
    id: "5.7.1",
    title: "Group Creation Request with unknown invitees",
    sections: ["5.7", "5.9", "6.3.2", "WIRE 5"],
    expect: "A Group Creation Request naming only client IDs nobody holds is acknowledged and answered with a Group Creation Reject.",
    async run(ctx) {
      const a = await ctx.connected("lonely");
      const list = (await a.list(ctx.answerMs)) ?? [];
      const unknown = [1, 2, 3, 250, 251, 252, 253].filter((id) => !list.some((e) => e.client_id === id)).slice(0, 2);
      const from = a.mark();
      const acked = await a.acked({ type: MSG.createRequest, mode: 0, invitees: unknown }, ctx.answerMs);
      const r = await a.waitFor((m) => m.ack === 0 && (m.type === MSG.createReject || m.type === MSG.createAccept), ctx.answerMs, from);
      if (r?.msg?.type === MSG.createAccept) return fail(`Group Creation Accept (group ${r.msg.new_group}) with no member`);
      if (!r) return fail(acked ? "acknowledged, but no Group Creation Reject" : "no ACK and no Group Creation Reject");
      if (r.msg!.hlen !== 5) return nonStrict(`Group Creation Reject with HL ${r.msg!.hlen}`);
      return acked ? pass("ACK, then Group Creation Reject") : nonStrict("Group Creation Reject without the ACK first");
    },
  },
  {
    id: "5.10.1",
    title: "Invitation from outside the group",
    sections: ["5.10", "5.12", "6.3.4", "WIRE 5"],
    expect: "A Group Invitation Request for a group the inviter is not in is acknowledged and answered with a Group Invitation Reject.",
    async run(ctx) {
      const a = await ctx.connected("gowner");
      const b = await ctx.connected("gmember");
      const x = await ctx.connected("stranger");
      const y = await ctx.connected("target");
      const g = await ctx.group(a, [b]);
      const fy = y.mark();
      const from = x.mark();
      const acked = await x.acked({ type: MSG.inviteRequest, mode: 0, invite_group: g, invitee: y.id }, ctx.answerMs);
      const r = await x.waitFor((m) => m.ack === 0 && (m.type === MSG.inviteReject || m.type === MSG.inviteAccept), ctx.answerMs, from);
      await ctx.barrier(x);
      if (y.since(fy).some((m) => m.type === MSG.inviteRequest)) return fail(`forwarded the invitation into group ${g} to its invitee`);
      if (!r)
        return nonStrict(
          acked ? "acknowledged, no Group Invitation Reject (WIRE.md: reject)" : "dropped (WIRE.md: ACK and Group Invitation Reject)",
        );
      if (r.msg!.type === MSG.inviteAccept) return fail("Group Invitation Accept for an invalid invitation");
      return acked ? pass("ACK, then Group Invitation Reject") : nonStrict("Group Invitation Reject without the ACK first");
    },
  },
  {
    id: "5.11.1",
    title: "Group Invitation Accept without an invitation",
    sections: ["5.11", "3.2"],
    expect: "A Group Invitation Accept for a group nobody invited the client to does not make it a member.",
    async run(ctx) {
      const a = await ctx.connected("host");
      const b = await ctx.connected("guest");
      const x = await ctx.connected("crasher");
      const g = await ctx.group(a, [b]);
      const acked = await x.acked({ type: MSG.inviteAccept, mode: 0, invite_group: g }, ctx.answerMs);
      await ctx.barrier(x);
      const list = (await x.list(ctx.answerMs)) ?? [];
      const me = list.find((e) => e.client_id === x.id);
      if (me?.group === g) return fail(`the client is now listed in group ${g}`);
      return info(`${acked ? "acknowledged" : "dropped without an ACK"}; still in group ${me?.group ?? "?"}`);
    },
  },
  {
    id: "5.18.1",
    title: "Unsolicited acknowledgement",
    sections: ["5.18", "WIRE 4"],
    expect: "An ACK of nothing outstanding (a Data ACK out of the blue) gets no answer.",
    async run(ctx) {
      const a = await ctx.connected("acker");
      const from = a.mark();
      a.raw(encode({ type: MSG.data, seq: 1, ack: 1, src: a.id, group: 0 }));
      a.raw(encode({ type: MSG.createAccept, seq: 0, ack: 1, src: a.id, group: 0 }));
      await ctx.barrier(a);
      const got = a.since(from).filter((x) => !(x.ack === 0 && x.type === MSG.listResponse));
      return got.length === 0 ? pass("no answer") : fail(`answered with ${describe(got[0])}`);
    },
  },
];
