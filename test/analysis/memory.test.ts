import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConversationAnalyzer } from "../../dissector/analysis/index.js";
import { syntheticCapture } from "./synthetic.js";

describe("memory and streaming", () => {
  it("holds under 200 bytes per frame over 1 000 000 frames (measured after GC in a child process)", () => {
    const script = fileURLToPath(new URL("./bench.ts", import.meta.url));
    const out = execFileSync(process.execPath, ["--expose-gc", "--import", "tsx", script, "1000000"], { encoding: "utf8" });
    const held = Number(/held after finish\(\)\s+([\d.]+) bytes\/frame/.exec(out)?.[1]);
    const est = Number(/estimate \(columns\)\s+([\d.]+) bytes\/frame/.exec(out)?.[1]);
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(200);
    expect(est).toBeLessThan(200);
    expect(out).toMatch(/internal errors 0/);
  }, 60_000);

  it("stays under 200 bytes per frame when every datagram comes from a new address", () => {
    const script = fileURLToPath(new URL("./bench.ts", import.meta.url));
    const out = execFileSync(process.execPath, ["--expose-gc", "--import", "tsx", script, "300000", "--worst"], { encoding: "utf8" });
    const held = Number(/held after finish\(\)\s+([\d.]+) bytes\/frame/.exec(out)?.[1]);
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(200);
  }, 60_000);

  it("the estimate from the typed columns covers every column even when all are used", () => {
    const a = new ConversationAnalyzer();
    const next = syntheticCapture(4);
    const n = 200_000;
    for (let f = 1; f <= n; f++) a.add(next(f));
    a.finish();
    const m = a.memoryBytes();
    // 14 frame columns of at most 8 bytes: never above 60 bytes per frame, rounded up to a chunk.
    expect(m.columns / n).toBeLessThan(60);
    expect(m.columns / n).toBeGreaterThan(20);
    const st = a.stats();
    expect(st.retransmissions).toBe(Math.floor(st.messages / 2 / 50));
    expect(st.staleAcks + st.duplicateAcks).toBe(0);
  });

  it("gives each frame's first-pass facts as soon as it is added", () => {
    const a = new ConversationAnalyzer();
    const next = syntheticCapture(3);
    a.add(next(1));
    expect(a.fieldsOf(1).fields.map((f) => f.name)).toEqual(["imp.analysis.conversation", "imp.analysis.dst_name"]);
    a.add(next(2));
    expect(a.fieldsOf(2).fields.find((f) => f.name === "imp.analysis.ack_to")?.value).toBe(1);
    expect(a.fieldsOf(1, "final").fields.find((f) => f.name === "imp.analysis.acked_in")?.value).toBe(2);
  });
});
