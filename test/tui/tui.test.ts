/**
 * The real `imp tui` under tmux on the bundled demo capture: rows, tree, hex highlight both
 * ways, the filter bar (narrowing, green/red, errors), views, navigation, resize and quit.
 */
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/program.js";
import { bufferIo } from "../../src/cli/io.js";
import { KEYS } from "../../src/tui/view/keys.js";
import { helpView } from "../../src/tui/view/help.js";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suiteName, suiteSkipReason } from "../needs.js";
import { hasTmux, highlightedHex, inverseLines, ROOT, TmuxTui } from "./tmux.js";

/**
 * The bundled demo capture as these tests know it (a copy: the bundled one is regenerated when
 * the demo scenario changes), and the bundled packet-loss capture.
 */
const DEMO = "test/tui/fixtures/demo.pcapng";
const LOSS = "test/tui/fixtures/packet-loss.pcapng";
const READY = "Displayed: 136 / Total: 136";
const noTmux = suiteSkipReason(hasTmux() ? null : "tmux is not installed");
let tui: TmuxTui | null = null;

async function open(args = DEMO, width = 160, height = 48): Promise<TmuxTui> {
  tui = new TmuxTui(TmuxTui.imp(args), width, height);
  await tui.waitFor((s) => s.includes(READY) && s.includes("indexed"), "the indexed demo capture");
  return tui;
}

/** Frame numbers `imp read -Y` shows: the reference the TUI's filter must agree with. */
async function readFrames(filter: string): Promise<number[]> {
  const io = bufferIo();
  expect(await runCli(["read", DEMO, "-Y", filter], io)).toBe(0);
  return io
    .stdout()
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => Number(l.trim().split(/\s+/)[0]));
}

/** The line of the list that shows a frame number, as text. */
function row(screen: string, frame: number): string | undefined {
  return screen.split("\n").find((l) => new RegExp(`^.\\s+${frame} \\d+\\.\\d{6} `).test(l));
}

/** Frame numbers of the list rows on the screen. */
function frames(screen: string): number[] {
  const out: number[] = [];
  for (const l of screen.split("\n")) {
    const m = /^.\s+(\d+) \d+\.\d{6} /.exec(l);
    if (m) out.push(Number(m[1]));
  }
  return out;
}

