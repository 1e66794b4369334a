/**
 * The analysis as `imp read` shows it, checked frame by frame from its own output: every ACK of
 * a capture points (imp.analysis.ack_to) at a message of the same Type and Sequence sent the
 * other way, that message points back (acked_in, final view), and the RTT is the time between
 * them. Then `imp stats`, `imp flow` and `imp chat` on the packet-loss and demo captures.
 */
import { describe, expect, it } from "vitest";
import { bundled, frameNumbers, imp, lines } from "./helpers.js";

const FIELDS = [
  "frame.number",
  "frame.time_relative",
  "ip.src",
  "udp.srcport",
  "ip.dst",
  "udp.dstport",
  "imp.type",
  "imp.seq",
  "imp.ack",
  "imp.analysis.ack_to",
  "imp.analysis.acked_in",
  "imp.analysis.ack_rtt",
  "imp.analysis.duplicate_ack",
  "imp.analysis.response_to",
];

interface Row {
  frame: number;
  time: number;
  src: string;
  dst: string;
  type: number;
  seq: number;
  ack: number;
  ackTo?: number;
  ackedIn?: number;
  rtt?: number;
  dupOf?: number;
  responseTo?: number;
}

async function rows(name: string): Promise<Row[]> {
  const r = await imp("read", bundled(name), "-2", "-T", "fields", ...FIELDS.flatMap((f) => ["-e", f]));
  expect(r.code).toBe(0);
  const num = (s: string | undefined) => (s === undefined || s === "" ? undefined : Number(s));
  return lines(r.out).map((l) => {
    const c = l.split("\t");
    return {
      frame: Number(c[0]),
      time: Number(c[1]),
      src: `${c[2]}:${c[3]}`,
      dst: `${c[4]}:${c[5]}`,
      type: Number(c[6]),
      seq: Number(c[7]),
      ack: Number(c[8]),
      ackTo: num(c[9]),
      ackedIn: num(c[10]),
      rtt: num(c[11]),
      dupOf: num(c[12]),
      responseTo: num(c[13]),
    };
  });
}

describe("ACK pairing, frame by frame, from imp read -T fields", () => {
  for (const name of ["centralized-messaging.pcapng", "packet-loss.pcapng", "demo.pcapng", "decentralized-messaging.pcapng"]) {
    it(name, async () => {
      const all = await rows(name);
      const by = new Map(all.map((r) => [r.frame, r]));
      let acks = 0;
      for (const r of all) {
        if (r.ack === 1) {
          acks++;
          // Every ACK is paired: the first with its message, a later one as a duplicate.
          expect(r.ackTo ?? r.dupOf, `frame ${r.frame}`).toBeDefined();
          if (r.dupOf !== undefined) continue;
          const m = by.get(r.ackTo!)!;
          expect([m.type, m.seq, m.ack, m.src, m.dst], `frame ${r.frame} → ${m.frame}`).toEqual([r.type, r.seq, 0, r.dst, r.src]);
          expect(m.ackedIn, `frame ${m.frame} acked_in`).toBe(r.frame);
          expect(r.rtt!).toBeCloseTo(r.time - m.time, 8);
        } else if (r.ackTo !== undefined) {
          // An implicit acknowledgement (Accept/Reject, User List Response) answers its request.
          expect(r.responseTo).toBe(r.ackTo);
          expect(by.get(r.ackTo)!.ackedIn).toBe(r.frame);
        }
      }
      expect(acks).toBeGreaterThan(3);
    });
  }
});

describe("imp stats", () => {
  it("counts types, conversations, retransmissions, RTT percentiles, clients and experts (packet-loss)", async () => {
    const r = await imp("stats", bundled("packet-loss.pcapng"), "-T", "json");
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.impDatagrams).toBe(44);
    expect(s.types.find((t: { name: string }) => t.name === "Data Message")).toMatchObject({ messages: 19, acks: 9 });
    expect(s.retransmissions).toMatchObject({ retransmissions: 11, spurious: 5, duplicateAcks: 2, unacked: 1, forcedDisconnections: 1 });
    expect(s.ackRtt.count).toBeGreaterThan(10);
    expect(s.ackRtt.max).toBeGreaterThan(0.5);
    expect(s.ackRtt.p50).toBeLessThan(0.01);
    expect(s.conversations.map((c: { a: string; b: string }) => `${c.a}/${c.b}`)).toEqual(["alice/server", "bob/server"]);
    expect(s.clients.map((c: { name: string; id: number; left: number | null }) => [c.name, c.id, c.left])).toEqual([
      ["alice", 1, null],
      ["bob", 2, 42],
    ]);
    expect(s.clients[0]).toMatchObject({ dataSent: 3, dataReceived: 1, groups: [1] });
    expect(s.experts.byId).toMatchObject({
      "imp.analysis.forced_disconnection": 1,
      "imp.analysis.unacked": 1,
      "imp.analysis.retransmission": 6,
    });
    expect(s.experts.malformed).toBe(0);
  });

  it("prints text tables", async () => {
    const r = await imp("stats", bundled("demo.pcapng"));
    expect(r.code).toBe(0);
    for (const title of [
      "Messages per type",
      "Conversations",
      "Reliability",
      "ACK RTT",
      "Response times per transaction",
      "Clients",
      "Expert info",
    ]) {
      expect(r.out).toContain(title);
    }
    expect(r.out).toMatch(/^ {2}dave +4 +127\.0\.0\.1:\d+ +\d+ +\d+ +1, 3 +frame 26 +frame \d+$/m);
    expect(r.out).toMatch(/^ {2}invite +3 .* accepted 2, rejected 1$/m);
  });
});

