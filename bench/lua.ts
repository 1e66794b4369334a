/**
 * The generated Wireshark Lua dissector under tshark 4.0, beside impkit on the same capture:
 * `tshark -X lua_script:imp.lua -r FILE -T json > /dev/null` against `imp read FILE -T json`
 * (run in-process, with its conversation analysis) written to /dev/null, both in packets/s. Rows for
 * tshark without the script (its own floor) and with the script in `-T fields` put the JSON
 * figure in context. tshark's times include its start-up (about 1 s here).
 *
 * Usage: `npx tsx bench/lua.ts [N]` writes a session capture of N datagrams (default 100 000);
 * `benchLua(file)` measures a capture the caller provides (the 1 000 000-datagram one).
 */
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readCapture } from "../dissector/capture/index.js";
import { generateLua } from "../dissector/lua/index.js";
import { runCli } from "../src/cli/program.js";
import { fmtBytes, PeakRss, printRows, timeItAsync, type BenchRow } from "./report.js";

export interface LuaBenchOptions {
  /** Also time tshark without the script and with `-T fields` (default true). */
  baselines?: boolean;
}

function timeTshark(args: readonly string[]): number {
  const out = openSync("/dev/null", "w");
  const t0 = process.hrtime.bigint();
  const r = spawnSync("tshark", args, { stdio: ["ignore", out, "pipe"], maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  closeSync(out);
  if (r.status !== 0) throw new Error(`tshark ${args.join(" ")} failed (${r.status}): ${r.stderr.toString()}`);
  return seconds;
}

/** `imp read FILE -T json`, written to /dev/null in blocks as a CLI on a pipe would. */
async function timeImpJson(file: string): Promise<{ seconds: number; peak: number }> {
  const fd = openSync("/dev/null", "w");
  let pending: string[] = [];
  let size = 0;
  const flush = () => {
    if (pending.length) writeSync(fd, pending.join(""));
    pending = [];
    size = 0;
  };
  const io = {
    out: (t: string) => {
      pending.push(t);
      size += t.length;
      if (size > 1 << 18) flush();
    },
    err: (t: string) => void process.stderr.write(t),
    exitCode: 0,
  };
  const rss = new PeakRss();
  const t = await timeItAsync(async () => {
    const code = await runCli(["read", file, "-T", "json"], io);
    flush();
    if (code !== 0) throw new Error(`imp read failed (${code})`);
    return 0;
  });
  closeSync(fd);
  return { seconds: t.seconds, peak: rss.stop() };
}

export async function benchLua(captureFile: string, opts: LuaBenchOptions = {}): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "impkit-bench-lua-"));
  try {
    const script = join(dir, "imp.lua");
    writeFileSync(script, generateLua());
    const packets = (await readCapture(captureFile, () => {})).packets;
    const rows: BenchRow[] = [];
    const lua = ["-X", `lua_script:${script}`, "-r", captureFile];
    const json = packets / timeTshark([...lua, "-T", "json"]);
    const imp = await timeImpJson(captureFile);
    const impRate = packets / imp.seconds;
    rows.push({ name: "tshark -X lua_script:imp.lua -T json", rate: json, unit: "packets" });
    rows.push({
      name: "imp read -T json",
      rate: impRate,
      unit: "packets",
      baseline: json,
      baselineName: "tshark+Lua",
      extra: `peak RSS ${fmtBytes(imp.peak)}`,
    });
    if (opts.baselines ?? true) {
      rows.push({
        name: "tshark -X lua_script:imp.lua -T fields -e imp.type",
        rate: packets / timeTshark([...lua, "-T", "fields", "-e", "imp.type"]),
        unit: "packets",
      });
      rows.push({
        name: "tshark -T json, no script (no IMP layer)",
        rate: packets / timeTshark(["-r", captureFile, "-T", "json"]),
        unit: "packets",
      });
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { generateSessionCapture } = await import("./gen-capture.js");
  const n = Number(process.argv[2] ?? 100_000);
  const file = `/tmp/impkit-bench-lua-${n}.pcap`;
  await generateSessionCapture(file, n);
  printRows(`Lua dissector under tshark vs imp (${n} datagrams)`, await benchLua(file));
}
