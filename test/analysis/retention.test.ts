/**
 * Bounded analysis state (issue 15, section 2): with a state window the analysis of an endless
 * stream holds a bounded number of entries (frames, conversations, endpoints, transactions,
 * membership events), whatever its length; what it shows of each frame when the frame is added
 * does not change for the links that stay active.
 */
import { writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { type AnalysisInput, ConversationAnalyzer } from "../../dissector/analysis/index.js";
import { SWEEP_FRAMES } from "../../dissector/analysis/retention.js";
import { decode, encode } from "../../src/codec/index.js";
import { imp, lines, tempDir } from "../read/helpers.js";
import { PcapScript } from "./pcap-script.js";
import { ALICE, BOB, CAROL, SERVER, Scenario } from "./scenario.js";
import { syntheticCapture } from "./synthetic.js";

/**
 * 10 000 datagrams/s of chat among 8 clients (synthetic.ts), and every 10th datagram a Connection
 * Request from a new address that the server never answers (a new endpoint, conversation,
 * transaction and pending name each time), as a scan or a flood of a live capture would bring.
 */
function endlessStream(): (frame: number) => AnalysisInput {
  const chat = syntheticCapture(8);
  const request = decode(encode({ type: 0x00, seq: 1, username: "newcomer" }));
  let n = 0;
  return (frame) => {
    const input = chat(frame);
    if (frame % 10 !== 0) return input;
    n++;
    const src = { ip: `10.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`, port: 1024 + (n % 60_000) };
    return { ...input, src, dst: SERVER, decoded: request };
  };
}

describe("bounded analysis state", () => {
  it("keeps every count bounded on a long stream with a state window, where the unbounded analysis grows", () => {
    const frames = 200_000; // 20 s of capture time
    const bounded = new ConversationAnalyzer({ stateWindow: 2 });
    const whole = new ConversationAnalyzer();
    const next = endlessStream();
    const peak = { frames: 0, conversations: 0, endpoints: 0, transactions: 0, pending: 0 };
    let differ = 0;
    for (let f = 1; f <= frames; f++) {
      const input = next(f);
      bounded.add(input);
      whole.add(input);
      // The first-pass marks of the chat stay the same.
      if (bounded.hasFirstPassNotes(f) !== whole.hasFirstPassNotes(f) || bounded.seqNotFlippedSince(f) !== whole.seqNotFlippedSince(f))
        differ++;
      if (f % SWEEP_FRAMES === 0) {
        const h = bounded.heldEntries();
        for (const k of Object.keys(peak) as (keyof typeof peak)[]) peak[k] = Math.max(peak[k], h[k]);
      }
    }
    expect(bounded.internalErrors).toBe(0);
    expect(differ).toBe(0);
    // 2 s of a 10 000 datagrams/s stream, plus at most a quarter window and one sweep of slack.
    const inWindow = 2 * 10_000;
    expect(peak.frames).toBeLessThanOrEqual(inWindow * 1.25 + SWEEP_FRAMES);
    expect(peak.conversations).toBeLessThanOrEqual((inWindow * 1.25 + SWEEP_FRAMES) / 10 + 32);
    expect(peak.endpoints).toBeLessThanOrEqual((inWindow * 1.25 + SWEEP_FRAMES) / 10 + 32);
    expect(peak.transactions).toBeLessThanOrEqual((inWindow * 1.25 + SWEEP_FRAMES) / 10 + 32);
    expect(peak.pending).toBeLessThanOrEqual((inWindow * 1.25 + SWEEP_FRAMES) / 10 + 32);
    expect(bounded.retention.forgottenConversations).toBeGreaterThan((frames / 10) * 0.8);
    // The unbounded analysis holds all of it.
    const all = whole.heldEntries();
    expect(all.frames).toBe(frames);
    expect(all.conversations).toBeGreaterThan(frames / 10);
    expect(all.endpoints).toBeGreaterThan(frames / 10);
    // Memory follows: the bounded analysis holds two chunks of frame columns (65 536 frames
    // each) at most, the whole one every chunk of the stream.
    const chunk = whole.memoryBytes().columns / Math.ceil(frames / 65_536);
    expect(bounded.memoryBytes().columns).toBeLessThanOrEqual(2 * chunk);
    // A forgotten frame reads as absent; a recent one still has its fields.
    expect(bounded.has(1)).toBe(false);
    expect(bounded.fieldsOf(1).fields).toEqual([]);
    expect(bounded.fieldsOf(frames).fields.length).toBeGreaterThan(0);
  });

  it("the hard caps hold when everything falls inside the window", () => {
    const a = new ConversationAnalyzer({ stateWindow: 3600, stateMaxFrames: 20_000, stateMaxConversations: 1000 });
    const next = endlessStream();
    let peakConversations = 0;
    for (let f = 1; f <= 100_000; f++) {
      a.add(next(f));
      if (f % SWEEP_FRAMES === 0) peakConversations = Math.max(peakConversations, a.heldEntries().conversations);
    }
    const h = a.heldEntries();
    expect(h.frames).toBeLessThanOrEqual(20_000 + SWEEP_FRAMES);
    expect(peakConversations).toBeLessThanOrEqual(1000 + SWEEP_FRAMES / 10 + 32);
    expect(a.internalErrors).toBe(0);
  });

  it("a link idle for longer than the window is forgotten: its unacknowledged message is unacked, a late ACK is stale", () => {
    const s = new Scenario();
    s.connect(ALICE, "alice", 1);
    s.connect(BOB, "bob", 2);
    const data = s.send(SERVER, ALICE, { type: 0x05, seq: 0, src: 2, group: 1, data: "anyone?" });
    // bob keeps talking for 20 s (the server ACKs), alice stays silent.
    let seq = 0;
    for (let i = 0; i < 6000; i++) {
      seq ^= 1;
      s.send(BOB, SERVER, { type: 0x05, seq, src: 2, group: 1, data: `n${i}` }, 0.0016);
      s.ack(SERVER, BOB, 0x05, seq, 0, 0.0017);
    }
    const late = s.ack(ALICE, SERVER, 0x05, 0, 1, 0.01);
    const bounded = s.analyze({ stateWindow: 5 }, false);
    const whole = s.analyze({}, false);
    expect(valuesOf(whole, late)).toMatchObject({ ack_to: data });
    expect(valuesOf(bounded, late)).toMatchObject({ stale_ack: true });
    expect(bounded.fieldsOf(data).fields).toEqual([]); // forgotten with its frame
    expect(bounded.heldEntries().frames).toBeLessThan(s.last / 2);
    // bob's link stayed active: his last messages are paired alike in both.
    expect(valuesOf(bounded, late - 1)).toEqual(valuesOf(whole, late - 1));
  });
});

describe("imp read --state-window", () => {
  const dir = tempDir("imp-state-window-");
  afterAll(() => dir.cleanup());

  /** The server's message to carol, 3 s of bob's chat, then carol's late ACK (the last frame). */
  function lateAck(): string {
    const s = new PcapScript();
    s.send(0, SERVER, CAROL, { type: 0x05, seq: 1, src: 2, group: 1, data: "carol?" });
    let seq = 0;
    for (let i = 1; i <= 30; i++) {
      seq ^= 1;
      s.send(i * 0.1, BOB, SERVER, { type: 0x05, seq, src: 2, group: 1, data: `line ${i}` });
      s.ack(i * 0.1 + 0.001, SERVER, BOB, 0x05, seq);
    }
    s.ack(3.1, CAROL, SERVER, 0x05, 1, 3);
    const path = dir.path("late-ack.pcap");
    writeFileSync(path, s.pcap());
    return path;
  }

  it("forgets a link idle for longer than the window (one-pass read); the default minute and -2 keep it", async () => {
    const path = lateAck();
    const last = async (...flags: string[]) => {
      const r = await imp("read", ...flags, path);
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      return lines(r.out).at(-1)!;
    };
    expect(await last("--state-window", "1s")).toContain("[Stale ACK]");
    expect(await last()).not.toContain("[Stale");
    expect(await last("-2")).not.toContain("[Stale");
    expect(await last("-2", "--state-window", "1s")).toContain("[Stale ACK]");
  });

  it("refuses a bare number that reads as a unit slip, as --rto does", async () => {
    const path = lateAck();
    const r = await imp("read", "--state-window", "5", path);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--state-window.*write 5s if seconds are meant/);
  });
});

function valuesOf(a: ConversationAnalyzer, frame: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of a.fieldsOf(frame, "first").fields) out[f.name.replace("imp.analysis.", "")] = f.value;
  return out;
}
