/**
 * Datagrams cut short by the capture's snaplen (captured length < length on the wire) are marked
 * "[Packet size limited during capture]" as tshark marks them, and raise no imp.malformed.*
 * problem for the bytes that are missing; problems of the captured bytes stay, and fields that
 * were captured are shown. Both read paths (one thread, and the summary's two threads) agree.
 */
import { afterAll, describe, expect, it } from "vitest";
import { encode } from "../../src/codec/index.js";
import { decode } from "../../src/codec/decode.js";
import { withoutMissingPart } from "../../dissector/captured-part.js";
import { fileSource } from "../../dissector/source.js";
import { runRead } from "../../dissector/read/read.js";
import { stringSink } from "../../dissector/read/sink.js";
import { needTools, tshark } from "../capture/helpers.js";
import { client, imp, lines, SERVER, tempDir, writeCapture } from "./helpers.js";

const tmp = tempDir("imp-read-snaplen-");
afterAll(() => tmp.cleanup());

const text = "the quick brown fox jumps over the lazy dog, ".repeat(5);
const data = encode({ type: 5, seq: 1, src: 1, group: 1, data: text });
// Malformed on the wire too: Data Length 3 but 40 payload bytes.
const extra = encode({ type: 5, seq: 0, src: 1, group: 1, data: "a".repeat(40) });
extra[6] = 3;
const file = tmp.path("cut.pcapng");
writeCapture(
  file,
  [
    { src: client(40000), dst: SERVER, payload: data },
    { src: SERVER, dst: client(40000), payload: encode({ type: 5, seq: 1, ack: 1, src: 1, group: 1 }) },
    { src: client(40000), dst: SERVER, payload: extra },
  ],
  // Ethernet 14 + IPv4 20 + UDP 8 + 38 bytes of IMP.
  { snaplen: 80 },
);

describe("a datagram cut by the snaplen", () => {
  it("the file is cut as tshark reads it: frame.len > frame.cap_len for frames 1 and 3", (ctx) => {
    needTools(ctx, ["tshark"]);
    expect(tshark(file, ["-T", "fields", "-e", "frame.number", "-e", "frame.len", "-e", "frame.cap_len"])).toEqual([
      `1\t${42 + data.length}\t80`,
      "2\t47\t47",
      `3\t${42 + extra.length}\t80`,
    ]);
  });

  it("-V marks it as cut by the capture, shows the captured fields, and no malformed problem for the rest", async () => {
    const r = await imp("read", file, "-V");
    expect(r.code).toBe(0);
    const frames = r.out.split(/\n(?=Frame \d+:)/);
    expect(frames).toHaveLength(3);
    expect(frames[0]).toContain(
      `Frame 1: ${42 + data.length} bytes on wire (${(42 + data.length) * 8} bits), 80 bytes captured (640 bits)`,
    );
    expect(frames[0]).toContain(
      "User Datagram Protocol, Src Port: 40000, Dst Port: 1313\n    [Packet size limited during capture: IMP truncated]\n",
    );
    expect(frames[0]).toContain(`Data Length: ${text.length}\n`);
    expect(frames[0]).toContain('Data: "the quick brown fox jumps over "\n');
    expect(frames[0]).not.toMatch(/Malformed|imp\.malformed/);
    expect(frames[1]).not.toContain("Packet size limited");
    // A datagram malformed on the wire stays malformed when cut.
    expect(frames[2]).toContain("[Packet size limited during capture: IMP truncated]");
    expect(frames[2]).toContain("Data Length 3 but 31 payload bytes (28 extra)");
  });

  it("-T json says _ws.short and has no imp.malformed expert; the summary shows no malformed frame", async () => {
    const j = JSON.parse((await imp("read", file, "-T", "json")).out) as Record<string, unknown>[];
    expect(j.map((p) => p["_ws.short"] ?? null)).toEqual([
      "[Packet size limited during capture: IMP truncated]",
      null,
      "[Packet size limited during capture: IMP truncated]",
    ]);
    expect(JSON.stringify(j[0])).not.toContain("imp.malformed");
    expect(JSON.stringify(j[2])).toContain("imp.malformed.data_len");
    const summary = lines((await imp("read", file)).out);
    expect(summary).toHaveLength(3);
    expect(summary[0]).not.toContain("Malformed");
    expect(summary[2]).toContain("[Malformed: Data Length 3 but 31 payload bytes (28 extra)]");
  });

  it("the summary lines of runRead do not blame the sender for the missing part", async () => {
    const one = stringSink();
    await runRead(fileSource(file), { format: "summary" }, one);
    expect(one.text()).not.toContain("Malformed: Data Length 200");
  });
});

describe("withoutMissingPart", () => {
  it("drops only what the missing bytes explain", () => {
    const whole = encode({ type: 5, seq: 1, src: 1, group: 1, data: "hello world" });
    const cut = whole.subarray(0, 10);
    expect(decode(cut).problems.map((p) => p.id)).toEqual(["imp.malformed.data_len"]);
    expect(withoutMissingPart(decode(cut), whole.length).problems).toEqual([]);
    // The wire length says more payload than Data Length: malformed on the wire too.
    expect(withoutMissingPart(decode(cut), whole.length + 4).problems.map((p) => p.id)).toEqual(["imp.malformed.data_len"]);
    expect(withoutMissingPart(decode(whole.subarray(0, 3)), whole.length).problems).toEqual([]);
    expect(withoutMissingPart(decode(whole.subarray(0, 3)), 4).problems.map((p) => p.id)).toEqual(["imp.malformed.short"]);
    const d = decode(whole);
    expect(withoutMissingPart(d, whole.length)).toBe(d);
  });
});
