/**
 * Reliability (3.2, 4 Sequence and Acknowledgement, 8.1): real 500 ms timers, measured with a
 * tolerance; retransmissions counted and compared byte for byte; the S bit; duplicates.
 */
import { Buffer } from "node:buffer";
import { MSG, PUBLIC_GROUP } from "../../../src/protocol/index.js";
import { fail, nonStrict, pass, type ServerCase } from "../case.js";
import { describe, type CaseContext } from "../context.js";
import type { Received, TestClient } from "../test-client.js";

/** Two clients; `a` sends Data that `b` (not acknowledging) receives: b's copies of it as they come. */
async function unacked(ctx: CaseContext, text: string): Promise<{ a: TestClient; b: TestClient; copies: () => Received[] }> {
  const a = await ctx.connected("sender");
  const b = await ctx.connected("silent");
  const from = b.mark();
  b.autoAck = false;
  await a.acked({ type: MSG.data, group: PUBLIC_GROUP, data: text }, ctx.answerMs);
  await b.waitFor((m) => m.ack === 0 && m.type === MSG.data, ctx.answerMs, from);
  const copies = () => b.inbox.slice(from).filter((r) => r.msg?.ack === 0 && r.msg.type === MSG.data);
  return { a, b, copies };
}

const hex = (r: Received) => Buffer.from(r.bytes).toString("hex");

