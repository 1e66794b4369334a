/**
 * SummaryFormatter.writeLine (the byte path `imp read` uses) against line() (the string path
 * the rest of impkit uses): byte for byte the same on every bundled capture with and without
 * names, and on the edge cases: negative and large times, wide frame numbers, IPv6 and
 * non-ASCII text, a line larger than the sink's block, a closed sink.
 */
import { describe, expect, it } from "vitest";
import { Buffer } from "node:buffer";
import { encode } from "../../src/codec/index.js";
import { decode } from "../../src/codec/index.js";
import { MSG } from "../../src/protocol/messages.js";
import { endpointOf } from "../../dissector/capture/endpoint.js";
import { readImpDatagrams } from "../../dissector/imp-frames.js";
import { relativeTime, summaryInfo, SummaryFormatter } from "../../dissector/summary/summary-line.js";
import { CallbackSink, stringSink } from "../../dissector/read/sink.js";
import { bundled, bundledCaptures } from "./helpers.js";

describe("summary lines written as bytes", () => {
  it("equal the string lines on every bundled capture", async () => {
    for (const name of bundledCaptures()) {
      const sink = stringSink();
      const f = new SummaryFormatter();
      const g = new SummaryFormatter();
      let expected = "";
      let first: [number, number] | null = null;
      await readImpDatagrams(bundled(name), (d) => {
        first ??= [d.tsSec, d.tsNsec];
        const info = summaryInfo(d.decoded);
        expected += g.line(d.frame, relativeTime(d.tsSec, d.tsNsec, first[0], first[1]), d.src, d.dst, d.decoded, info);
        expect(f.writeLine(sink, d.frame, d.tsSec, d.tsNsec, first[0], first[1], d.src, d.dst, d.decoded, info)).toBe(true);
      });
      expect(expected.length).toBeGreaterThan(0);
      expect(sink.text()).toBe(expected);
    }
  });

  it("equal the string lines on edge cases", () => {
    const data = decode(encode({ type: MSG.data, seq: 1, ack: 0, src: 3, group: 1, data: "héllo → 世界 😀" }));
    const ack = decode(encode({ type: MSG.data, seq: 0, ack: 1, src: 2, group: 0 }));
    const short = decode(new Uint8Array([1, 2]));
    const v6 = endpointOf("2001:db8::1", 40000);
    const v4 = endpointOf(0x7f000001, 1313);
    const cases: [number, number, number, number, number, object | string, object | string, typeof data][] = [
      [1, 100, 0, 100, 0, v4, v6, data],
      [999999, 100, 999_999_999, 100, 1, v6, v4, ack],
      [1234567, 99, 0, 100, 500_000_000, "alice", "server", short],
      [42, 2_000_000_000, 123_456_789, 1_000_000_000, 987_654_321, "bö", v4, data],
      [7, 100, 1499, 100, 0, v4, v4, ack],
      [8, 100, 500, 100, 0, v4, v4, ack],
      [9, 100_000, 0, 100, 0, "a-very-long-endpoint-name-indeed", v4, short],
    ];
    const sink = stringSink();
    const f = new SummaryFormatter();
    let expected = "";
    for (const [frame, sec, nsec, refSec, refNsec, src, dst, d] of cases) {
      const info = summaryInfo(d);
      expected += new SummaryFormatter().line(frame, relativeTime(sec, nsec, refSec, refNsec), src, dst, d, info);
      f.writeLine(sink, frame, sec, nsec, refSec, refNsec, src, dst, d, info);
    }
    expect(sink.text()).toBe(expected);
    expect(expected).toContain("1234567   -1.500000 alice ");
  });

  it("stay right past the bound of its column cache (70 000 distinct source addresses)", () => {
    const sink = stringSink();
    const f = new SummaryFormatter();
    const g = new SummaryFormatter();
    const d = decode(encode({ type: MSG.data, seq: 0, ack: 1, src: 2, group: 0 }));
    const dst = endpointOf(0x7f000001, 1313);
    let expected = "";
    for (let i = 0; i < 70_000; i++) {
      const src = endpointOf(0x0a000000 + (i >> 8), 1000 + (i & 0xff));
      expected += g.line(i + 1, relativeTime(i, 0, 0, 0), src, dst, d, "x");
      f.writeLine(sink, i + 1, i, 0, 0, 0, src, dst, d, "x");
    }
    expect(sink.text()).toBe(expected);
  });

  it("hands a line larger than the block on whole, after what was buffered", () => {
    const blocks: string[] = [];
    const sink = new CallbackSink((t) => blocks.push(t), 256);
    const d = decode(encode({ type: MSG.data, seq: 1, ack: 0, src: 3, group: 1, data: "x".repeat(40) }));
    const f = new SummaryFormatter();
    const v4 = endpointOf(0x7f000001, 1313);
    const info = `${summaryInfo(d)} ${"y".repeat(1000)}`;
    f.writeLine(sink, 1, 0, 0, 0, 0, v4, v4, d, "short");
    f.writeLine(sink, 2, 0, 0, 0, 0, v4, v4, d, info);
    f.writeLine(sink, 3, 0, 0, 0, 0, v4, v4, d, "short");
    sink.flush();
    const all = blocks.join("");
    const expected = [1, 2, 3].map((n) => new SummaryFormatter().line(n, "0.000000", v4, v4, d, n === 2 ? info : "short")).join("");
    expect(all).toBe(expected);
    expect(blocks.some((b) => Buffer.byteLength(b) > 256)).toBe(true);
  });

  it("writes nothing into a closed sink", () => {
    const sink = stringSink();
    (sink as { closed: boolean }).closed = true;
    const d = decode(new Uint8Array([1, 2]));
    expect(new SummaryFormatter().writeLine(sink, 1, 0, 0, 0, 0, "a", "b", d, "x")).toBe(false);
    expect(sink.text()).toBe("");
  });
});
