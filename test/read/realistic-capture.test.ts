/**
 * The realistic benchmark capture (bench/gen-realistic.ts) is what the benchmark says it is:
 * the same bytes for the same seed, at least 64 clients on several /24 networks, message texts
 * that do not repeat (a copy is a retransmission of the same message or a relay of it), groups
 * created and left, and retransmissions that the analysis sees as such.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateRealisticCapture } from "../../bench/gen-realistic.js";
import { dissect } from "../../dissector/read/pipeline.js";
import { fileSource } from "../../dissector/source.js";
import { MSG } from "../../src/protocol/messages.js";
import { tempDir } from "./helpers.js";

const tmp = tempDir("imp-realistic-");
const a = tmp.path("a.pcap");
const b = tmp.path("b.pcap");
afterAll(() => tmp.cleanup());

beforeAll(async () => {
  expect(await generateRealisticCapture(a, 20_000)).toBe(20_000);
  await generateRealisticCapture(b, 20_000);
}, 30_000);

describe("the realistic benchmark capture", () => {
  it("is the same for the same seed", () => {
    expect(Buffer.compare(readFileSync(a), readFileSync(b))).toBe(0);
  });

  it("has many clients on several networks, distinct texts, groups and coherent retransmissions", async () => {
    const clients = new Set<string>();
    const networks = new Set<string>();
    /** Texts the clients sent, and how many times. */
    const texts = new Map<string, number>();
    let copies = 0;
    let retransmissions = 0;
    let acks = 0;
    const types = new Set<number>();
    const r = await dissect(fileSource(a), {}, (f) => {
      const m = f.decoded.message;
      if (!m) throw new Error(`malformed frame ${f.number}`);
      types.add(m.type);
      if (m.ack) acks++;
      if (f.analysis().fields.some((x) => x.name === "imp.analysis.retransmission")) retransmissions++;
      if (f.dst.port !== 1313) return;
      clients.add(String(f.src));
      networks.add(f.src.ip.split(".").slice(0, 3).join("."));
      if (m.type === MSG.data && !m.ack) {
        const text = m.data ?? "";
        if (texts.has(text)) copies++;
        texts.set(text, (texts.get(text) ?? 0) + 1);
        const words = text.split(" ").length;
        expect(words).toBeGreaterThanOrEqual(2);
        expect(words).toBeLessThanOrEqual(20);
      }
    });
    expect(r.shown).toBe(20_000);
    expect(clients.size).toBeGreaterThanOrEqual(64);
    expect(networks.size).toBeGreaterThanOrEqual(4);
    // The first 20 000 datagrams are mostly the 96 clients joining (Update List to all).
    expect(texts.size).toBeGreaterThan(50);
    // A text sent twice by clients is a retransmission (1 % loss each way), not a repeated text.
    expect(copies).toBeLessThan(texts.size * 0.05);
    expect(copies).toBeLessThanOrEqual(retransmissions);
    expect(retransmissions).toBeGreaterThan(0);
    expect(acks).toBeGreaterThan(8_000);
    for (const t of [MSG.createRequest, MSG.inviteRequest, MSG.inviteAccept, MSG.createAccept, MSG.updateList]) expect(types).toContain(t);
  });
});
