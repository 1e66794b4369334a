/**
 * Runs the real `imp` as a process, as a user's shell would, and says what it left behind.
 *
 * - The CLI is compiled once per test file from the sources (esbuild, the transform tsx itself
 *   uses, into node_modules/.cache/impkit-cli-XXXX/, the repository's layout kept): each run then
 *   starts in about 0.25 s of CPU instead of 0.9 s through `--import tsx`, which matters for a
 *   table of a hundred runs on a 2-core machine.
 * - Every run carries a tag in its environment (IMPKIT_TEST_RUN), which every process it starts
 *   inherits (an --exec command in a process group of its own, a grandchild reparented to init
 *   after its parent died): after the exit, a process that still carries the tag (/proc/PID/environ)
 *   is a leftover. They are waited for (a killed child takes a moment to go), then killed, and
 *   reported.
 * - `tty: true` runs it on a pseudo-terminal (util-linux `script`, as `imp tui` needs one), its
 *   stderr apart in a file; `closeStdout: true` closes the reading end of its stdout at once
 *   (what `| head -1` does once it has its line): the first write gets EPIPE.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TAG_VAR = "IMPKIT_TEST_RUN";

/** The CLI compiled from the sources: `main` is its entry point. */
export interface CompiledCli {
  main: string;
  cleanup: () => void;
}

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) tsFiles(path, out);
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** Compiles src/, dissector/ and fuzz/ file by file (no bundling: relative paths, workers and child entry scripts work as from dist/). */
export async function compileCli(): Promise<CompiledCli> {
  // esbuild is tsx's own dependency: resolved from tsx, it is the one tsx runs the sources with.
  const esbuild = createRequire(createRequire(import.meta.url).resolve("tsx"))("esbuild") as typeof import("esbuild");
  const cache = join(ROOT, "node_modules", ".cache");
  mkdirSync(cache, { recursive: true });
  const out = mkdtempSync(join(cache, "impkit-cli-"));
  const entryPoints = ["src", "dissector", "fuzz"].flatMap((d) => tsFiles(d)).map((f) => join(ROOT, f));
  await esbuild.build({ entryPoints, outdir: out, outbase: ROOT, format: "esm", platform: "node", target: "node20", logLevel: "error" });
  // Under node_modules no package.json of the repository applies: say these files are ES modules.
  writeFileSync(join(out, "package.json"), '{ "type": "module" }\n');
  return { main: join(out, "src", "cli", "main.js"), cleanup: () => rmSync(out, { recursive: true, force: true }) };
}

export interface ImpRun {
  /** Exit code (null when killed by a signal). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** The run did not end within its bound and was killed. */
  timedOut: boolean;
  /** Processes of the run still alive once it had ended ("PID command line"), killed since. */
  leftovers: string[];
}

export interface RunOptions {
  cwd?: string;
  /** Standard input (default: none, /dev/null). */
  stdin?: string | Uint8Array;
  /** Close the reading end of stdout at once (EPIPE on the first write). */
  closeStdout?: boolean;
  /** On a pseudo-terminal (`script`), stderr apart. */
  tty?: boolean;
  /** Kill the run after this long (default 20 s). */
  timeoutMs?: number;
  env?: Record<string, string>;
  /** node options before the entry point (e.g. --import a preload). */
  nodeArgs?: string[];
}

export interface StartedImp {
  child: ChildProcess;
  /** The run's tag: processesTagged(tag) lists the run's processes. */
  tag: string;
  /** stdout and stderr so far. */
  output: () => { stdout: string; stderr: string };
  done: Promise<ImpRun>;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Whether process `pid` runs (a zombie does not). */
export function running(pid: number): boolean {
  try {
    const state = /\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, "latin1"))?.[1];
    return state !== undefined && state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** The process group of process `pid` (null when it is gone). */
export function processGroup(pid: number): number | null {
  try {
    // Fields after the command name (in parentheses): state, ppid, pgrp.
    const fields = readFileSync(`/proc/${pid}/stat`, "latin1")
      .replace(/^.*\) /s, "")
      .split(" ");
    return Number(fields[2]);
  } catch {
    return null;
  }
}