describe("imp flow", () => {
  it("draws one column per endpoint named by username and one arrow per message", async () => {
    const r = await imp("flow", bundled("packet-loss.pcapng"), "-w", "120");
    expect(r.code).toBe(0);
    const ls = r.out.split("\n");
    expect(ls[0]).toMatch(/^ +No\. +Time +server +alice +bob$/);
    expect(ls[1]).toMatch(/127\.0\.0\.1:1313 +127\.0\.0\.1:\d+ +127\.0\.0\.1:\d+$/);
    const bar = (l: string) => [...l.matchAll(/[|<>]/g)].map((m) => m.index);
    const row1 = ls[2]!;
    expect(row1).toMatch(/^ +1 +0\.000000 +\|<-+ ConnReq -+\| +\|/);
    // Server → bob (columns 1 and 3): the arrow crosses alice's column.
    const row17 = ls.find((l) => /^ +17 /.test(l))!;
    expect(row17).toMatch(/\|-+ Data "can you hear me\?" -+>\|/);
    expect(bar(ls[2]!).length).toBeGreaterThanOrEqual(3);
    expect(ls.find((l) => /^ +42 /.test(l))).toContain("[retx] Data");
    expect(lines(r.out)).toHaveLength(2 + 44);
    for (const l of ls) expect(l.length).toBeLessThanOrEqual(120);
  });

  it("a wide capture (17 endpoints) keeps to the width: the endpoints that do not fit share one column", async () => {
    const { generateSessionCapture } = await import("../../bench/gen-capture.js");
    const { tempDir } = await import("./helpers.js");
    const tmp = tempDir("imp-flow-wide-");
    try {
      const file = tmp.path("wide.pcap");
      await generateSessionCapture(file, 400);
      const r = await imp("flow", file, "-w", "100");
      expect(r.code).toBe(0);
      const ls = lines(r.out);
      expect(ls[0]).toMatch(/server +user1 +user2 .*\(\d+ others\)$/);
      for (const l of ls) expect(l.length).toBeLessThanOrEqual(100);
      expect(ls).toHaveLength(2 + 400);
      expect(ls.every((l, i) => i < 2 || /[<>]/.test(l))).toBe(true);
    } finally {
      tmp.cleanup();
    }
  });

  it("-Y and -c select the rows; columns are the endpoints of the rows shown", async () => {
    const r = await imp("flow", bundled("packet-loss.pcapng"), "-Y", 'imp.analysis.src_name == "alice"', "-c", "3", "--no-info");
    const ls = lines(r.out);
    expect(ls[0]).toMatch(/^ +No\. +Time +server +alice$/);
    expect(frameNumbers(ls.slice(2).join("\n"))).toEqual([3, 4, 6]);
  });
});

describe("imp chat", () => {
  it("reconstructs who said what, delivered to whom, with joins and departures (packet-loss)", async () => {
    const r = await imp("chat", bundled("packet-loss.pcapng"));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^== Public Group ==$/m);
    expect(r.out).toMatch(/^ +15 +0\.\d{6} {2}alice: can you hear me\?\n +\(delivered to bob\)$/m);
    expect(r.out).toMatch(/^ +35 +\d\.\d{6} {2}alice: bob\?\n +\(NOT delivered to bob\)$/m);
    expect(r.out).toMatch(/^ +42 +\d\.\d{6} {2}\* bob left \(forced\)$/m);
    // A retransmission is not said twice.
    expect(r.out.match(/yes, but the line is bad/g)).toHaveLength(1);
  });

  it("follows private groups, centralized (relayed by the server) and decentralized (direct copies); --group", async () => {
    const r = await imp("chat", bundled("demo.pcapng"), "-T", "json");
    const groups = JSON.parse(r.out) as {
      group: number;
      title: string;
      lines: { kind: string; who: string; text?: string; deliveredTo?: string[] }[];
    }[];
    expect(groups.map((g) => g.title)).toEqual(["Public Group", "Group 2 (decentralized)", "Group 3 (centralized)"]);
    const said = (g: number) =>
      groups
        .find((x) => x.group === g)!
        .lines.filter((l) => l.kind === "message")
        .map((l) => [l.who, l.text, l.deliveredTo]);
    expect(said(1)).toEqual([
      ["alice", "hi all, lab report due friday", ["bob", "carol", "dave"]],
      ["dave", "thanks alice", ["alice", "bob", "carol"]],
    ]);
    expect(said(2)).toEqual([
      ["alice", "shall we split the work?", ["bob"]],
      ["bob", "I take the server part", ["alice"]],
    ]);
    expect(said(3).slice(0, 2)).toEqual([
      ["carol", "the wifi here is terrible", ["dave"]],
      ["dave", "I can barely hear you", ["carol"]],
    ]);
    const only = await imp("chat", bundled("demo.pcapng"), "--group", "3");
    expect(only.out).toMatch(/^== Group 3 \(centralized\) ==$/m);
    expect(only.out).not.toMatch(/^== Public Group/m);
  });
});
