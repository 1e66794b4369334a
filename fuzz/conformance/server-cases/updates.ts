/** Updates (6.4) and disconnection (6.5, 5.15 to 5.17). */
import { MSG, PUBLIC_GROUP } from "../../../src/protocol/index.js";
import { fail, nonStrict, pass, type ServerCase } from "../case.js";
import { describe } from "../context.js";

export const UPDATE_CASES: ServerCase[] = [
  {
    id: "6.4.1",
    title: "Update List on a connection",
    sections: ["6.4", "5.15"],
    expect:
      "A client holding its list gets an Update List (Source 0, Group 255) with the new client's entry once that client has acknowledged its Accept.",
    async run(ctx) {
      const a = await ctx.connected("early");
      const from = a.mark();
      const b = await ctx.connected("late");
      const u = await a.waitFor(
        (m) => m.ack === 0 && m.type === MSG.updateList && (m.entry ?? []).some((e) => e.client_id === b.id),
        ctx.answerMs,
        from,
      );
      if (!u?.msg) return fail("no Update List with the new client's entry");
      const e = u.msg.entry!.find((x) => x.client_id === b.id)!;
      if (e.username !== "late" || e.group !== PUBLIC_GROUP || e.ip !== b.local.ip || e.port !== b.local.port)
        return fail(`entry ${e.username}, group ${e.group}, ${e.ip}:${e.port}`);
      if (u.msg.src !== 0 || u.msg.group !== 255) return nonStrict(`Update List as ${describe(u.msg)}`);
      return pass(`Update List with late (client ${b.id}, group 1, ${e.ip}:${e.port})`);
    },
  },
  {
    id: "6.4.2",
    title: "Update List on a group change",
    sections: ["6.4", "5.15", "3.2"],
    expect: "When two clients form a group, a third client holding its list gets Update List entries showing both in the new group.",
    async run(ctx) {
      const a = await ctx.connected("ua");
      const b = await ctx.connected("ub");
      const c = await ctx.connected("uc");
      const from = c.mark();
      const g = await ctx.group(a, [b]);
      await ctx.barrier(c);
      const entries = c.since(from).flatMap((m) => (m.ack === 0 && m.type === MSG.updateList ? (m.entry ?? []) : []));
      const moved = [a, b].filter((x) => entries.some((e) => e.client_id === x.id && e.group === g));
      if (moved.length < 2)
        return fail(`Update List entries in group ${g} for ${moved.length} of the 2 members (${entries.length} entries in all)`);
      return pass(`Update List entries moved both members to group ${g}`);
    },
  },
  {
    id: "6.5.1",
    title: "Disconnection",
    sections: ["6.5", "5.16", "5.17"],
    expect:
      "A Disconnection Request is acknowledged; every other client gets an Update Disconnection (Source 0, Group 255, HL 6) with its ID, and the list no longer has it.",
    async run(ctx) {
      const a = await ctx.connected("stay");
      const b = await ctx.connected("leave");
      const id = b.id;
      const from = a.mark();
      if (!(await b.disconnect(ctx.answerMs))) return fail("no ACK of the Disconnection Request");
      const u = await a.waitFor((m) => m.ack === 0 && m.type === MSG.updateDisconnection, ctx.answerMs, from);
      if (!u?.msg) return fail("no Update Disconnection to the other client");
      if (u.msg.client_id !== id) return fail(`Update Disconnection for client ${u.msg.client_id}, not ${id}`);
      const list = (await a.list(ctx.answerMs)) ?? [];
      if (list.some((e) => e.client_id === id)) return fail("the client is still listed");
      if (u.msg.src !== 0 || u.msg.group !== 255 || u.msg.hlen !== 6) return nonStrict(`Update Disconnection as ${describe(u.msg)}`);
      return pass(`ACK; Update Disconnection for client ${id}; no longer listed`);
    },
  },
  {
    id: "6.5.2",
    title: "Disconnection dissolves a group of two",
    sections: ["6.5", "6.3.6", "5.14"],
    expect: "When one of two members of a private group disconnects, the other gets a Group Dissolution.",
    async run(ctx) {
      const a = await ctx.connected("pair1");
      const b = await ctx.connected("pair2");
      await ctx.group(a, [b]);
      const from = a.mark();
      if (!(await b.disconnect(ctx.answerMs))) return fail("no ACK of the Disconnection Request");
      const d = await a.waitFor((m) => m.ack === 0 && m.type === MSG.dissolution, ctx.answerMs, from);
      return d ? pass("Group Dissolution to the remaining member") : fail("no Group Dissolution to the remaining member");
    },
  },
  {
    id: "6.5.3",
    title: "Retransmitted Disconnection Request",
    sections: ["6.5", "WIRE 5"],
    expect: "A Disconnection Request repeated after the removal (its ACK lost) is acknowledged again.",
    async run(ctx) {
      const a = await ctx.connected("twice");
      const from = a.mark();
      const bytes = a.send({ type: MSG.disconnect });
      const first = await a.waitFor((m) => m.ack === 1 && m.type === MSG.disconnect, ctx.answerMs, from);
      if (!first) return fail("no ACK of the Disconnection Request");
      a.id = 0;
      const again = a.mark();
      a.raw(bytes);
      const second = await a.waitFor((m) => m.ack === 1 && m.type === MSG.disconnect, ctx.answerMs, again);
      return second
        ? pass("acknowledged again")
        : nonStrict("not acknowledged again (WIRE.md: departures are remembered for the retransmission window)");
    },
  },
];
