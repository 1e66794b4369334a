/**
 * `imp read` against tshark on the same capture, in the same run (issue: dissector, performance):
 * the real command as a child process (`node dist/src/cli/main.js read FILE > /dev/null`), its
 * packets/s and peak RSS (/usr/bin/time -v), beside `tshark -r FILE` (summary; no IMP dissector,
 * so tshark decodes frame/IP/UDP only) and `tshark -r FILE -T json`, then, when the generated Lua
 * dissector is there, `tshark -X lua_script:imp.lua -T json` on the first LUA_PACKETS packets
 * (it manages a few thousand packets/s: the whole file would take minutes).
 *
 * Two captures (issue 15, section 4): the realistic one (bench/gen-realistic.ts: distinct texts,
 * 96 clients on six networks, groups, loss and retransmissions) with every row, and the old
 * repetitive one (bench/gen-capture.ts) for the summary only. The summary and `tshark -r` run by
 * turns (pairedSummary) and the ratio quoted is the median of the pairs' ratios.
 *
 * Peak RSS flat in file size: the summary run is repeated on a realistic capture a quarter the
 * size; the growth per extra packet is printed.
 *
 * The full run also prints the cost of each stage of the read (bench/read-stages.ts).
 *
 * Usage: `npm run build && node dist/bench/read.js [N] [--summary] [--stages] [--pairs K]`
 * (default 1 000 000 datagrams; --summary: the paired summary rows only; --stages: with the
 * stages), or `benchRead(file)` on a capture the caller provides.
 */
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readCapture } from "../dissector/capture/index.js";
import { benchReadStages } from "./read-stages.js";
import { fmtBytes, fmtRate } from "./report.js";

/** Packets of the tshark + Lua JSON run. */
const LUA_PACKETS = 50_000;

export interface ReadBenchRow {
  name: string;
  command: string;
  packets: number;
  /** Wall-clock seconds (start-up included). */
  seconds: number;
  rate: number;
  /** User + system CPU seconds: steadier than wall time on a shared machine. */
  cpuSeconds: number;
  cpuRate: number;
  peakRss: number;
}

function mainJs(): string {
  // dist/bench/read.js -> dist/src/cli/main.js; from the sources (tsx) -> dist too (build first).
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, "../src/cli/main.js"), join(here, "../dist/src/cli/main.js")];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error("dist/src/cli/main.js not found: run `npm run build` first");
  return found;
}

/**
 * Runs a command with stdout to /dev/null under /usr/bin/time -v: wall seconds and peak RSS; with
 * `repeats`, the run of median wall time (the rows the targets compare run 3 times each).
 */
function measure(name: string, argv: readonly string[], packets: number, repeats = 1): ReadBenchRow {
  const runs = Array.from({ length: repeats }, () => measureOnce(name, argv, packets)).sort((a, b) => a.seconds - b.seconds);
  const median = runs[Math.floor(runs.length / 2)]!;
  return repeats > 1 ? { ...median, name: `${name}, median of ${repeats}` } : median;
}

function measureOnce(name: string, argv: readonly string[], packets: number): ReadBenchRow {
  const out = openSync("/dev/null", "w");
  const t0 = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-v", ...argv], { stdio: ["ignore", out, "pipe"], maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  closeSync(out);
  const err = r.stderr.toString();
  if (r.status !== 0) throw new Error(`${argv.join(" ")} failed (${r.status}): ${err.slice(-2000)}`);
  const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(err)?.[1] ?? NaN);
  const cpu =
    Number(/User time \(seconds\): ([\d.]+)/.exec(err)?.[1] ?? NaN) + Number(/System time \(seconds\): ([\d.]+)/.exec(err)?.[1] ?? NaN);
  return {
    name,
    command: argv.join(" "),
    packets,
    seconds,
    rate: packets / seconds,
    cpuSeconds: cpu,
    cpuRate: packets / cpu,
    peakRss: kb * 1024,
  };
}

async function countPackets(file: string): Promise<number> {
  return (await readCapture(file, () => {})).packets;
}

function hasTool(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;
}

