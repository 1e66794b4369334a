/**
 * Robustness of a client (WIRE.md 2-5): malformed and reserved-type datagrams dropped without
 * an answer, datagrams from addresses that are neither its server nor a peer ignored, answers it
 * never asked for not acted on. Each ends with the client still answering its server.
 */
import { Buffer } from "node:buffer";
import { MSG } from "../../../src/protocol/index.js";
import { fail, nonStrict, pass, type Outcome } from "../case.js";
import { ALICE, GROUP, STRANGER, type ClientCase, type ClientCaseContext } from "../client-context.js";

/** Sends raw datagrams from `socket`; returns those the client answered (any datagram back on that socket). */
async function unanswered(ctx: ClientCaseContext, datagrams: Buffer[], socket = 0): Promise<number[]> {
  const keep = ctx.t.serverLastSent;
  const answered: number[] = [];
  for (const [i, b] of datagrams.entries()) {
    const mark = ctx.mark();
    ctx.raw(b, socket);
    await ctx.sleep(60);
    if (ctx.fromClient(mark, socket).length || ctx.since(mark).some((d) => d.dir === "in" && d.socket === socket)) answered.push(i);
  }
  // Raw datagrams move the harness's Sequence: the client accepted none of them.
  ctx.t.serverLastSent = keep;
  return answered;
}

async function stillAlive(ctx: ClientCaseContext, o: Outcome): Promise<Outcome> {
  if (!(await ctx.alive())) return fail(`${o.observed}; then it no longer acknowledged its server's Data Message`);
  return o;
}

const hdr = (type: number, seq: number, src: number, group: number, hl: number) =>
  Buffer.from([(type << 3) | (seq << 1), src, group, hl >> 8, hl & 0xff]);

export const ROBUSTNESS_CASES: ClientCase[] = [
  {
    id: "4.6.1",
    title: "Malformed datagrams dropped",
    sections: ["WIRE 2", "WIRE 3 (length rules)"],
    expect:
      "Datagrams shorter than a header, with HL below 5 or beyond the datagram, or a Data Message with a wrong data length get no answer.",
    async run(ctx) {
      const s = ctx.t.serverLastSent ^ 1;
      const bad = [
        Buffer.from([0x28]),
        Buffer.from([0x28, 2, 1, 0]),
        hdr(MSG.data, s, ALICE.id, 1, 4),
        Buffer.concat([hdr(MSG.data, s, ALICE.id, 1, 40), Buffer.from([0, 1, 0x41])]),
        Buffer.concat([hdr(MSG.data, s, ALICE.id, 1, 7), Buffer.from([0, 9, 0x41, 0x42])]),
        Buffer.concat([hdr(MSG.updateList, s, 0, 255, 13), Buffer.alloc(8)]),
        Buffer.concat([hdr(MSG.dissolution, s, 0, GROUP, 5), Buffer.from([1])]),
      ];
      const got = await unanswered(ctx, bad);
      if (got.length) return fail(`answered ${got.map((i) => bad[i]!.toString("hex")).join(", ")}`);
      return stillAlive(ctx, pass(`${bad.length} malformed datagrams, no answer`));
    },
  },
  {
    id: "4.6.2",
    title: "Reserved and client-only types dropped",
    sections: ["WIRE 2", "WIRE 3"],
    expect: "Datagrams of the reserved types 0x11-0x1F, and of types only a client sends, coming from the server get no answer.",
    async run(ctx) {
      const s = ctx.t.serverLastSent ^ 1;
      const reserved = Array.from({ length: 15 }, (_, i) => hdr(0x11 + i, s, 0, 0, 5));
      const clientOnly = [MSG.listRequest, MSG.createRequest, MSG.disjoint, MSG.disconnect].map((t) =>
        t === MSG.createRequest
          ? Buffer.concat([hdr(t, s, 0, 0, 7), Buffer.from([0, ALICE.id])])
          : hdr(t, s, 0, t === MSG.listRequest ? 1 : 0, 5),
      );
      const r = await unanswered(ctx, reserved);
      if (r.length) return fail(`answered reserved type 0x${(0x11 + r[0]!).toString(16)}`);
      const c = await unanswered(ctx, clientOnly);
      if (c.length) return stillAlive(ctx, nonStrict(`answered ${clientOnly[c[0]!]!.toString("hex")}, a type a server never sends`));
      return stillAlive(ctx, pass("15 reserved and 4 client-only types, no answer"));
    },
  },
  {
    id: "4.7.1",
    title: "Data from an unknown address",
    sections: ["WIRE 5 (who may speak)", "WIRE 6"],
    expect: "A Data Message from an address that is neither its server nor a member of its decentralized group is not acknowledged.",
    async run(ctx) {
      const m = ctx.send({ type: MSG.data, src: ALICE.id, group: 1, data: "spoof" }, STRANGER);
      if (await ctx.ackOf(m, STRANGER, 300)) return stillAlive(ctx, nonStrict("acknowledged a Data Message from a stranger's address"));
      return stillAlive(ctx, pass("ignored"));
    },
  },
  {
    id: "4.7.2",
    title: "Control message from an unknown address",
    sections: ["WIRE 5 (who may speak)", "6.3.6"],
    expect: "A Group Dissolution from an address that is not its server's is not acted on: the client stays in its group.",
    async run(ctx) {
      await ctx.joined(0);
      ctx.send({ type: MSG.dissolution, src: 0, group: GROUP }, STRANGER);
      await ctx.sleep(150);
      const t = await ctx.groupOfNextText("still here");
      if (t.group !== GROUP) return fail(`after a stranger's Group Dissolution its text went to group ${t.group}, not ${GROUP}`);
      return pass("ignored: its text still goes to its group");
    },
  },
  {
    id: "4.7.3",
    title: "Answer it never asked for",
    sections: ["5.8", "6.3.1", "WIRE 4"],
    expect: "A Group Creation Accept with no Group Creation Request is not acted on: the client stays in the Public Group.",
    async run(ctx) {
      const acked = (await ctx.sendAcked({ type: MSG.createAccept, src: 0, group: 0, mode: 0, new_group: GROUP }, 0, 300)) !== null;
      const t = await ctx.groupOfNextText("where am i");
      const how = acked ? "acknowledged" : "not acknowledged";
      if (t.group !== 1) return fail(`${how}, and acted on: its text went to group ${t.group}`);
      return pass(`${how}, not acted on: its text still goes to group 1`);
    },
  },
];
