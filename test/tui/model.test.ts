/**
 * The TUI's model without a terminal: the index against the read pipeline, payloads read back
 * from the file, the filter engine (fast path, decoding path, rows appended later), the
 * selection, and the line editor of the prompts.
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readImpDatagrams } from "../../dissector/imp-frames.js";
import { createCaptureWriter } from "../../dissector/capture/index.js";
import { fileSource } from "../../dissector/source.js";
import { LineEditor } from "../../src/tui/model/line-editor.js";
import { RowDecoder } from "../../src/tui/model/decoder.js";
import { generateSessionCapture } from "../../bench/gen-capture.js";
import { TuiSession } from "../../src/tui/model/session.js";
import { expertView, flowView } from "../../src/tui/model/views.js";

const DEMO = "test/tui/fixtures/demo.pcapng";
const recognition = { ports: [1313], heuristic: true };
const dir = mkdtempSync(join(tmpdir(), "imp-tui-model-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function indexed(path: string): Promise<TuiSession> {
  const s = new TuiSession({ path, recognition, serverPort: 1313 });
  await s.start();
  return s;
}

async function settled(s: TuiSession): Promise<void> {
  while (s.filter.busy) await new Promise((r) => setTimeout(r, 1));
}

describe("TUI model", () => {
  it("indexes every IMP datagram and reads each payload back from the file, byte for byte", async () => {
    const s = await indexed(DEMO);
    const expected: { frame: number; payload: Uint8Array; src: string; dst: string }[] = [];
    await readImpDatagrams(DEMO, (d) =>
      expected.push({ frame: d.frame, payload: d.payload.slice(), src: d.src.toString(), dst: d.dst.toString() }),
    );
    expect(s.index.count).toBe(expected.length);
    expect(s.store.fileBacked).toBe(true);
    for (let r = 0; r < expected.length; r++) {
      const f = s.decoder.get(r).frame;
      expect(f.number).toBe(expected[r]!.frame);
      expect([...f.payload]).toEqual([...expected[r]!.payload]);
      expect(f.src.toString()).toBe(expected[r]!.src);
      expect(s.index.dst(r).toString()).toBe(expected[r]!.dst);
    }
    s.close();
  });

  it("locates payloads across chunk boundaries of a multi-megabyte file (pcap and pcapng)", async () => {
    for (const format of ["pcap", "pcapng"] as const) {
      const path = join(dir, `big.${format}`);
      await generateSessionCapture(path, 30000, { format });
      const s = await indexed(path);
      const expected: string[] = [];
      await readImpDatagrams(path, (d) => expected.push(Buffer.from(d.payload).toString("hex")));
      expect(s.index.count).toBe(expected.length);
      for (let r = 0; r < expected.length; r++) {
        const { payload } = s.decoder.scan(r);
        if (Buffer.from(payload).toString("hex") !== expected[r]) throw new Error(`${format}: payload of row ${r} differs`);
      }
      s.close();
    }
  });

  it("keeps no trees but a bounded LRU cache of decoded rows", async () => {
    const s = await indexed(DEMO);
    const d = new RowDecoder(s.index, s.store, s.analyzer, () => true, 10);
    for (let r = 0; r < 20; r++) d.get(r).frame.fullTree();
    expect(d.decodes).toBe(20);
    d.get(19);
    d.get(12);
    expect(d.decodes).toBe(20); // still cached
    d.get(0);
    expect(d.decodes).toBe(21); // evicted, decoded again
    expect(d.get(0).frame.payload.length).toBe(s.index.length(0));
    s.close();
  });

  it("filters on indexed columns without decoding, and on anything else by decoding; both as imp read -Y", async () => {
    const s = await indexed(DEMO);
    const framesOf = () => Array.from({ length: s.filter.count }, (_, i) => s.index.frame(s.filter.rowAt(i)));
    const decodes = s.decoder.decodes;
    expect(s.applyFilter("imp.type == 5 && imp.ack == 0")).toBeNull();
    await settled(s);
    expect(s.decoder.decodes).toBe(decodes); // the fast path decoded nothing
    expect(framesOf()).toEqual([37, 39, 40, 41, 45, 47, 48, 49, 69, 71, 97, 99, 101, 103]);
    expect(s.applyFilter('imp.data contains "friday"')).toBeNull();
    await settled(s);
    expect(framesOf()).toEqual([37, 39, 40, 41]);
    expect(s.applyFilter("imp.type ==")).toMatchObject({ message: expect.stringContaining("expected a value") });
    expect(s.filter.text).toBe('imp.data contains "friday"'); // a bad filter does not replace the applied one
    expect(s.history).toEqual(["imp.type == 5 && imp.ack == 0", 'imp.data contains "friday"']);
    s.close();
  });

  it("keeps the selection across filters and goes to frames", async () => {
    const s = await indexed(DEMO);
    expect(s.goToFrame(40)).toBe(true);
    s.applyFilter('imp.data contains "friday"');
    await settled(s);
    expect(s.index.frame(s.rowAt(s.selectedPos()))).toBe(40);
    expect(s.goToFrame(2)).toBe(false); // not displayed
    s.applyFilter("");
    expect(s.goToFrame(2)).toBe(true);
    s.end();
    expect(s.index.frame(s.selectedRow)).toBe(136);
    s.close();
  });

  it("a pipe is indexed into memory, filtered as rows come, and saved back to pcapng", async () => {
    const copy = join(dir, "copy.pcapng");
    copyFileSync(DEMO, copy);
    const s = new TuiSession({ source: fileSource(copy), recognition, serverPort: 1313 });
    expect(s.live).toBe(false); // a file source is not live...
    s.applyFilter("imp.type == 5"); // applied before any row exists
    await s.start();
    await settled(s);
    expect(s.store.fileBacked).toBe(false);
    expect(s.filter.count).toBe(28);
    const saved = join(dir, "saved.pcapng");
    expect(await s.save(saved)).toBe(136);
    const payloads: string[] = [];
    await readImpDatagrams(saved, (d) => payloads.push(Buffer.from(d.payload).toString("hex")));
    const original: string[] = [];
    await readImpDatagrams(DEMO, (d) => original.push(Buffer.from(d.payload).toString("hex")));
    expect(payloads).toEqual(original);
  });

  it("pausing freezes the displayed rows while the index grows", async () => {
    const path = join(dir, "two.pcapng");
    const w = createCaptureWriter({ format: "pcapng", path });
    for (let i = 0; i < 3; i++)
      w.writeDatagram({
        tsSec: 1,
        tsNsec: i,
        src: { ip: "10.0.0.1", port: 5000 },
        dst: { ip: "10.0.0.2", port: 1313 },
        payload: Uint8Array.of(0x28, 0, 1, 0, 7, 0, 0),
      });
    await w.close();
    const s = await indexed(path);
    s.pausedAt = 1;
    expect(s.displayedCount()).toBe(1);
    s.pausedAt = null;
    expect(s.displayedCount()).toBe(3);
    s.close();
  });

  it("builds the expert and flow views", async () => {
    const s = await indexed("test/tui/fixtures/packet-loss.pcapng");
    while (!s.analysisPassDone) await new Promise((r) => setTimeout(r, 1));
    const ev = expertView(s);
    const lines = Array.from({ length: ev.count() }, (_, i) => ev.line(i, 160));
    expect(lines[0]).toMatchObject({ text: "Errors (1)", style: "header", frame: 42 });
    expect(lines.some((l) => l.text.includes("imp.analysis.unacked") && l.frame === 37)).toBe(true);
    const fv = flowView(s);
    expect(fv.count()).toBe(s.displayedCount() + 2);
    expect(fv.line(0, 160).text).toContain("server");
    expect(fv.line(2, 160)).toMatchObject({ frame: 1 });
    expect(fv.line(2, 160).text).toMatch(/ConnReq/);
    s.close();
  });
});

describe("line editor", () => {
  it("edits, walks the history and completes field names", () => {
    const e = new LineEditor(["imp.type == 1", "imp.ack == 1"]);
    e.insert("imp.analysis.retr");
    expect(e.complete()).toEqual([]);
    expect(e.text).toBe("imp.analysis.retransmission");
    e.set("imp.analysis.r");
    const more = e.complete();
    expect(more.length).toBeGreaterThan(1);
    expect(more.every((n) => n.startsWith("imp.analysis.re"))).toBe(true);
    e.set("draft");
    e.historyStep(-1);
    expect(e.text).toBe("imp.ack == 1");
    e.historyStep(-1);
    expect(e.text).toBe("imp.type == 1");
    e.historyStep(1);
    e.historyStep(1);
    expect(e.text).toBe("draft");
    e.deleteWord();
    expect(e.text).toBe("");
  });
});
