/**
 * `npm run bench`: every benchmark of impkit, each printing its rate beside a baseline measured
 * in the same run. `npm run bench -- codec pipeline` runs some sections only; `--n 200000` uses a
 * smaller generated capture; `--seconds 3` shortens the timed network runs.
 *
 * Sections: codec, capture, pipeline (issue: foundation), relay (reference server), proxy, read
 * (imp read vs tshark), tui, fuzz, lua (tshark with the generated dissector). Sections whose
 * module is not there yet are skipped with a note.
 */
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchCodec } from "./codec.js";
import { sessionCapture } from "./gen-capture.js";
import { benchPipeline } from "./pipeline.js";
import { runRelayBench } from "./relay.js";
import { printRows } from "./report.js";

const args = process.argv.slice(2);
function option(name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}
const n = option("n", 1_000_000);
const seconds = option("seconds", 10);
const wanted = args.filter((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--"));
const run = (name: string) => wanted.length === 0 || wanted.includes(name);

async function capture(): Promise<string> {
  const dir = join(tmpdir(), "impkit-bench");
  mkdirSync(dir, { recursive: true });
  return sessionCapture(join(dir, "session"), n, console.log);
}

/** Imports an optional section's module; undefined (with a note) when it does not exist yet. */
async function section<T>(name: string, path: string): Promise<T | undefined> {
  try {
    return (await import(path)) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND") {
      console.log(`\n## ${name}: not available in this build`);
      return undefined;
    }
    throw e;
  }
}

console.log(`impkit benchmarks on Node ${process.version}, ${n} datagrams, ${seconds} s network runs`);
if (run("codec")) printRows("codec (1 000 000 datagrams of a session mix)", benchCodec(1_000_000));
if (run("capture")) {
  const m = await section<{ benchCapture(o: { n?: number }): Promise<unknown> }>("capture", "./capture.js");
  await m?.benchCapture({ n });
}
if (run("pipeline")) printRows(`pipeline: read + decode + summary line, ${n} datagrams`, await benchPipeline(await capture()));
if (run("relay")) await runRelayBench([2, 16, 64], seconds);
if (run("proxy")) {
  const m = await section<{ benchProxy(o: { seconds?: number }): Promise<unknown> }>("proxy", "./proxy.js");
  await m?.benchProxy({ seconds: Math.min(seconds, 5) });
}
if (run("read")) {
  const m = await section<{ benchReadCaptures(dir: string, n: number): Promise<unknown> }>("read (imp read vs tshark)", "./read.js");
  const dir = join(tmpdir(), "impkit-bench");
  mkdirSync(dir, { recursive: true });
  await m?.benchReadCaptures(dir, n);
}
if (run("tui")) {
  const m = await section<{ benchTui(file: string): Promise<unknown> }>("tui", "./tui.js");
  await m?.benchTui(await capture());
}
if (run("fuzz")) {
  const m = await section<{ benchFuzz(): Promise<unknown> }>("fuzz", "./fuzz.js");
  await m?.benchFuzz();
}
if (run("lua")) {
  const m = await section<{ benchLua(file: string): Promise<unknown> }>("lua (tshark with the generated dissector)", "./lua.js");
  await m?.benchLua(await capture());
}
