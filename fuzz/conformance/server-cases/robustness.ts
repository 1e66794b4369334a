/**
 * Robustness (4, 3.1.2, WIRE 3 and 5): malformed and reserved-type datagrams dropped silently,
 * spoofed Source IDs and unknown addresses ignored, the user limit.
 */
import { Buffer } from "node:buffer";
import { encode } from "../../../src/codec/index.js";
import { MSG, PUBLIC_GROUP } from "../../../src/protocol/index.js";
import { fail, nonStrict, pass, type ServerCase } from "../case.js";
import { describe, type CaseContext } from "../context.js";
import type { TestClient } from "../test-client.js";

/** Sends `datagrams` from `from`, then a barrier through a second client: what `from` got back. */
async function unanswered(ctx: CaseContext, from: TestClient, datagrams: Uint8Array[]) {
  const w = await ctx.connected("witness");
  const mark = from.mark();
  for (const d of datagrams) from.raw(d);
  await ctx.barrier(w);
  // Updates about the witness's own connection are not answers.
  return from.since(mark).filter((m) => m.type !== MSG.updateList && m.type !== MSG.updateDisconnection);
}

export const ROBUSTNESS_CASES: ServerCase[] = [
  {
    id: "4.1.1",
    title: "Reserved types dropped",
    sections: ["4", "WIRE 3"],
    expect: "Datagrams of the reserved types 0x11 to 0x1F from a connected client get no answer, and the server goes on.",
    async run(ctx) {
      const a = await ctx.connected("reserved");
      const ds = [];
      for (let t = 0x11; t <= 0x1f; t++) ds.push(Buffer.from([(t << 3) | 2, a.id, 1, 0, 5]));
      const got = await unanswered(ctx, a, ds);
      return got.length === 0 ? pass("15 reserved types, no answer") : fail(`answered with ${describe(got[0])}`);
    },
  },
  {
    id: "4.7.1",
    title: "Datagrams shorter than a header",
    sections: ["4", "WIRE 3"],
    expect: "Datagrams of 0 to 4 bytes are dropped without an answer, and the server goes on.",
    async run(ctx) {
      const a = await ctx.client("nobody");
      const got = await unanswered(ctx, a, [
        Buffer.alloc(0),
        Buffer.from([0]),
        Buffer.from([0x18, 1]),
        Buffer.from([0x18, 1, 1]),
        Buffer.from([0x18, 1, 1, 0]),
      ]);
      return got.length === 0 ? pass("no answer; the server still serves") : fail(`answered with ${describe(got[0])}`);
    },
  },
  {
    id: "4.7.2",
    title: "Header Length below 5 or beyond the datagram",
    sections: ["4", "WIRE 3"],
    expect: "A User List Request with HL 0, 1, 4 or 9 (beyond its 5 bytes) is dropped without an answer.",
    async run(ctx) {
      const a = await ctx.connected("hlen");
      const ds = [0, 1, 4, 9].map((hl) => Buffer.from([(MSG.listRequest << 3) | ((a.lastSent ^ 1) << 1), a.id, 1, 0, hl]));
      const got = (await unanswered(ctx, a, ds)).filter((m) => m.type === MSG.listResponse);
      return got.length === 0 ? pass("no answer") : fail(`answered with ${describe(got[0])}`);
    },
  },
  {
    id: "4.5.1",
    title: "Spoofed Source ID",
    sections: ["4", "WIRE 5"],
    expect: "A Data Message carrying another client's Source ID from a different address is dropped: no ACK to anyone, no relay.",
    async run(ctx) {
      const a = await ctx.connected("victim");
      const b = await ctx.connected("member");
      const x = await ctx.connected("spoofer");
      const marks = [a, b, x].map((c) => c.mark());
      x.raw(encode({ type: MSG.data, seq: a.lastSent ^ 1, src: a.id, group: PUBLIC_GROUP, data: "forged" }));
      x.raw(encode({ type: MSG.data, seq: a.lastSent, src: a.id, group: PUBLIC_GROUP, data: "forged" }));
      await ctx.barrier(x);
      await ctx.barrier(a);
      const got = [a, b, x].flatMap((c, i) =>
        c
          .since(marks[i]!)
          .filter((m) => m.type === MSG.data)
          .map((m) => `${c.name} got ${describe(m)}`),
      );
      return got.length === 0 ? pass("dropped: no ACK, no relay") : fail(got.join("; "));
    },
  },
  {
    id: "4.5.2",
    title: "Unknown address",
    sections: ["4", "WIRE 5"],
    expect: "A User List Request and a Data Message from an address with no session (using a connected client's ID) get no answer.",
    async run(ctx) {
      const a = await ctx.connected("known");
      const u = await ctx.client("unknown");
      const fa = a.mark();
      const got = await unanswered(ctx, u, [
        encode({ type: MSG.listRequest, seq: 1, src: a.id, group: PUBLIC_GROUP }),
        encode({ type: MSG.data, seq: 1, src: a.id, group: PUBLIC_GROUP, data: "who?" }),
      ]);
      const relayed = a.since(fa).some((m) => m.ack === 0 && m.type === MSG.data);
      if (relayed) return fail("relayed a Data Message from an unknown address");
      return got.length === 0 ? pass("no answer") : fail(`answered with ${describe(got[0])}`);
    },
  },
  {
    id: "4.5.3",
    title: "Source ID 0 from a client",
    sections: ["4", "WIRE 3"],
    expect: "A Data Message with Source ID 0 (reserved for the server) from a connected client is dropped.",
    async run(ctx) {
      const a = await ctx.connected("zero");
      const b = await ctx.connected("listener");
      const fb = b.mark();
      const got = await unanswered(ctx, a, [encode({ type: MSG.data, seq: a.lastSent ^ 1, src: 0, group: PUBLIC_GROUP, data: "as zero" })]);
      if (b.since(fb).some((m) => m.ack === 0 && m.type === MSG.data)) return nonStrict("relayed (WIRE.md drops a reserved Source ID)");
      return got.length === 0 ? pass("dropped") : nonStrict(`answered with ${describe(got[0])}`);
    },
  },
  {
    id: "4.6.1",
    title: "Data Message to Group ID 0",
    sections: ["4", "WIRE 3"],
    expect: "A Data Message to Group ID 0 (reserved) is not relayed to anyone.",
    async run(ctx) {
      const a = await ctx.connected("group0");
      const b = await ctx.connected("other");
      const fb = b.mark();
      await a.acked({ type: MSG.data, group: 0, data: "nowhere" }, ctx.answerMs);
      await ctx.barrier(a);
      return b.since(fb).some((m) => m.ack === 0 && m.type === MSG.data) ? fail("relayed to the Public Group") : pass("not relayed");
    },
  },
  {
    id: "6.1.2",
    title: "User limit",
    sections: ["6.1.2", "5.3", "3.1.2"],
    expect:
      "Once the server is full, a new Connection Request gets a Connection Reject with the error bit 0 (maximum number of users reached).",
    dirty: true,
    async run(ctx) {
      // Batches of 16, one by one near the end: a server may make room for a new client by
      // dropping a connection whose Accept is not acknowledged yet, so none is left half-open.
      let n = 0;
      while (n < 256) {
        const size = n < 224 ? 16 : 1;
        const batch = await Promise.all(Array.from({ length: size }, (_, k) => ctx.client(`full${n + k}`)));
        const answers = await Promise.all(batch.map((c) => c.connect(ctx.answerMs)));
        const reject = answers.find((m) => m?.type === MSG.connReject);
        n += answers.filter((m) => m?.type === MSG.connAccept).length;
        if (reject) {
          if (reject.error === 0) return pass(`Connection Reject, error 0, after ${n} clients`);
          return fail(`Connection Reject with error ${reject.error} (username taken or invalid) after ${n} clients`);
        }
        if (answers.some((m) => !m)) return fail(`no answer to a Connection Request after ${n} connections`);
        await ctx.barrier(batch[batch.length - 1]!);
      }
      return fail("256 clients connected without a Connection Reject");
    },
  },
];
