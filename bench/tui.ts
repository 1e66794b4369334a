/**
 * The TUI on a big capture (issue: imp tui, "Big files"): time from start to the first screen,
 * time to a fully indexed status line, indexing rate, memory per packet after indexing, plus
 * the time to show a screen in the middle of the file and to apply filters.
 *
 * Headless: the real model and the real blessed screen, drawing into a null terminal of 160x48;
 * then the real command under tmux, from spawning the process (Node start-up included).
 *
 *   node --expose-gc --import tsx bench/tui.ts [N=1000000] [FILE]
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../src/paths.js";
import { PassThrough, Writable } from "node:stream";
import { TuiSession } from "../src/tui/model/session.js";
import { TuiApp } from "../src/tui/view/app.js";
import { generateSessionCapture } from "./gen-capture.js";

export interface TuiBenchResult {
  packets: number;
  firstScreenMs: number;
  indexedMs: number;
  indexRate: number;
  /** Packets per second of CPU time spent while indexing (less sensitive to a busy machine). */
  indexCpuRate: number;
  analysisPassMs: number;
  bytesPerPacket: number;
  /** The model's own account: index, analysis columns, filter list, payload window. */
  modelBytesPerPacket: number;
  middleScreenMs: number;
  fastFilterMs: number;
  /** A filter that decodes every packet: packets/s. */
  fullFilterRate: number;
}

