/**
 * The client as a stop-and-wait sender and receiver (3.2, 4, 8.1): the 500 ms timer (on its
 * Connection Request, which needs no driver), 1 + 5 byte-identical transmissions, the Sequence
 * bit, stale acknowledgements, duplicates answered again and not processed twice.
 */
import { Buffer } from "node:buffer";
import { MSG } from "../../../src/protocol/index.js";
import { fail, info, nonStrict, pass } from "../case.js";
import { ALICE, GROUP, quietMs, type ClientCase, type ClientCaseContext } from "../client-context.js";
import type { Datagram } from "../../targets/target.js";

const hex = (d: Datagram) => Buffer.from(d.bytes).toString("hex");

/** Transmissions of the client's message of `type` on socket 0 (A=0) since `mark`. */
function copies(ctx: ClientCaseContext, type: number, mark = 0): Datagram[] {
  return ctx
    .fromClient(mark, 0)
    .filter(({ m }) => m.ack === 0 && m.type === type)
    .map(({ d }) => d);
}

/** Waits out 1 + retries transmissions and a margin; returns the copies of `type` since `mark`. */
async function allCopies(ctx: ClientCaseContext, type: number, mark: number): Promise<Datagram[]> {
  const { rto, retries, tolerance } = ctx.timers;
  await ctx.sleep((retries + 2) * rto + tolerance(rto) * 2);
  return copies(ctx, type, mark);
}

