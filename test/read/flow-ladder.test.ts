/**
 * The flow ladder stays in place when the Time column reaches 10 s (and 100 s): `imp flow` and the
 * TUI's flow view size the column by the capture's last time, so every row's bars line up.
 */
import { afterAll, describe, expect, it } from "vitest";
import { encode } from "../../src/codec/index.js";
import { TuiSession } from "../../src/tui/model/session.js";
import { flowView } from "../../src/tui/model/views.js";
import { FlowLayout, timeWidth } from "../../dissector/read/flow.js";
import { client, imp, SERVER, tempDir, writeCapture, type Dgram } from "./helpers.js";

const tmp = tempDir("imp-flow-ladder-");
afterAll(() => tmp.cleanup());

/** A Data message and its ACK every `step` seconds, from 0 s to past `until` s. */
function slowChat(until: number, step: number): Dgram[] {
  const out: Dgram[] = [];
  for (let t = 0, i = 0; t <= until; t += step, i++) {
    out.push({ src: client(40000), dst: SERVER, payload: encode({ type: 5, seq: i & 1, src: 1, group: 1, data: `m${i}` }), t });
    out.push({ src: SERVER, dst: client(40000), payload: encode({ type: 5, seq: i & 1, ack: 1, src: 1 }), t: t + 0.25 });
  }
  return out;
}

/** Columns of the ladder's bars and arrow heads on a row, after the Time column. */
const bars = (row: string) => [...row.matchAll(/[|<>]/g)].map((m) => m.index);

/** Every row's first bar or arrow head, by where the time ends: one position for all rows. */
function ladderStarts(rows: readonly string[]): Set<number> {
  return new Set(rows.map((r) => bars(r)[0]!));
}

describe("flow ladder time column", () => {
  it("timeWidth counts the digits of the whole seconds, as the rows write them", () => {
    expect(timeWidth(0)).toBe(8);
    expect(timeWidth(9.9999994)).toBe(8);
    expect(timeWidth(9.9999996)).toBe(9);
    expect(timeWidth(10)).toBe(9);
    expect(timeWidth(123.5)).toBe(10);
    expect(new FlowLayout([], { lastTime: 1234 }).timeWidth).toBe(11);
  });

  for (const [until, step] of [
    [12, 1],
    [130, 10],
  ] as const) {
    it(`imp flow: rows from 0 s to ${until} s keep one ladder (no shift at 10 s${until > 100 ? " nor 100 s" : ""})`, async () => {
      const file = tmp.path(`slow-${until}.pcapng`);
      writeCapture(file, slowChat(until, step));
      const r = await imp("flow", file, "-w", "100", "--no-names");
      expect(r.code).toBe(0);
      const ls = r.out.replace(/\n$/, "").split("\n");
      const rows = ls.slice(2);
      expect(rows.length).toBe(2 * (Math.floor(until / step) + 1));
      // The test must be able to fail: rows both below and above 10 s are there.
      expect(rows.some((l) => /^ +\d+ +[0-9]\.\d{6} /.test(l))).toBe(true);
      expect(rows.some((l) => /^ +\d+ +1\d\.\d{6} /.test(l))).toBe(true);
      expect(ladderStarts(rows).size).toBe(1);
      // The header's column names sit above the bars.
      const timeEnd = ls[0]!.indexOf("Time") + timeWidth(until + 0.25);
      expect(rows.every((l) => /\d/.test(l[timeEnd - 1]!) && l[timeEnd] === " ")).toBe(true);
      for (const l of ls) expect(l.length).toBeLessThanOrEqual(100);
    });
  }

  it("the TUI's flow view keeps one ladder from the first row to the last (0 s to 130 s)", async () => {
    const file = tmp.path("slow-tui.pcapng");
    writeCapture(file, slowChat(130, 10));
    const s = new TuiSession({ path: file, recognition: { ports: [1313], heuristic: true }, serverPort: 1313 });
    await s.start();
    try {
      while (!s.analysisPassDone) await new Promise((r) => setTimeout(r, 1));
      const fv = flowView(s);
      const rows = Array.from({ length: fv.count() - 2 }, (_, i) => fv.line(i + 2, 120).text);
      expect(rows).toHaveLength(28);
      expect(rows[0]).toMatch(/^ +1 +0\.000000 /);
      expect(rows[2]).toMatch(/^ +3 +10\.000000 /);
      expect(rows.at(-1)).toMatch(/^ +28 +130\.250000 /);
      expect(ladderStarts(rows).size).toBe(1);
    } finally {
      s.close();
    }
  });
});