function print(rows: readonly ReadBenchRow[]): void {
  for (const r of rows) {
    console.log(
      `  ${r.name.padEnd(46)} ${fmtRate(r.rate).padStart(9)} packets/s (${r.seconds.toFixed(2).padStart(6)} s wall)  ${fmtRate(r.cpuRate).padStart(9)} packets/CPU-s  peak RSS ${fmtBytes(r.peakRss).padStart(10)}`,
    );
  }
}

/**
 * `imp read` summary and `tshark -r` run by turns, `pairs` times each: the machine's load is
 * shared by both runs of a pair, so the ratio of a pair is steadier than the ratio of two
 * medians taken minutes apart. Returns the median run of each and the median of the pairs' ratios.
 */
export function pairedSummary(
  file: string,
  packets: number,
  pairs = 3,
): { imp: ReadBenchRow; tshark: ReadBenchRow | undefined; wallRatio: number; cpuRatio: number } {
  const main = mainJs();
  const imps: ReadBenchRow[] = [];
  const tsharks: ReadBenchRow[] = [];
  const haveTshark = hasTool("tshark");
  for (let i = 0; i < pairs; i++) {
    imps.push(measureOnce("imp read (summary)", [process.execPath, main, "read", file], packets));
    if (haveTshark) tsharks.push(measureOnce("tshark -r (summary, UDP only)", ["tshark", "-r", file], packets));
  }
  const median = <T>(xs: T[], key: (x: T) => number): T => [...xs].sort((a, b) => key(a) - key(b))[Math.floor(xs.length / 2)]!;
  const ratios = imps.map((r, i) => ({ wall: r.rate / (tsharks[i]?.rate ?? NaN), cpu: r.cpuRate / (tsharks[i]?.cpuRate ?? NaN) }));
  const name = (r: ReadBenchRow) => ({ ...r, name: `${r.name}, median of ${pairs}` });
  return {
    imp: name(median(imps, (r) => r.seconds)),
    tshark: haveTshark ? name(median(tsharks, (r) => r.seconds)) : undefined,
    wallRatio: median(ratios, (r) => r.wall).wall,
    cpuRatio: median(ratios, (r) => r.cpu).cpu,
  };
}

export interface BenchReadOptions {
  /** The same kind of capture, smaller: peak RSS on both says whether memory grows with the file. */
  small?: string;
  /** Only the paired summary rows (no JSON, -2, -Y, --no-analysis, Lua rows). */
  summaryOnly?: boolean;
  /** Pairs of the summary rows (default 3). */
  pairs?: number;
  /** The cost of each stage of the read, in process (bench/read-stages.ts). */
  stages?: boolean;
}