export const ARQ_CASES: ClientCase[] = [
  {
    id: "3.2.1",
    title: "Retransmission timer",
    sections: ["3.2", "8.1", "WIRE 4"],
    expect: "An unanswered Connection Request is sent again after the 500 ms timer (within the tolerance).",
    handshake: false,
    async run(ctx) {
      const t = ctx.timers.rto;
      const bound = t + ctx.timers.tolerance(t);
      if (!(await ctx.next(MSG.connRequest, bound + 1000, 0)) && copies(ctx, MSG.connRequest).length < 2)
        return fail(`no retransmission within ${bound + 1000} ms`);
      const got = copies(ctx, MSG.connRequest);
      const dt = got[1]!.at - got[0]!.at;
      const text = `retransmitted after ${Math.round(dt)} ms (timer ${t} ms)`;
      if (dt < t - 100 || dt > bound) return nonStrict(`${text}: outside ${t - 100}..${Math.round(bound)} ms`);
      return pass(text);
    },
  },
  {
    id: "3.2.2",
    title: "Five retransmissions, byte-identical, then no more",
    sections: ["3.2", "8.1", "WIRE 4 (E9)"],
    expect: "A Connection Request never answered is sent 1 + 5 times, every copy byte-identical, then no more.",
    handshake: false,
    slowMs: 4000,
    async run(ctx) {
      const got = await allCopies(ctx, MSG.connRequest, 0);
      const n = got.length;
      const differ = got.slice(1).filter((d) => hex(d) !== hex(got[0]!));
      const exit = ctx.t.exitInfo();
      const how = exit ? `it exited (${exit.signal ?? `code ${exit.code}`})` : "it is still running";
      if (differ.length) return fail(`copy ${hex(differ[0]!)} differs from the first ${hex(got[0]!)}`);
      if (n === 1) return fail(`never retransmitted; ${how}`);
      if (n !== ctx.timers.retries + 1) return nonStrict(`sent ${n} times (1 + ${n - 1}); WIRE.md: 1 + ${ctx.timers.retries}; ${how}`);
      return pass(`sent ${n} times, identical, then no more; ${how}`);
    },
  },
  {
    id: "3.2.3",
    title: "Data Message retransmitted until acknowledged",
    sections: ["3.2", "4", "WIRE 4"],
    expect: "A text not acknowledged is sent again byte for byte; once a copy is acknowledged, no more copies.",
    async run(ctx) {
      const mark = ctx.mark();
      ctx.act("send", { text: "again" });
      const bound = ctx.timers.rto * 2 + ctx.timers.tolerance(ctx.timers.rto) * 2 + 1000;
      const first = await ctx.next(MSG.data, ctx.answerMs * 2, 0);
      if (!first) return fail("asked to send, it sent no Data Message");
      const second = await ctx.next(MSG.data, bound, 0);
      if (!second) return fail(`not retransmitted within ${bound} ms`);
      ctx.ack(second);
      const acked = ctx.mark();
      await ctx.sleep(quietMs(ctx));
      const got = copies(ctx, MSG.data, mark);
      const differ = got.slice(1).filter((d) => hex(d) !== hex(got[0]!));
      if (differ.length) return fail(`retransmission ${hex(differ[0]!)} differs from ${hex(got[0]!)}`);
      const after = copies(ctx, MSG.data, acked).length;
      if (after) return fail(`${after} more copy(ies) after the ACK`);
      return pass(`${got.length} identical copies, none after the ACK`);
    },
  },
  {
    id: "8.1.1",
    title: "Data Message never acknowledged",
    sections: ["8.1", "3.2", "WIRE 4"],
    expect: "A text never acknowledged is sent 1 + 5 times, then no more (the server is taken as gone).",
    slowMs: 4000,
    async run(ctx) {
      const mark = ctx.mark();
      ctx.act("send", { text: "anyone?" });
      const got = await allCopies(ctx, MSG.data, mark);
      const exit = ctx.t.exitInfo();
      const how = exit ? `it exited (${exit.signal ?? `code ${exit.code}`})` : "it is still running";
      if (got.length === 0) return fail("asked to send, it sent no Data Message");
      if (got.length === 1) return fail(`never retransmitted; ${how}`);
      if (got.length !== ctx.timers.retries + 1) return nonStrict(`sent ${got.length} times; WIRE.md: 1 + ${ctx.timers.retries}; ${how}`);
      return pass(`sent ${got.length} times, then no more; ${how}`);
    },
  },
  {
    id: "4.3.1",
    title: "Sequence bit flips",
    sections: ["4", "3.2", "WIRE 4 (E13)"],
    expect: "Each new message the client sends its server flips the Sequence bit; the first one carries S=1.",
    async run(ctx) {
      for (const text of ["one", "two"]) await ctx.groupOfNextText(text);
      const news: Datagram[] = [];
      for (const { d } of ctx.fromClient(0, 0).filter(({ m }) => m.ack === 0))
        if (news.length === 0 || hex(news[news.length - 1]!) !== hex(d)) news.push(d);
      const seqs = news.map((d) => (d.bytes[0]! >> 1) & 1);
      for (let i = 1; i < seqs.length; i++)
        if (seqs[i] === seqs[i - 1]) return fail(`message ${i + 1} has the same S as the one before it (S ${seqs.join("")})`);
      if (seqs[0] !== 1) return nonStrict(`the first message carries S=0 (WIRE.md E13: S=1); S ${seqs.join("")}`);
      return pass(`S ${seqs.join("")} over ${news.length} messages`);
    },
  },
  {
    id: "4.3.2",
    title: "Duplicate Data Message",
    sections: ["4", "3.2", "WIRE 4"],
    expect: "A Data Message that comes again with the same S is acknowledged again, and the next new one still is.",
    async run(ctx) {
      const m = ctx.send({ type: MSG.data, src: ALICE.id, group: 1, data: "twice" });
      const bytes = Buffer.from([...ctx.since(ctx.mark() - 1)].pop()!.bytes);
      if (!(await ctx.ackOf(m))) return fail("no ACK of the first copy");
      const again = ctx.ackOf(m);
      ctx.raw(bytes);
      if (!(await again)) return fail("the duplicate was not acknowledged again");
      if (!(await ctx.alive())) return fail("after the duplicate, a new Data Message was not acknowledged");
      return pass("acknowledged again; the next one too");
    },
  },
  {
    id: "4.3.3",
    title: "Duplicate not processed twice",
    sections: ["4", "3.2", "WIRE 4"],
    expect: "A Group Invitation Request repeated after the client accepted it is acknowledged again, not taken as a second invitation.",
    async run(ctx) {
      const inv = ctx.send({ type: MSG.inviteRequest, src: ALICE.id, group: 0, mode: 0, invite_group: GROUP, invitee: ctx.id });
      const bytes = Buffer.from([...ctx.since(ctx.mark() - 1)].pop()!.bytes);
      if (!(await ctx.ackOf(inv))) return fail("no ACK of the Group Invitation Request");
      await ctx.actFor("accept", { group: GROUP }, MSG.inviteAccept, 0);
      const again = ctx.ackOf(inv);
      ctx.raw(bytes);
      if (!(await again)) return fail("the repeated Group Invitation Request was not acknowledged again");
      const second = ctx.next(MSG.inviteAccept, ctx.answerMs, 0);
      ctx.act("accept", { group: GROUP });
      const m = await second;
      if (m) {
        ctx.ack(m);
        return fail("asked to accept again, it sent a second Group Invitation Accept: the duplicate was taken as a new invitation");
      }
      return pass("acknowledged again; no second invitation to accept");
    },
  },
  {
    id: "4.4.1",
    title: "Acknowledgement with the wrong Sequence",
    sections: ["4", "3.2", "WIRE 4"],
    expect: "An ACK whose S does not match the outstanding Data Message does not settle it: the message is sent again.",
    async run(ctx) {
      ctx.act("send", { text: "stale" });
      const m = await ctx.next(MSG.data, ctx.answerMs * 2, 0);
      if (!m) return fail("asked to send, it sent no Data Message");
      ctx.ack({ ...m, seq: m.seq ^ 1 });
      const bound = ctx.timers.rto + ctx.timers.tolerance(ctx.timers.rto) + 500;
      const again = await ctx.next(MSG.data, bound, 0);
      if (!again) return fail(`not sent again within ${bound} ms: the stale ACK settled it (or it never retransmits)`);
      ctx.ack(again);
      return again.seq === m.seq ? pass("sent again after the stale ACK") : info(`sent again with S=${again.seq} (first S=${m.seq})`);
    },
  },
];
