/**
 * Connection from the client's side (5.1-5.3, 6.1): the request, the acknowledgement of the
 * Accept and the list that follows, a retransmitted Accept, and both rejections.
 */
import { Buffer } from "node:buffer";
import { decode } from "../../../src/codec/index.js";
import { MSG } from "../../../src/protocol/index.js";
import { fail, info, nonStrict, pass, type Outcome, type Verdict } from "../case.js";
import { ackForm, quietMs, StepFailed, type ClientCase, type ClientCaseContext } from "../client-context.js";

/** The request as it came (the harness kept it). */
function request(ctx: ClientCaseContext) {
  const bytes = ctx.t.connectRequest;
  if (!bytes) throw new StepFailed("no Connection Request");
  return { bytes, m: decode(bytes).message };
}

async function rejected(ctx: ClientCaseContext, error: number): Promise<Outcome> {
  const mark = ctx.mark();
  ctx.send({ type: MSG.connReject, src: 0, group: 0, error });
  await ctx.sleep(quietMs(ctx) + 300);
  const after = ctx.fromClient(mark, 0).filter(({ m }) => m.ack === 0);
  const exit = ctx.t.exitInfo();
  const how = exit ? `it exited (${exit.signal ?? `code ${exit.code}`})` : "it is still running";
  if (after.some(({ m }) => m.type === MSG.connRequest))
    return fail(`it sent its Connection Request again after the Reject (${after.length} message(s)); ${how}`);
  if (after.length) return fail(`it sent a message of type 0x${after[0]!.m.type.toString(16)} though not connected; ${how}`);
  return pass(`no further request; ${how}`);
}

export const CONNECTION_CASES: ClientCase[] = [
  {
    id: "5.1.1",
    title: "Connection Request",
    sections: ["5.1", "WIRE 2", "WIRE 3 (E8, E13)"],
    expect:
      "The client's first datagram is a Connection Request: HL 13, Source and Group 0, its username in 8 bytes padded with spaces, S=1.",
    handshake: false,
    async run(ctx) {
      const { bytes, m } = request(ctx);
      const hex = Buffer.from(bytes).toString("hex");
      if (bytes.length !== 13 || !m || m.hlen !== 13) return fail(`${bytes.length} bytes, HL ${m?.hlen ?? "?"}: ${hex}`);
      if (m.src !== 0 || m.group !== 0) return fail(`Source ID ${m.src}, Group ID ${m.group} (both must be 0): ${hex}`);
      const name = bytes.subarray(5, 13);
      let end = 8;
      while (end > 0 && (name[end - 1] === 0x20 || name[end - 1] === 0)) end--;
      const user = name.subarray(0, end);
      if (end === 0 || user.some((b) => b < 0x21 || b > 0x7e))
        return fail(`username bytes ${Buffer.from(name).toString("hex")} are not 1 to 8 printable characters`);
      const found: [Verdict, string][] = [];
      if (name.subarray(end).some((b) => b === 0)) found.push(["non-strict", "padded with NULs (WIRE.md E8: spaces)"]);
      if (m.seq !== 1) found.push(["non-strict", "S=0 (WIRE.md E13: the first message on a link carries S=1)"]);
      if (Buffer.from(user).toString("latin1") !== ctx.o.name)
        found.push(["info", `username "${Buffer.from(user).toString("latin1")}", not the {name} given`]);
      const text = `"${Buffer.from(user).toString("latin1")}", ${hex}`;
      if (found.some(([v]) => v === "non-strict")) return nonStrict(`${text}: ${found.map(([, s]) => s).join("; ")}`);
      if (found.length) return info(`${text}: ${found.map(([, s]) => s).join("; ")}`);
      return pass(text);
    },
  },
  {
    id: "6.1.1",
    title: "Connection successful",
    sections: ["6.1.1", "5.2", "5.4", "5.5", "WIRE 4"],
    expect:
      "The client acknowledges the Connection Accept with its new ID, asks for the user list (User List Request, Group 1) and acknowledges the User List Response.",
    handshake: false,
    async run(ctx) {
      const accept = ctx.send({ type: MSG.connAccept, src: 0, group: 0, client_id: ctx.id });
      const ackP = ctx.ackOf(accept);
      const listP = ctx.next(MSG.listRequest, ctx.answerMs * 2, 0);
      const ack = await ackP;
      if (!ack) return fail(`no ACK of the Connection Accept within ${ctx.answerMs} ms`);
      const req = await listP;
      if (!req) return fail("no User List Request after the Connection Accept");
      const list = await ctx.sendAcked({ type: MSG.listResponse, src: ctx.id, group: 1, entry: ctx.t.roster() });
      if (!list) return fail("no ACK of the User List Response");
      const odd = [...ackForm(ack, ctx.id).map((s) => `Accept's ACK: ${s}`), ...ackForm(list, ctx.id).map((s) => `list's ACK: ${s}`)];
      if (req.src !== ctx.id) odd.push(`User List Request with Source ID ${req.src}, not ${ctx.id}`);
      if (req.group !== 1) odd.push(`User List Request with Group ID ${req.group}, not 1`);
      if (!(await ctx.alive())) return fail("connected, it does not acknowledge a Data Message from its server");
      if (odd.length) return nonStrict(odd.join("; "));
      return pass(`ACK of the Accept (Src ${ack.src}), User List Request, ACK of the list; ID ${ctx.id} taken as assigned`);
    },
  },
  {
    id: "5.2.1",
    title: "Retransmitted Connection Accept",
    sections: ["5.2", "4", "WIRE 4"],
    expect: "A Connection Accept that comes again (its ACK lost) is acknowledged again.",
    handshake: false,
    async run(ctx) {
      const accept = ctx.send({ type: MSG.connAccept, src: 0, group: 0, client_id: ctx.id });
      const bytes = Buffer.from([(MSG.connAccept << 3) | (accept.seq << 1), 0, 0, 0, 6, ctx.id]);
      if (!(await ctx.ackOf(accept))) return fail("no ACK of the Connection Accept");
      const again = ctx.ackOf(accept);
      ctx.raw(bytes);
      if (!(await again)) return fail("the repeated Connection Accept was not acknowledged again");
      return pass("acknowledged twice");
    },
  },
  {
    id: "6.1.2.1",
    title: "Connection rejected: server full",
    sections: ["6.1.2", "5.3"],
    expect: "After a Connection Reject (error 0, maximum number of users) the client sends no more requests.",
    handshake: false,
    run: (ctx) => rejected(ctx, 0),
  },
  {
    id: "6.1.2.2",
    title: "Connection rejected: username taken",
    sections: ["6.1.2", "5.3"],
    expect: "After a Connection Reject (error 1, username taken or invalid) the client sends no more requests.",
    handshake: false,
    run: (ctx) => rejected(ctx, 1),
  },
  {
    id: "4.5.1",
    title: "Implicit acknowledgements",
    sections: ["4", "5.1", "5.4", "WIRE 4"],
    expect: "The Connection Accept settles the Connection Request and the User List Response the User List Request: neither is sent again.",
    async run(ctx) {
      await ctx.sleep(quietMs(ctx));
      const sent = ctx.fromClient(0, 0).filter(({ m }) => m.ack === 0);
      const req = sent.filter(({ m }) => m.type === MSG.connRequest).length;
      const list = sent.filter(({ m }) => m.type === MSG.listRequest).length;
      if (req > 1) return fail(`the Connection Request was sent ${req} times though accepted at once`);
      if (list > 1) return fail(`the User List Request was sent ${list} times though answered at once`);
      return pass("each sent once");
    },
  },
];
