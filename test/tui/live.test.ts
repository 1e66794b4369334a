/**
 * Live mode: the reference server and scripted clients run in this process while `imp tui -`
 * reads the capture from its standard input (a FIFO the test writes pcap records to as the
 * scenario's recorder sees them). No root needed. New packets appear as they happen, the list
 * follows the tail, `p` pauses the display, `w` saves a pcapng, `q` asks before quitting.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildUdpPackets, encodePcapHeader, encodePcapRecord, LinkType } from "../../dissector/capture/index.js";
import { readImpDatagrams } from "../../dissector/imp-frames.js";
import { DEFAULT_SETTINGS, ScenarioContext } from "../../src/scenario/index.js";
import { suiteName, suiteSkipReason } from "../needs.js";
import { hasTmux, TmuxTui } from "./tmux.js";

const noTmux = suiteSkipReason(hasTmux() ? null : "tmux is not installed");

/** Streams what a scenario's recorder sees to a pcap writer, as it happens. */
class PcapTap {
  private sent = 0;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  written = 0;
  constructor(
    private readonly ctx: ScenarioContext,
    private readonly out: FileHandle,
  ) {}

  async start(): Promise<void> {
    await this.out.write(encodePcapHeader({ linkType: LinkType.IPV4, nanosecond: true }));
    this.timer = setInterval(() => this.pump(), 10);
  }

  pump(): Promise<unknown> {
    const all = this.ctx.recorder.datagrams;
    while (this.sent < all.length) {
      const d = all[this.sent++]!;
      for (const frame of buildUdpPackets(d.src, d.dst, d.payload)) {
        const record = encodePcapRecord(d.tsSec, d.tsNsec, frame, frame.length, { nanosecond: true });
        this.written++;
        // After the TUI quits, writes fail with EPIPE: the test is over by then.
        this.chain = this.chain.then(() => this.out.write(record)).catch(() => undefined);
      }
    }
    return this.chain;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.pump();
  }
}

describe.skipIf(noTmux !== null)(suiteName("imp tui, live from a pipe", noTmux), () => {
  let dir = "";
  let tui: TmuxTui | null = null;
  let ctx: ScenarioContext | null = null;
  let fifo: FileHandle | null = null;
  afterEach(async () => {
    tui?.kill();
    await ctx?.close().catch(() => undefined);
    await fifo?.close().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("shows a reference session's packets as they happen, follows the tail, pauses, saves, asks before quitting", async () => {
    dir = mkdtempSync(join(tmpdir(), "imp-tui-live-"));
    const path = join(dir, "capture.fifo");
    execFileSync("mkfifo", [path]);
    tui = new TmuxTui(`${TmuxTui.imp("-")} < ${path}`);
    const t = tui;
    fifo = await open(path, "w"); // returns once the TUI's shell has opened the other end
    ctx = new ScenarioContext({ ...DEFAULT_SETTINGS, port: 0, rto: 200 });
    const tap = new PcapTap(ctx, fifo);
    await tap.start();
    await ctx.startServer();

    await ctx.connect("alice");
    await tap.pump();
    let s = await t.waitFor((x) => x.includes('Connection Request "alice"') && x.includes("LIVE"), "alice's connection, live");
    expect(s).not.toContain("bob");

    await ctx.connect("bob");
    await tap.pump();
    s = await t.waitText('Connection Request "bob"');
    await ctx.client("alice").send("hello from the live test");
    await ctx.settle();
    await tap.pump();
    // The list follows the tail: the newest packet is selected and shown.
    s = await t.waitFor(
      (x) => x.includes('"hello from the live test"') && x.includes(`Total: ${tap.written}`),
      "alice's message and every packet",
    );
    expect(s).toContain(`Displayed: ${tap.written} / Total: ${tap.written}`);
    const last = tap.written;
    await t.waitText(`Frame ${last}: `);

    // p pauses the display; the capture goes on underneath.
    t.keys("p");
    await t.waitText("PAUSED");
    await ctx.client("bob").send("said while paused");
    await ctx.settle();
    await tap.pump();
    s = await t.waitText(`Total: ${tap.written}`);
    expect(s).toContain(`Displayed: ${last} / Total: ${tap.written}`);
    expect(s).not.toContain("said while paused");
    t.keys("p");
    s = await t.waitFor(
      (x) => x.includes("said while paused") && x.includes(`Displayed: ${tap.written} / Total: ${tap.written}`),
      "the packets captured while paused",
    );

    // w saves what was captured so far as pcapng.
    const saved = join(dir, "saved.pcapng");
    t.keys("w");
    await t.waitText("Save as pcapng:");
    t.keys("C-u");
    t.type(saved);
    t.keys("Enter");
    await t.waitText(`saved ${tap.written} packets`);
    let n = 0;
    await readImpDatagrams(saved, () => n++);
    expect(n).toBe(tap.written);

    // q asks while the capture is still being written; any other key stays.
    t.keys("q");
    await t.waitText("quit? y = yes");
    t.keys("n");
    await t.waitFor((x) => !x.includes("quit? y = yes"), "the question gone");
    expect(t.screen()).not.toContain("EXITED");
    t.keys("q");
    await t.waitText("quit? y = yes");
    t.keys("y");
    s = await t.waitText("EXITED 0");
    expect(s).not.toContain("Displayed:");
    await tap.stop();
  });

  it("when the pipe ends the capture is complete and q quits without asking", async () => {
    dir = mkdtempSync(join(tmpdir(), "imp-tui-live-"));
    const path = join(dir, "capture.fifo");
    execFileSync("mkfifo", [path]);
    tui = new TmuxTui(`${TmuxTui.imp("-")} < ${path}`);
    const t = tui;
    fifo = await open(path, "w");
    ctx = new ScenarioContext({ ...DEFAULT_SETTINGS, port: 0, rto: 200 });
    const tap = new PcapTap(ctx, fifo);
    await tap.start();
    await ctx.startServer();
    await ctx.connect("carol");
    await tap.stop();
    await fifo.close();
    fifo = null;
    await t.waitFor((x) => x.includes(`Total: ${tap.written}`) && x.includes("capture stopped"), "the end of the capture");
    t.keys("q");
    await t.waitText("EXITED 0");
  });
});

describe.skipIf(noTmux !== null)(suiteName("imp tui --demo", noTmux), () => {
  let tui: TmuxTui | null = null;
  afterEach(() => tui?.kill());

  it("runs the reference server and scripted clients and shows their traffic live", async () => {
    tui = new TmuxTui(TmuxTui.imp("--demo"));
    const t = tui;
    await t.waitFor((x) => x.includes("| LIVE") && x.includes('Connection Request "alice"'), "the demo's first packets, live");
    const s = await t.waitText("capture stopped", 60000);
    const total = Number(/Total: (\d+)/.exec(s)![1]);
    expect(total).toBeGreaterThan(100);
    t.keys("/");
    t.type('imp.data contains "lab report"');
    t.keys("Enter");
    await t.waitFor((x) => /Displayed: [1-9]\d* \/ Total: /.test(x) && x.includes('"hi all, lab report due friday"'), "alice's message");
    t.keys("q");
    await t.waitText("EXITED 0");
  });
});
