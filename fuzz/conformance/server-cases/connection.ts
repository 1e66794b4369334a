/** Connection (sections 5.1 to 5.3 as a receiver, 6.1): accepted, rejected for both reasons, duplicates. */
import { encode } from "../../../src/codec/index.js";
import { MSG, PUBLIC_GROUP } from "../../../src/protocol/index.js";
import { fail, info, nonStrict, pass, type ServerCase } from "../case.js";
import { describe } from "../context.js";

export const CONNECTION_CASES: ServerCase[] = [
  {
    id: "5.1.1",
    title: "Connection Request accepted",
    sections: ["5.1", "5.2", "6.1.1"],
    expect: "A valid, free username gets a Connection Accept: Source 0, Group 0, HL 6, a client ID from 1 to 255.",
    async run(ctx) {
      const a = await ctx.client("alice");
      const m = await a.connect(ctx.answerMs);
      if (!m) return fail("no answer to the Connection Request");
      if (m.type !== MSG.connAccept) return fail(`answered with ${describe(m)}`);
      const id = m.client_id ?? 0;
      if (id < 1 || id > 255) return fail(`Connection Accept with client ID ${id}`);
      if (m.hlen !== 6) return fail(`Connection Accept with HL ${m.hlen}`);
      if (m.src !== 0 || m.group !== 0) return nonStrict(`Connection Accept with Source ${m.src}, Group ${m.group} (client ID ${id})`);
      return pass(`Connection Accept, client ID ${id}, S=${m.seq}`);
    },
  },
  {
    id: "5.1.2",
    title: "Username padded with NULs",
    sections: ["5.1", "WIRE 2 (E8)"],
    expect: "A Connection Request whose username is padded with 0x00 instead of spaces is accepted (receivers strip both).",
    async run(ctx) {
      const a = await ctx.client("nulpad");
      const from = a.mark();
      const bytes = encode({ type: MSG.connRequest, seq: 1, src: 0, group: 0, username: "nulpad" });
      bytes[11] = 0;
      bytes[12] = 0;
      a.raw(bytes);
      const r = await a.waitFor((m) => m.ack === 0 && (m.type === MSG.connAccept || m.type === MSG.connReject), ctx.answerMs, from);
      if (r?.msg?.type === MSG.connAccept) {
        a.id = r.msg.client_id ?? 0;
        const list = await a.list(ctx.answerMs);
        const me = list?.find((e) => e.client_id === a.id);
        if (me && me.username !== "nulpad") return nonStrict(`accepted, but listed as ${JSON.stringify(me.username)}`);
        return pass('accepted; listed as "nulpad"');
      }
      return nonStrict(r?.msg ? `answered with ${describe(r.msg)}` : "no answer");
    },
  },
  {
    id: "5.1.3",
    title: "Invalid username rejected",
    sections: ["5.1", "5.3", "WIRE 2"],
    expect: "A username with a space inside gets a Connection Reject with the error bit set (username taken or invalid).",
    async run(ctx) {
      const a = await ctx.client("bad name");
      const m = await a.connect(ctx.answerMs, "bad name");
      if (!m) return nonStrict("no answer (WIRE.md: Connection Reject, error 1)");
      if (m.type === MSG.connAccept)
        return nonStrict(`accepted with client ID ${m.client_id} (the text allows any ASCII; WIRE.md: printable, no space)`);
      if (m.type === MSG.connReject && m.error === 1) return pass("Connection Reject, error 1");
      return fail(`answered with ${describe(m)}, error ${m.error}`);
    },
  },
  {
    id: "5.1.4",
    title: "Connection Request with a wrong Header Length dropped",
    sections: ["5.1", "4", "WIRE 3"],
    expect: "A Connection Request of 12 bytes with HL 12 (username cut) gets no answer.",
    async run(ctx) {
      const a = await ctx.client("shorty");
      const from = a.mark();
      a.raw(encode({ type: MSG.connRequest, seq: 1, src: 0, group: 0, username: "shorty" }, { hlen: 12 }).subarray(0, 12));
      const b = await ctx.connected("witness");
      await ctx.barrier(b);
      const got = a.since(from);
      return got.length === 0 ? pass("no answer") : fail(`answered with ${describe(got[0])}`);
    },
  },
  {
    id: "5.1.5",
    title: "Connection Request with Group ID 1",
    sections: ["5.1", "WIRE 3"],
    expect: "A Connection Request with Group ID 1 instead of 0 is dropped without an answer.",
    async run(ctx) {
      const a = await ctx.client("grp1");
      const from = a.mark();
      a.raw(encode({ type: MSG.connRequest, seq: 1, src: 0, group: PUBLIC_GROUP, username: "grp1" }));
      const b = await ctx.connected("witness");
      await ctx.barrier(b);
      const got = a.since(from);
      if (got[0]?.type === MSG.connAccept) a.id = got[0].client_id ?? 0;
      return got.length === 0
        ? pass("no answer")
        : nonStrict(`answered with ${describe(got[0])} (the text fixes Group ID 0; WIRE.md drops it)`);
    },
  },
  {
    id: "5.3.1",
    title: "Username taken",
    sections: ["5.3", "6.1.2"],
    expect: "A Connection Request with a username already connected gets a Connection Reject, error bit 1, HL 6, Source 0, Group 0.",
    async run(ctx) {
      await ctx.connected("taken");
      const b = await ctx.client("taken");
      const m = await b.connect(ctx.answerMs, "taken");
      if (!m) return fail("no answer to the second Connection Request");
      if (m.type !== MSG.connReject) return fail(`answered with ${describe(m)}`);
      if (m.error !== 1) return fail(`Connection Reject with error ${m.error} (maximum number of users), not 1`);
      if (m.hlen !== 6 || m.src !== 0 || m.group !== 0) return nonStrict(`Connection Reject error 1 as ${describe(m)}`);
      return pass("Connection Reject, error 1");
    },
  },
  {
    id: "6.1.1",
    title: "Connection successful",
    sections: ["6.1.1", "5.4", "5.5"],
    expect: "Connect, ACK, User List Request, User List Response listing the new client (its ID, username, Group 1, address and port).",
    async run(ctx) {
      const a = await ctx.client("carol");
      const m = await a.connect(ctx.answerMs);
      if (m?.type !== MSG.connAccept) return fail(`Connection Request answered with ${describe(m)}`);
      const from = a.mark();
      const list = await a.list(ctx.answerMs);
      if (!list) return fail("no User List Response");
      const resp = a.since(from).find((x) => x.type === MSG.listResponse)!;
      const me = list.find((e) => e.client_id === a.id);
      if (!me) return fail(`User List Response without the requester (${list.length} entries)`);
      const problems: string[] = [];
      if (me.username !== "carol") problems.push(`username ${JSON.stringify(me.username)}`);
      if (me.group !== PUBLIC_GROUP) problems.push(`group ${me.group}`);
      if (me.ip !== a.local.ip || me.port !== a.local.port) problems.push(`address ${me.ip}:${me.port}, not ${a.local.ip}:${a.local.port}`);
      if (problems.length) return fail(`own entry: ${problems.join(", ")}`);
      if (resp.group !== PUBLIC_GROUP || (resp.src !== a.id && resp.src !== 0))
        return nonStrict(`User List Response with Source ${resp.src}, Group ${resp.group}`);
      return pass(`client ${a.id} listed among ${list.length} as carol, group 1, ${me.ip}:${me.port}`);
    },
  },
  {
    id: "6.1.3",
    title: "Second connection from a connected address",
    sections: ["6.1", "WIRE 5"],
    expect: "A Connection Request with another username from an address already connected gets a Connection Reject, error 1.",
    async run(ctx) {
      const a = await ctx.connected("first");
      const id = a.id;
      const m = await a.connect(ctx.answerMs, "second");
      if (m?.type === MSG.connAccept && m.client_id === id) return info(`answered with the same Connection Accept (client ${id})`);
      a.id = m?.type === MSG.connAccept ? (m.client_id ?? id) : id;
      if (m?.type === MSG.connReject && m.error === 1) return pass("Connection Reject, error 1");
      if (!m) return nonStrict("no answer (WIRE.md: Connection Reject, error 1)");
      return nonStrict(`answered with ${describe(m)} (WIRE.md: Connection Reject, error 1)`);
    },
  },
];