describe.skipIf(noTmux !== null)(suiteName("imp tui under tmux", noTmux), () => {
  afterEach(() => {
    tui?.kill();
    tui = null;
  });

  it("shows the packet list with the expected rows, columns and colours", async () => {
    const t = await open();
    const s = t.screen();
    expect(s).toMatch(/No\.\s+Time\s+Source\s+Destination\s+Type\s+Info/);
    expect(row(s, 1)).toMatch(/1 0\.000000\s+127\.0\.0\.1:53360\s+127\.0\.0\.1:1313\s+ConnReq\s+Connection Request "alice" seq=1/);
    expect(row(s, 2)).toMatch(/127\.0\.0\.1:1313\s+127\.0\.0\.1:53360\s+ConnAccept\s+Connection Accept id=alice\(1\) seq=1/);
    expect(row(s, 3)).toMatch(/ACK ConnAcc.*ACK Connection Accept seq=1 by alice\(1\)/);
    expect(frames(s).slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
    // Frame 1 is selected (inverse); connection types are green (SGR 32).
    const e = t.screen(true);
    expect(inverseLines(e).some((l) => /^\s*1 0\.000000/.test(l.slice(1)))).toBe(true);
    expect(e.split("\n").find((l) => l.includes("0.000793"))).toContain("\x1b[32m");
    expect(s).toContain(DEMO);
  });

  it("selecting a packet shows its tree and highlights the selected field's bytes", async () => {
    const t = await open();
    t.keys(":");
    await t.waitText("Go to frame:");
    t.type("37");
    t.keys("Enter");
    await t.waitText("Frame 37: 36 bytes");
    let s = t.screen();
    expect(s).toContain("Instant Messenger Protocol, Data Message, Src: 1, Group: 1, Seq: 1");
    expect(s).toContain('Data: "hi all, lab report due friday"');
    expect(s).toContain("[IMP analysis]");
    // The root is selected first: every byte of the datagram is highlighted.
    expect(highlightedHex(t.screen(true))).toHaveLength(36);
    // Move the tree cursor to the Data field: exactly its 29 bytes are highlighted.
    t.keys("Tab");
    const lines = s.split("\n");
    const rootAt = lines.findIndex((l) => l.includes("Instant Messenger Protocol, Data Message"));
    const dataAt = lines.findIndex((l) => l.includes('Data: "hi all'));
    for (let i = 0; i < dataAt - rootAt; i++) t.keys("j");
    s = await t.waitFor((x) => inverseLines(x).some((l) => l.includes('Data: "hi all')), "the cursor on the Data field", 5000, true);
    const expected = [...Buffer.from("hi all, lab report due friday")].map((b) => b.toString(16).padStart(2, "0"));
    expect(highlightedHex(s)).toEqual(expected);
    // Collapse and expand the root with Enter.
    t.keys("g", "Enter");
    await t.waitFor((x) => !x.includes("Header Length: 7"), "the collapsed tree", 5000);
    t.keys("Enter");
    await t.waitText("Header Length: 7", 5000);
  });

  it("a byte under the hex cursor selects the field that holds it", async () => {
    const t = await open();
    // Frame 1: Connection Request "alice"; byte 1 is the Source ID, byte 5 is in the username.
    t.keys("Tab", "Tab", "l");
    let s = await t.waitFor((x) => highlightedHex(x).length === 1, "one highlighted byte", 5000, true);
    expect(s.split("\n").find((l) => l.includes("Source ID:"))).toContain("\x1b[4m");
    t.keys("l", "l", "l", "l");
    s = await t.waitFor((x) => highlightedHex(x).length === 8, "the username's 8 bytes", 5000, true);
    expect(s.split("\n").find((l) => l.includes("Username: alice"))).toContain("\x1b[4m");
  });

  it("the filter bar turns green, narrows the list to the expected frames, shows displayed/total, keeps a history", async () => {
    const t = await open();
    t.keys("/");
    await t.waitFor((x) => x.startsWith("Filter:") && !x.split("\n")[0]!.includes("(none"), "the filter bar open", 5000);
    t.type('imp.type == "Data Message" && imp.ack == 0');
    const bar = await t.waitFor((x) => x.split("\n")[0]!.includes("imp.ack == 0"), "the typed filter", 5000, true);
    expect(bar.split("\n")[0]).toContain("\x1b[42m"); // green
    t.keys("Enter");
    const s = await t.waitText("Displayed: 14 / Total: 136");
    expect(frames(s)).toEqual(await readFrames('imp.type == "Data Message" && imp.ack == 0'));
    expect(s.split("\n")[0]).toContain('Filter: imp.type == "Data Message" && imp.ack == 0');
    // A filter that needs the analysis (no index fast path).
    t.keys("/", "C-u");
    t.type("imp.analysis.membership");
    t.keys("Enter");
    const membership = await readFrames("imp.analysis.membership");
    const m = await t.waitText(`Displayed: ${membership.length} / Total: 136`);
    expect(frames(m)).toEqual(membership);
    // History: Up brings back the previous filter.
    t.keys("/", "Up", "Up");
    await t.waitFor(
      (x) => x.split("\n")[0]!.includes('imp.type == "Data Message" && imp.ack == 0'),
      "the older filter from the history",
      5000,
    );
    t.keys("Enter");
    await t.waitText("Displayed: 14 / Total: 136");
    // An empty filter shows everything again.
    t.keys("/", "C-u", "Enter");
    await t.waitText(READY);
  });

  it("a bad filter turns the bar red with the error, and is not applied", async () => {
    const t = await open();
    t.keys("/");
    t.type("imp.type ==");
    const s = await t.waitFor((x) => x.includes("expected a value"), "the error text", 5000, true);
    expect(s.split("\n")[0]).toContain("\x1b[41m"); // red
    expect(s.split("\n")[0]).toMatch(/column \d+/);
    t.keys("Enter");
    await new Promise((r) => setTimeout(r, 200));
    expect(t.screen()).toContain(READY);
    t.keys("C-u");
    t.type("imp.nosuchfield");
    await t.waitFor((x) => /✗ .*nosuchfield/.test(x.split("\n")[0]!), "unknown field error", 5000);
    t.keys("Escape");
    await t.waitText("Filter: (none");
    expect(t.screen()).toContain(READY);
  });

  it("opens and closes every view; Enter in the expert view goes to the frame", async () => {
    const t = await open();
    const views: [string, string, string][] = [
      ["e", "Expert Info", "Chats (25)"],
      ["f", "Flow of the displayed packets", "server"],
      ["c", "Group chat", "alice: hi all, lab report due friday"],
      ["t", "Statistics", "Messages per type"],
      ["?", "Help", "Everywhere"],
    ];
    for (const [key, title, content] of views) {
      t.keys(key);
      const s = await t.waitFor((x) => x.includes(title) && x.includes(content), `the ${title} view`, 10000);
      expect(s).toContain("(Esc/q close)");
      t.keys(key === "f" ? "q" : "Escape");
      await t.waitFor((x) => !x.includes(title) && x.includes(READY), `the ${title} view closed`, 5000);
    }
    // The TUI is still running after q closed a view.
    expect(t.screen()).not.toContain("EXITED");
    // Expert view: the first group's line jumps to its first frame (2: alice joined).
    t.keys("e");
    await t.waitText("Expert Info");
    // Lines: "Chats (25)", the membership group (its first frame), "frame 2: ...", "frame 8: ...".
    t.keys("j", "j", "j", "Enter");
    await t.waitFor((x) => !x.includes("Expert Info (Enter") && x.includes("Frame 8: "), "frame 8 selected from the expert view", 5000);
  });

  it("navigates as vim and less users expect: j/k, G/g, PgDn, go to frame, n for the next search match", async () => {
    const t = await open();
    t.keys("G");
    await t.waitText("Frame 136: ");
    t.keys("g");
    await t.waitText("Frame 1: ");
    t.keys("j", "j", "Down");
    await t.waitText("Frame 4: ");
    t.keys("k");
    await t.waitText("Frame 3: ");
    t.keys("PageDown");
    await t.waitFor((x) => /Frame (1[0-9]|2[0-9]): /.test(x), "a page further", 5000);
    t.keys("C-g");
    await t.waitText("Go to frame:");
    t.type("100");
    t.keys("Enter");
    await t.waitText("Frame 100: ");
    t.keys("g", "s");
    await t.waitText("Find:");
    t.type('imp.data contains "friday"');
    t.keys("Enter");
    await t.waitText("Frame 37: ");
    t.keys("n");
    await t.waitText("Frame 39: ");
    t.keys("N");
    await t.waitText("Frame 37: ");
  });

  it("marks expert errors and warnings in the gutter; the expert view groups them by severity", async () => {
    const t = new TmuxTui(TmuxTui.imp(LOSS));
    tui = t;
    await t.waitText("| indexed");
    t.keys("/");
    t.type("expert.severity >= 2");
    t.keys("Enter");
    const s = await t.waitText("Displayed: 2 / ");
    expect(frames(s)).toEqual([37, 42]);
    expect(row(s, 37)!.startsWith("W")).toBe(true);
    expect(row(s, 42)!.startsWith("E")).toBe(true);
    expect(row(s, 42)).toContain("[Retransmission of 37]");
    const e = t.screen(true).split("\n");
    expect(e.find((l) => l.includes(" 42 "))).toContain("\x1b[31m"); // E in red
    t.keys("e");
    const v = await t.waitText("Errors (1)");
    expect(v.indexOf("Errors (1)")).toBeLessThan(v.indexOf("Warnings (1)"));
    expect(v.indexOf("Warnings (1)")).toBeLessThan(v.indexOf("Notes ("));
    t.keys("j", "Enter"); // the forced disconnection group: its frame
    await t.waitFor((x) => !x.includes("Expert Info (Enter") && x.includes("Frame 42: "), "frame 42 from the expert view", 5000);
  });

  it("selects with mouse clicks and scrolls with the wheel", async () => {
    const t = await open();
    // SGR mouse reports (1-based x;y): a click on the list's fifth row, then the wheel.
    t.type("\x1b[<0;20;6M\x1b[<0;20;6m");
    await t.waitText("Frame 4: ");
    t.type("\x1b[<65;20;6M");
    await t.waitText("Frame 7: ");
    t.type("\x1b[<64;20;6M");
    await t.waitText("Frame 4: ");
    // A click on a tree line moves the tree cursor there (and the hex highlight with it).
    const lines = t.lines();
    const y = lines.findIndex((l) => l.includes("Header Length: 5")) + 1;
    t.type(`\x1b[<0;10;${y}M\x1b[<0;10;${y}m`);
    // Header Length is 16 bits: bytes 3 and 4.
    const s = await t.waitFor((x) => highlightedHex(x).length === 2, "the Header Length bytes highlighted", 5000, true);
    expect(highlightedHex(s)).toEqual(["00", "05"]);
  });

  it("re-renders on terminal resize", async () => {
    const t = await open();
    t.resize(100, 30);
    const s = await t.waitFor(
      (x) => x.split("\n").length >= 30 && x.split("\n")[29]!.includes("Displayed: 136"),
      "the status line on row 30",
      5000,
    );
    expect(s.split("\n")[1]!.trimEnd().length).toBeLessThanOrEqual(100);
    expect(row(s, 1)).toBeDefined();
    t.resize(160, 48);
    await t.waitFor((x) => x.split("\n")[47]?.includes("Displayed: 136") ?? false, "the status line on row 48", 5000);
  });

  it("-Y applies a display filter from the start", async () => {
    const t = new TmuxTui(TmuxTui.imp(`${DEMO} -Y 'imp.type == 5 && imp.ack == 0'`));
    tui = t;
    const s = await t.waitFor((x) => x.includes("Displayed: 14 / Total: 136") && x.includes("| indexed"), "the filtered list");
    expect(s.split("\n")[0]).toContain("Filter: imp.type == 5 && imp.ack == 0");
    expect(frames(s)).toEqual(await readFrames("imp.type == 5 && imp.ack == 0"));
  });

  it("a missing file, a file that is no capture and an unknown interface: one line, exit 2, no screen", async () => {
    const t = new TmuxTui(
      `${TmuxTui.imp("/nonexistent.pcap")}; echo EXITED $?; ${TmuxTui.imp("package.json")}; echo EXITED $?; ${TmuxTui.imp("-i nosuch0")}`,
    );
    tui = t;
    const s = await t.waitFor((x) => (x.match(/EXITED 2/g) ?? []).length === 3, "three exits");
    expect(s).toContain("imp: /nonexistent.pcap: no such file");
    expect(s).toContain("imp: package.json: not a pcap or pcapng file");
    expect(s).toMatch(/imp: (no interface named "nosuch0"|libpcap|.*permission)/);
  });

  it("a capture damaged further on shows what came before, and the error", async () => {
    const bytes = readFileSync(join(ROOT, DEMO));
    const dir = mkdtempSync(join(tmpdir(), "imp-tui-"));
    const cut = join(dir, "cut.pcapng");
    writeFileSync(cut, bytes.subarray(0, bytes.length - 30));
    try {
      const t = new TmuxTui(TmuxTui.imp(cut));
      tui = t;
      const s = await t.waitFor((x) => x.includes("capture error:"), "the error on the status line");
      expect(s).toMatch(/Displayed: 135 \/ Total: 135/);
      expect(s).toContain("truncated");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("q quits and leaves the terminal restored", async () => {
    const t = await open();
    t.keys("q");
    const s = await t.waitText("EXITED 0");
    expect(s).not.toContain("Displayed:");
    expect(s).not.toContain("Instant Messenger Protocol");
  });

  it("opens the bundled demo capture without an argument; a bad -Y exits 2 before the screen opens", async () => {
    const io = bufferIo();
    expect(await runCli(["read", "captures/demo.pcapng"], io)).toBe(0);
    const count = io.stdout().trim().split("\n").length;
    const t = new TmuxTui(`${TmuxTui.imp("")} ; ${TmuxTui.imp("-Y 'imp.type =='")}`);
    tui = t;
    await t.waitFor(
      (x) => x.includes(`Displayed: ${count} / Total: ${count}`) && x.includes("captures/demo.pcapng"),
      "the bundled demo capture",
    );
    t.keys("q");
    const s = await t.waitText("EXITED 2");
    expect(s).toContain("invalid display filter");
  });
});

describe("help overlay", () => {
  it("lists every key of the key table", () => {
    const help = helpView();
    const text = Array.from({ length: help.count() }, (_, i) => help.line(i, 160).text).join("\n");
    for (const b of KEYS) expect(text).toContain(b.help);
  });
});