export const ARQ_CASES: ServerCase[] = [
  {
    id: "3.2.1",
    title: "Retransmission timer",
    sections: ["3.2", "8.1"],
    expect: "A relay that is not acknowledged is sent again after the 500 ms timer (within the tolerance).",
    async run(ctx) {
      const { b, copies } = await unacked(ctx, "tick");
      const t = ctx.timers.rto;
      const second = await b.waitFor(
        (m) => m.ack === 0 && m.type === MSG.data,
        t + ctx.timers.tolerance(t) + 1000,
        b.inbox.indexOf(copies()[0]!) + 1,
      );
      const got = copies();
      if (got.length === 0) return fail("the Data Message was not relayed");
      b.autoAck = true;
      if (got.length < 2 || !second) return fail(`no retransmission within ${t + ctx.timers.tolerance(t) + 1000} ms`);
      const dt = got[1]!.at - got[0]!.at;
      const text = `retransmitted after ${Math.round(dt)} ms (timer ${t} ms)`;
      b.raw(Buffer.from([(MSG.data << 3) | (got[1]!.msg!.seq << 1) | 1, b.id, 0, 0, 5]));
      if (dt < t - 100 || dt > t + ctx.timers.tolerance(t))
        return nonStrict(`${text}: outside ${t - 100}..${Math.round(t + ctx.timers.tolerance(t))} ms`);
      return pass(text);
    },
  },
  {
    id: "3.2.2",
    title: "Five retransmissions, then forced disconnection",
    sections: ["3.2", "8.1"],
    expect: "A relay never acknowledged is sent 1 + 5 times, then no more.",
    slowMs: 4000,
    async run(ctx) {
      const { b, copies } = await unacked(ctx, "count");
      const { rto, retries } = ctx.timers;
      await ctx.sleep((retries + 2) * rto + ctx.timers.tolerance(rto) * 2);
      const n = copies().length;
      b.id = 0;
      if (n === 0) return fail("the Data Message was not relayed");
      if (n === 1) return fail("never retransmitted (the text: the message must be retransmitted)");
      if (n !== retries + 1) return nonStrict(`sent ${n} times (1 + ${n - 1}); WIRE.md: 1 + ${retries}`);
      return pass(`sent ${n} times (1 + ${n - 1}), then no more`);
    },
  },
  {
    id: "3.2.3",
    title: "Retransmissions are byte-identical",
    sections: ["3.2", "4", "WIRE 4"],
    expect: "Each retransmission of a relay has the same bytes as the first transmission, Sequence bit included.",
    async run(ctx) {
      const { b, copies } = await unacked(ctx, "same");
      const t = ctx.timers.rto;
      const first = copies()[0];
      if (!first) return fail("the Data Message was not relayed");
      await b.waitFor((m) => m.ack === 0 && m.type === MSG.data, t * 2 + ctx.timers.tolerance(t) + 500, b.inbox.indexOf(first) + 1);
      await b.waitFor(
        (m) => m.ack === 0 && m.type === MSG.data,
        t + ctx.timers.tolerance(t) + 500,
        b.inbox.indexOf(copies()[1] ?? first) + 1,
      );
      const got = copies();
      b.autoAck = true;
      b.raw(Buffer.from([(MSG.data << 3) | (first.msg!.seq << 1) | 1, b.id, 0, 0, 5]));
      if (got.length < 2) return fail("no retransmission to compare");
      const differ = got.slice(1).filter((r) => hex(r) !== hex(first));
      if (differ.length) return fail(`retransmission ${hex(differ[0]!)} differs from the first transmission ${hex(first)}`);
      return pass(`${got.length - 1} retransmission(s), identical: ${hex(first)}`);
    },
  },
  {
    id: "4.3.1",
    title: "Sequence bit flips",
    sections: ["4", "3.2", "WIRE 4 (E13)"],
    expect: "Each new message the server sends a client flips the Sequence bit; the first one on the link carries S=1.",
    async run(ctx) {
      const a = await ctx.connected("flip1");
      const b = await ctx.connected("flip2");
      for (const text of ["one", "two", "three"]) await a.acked({ type: MSG.data, group: PUBLIC_GROUP, data: text }, ctx.answerMs);
      await ctx.barrier(a);
      await ctx.barrier(b);
      // Every new message to b, in order (a retransmission repeats the bytes before it).
      const news: Received[] = [];
      for (const r of b.inbox) if (r.msg?.ack === 0 && (news.length === 0 || hex(news[news.length - 1]!) !== hex(r))) news.push(r);
      const seqs = news.map((r) => r.msg!.seq);
      for (let i = 2; i < news.length; i++) {
        if (seqs[i] === seqs[i - 1]) return fail(`${describe(news[i]!.msg)} has the same S as the message before it (S ${seqs.join("")})`);
      }
      if (seqs[1] === seqs[0]) return nonStrict(`the message after the Connection Accept did not flip S (S ${seqs.join("")})`);
      if (seqs[0] !== 1) return nonStrict(`the first message carries S=0 (WIRE.md E13: S=1); S ${seqs.join("")}`);
      return pass(`S ${seqs.join("")} over ${news.length} messages`);
    },
  },
  {
    id: "4.3.2",
    title: "Duplicate Data Message",
    sections: ["4", "3.2", "WIRE 4"],
    expect: "A Data Message sent twice with the same S is acknowledged both times and relayed once.",
    async run(ctx) {
      const a = await ctx.connected("dup");
      const b = await ctx.connected("dupee");
      const fb = b.mark();
      const from = a.mark();
      const bytes = a.send({ type: MSG.data, group: PUBLIC_GROUP, data: "once" });
      await a.waitFor((m) => m.ack === 1 && m.type === MSG.data, ctx.answerMs, from);
      const again = a.mark();
      a.raw(bytes);
      const second = await a.waitFor((m) => m.ack === 1 && m.type === MSG.data, ctx.answerMs, again);
      await ctx.barrier(a);
      await ctx.barrier(b);
      const relays = new Set(
        b.inbox
          .slice(fb)
          .filter((r) => r.msg?.ack === 0 && r.msg.type === MSG.data)
          .map(hex),
      ).size;
      if (relays > 1) return fail(`relayed ${relays} times`);
      if (relays === 0) return fail("not relayed at all");
      return second
        ? pass("acknowledged twice, relayed once")
        : fail("the duplicate was not acknowledged again (its sender would retransmit until it gives up)");
    },
  },
  {
    id: "4.3.3",
    title: "Duplicate User List Request",
    sections: ["4", "5.4", "WIRE 4"],
    expect: "A User List Request sent again with the same S (its response lost) gets the User List Response again.",
    async run(ctx) {
      const a = await ctx.connected("relist");
      const from = a.mark();
      const bytes = a.send({ type: MSG.listRequest, group: PUBLIC_GROUP });
      const r1 = await a.waitFor((m) => m.ack === 0 && m.type === MSG.listResponse, ctx.answerMs, from);
      if (!r1) return fail("no User List Response");
      const again = a.mark();
      a.raw(bytes);
      const r2 = await a.waitFor((m) => m.ack === 0 && m.type === MSG.listResponse, ctx.answerMs, again);
      return r2 ? pass(`answered again (S=${r2.msg!.seq})`) : fail("the duplicate got no answer");
    },
  },
  {
    id: "4.3.4",
    title: "Retransmitted Connection Request",
    sections: ["5.1", "5.2", "WIRE 5"],
    expect: "A Connection Request repeated from the same address gets the same Connection Accept (same client ID), and only one session.",
    async run(ctx) {
      const a = await ctx.client("again");
      a.autoAck = false;
      const from = a.mark();
      const bytes = a.send({ type: MSG.connRequest, src: 0, group: 0, username: "again" });
      const r1 = await a.waitFor((m) => m.ack === 0 && m.type === MSG.connAccept, ctx.answerMs, from);
      if (!r1?.msg) return fail("no Connection Accept");
      const mid = a.mark();
      a.raw(bytes);
      const r2 = await a.waitFor((m) => m.ack === 0 && (m.type === MSG.connAccept || m.type === MSG.connReject), ctx.answerMs, mid);
      a.autoAck = true;
      a.id = r1.msg.client_id ?? 0;
      a.raw(Buffer.from([(MSG.connAccept << 3) | (r1.msg.seq << 1) | 1, a.id, 0, 0, 5]));
      if (!r2?.msg) return fail("the repeated request got no answer");
      if (r2.msg.type !== MSG.connAccept || r2.msg.client_id !== r1.msg.client_id)
        return fail(`answered with ${describe(r2.msg)}, client ID ${r2.msg.client_id}`);
      a.lastReceived = r1.msg.seq;
      const list = (await a.list(ctx.answerMs)) ?? [];
      const mine = list.filter((e) => e.username === "again").length;
      return mine === 1 ? pass(`the same Accept (client ${a.id}); one session`) : fail(`${mine} sessions named again`);
    },
  },
  {
    id: "4.4.1",
    title: "Implicit acknowledgements",
    sections: ["3.2", "5.18", "WIRE 4"],
    expect: "The Connection Accept and the User List Response acknowledge their requests: no separate ACK is sent for them.",
    async run(ctx) {
      const a = await ctx.connected("implicit");
      await ctx.barrier(a);
      const extra = a.inbox.filter((r) => r.msg?.ack === 1 && (r.msg.type === MSG.connRequest || r.msg.type === MSG.listRequest));
      return extra.length ? nonStrict(`also sent ${describe(extra[0]!.msg)}`) : pass("no separate ACK");
    },
  },
  {
    id: "4.4.2",
    title: "Acknowledgement with the wrong Sequence",
    sections: ["4", "5.18"],
    expect: "An ACK whose S does not match the outstanding message does not settle it: the message is retransmitted.",
    async run(ctx) {
      const { b, copies } = await unacked(ctx, "stale");
      const first = copies()[0];
      if (!first) return fail("the Data Message was not relayed");
      b.raw(Buffer.from([(MSG.data << 3) | ((first.msg!.seq ^ 1) << 1) | 1, b.id, 0, 0, 5]));
      const t = ctx.timers.rto;
      const again = await b.waitFor(
        (m) => m.ack === 0 && m.type === MSG.data,
        t + ctx.timers.tolerance(t) + 500,
        b.inbox.indexOf(first) + 1,
      );
      b.autoAck = true;
      b.raw(Buffer.from([(MSG.data << 3) | (first.msg!.seq << 1) | 1, b.id, 0, 0, 5]));
      return again ? pass("retransmitted after the stale ACK") : fail("the stale ACK settled the message: no retransmission");
    },
  },
  {
    id: "8.1.1",
    title: "Lost relay recovered",
    sections: ["8.1", "3.2"],
    expect: "A relay whose first copy is not acknowledged is retransmitted; once acknowledged, it is not sent again.",
    async run(ctx) {
      const { b, copies } = await unacked(ctx, "lost");
      const t = ctx.timers.rto;
      const first = copies()[0];
      if (!first) return fail("the Data Message was not relayed");
      const again = await b.waitFor(
        (m) => m.ack === 0 && m.type === MSG.data,
        t + ctx.timers.tolerance(t) + 1000,
        b.inbox.indexOf(first) + 1,
      );
      if (!again) return fail("not retransmitted");
      b.autoAck = true;
      b.raw(Buffer.from([(MSG.data << 3) | (again.msg!.seq << 1) | 1, b.id, 0, 0, 5]));
      const n = copies().length;
      await ctx.sleep(2 * t + ctx.timers.tolerance(t));
      const after = copies().length - n;
      return after === 0 ? pass("retransmitted once, then settled by the ACK") : fail(`${after} more copies after the ACK`);
    },
  },
  {
    id: "8.1.2",
    title: "Forced disconnection",
    sections: ["8.1", "3.2", "5.16"],
    expect:
      "A client that never acknowledges is removed after the retransmissions: the others get an Update Disconnection and it leaves the list.",
    slowMs: 4000,
    async run(ctx) {
      const { a, b } = await unacked(ctx, "gone?");
      const id = b.id;
      const from = a.mark();
      const t0 = ctx.now();
      const { rto, retries } = ctx.timers;
      const bound = (retries + 1) * rto + ctx.timers.tolerance(rto) * 2 + 1000;
      const u = await a.waitFor((m) => m.ack === 0 && m.type === MSG.updateDisconnection && m.client_id === id, bound, from);
      b.id = 0;
      if (!u) return fail(`no Update Disconnection for the silent client within ${bound} ms`);
      const list = (await a.list(ctx.answerMs)) ?? [];
      if (list.some((e) => e.client_id === id)) return fail("the silent client is still listed");
      return pass(`Update Disconnection ${Math.round(u.at - t0)} ms after the relay; no longer listed`);
    },
  },
];
