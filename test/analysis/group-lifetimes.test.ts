/**
 * A private group lives from its creation to its dissolution; its ID is then free for a new group
 * (issue 15: a decentralized group 2, dissolved, then a centralized group 2, were merged under one
 * heading by `imp chat` and the TUI's chat view). The analysis tells the lifetimes apart, and the
 * chat gives each its own heading.
 */
import { writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { ChatCollector, renderChatText } from "../../dissector/read/chat.js";
import { imp, tempDir } from "../read/helpers.js";
import { analyzeCapture, PcapScript } from "./pcap-script.js";
import { ALICE, BOB, SERVER } from "./scenario.js";

const dir = tempDir("imp-group-lifetimes-");
afterAll(() => dir.cleanup());

/** alice(1) and bob(2); group 2 decentralized, dissolved, then group 2 again, centralized. */
function twoGroupTwos(): { s: PcapScript; created1: number; dissolved: number; created2: number; said1: number; said2: number } {
  const s = new PcapScript();
  let t = 0;
  const at = () => (t += 0.01);
  s.send(at(), ALICE, SERVER, { type: 0x00, seq: 1, username: "alice" });
  s.send(at(), SERVER, ALICE, { type: 0x01, seq: 1, client_id: 1 });
  s.ack(at(), ALICE, SERVER, 0x01, 1, 1);
  s.send(at(), BOB, SERVER, { type: 0x00, seq: 1, username: "bob" });
  s.send(at(), SERVER, BOB, { type: 0x01, seq: 1, client_id: 2 });
  s.ack(at(), BOB, SERVER, 0x01, 1, 2);
  /** alice creates group 2 with bob, who accepts; returns the Group Creation Accept's frame. */
  const create = (mode: number, seqs: { a: number; b: number; sa: number; sb: number }) => {
    s.send(at(), ALICE, SERVER, { type: 0x06, seq: seqs.a, src: 1, mode, invitees: [2] });
    s.ack(at(), SERVER, ALICE, 0x06, seqs.a);
    s.send(at(), SERVER, BOB, { type: 0x09, seq: seqs.sb, src: 1, mode, invite_group: 2, invitee: 2 });
    s.ack(at(), BOB, SERVER, 0x09, seqs.sb, 2);
    s.send(at(), BOB, SERVER, { type: 0x0a, seq: seqs.b, src: 2, mode, invite_group: 2 });
    s.ack(at(), SERVER, BOB, 0x0a, seqs.b);
    const accept = s.send(at(), SERVER, ALICE, { type: 0x07, seq: seqs.sa, mode, new_group: 2 });
    s.ack(at(), ALICE, SERVER, 0x07, seqs.sa, 1);
    return accept;
  };
  const created1 = create(1, { a: 0, b: 0, sa: 0, sb: 0 });
  // Decentralized: alice speaks to bob directly.
  const said1 = s.send(at(), ALICE, BOB, { type: 0x05, seq: 1, src: 1, group: 2, data: "in the first group 2" });
  s.ack(at(), BOB, ALICE, 0x05, 1, 2);
  s.send(at(), BOB, SERVER, { type: 0x0c, seq: 1, src: 2 });
  s.ack(at(), SERVER, BOB, 0x0c, 1);
  const dissolved = s.send(at(), SERVER, ALICE, { type: 0x0d, seq: 1, group: 1 });
  s.ack(at(), ALICE, SERVER, 0x0d, 1, 1);
  const created2 = create(0, { a: 1, b: 0, sa: 0, sb: 1 });
  // Centralized: through the server.
  const said2 = s.send(at(), ALICE, SERVER, { type: 0x05, seq: 0, src: 1, group: 2, data: "in the second group 2" });
  s.ack(at(), SERVER, ALICE, 0x05, 0);
  s.send(at(), SERVER, BOB, { type: 0x05, seq: 0, src: 1, group: 2, data: "in the second group 2" });
  s.ack(at(), BOB, SERVER, 0x05, 0, 2);
  return { s, created1, dissolved, created2, said1, said2 };
}

describe("group lifetimes", () => {
  it("the analysis gives each group 2 its own lifetime, from creation to dissolution", async () => {
    const g = twoGroupTwos();
    const { a } = await analyzeCapture(g.s.pcap());
    expect(a.groupLifetimes()).toEqual([
      { group: 2, lifetime: 1, start: g.created1, end: g.dissolved },
      { group: 2, lifetime: 2, start: g.created2, end: null },
    ]);
    expect(a.groupLifetimeAt(2, g.said1)).toBe(1);
    expect(a.groupLifetimeAt(2, g.said2)).toBe(2);
    // Before its first creation: the first (a capture can show members before the creation).
    expect(a.groupLifetimeAt(2, g.created1 - 1)).toBe(1);
    expect(a.groupLifetimeAt(3, g.said2)).toBe(0);
    expect(a.groupLifetimeAt(1, g.said2)).toBe(1);
    const joins = a.groupEvents.filter((e) => e.group === 2 && e.kind === "joined").map((e) => [e.client, e.lifetime]);
    expect(joins).toEqual([
      [1, 1],
      [2, 1],
      [1, 2],
      [2, 2],
    ]);
    const lefts = a.groupEvents.filter((e) => e.group === 2 && e.kind === "left").map((e) => [e.client, e.lifetime, e.reason]);
    expect(lefts).toEqual([
      [2, 1, "disjoint"],
      [1, 1, "dissolution"],
    ]);
  });

  it("imp chat shows two headings for the two groups 2, each with its own message and members", async () => {
    const g = twoGroupTwos();
    const path = dir.path("two-group-twos.pcap");
    writeFileSync(path, g.s.pcap());
    const r = await imp("chat", path);
    expect(r.code).toBe(0);
    const headings = r.out.split("\n").filter((l) => l.startsWith("== "));
    expect(headings).toEqual([
      "== Public Group ==",
      `== Group 2 (decentralized), frames ${g.created1}-${g.dissolved} ==`,
      `== Group 2 (centralized), from frame ${g.created2} ==`,
    ]);
    const sections = r.out.split(/^== /m);
    const first = sections.find((x) => x.startsWith("Group 2 (decentralized)"))!;
    const second = sections.find((x) => x.startsWith("Group 2 (centralized)"))!;
    expect(first).toContain("alice: in the first group 2");
    expect(first).not.toContain("in the second group 2");
    expect(first).toMatch(/bob left for the Public Group \(disjoint\)/);
    expect(second).toContain("alice: in the second group 2");
    expect(second).toContain("(delivered to bob)");
    expect(second).not.toContain("in the first group 2");
    expect(second).not.toMatch(/disjoint|dissolution/);
  });

  it("a group ID used once keeps its plain heading; the JSON names each lifetime", async () => {
    const g = twoGroupTwos();
    const path = dir.path("two-group-twos-json.pcap");
    writeFileSync(path, g.s.pcap());
    const r = await imp("chat", "-T", "json", path);
    expect(r.code).toBe(0);
    const groups = JSON.parse(r.out) as { group: number; lifetime: number; start: number | null; end: number | null }[];
    expect(groups.map((x) => [x.group, x.lifetime, x.start, x.end])).toEqual([
      [1, 1, null, null],
      [2, 1, g.created1, g.dissolved],
      [2, 2, g.created2, null],
    ]);
    // Without reuse: no span in the heading.
    const empty = new ChatCollector().finish((await analyzeCapture(new PcapScript().pcap())).a);
    expect(renderChatText(empty)).toBe("No group traffic in this capture.\n");
  });
});
