/**
 * The mark gate (DissectOptions.markGate: fieldsOf only for frames whose first-pass flags show a
 * note, ConversationAnalyzer.hasFirstPassNotes) only saves work: the summary of every bundled
 * capture, of a generated session (whose relays repeat Sequence bits: many marks) and of a
 * capture with retransmissions, duplicate and stale ACKs made by hand is the same with the gate
 * as without it.
 */
import { afterAll, describe, expect, it } from "vitest";
import { encode } from "../../src/codec/index.js";
import { generateSessionCapture } from "../../bench/gen-capture.js";
import { fileSource } from "../../dissector/source.js";
import { runRead } from "../../dissector/read/read.js";
import { stringSink } from "../../dissector/read/sink.js";
import { bundled, bundledCaptures, client, SERVER, tempDir, writeCapture } from "./helpers.js";

const tmp = tempDir("imp-read-gate-");
afterAll(() => tmp.cleanup());

async function summary(path: string, markGate: boolean): Promise<string> {
  const sink = stringSink();
  await runRead(fileSource(path), { markGate }, sink);
  return sink.text();
}

describe("the mark gate changes no summary line", () => {
  it.each(bundledCaptures())("%s", async (name) => {
    const off = await summary(bundled(name), false);
    expect(await summary(bundled(name), true)).toBe(off);
  });

  it("a generated session of 20 000 datagrams", async () => {
    const file = tmp.path("session.pcap");
    await generateSessionCapture(file, 20_000);
    const off = await summary(file, false);
    expect(off).toContain("[Retransmission of");
    expect(await summary(file, true)).toBe(off);
  });

  it("retransmissions, duplicate and stale ACKs, sequence not flipped, made by hand", async () => {
    const a = client(40001);
    const data = (seq: number, text: string) => encode({ type: 5, seq, src: 1, group: 1, data: text });
    const ack = (seq: number, type = 5) => encode({ type, seq, ack: 1 });
    const file = tmp.path("hand.pcapng");
    writeCapture(
      file,
      [
        { src: a, dst: SERVER, payload: data(1, "one") },
        { src: a, dst: SERVER, payload: data(1, "one") }, // retransmission
        { src: SERVER, dst: a, payload: ack(1) },
        { src: SERVER, dst: a, payload: ack(1) }, // duplicate
        { src: a, dst: SERVER, payload: data(1, "one") }, // spurious
        { src: a, dst: SERVER, payload: data(1, "two") }, // sequence not flipped
        { src: SERVER, dst: a, payload: ack(0) }, // stale
        { src: SERVER, dst: a, payload: ack(1, 6) }, // stale, other type
        { src: a, dst: SERVER, payload: data(0, "three") },
        { src: SERVER, dst: a, payload: ack(0) },
      ].map((d, i) => ({ ...d, t: i * 0.1 })),
    );
    const off = await summary(file, false);
    for (const mark of [
      "[Retransmission of 1]",
      "[Dup ACK of 3]",
      "[Spurious retransmission of 1]",
      "[Sequence not flipped",
      "[Stale ACK]",
    ])
      expect(off).toContain(mark);
    expect(await summary(file, true)).toBe(off);
  });
});