/** Measures `imp read` and tshark on `file`, under `title`. */
export async function benchRead(file: string, title = "imp read vs tshark", opts: BenchReadOptions = {}): Promise<ReadBenchRow[]> {
  const main = mainJs();
  const node = process.execPath;
  const packets = await countPackets(file);
  const rows: ReadBenchRow[] = [];
  const summary = pairedSummary(file, packets, opts.pairs ?? 3);
  rows.push(summary.imp);
  if (summary.tshark) rows.push(summary.tshark);
  const haveTshark = hasTool("tshark");
  let luaRow: ReadBenchRow | undefined;
  let impLuaRow: ReadBenchRow | undefined;
  if (!opts.summaryOnly) {
    rows.push(measure("imp read -T json", [node, main, "read", file, "-T", "json"], packets));
    rows.push(measure("imp read -2 (two passes, final view)", [node, main, "read", file, "-2"], packets));
    rows.push(
      measure('imp read -Y "imp.type == 5 && imp.ack == 0"', [node, main, "read", file, "-Y", "imp.type == 5 && imp.ack == 0"], packets),
    );
    rows.push(measure("imp read --no-analysis (summary)", [node, main, "read", file, "--no-analysis"], packets));
    if (haveTshark) rows.push(measure("tshark -r -T json (UDP only)", ["tshark", "-r", file, "-T", "json"], packets));
    const lua = haveTshark ? await import("../dissector/lua/index.js").catch(() => null) : null;
    if (lua && typeof lua.generateLua === "function") {
      const dir = mkdtempSync(join(tmpdir(), "imp-bench-lua-"));
      try {
        const script = join(dir, "imp.lua");
        writeFileSync(script, lua.generateLua());
        const n = Math.min(LUA_PACKETS, packets);
        luaRow = measure(
          `tshark + imp.lua -T json (first ${n})`,
          ["tshark", "-X", `lua_script:${script}`, "-r", file, "-c", String(n), "-T", "json"],
          n,
        );
        impLuaRow = measure(`imp read -T json -c ${n}`, [node, main, "read", file, "-T", "json", "-c", String(n)], n);
        rows.push(luaRow, impLuaRow);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  console.log(`\n## ${title} (${packets} packets, ${file})`);
  print(rows);
  const by = (name: string) => rows.find((r) => r.name.startsWith(name));
  const ratio = (a?: ReadBenchRow, b?: ReadBenchRow) =>
    a && b ? `${(a.rate / b.rate).toFixed(2)}x wall, ${(a.cpuRate / b.cpuRate).toFixed(2)}x CPU` : "n/a";
  if (summary.tshark)
    console.log(
      `  ratio summary: imp read / tshark -r            ${summary.wallRatio.toFixed(2)}x wall, ${summary.cpuRatio.toFixed(2)}x CPU (median of ${opts.pairs ?? 3} paired runs; target 10x)`,
    );
  if (!opts.summaryOnly)
    console.log(`  ratio JSON:    imp read -T json / tshark -T json ${ratio(by("imp read -T json"), by("tshark -r -T json"))}  (UDP only)`);
  if (luaRow && impLuaRow) {
    // Both include their start-up: on LUA_PACKETS packets node's (~0.3 s) weighs more than on the whole file.
    console.log(
      `  ratio JSON:    imp read -T json / tshark + Lua  ${ratio(by("imp read -T json"), luaRow)} (whole file vs tshark's rate), ${ratio(impLuaRow, luaRow)} (same ${luaRow.packets} packets)  (target 10x)`,
    );
  }
  if (opts.stages) await benchReadStages(file, packets);
  if (opts.small) {
    const sp = await countPackets(opts.small);
    const s = measure("imp read (summary), small capture", [node, main, "read", opts.small], sp, 3);
    const big = summary.imp;
    const slope = (big.peakRss - s.peakRss) / (packets - sp);
    console.log(
      `  peak RSS: ${fmtBytes(s.peakRss)} for ${sp} packets, ${fmtBytes(big.peakRss)} for ${packets}: ${slope.toFixed(1)} bytes per extra packet (analysis state)`,
    );
  }
  return rows;
}

/**
 * The read rows of `npm run bench`: the realistic capture (bench/gen-realistic.ts) with every
 * row and the RSS check against a quarter-size one, then the old repetitive session capture
 * (bench/gen-capture.ts: 8 texts among 16 clients), summary only, as a second row.
 */
export async function benchReadCaptures(
  dir: string,
  n: number,
  opts: { summaryOnly?: boolean; pairs?: number; stages?: boolean } = {},
): Promise<void> {
  const { realisticCapture } = await import("./gen-realistic.js");
  const { sessionCapture } = await import("./gen-capture.js");
  const realistic = await realisticCapture(join(dir, "session"), n, console.log);
  const small = await realisticCapture(join(dir, "session"), Math.floor(n / 4), console.log);
  const repetitive = await sessionCapture(join(dir, "session"), n, console.log);
  await benchRead(realistic, "imp read vs tshark, realistic capture (distinct texts, 96 clients, loss)", {
    ...opts,
    small,
    stages: opts.stages ?? !opts.summaryOnly,
  });
  await benchRead(repetitive, "imp read vs tshark, repetitive capture (8 texts among 16 clients)", {
    ...opts,
    summaryOnly: true,
    stages: false,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
  const pairs = args.includes("--pairs") ? Number(args[args.indexOf("--pairs") + 1]) : 3;
  await benchReadCaptures("/tmp", n, {
    summaryOnly: args.includes("--summary"),
    pairs,
    ...(args.includes("--stages") ? { stages: true } : {}),
  });
}