/** A terminal that swallows everything, sized like the tests' tmux window. */
function nullTerminal(): { input: NodeJS.ReadableStream; output: NodeJS.WritableStream } {
  const output = new Writable({ write: (_c, _e, cb) => cb() }) as Writable & { isTTY: boolean; columns: number; rows: number };
  output.isTTY = true;
  output.columns = 160;
  output.rows = 48;
  return { input: new PassThrough(), output };
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

function heap(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external; // external includes the typed arrays (arrayBuffers)
}

const ms = (t0: number) => performance.now() - t0;

export async function benchTui(file: string): Promise<TuiBenchResult> {
  gc();
  const before = heap();
  const t0 = performance.now();
  const session = new TuiSession({ path: file, recognition: { ports: [1313], heuristic: true }, serverPort: 1313 });
  const { input, output } = nullTerminal();
  const app = new TuiApp({ session, input, output, onExit: () => undefined, terminal: "xterm-256color" });
  app.render();
  let firstScreenMs = -1;
  session.on("update", () => {
    if (firstScreenMs < 0 && session.displayedCount() >= app.list.rows) {
      app.render(); // what the coalesced redraw would draw now
      firstScreenMs = ms(t0);
    }
  });
  const analysed = new Promise<void>((resolve) => {
    const check = () => (session.analysisPassDone ? resolve() : setTimeout(check, 5));
    check();
  });
  const cpu0 = process.cpuUsage();
  await session.start();
  const indexedMs = ms(t0);
  const cpu = process.cpuUsage(cpu0);
  const t1 = performance.now();
  await analysed;
  const analysisPassMs = ms(t1);
  const packets = session.index.count;
  session.decoder.clear();
  gc();
  const bytesPerPacket = (heap() - before) / packets;
  const modelBytesPerPacket = session.memoryBytes() / packets;

  const t2 = performance.now();
  session.selectPos(Math.floor(packets / 2));
  app.render();
  const middleScreenMs = ms(t2);

  const filtered = (text: string) =>
    new Promise<number>((resolve) => {
      const t = performance.now();
      session.applyFilter(text);
      const check = () => (session.filter.busy ? setTimeout(check, 1) : resolve(ms(t)));
      check();
    });
  const fastFilterMs = await filtered('imp.type == "Data Message" && imp.ack == 0');
  const fullMs = await filtered('imp.data contains "lunch"');
  app.exit();
  return {
    packets,
    firstScreenMs,
    indexedMs,
    indexRate: packets / (indexedMs / 1000),
    indexCpuRate: packets / ((cpu.user + cpu.system) / 1e6),
    analysisPassMs,
    bytesPerPacket,
    modelBytesPerPacket,
    middleScreenMs,
    fastFilterMs,
    fullFilterRate: packets / (fullMs / 1000),
  };
}

/**
 * The same file opened by the real command under tmux (160x48): milliseconds from spawning the
 * process to the first packet rows on the screen, and to the "indexed" status line; null when
 * tmux is missing. Runs the built command when there is one (dist/), else through tsx.
 */
export function benchTuiTmux(file: string): { firstScreenMs: number; indexedMs: number; command: string } | null {
  if (spawnSync("tmux", ["-V"]).status !== 0) return null;
  // The package folder, whether this runs from bench/ (tsx) or dist/bench/ (built).
  const root = packageRoot();
  const built = join(root, "dist/src/cli/main.js");
  // The build only when it is not older than the sources (a stale dist/ would measure old code).
  const distApp = join(root, "dist/src/tui/view/app.js");
  const fresh = existsSync(distApp) && statSync(distApp).mtimeMs >= statSync(join(root, "src/tui/view/app.ts")).mtimeMs;
  const command = fresh ? `node ${built} tui` : "node --import tsx src/cli/main.ts tui";
  const socket = `impkit-bench-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, "-f", "/dev/null", ...args], { encoding: "utf8" });
  const t0 = performance.now();
  tmux("new-session", "-d", "-x", "160", "-y", "48", "-s", "b", `cd ${JSON.stringify(root)} && ${command} ${JSON.stringify(file)}`);
  let firstScreenMs = -1;
  try {
    for (;;) {
      const screen = tmux("capture-pane", "-p", "-t", "b");
      if (firstScreenMs < 0 && /^.\s+1 0\.000000 /m.test(screen)) firstScreenMs = performance.now() - t0;
      if (screen.includes("| indexed")) return { firstScreenMs, indexedMs: performance.now() - t0, command };
      if (performance.now() - t0 > 120_000) throw new Error("imp tui did not finish indexing in 2 minutes");
      execFileSync("sleep", ["0.02"]);
    }
  } finally {
    const socketPath = tmux("display-message", "-p", "#{socket_path}").trim();
    tmux("kill-server");
    rmSync(socketPath, { force: true });
  }
}

export function formatTuiBench(r: TuiBenchResult): string {
  const n = (x: number, d = 0) => x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
  return [
    `imp tui on ${n(r.packets)} IMP datagrams (headless, 160x48)`,
    `  first screen                 ${n(r.firstScreenMs)} ms          (target < 1000 ms)`,
    `  fully indexed                ${n(r.indexedMs)} ms, ${n(r.indexRate)} packets/s   (target >= 500,000/s)`,
    `  indexing per CPU second      ${n(r.indexCpuRate)} packets`,
    `  analysis marks pass after    ${n(r.analysisPassMs)} ms`,
    `  memory after indexing        ${n(r.bytesPerPacket, 1)} bytes/packet   (target < 200; model's account ${n(r.modelBytesPerPacket, 1)})`,
    `  screen at the middle         ${n(r.middleScreenMs, 1)} ms`,
    `  filter on indexed columns    ${n(r.fastFilterMs)} ms`,
    `  filter decoding every packet ${n(r.fullFilterRate)} packets/s`,
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 1_000_000);
  const file = process.argv[3] ?? join(tmpdir(), `impkit-tui-bench-${n}.pcapng`);
  if (!existsSync(file)) {
    process.stderr.write(`generating ${n} datagrams into ${file}…\n`);
    await generateSessionCapture(file, n);
  }
  const r = await benchTui(file);
  process.stdout.write(`${formatTuiBench(r)}\n`);
  const real = benchTuiTmux(file);
  if (real) {
    process.stdout.write(`imp tui under tmux (${real.command}), from spawning the process\n`);
    process.stdout.write(
      `  first rows on screen         ${Math.round(real.firstScreenMs)} ms\n  indexed status line          ${Math.round(real.indexedMs)} ms\n`,
    );
  } else process.stdout.write("(tmux missing: no measure of the real command)\n");
  process.exit(0);
}