/** The processes alive now whose environment carries `tag` ("PID command line"), zombies left out. */
export function processesTagged(tag: string): string[] {
  const needle = `${TAG_VAR}=${tag}`;
  const found: string[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!readFileSync(`/proc/${name}/environ`, "latin1").split("\0").includes(needle)) continue;
      const state = /\) (\S)/.exec(readFileSync(`/proc/${name}/stat`, "latin1"))?.[1];
      if (state === "Z" || state === "X") continue;
      found.push(`${name} ${readFileSync(`/proc/${name}/cmdline`, "latin1").split("\0").join(" ").trim()}`);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

/** Waits (at most `boundMs`) for the tagged processes to go; kills and returns those that stay. */
async function reapLeftovers(tag: string, boundMs = 3000): Promise<string[]> {
  const end = Date.now() + boundMs;
  let left = processesTagged(tag);
  while (left.length > 0 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    left = processesTagged(tag);
  }
  for (const p of left) {
    try {
      process.kill(Number(p.split(" ")[0]), "SIGKILL");
    } catch {
      // gone
    }
  }
  return left;
}

/** Starts `imp ARGS` as a process of its own (own process group); `done` resolves once it ended and its leftovers were looked for. */
export function startImp(cli: CompiledCli, args: readonly string[], options: RunOptions = {}): StartedImp {
  const tag = randomBytes(8).toString("hex");
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, [TAG_VAR]: tag };
  // IMP_DEBUG only when the run asks for it (not from the shell the tests run in).
  if (options.env?.IMP_DEBUG === undefined) delete env.IMP_DEBUG;
  const node = [process.execPath, ...(options.nodeArgs ?? []), cli.main, ...args];
  let errFile: string | null = null;
  let child: ChildProcess;
  if (options.tty) {
    errFile = join(mkdtempSync(join(ROOT, "node_modules", ".cache", "impkit-tty-")), "stderr");
    const command = `exec ${node.map(quote).join(" ")} 2>${quote(errFile)}`;
    child = spawn("script", ["-qec", command, "/dev/null"], {
      cwd: options.cwd ?? ROOT,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } else {
    child = spawn(node[0]!, node.slice(1), {
      cwd: options.cwd ?? ROOT,
      env,
      detached: true,
      stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    if (options.stdin !== undefined) child.stdin!.end(options.stdin);
  }
  let stdout = "";
  let stderr = "";
  if (options.closeStdout) child.stdout!.destroy();
  else child.stdout!.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  const t0 = Date.now();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // gone
    }
  }, options.timeoutMs ?? 20_000);
  const done = new Promise<ImpRun>((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const ms = Date.now() - t0;
      void reapLeftovers(tag).then((leftovers) => {
        if (errFile) {
          stderr = existsSync(errFile) ? readFileSync(errFile, "utf8") : "";
          rmSync(dirname(errFile), { recursive: true, force: true });
        }
        resolve({ code, signal, stdout, stderr, ms, timedOut, leftovers });
      });
    });
  });
  return { child, tag, output: () => ({ stdout, stderr }), done };
}

/** Runs `imp ARGS` to its end. */
export function runImp(cli: CompiledCli, args: readonly string[], options: RunOptions = {}): Promise<ImpRun> {
  return startImp(cli, args, options).done;
}

/** Why `script` (a pseudo-terminal for the tui cases) cannot run here, or null. */
export function scriptMissing(): string | null {
  return spawnSync("script", ["-qec", "true", "/dev/null"]).status === 0
    ? null
    : "util-linux `script` is needed for the terminal cases (Debian: bsdutils)";
}

/** The run, for a failure message. */
export function describeRun(args: readonly string[], r: ImpRun): string {
  return `imp ${args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : quote(a))).join(" ")} -> code ${r.code}${r.signal ? ` (${r.signal})` : ""}${r.timedOut ? " TIMED OUT" : ""} in ${r.ms} ms\n--- stderr:\n${r.stderr}--- stdout (${r.stdout.length} chars):\n${r.stdout.slice(0, 400)}\n--- leftovers: ${r.leftovers.join("; ") || "none"}`;
}
