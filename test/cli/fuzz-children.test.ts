/**
 * `imp fuzz --exec`: no process the fuzzer started outlives it, whatever the way it ends: a
 * target that never answers (one line, exit 2, within seconds), SIGINT (Ctrl-C) and SIGTERM
 * during a campaign (the campaign stops after the case under way, writes its report, exit 130 and
 * 143), an internal crash of the fuzzer itself (one line, exit 1). The --exec target is
 * test/fixtures/fuzz-targets/pid-file.mjs, which writes its pid; the leftovers check of
 * cli-process.ts also catches anything else the run started.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  compileCli,
  describeRun,
  processesTagged,
  processGroup,
  ROOT,
  running,
  startImp,
  type CompiledCli,
  type ImpRun,
  type RunOptions,
  type StartedImp,
} from "./cli-process.js";

const dir = mkdtempSync(join(tmpdir(), "imp-fuzz-children-"));
const TARGET = join(ROOT, "test/fixtures/fuzz-targets/pid-file.mjs");
const CRASH = join(ROOT, "test/fixtures/cli/crash-preload.mjs");
let cli: CompiledCli;
let runs = 0;

beforeAll(async () => {
  cli = await compileCli();
}, 60_000);

afterAll(() => {
  cli?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** A campaign against the pid-file target started with --exec; its pid file and output folder are its own. */
function campaign(mode: "answers" | "deaf", extra: readonly string[], optionsFor: (pidFile: string) => RunOptions = () => ({})) {
  const n = ++runs;
  const pidFile = join(dir, `target-${n}.pid`);
  const options = optionsFor(pidFile);
  const out = join(dir, `out-${n}`);
  const exec = `"${process.execPath}" "${TARGET}" {port} "${pidFile}"${mode === "deaf" ? " deaf" : ""}`;
  const args = ["fuzz", "--target", "udp://127.0.0.1:{port}", "--exec", exec, "--hang-ms", "300", "--seed", "1", "--out", out, ...extra];
  return { args, pidFile, out, started: startImp(cli, args, { cwd: dir, timeoutMs: 30_000, ...options }) };
}

/** Waits (bounded) until the target wrote its pid and `ready` holds for the run's output. */
async function targetPid(pidFile: string, run: StartedImp, ready: (stderr: string) => boolean = () => true): Promise<number> {
  const end = Date.now() + 20_000;
  while (!(existsSync(pidFile) && readFileSync(pidFile, "utf8").length > 0 && ready(run.output().stderr))) {
    if (Date.now() > end) throw new Error(`no pid file ${pidFile} and campaign after 20 s; stderr: ${run.output().stderr}`);
    if (run.child.exitCode !== null) throw new Error(`the fuzzer ended before its target started; stderr: ${run.output().stderr}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Number(readFileSync(pidFile, "utf8"));
}

function expectGone(pid: number, r: ImpRun, why: string): void {
  expect(running(pid), `${why}\nthe --exec target (pid ${pid}) is still running`).toBe(false);
  expect(r.leftovers, why).toEqual([]);
}

describe.concurrent("imp fuzz --exec: no child outlives the fuzzer", () => {
  it("a target that never answers: one line, exit 2, within seconds", async () => {
    const { args, pidFile, started } = campaign("deaf", ["--cases", "5", "-q"]);
    const pid = await targetPid(pidFile, started);
    const r = await started.done;
    const why = describeRun(args, r);
    expect(r.code, why).toBe(2);
    expect(r.stderr, why).toMatch(
      /^imp: udp:\/\/127\.0\.0\.1:\{port\} \(exec\) does not answer: .* within 5 s \(does the --exec command start an IMP server on \{port\}\?\)\n$/,
    );
    // 10 hang bounds, 5 s at least, and start-up: well under the 30 s of the run's bound.
    expect(r.ms, why).toBeLessThan(15_000);
    expectGone(pid, r, why);
  });

  // SIGINT as Ctrl-C at a terminal sends it, to the whole foreground process group; SIGTERM as
  // `kill PID` does, to the fuzzer alone.
  for (const [signal, code, to] of [
    ["SIGINT", 130, "group"],
    ["SIGTERM", 143, "process"],
  ] as const) {
    it(`${signal} during a campaign (to the ${to}): it stops after the case under way, writes its report, exit ${code}`, async () => {
      const { args, pidFile, out, started } = campaign("answers", ["--duration", "60"]);
      const pid = await targetPid(pidFile, started, (stderr) => stderr.includes("imp fuzz: udp://"));
      process.kill(to === "group" ? -started.child.pid! : started.child.pid!, signal);
      const r = await started.done;
      const why = describeRun(args, r);
      expect(r.code, why).toBe(code);
      expect(r.stdout, why).toMatch(new RegExp(`^stopped: interrupted by ${signal}$`, "m"));
      expect(r.stderr, why).not.toMatch(/^\s+at /m);
      expect(readFileSync(join(out, "report.md"), "utf8"), why).toContain(`| stopped early | interrupted by ${signal} |`);
      expectGone(pid, r, why);
    });
  }

  it("Ctrl-C against the bundled server: its process, in a group of its own, is not hit (no crash finding), and is killed", async () => {
    const out = join(dir, "out-bundled");
    const args = ["fuzz", "--seed", "1", "--duration", "60", "--out", out];
    const started = startImp(cli, args, { cwd: dir, timeoutMs: 30_000 });
    const end = Date.now() + 20_000;
    // Cases are under way once the first progress line is out (about a second in).
    while (!/\rcases \d+/.test(started.output().stderr) && Date.now() < end && started.child.exitCode === null)
      await new Promise((r) => setTimeout(r, 25));
    // The target's process is in a process group of its own, which Ctrl-C does not reach.
    const fuzzer = started.child.pid!;
    const others = processesTagged(started.tag)
      .map((p) => Number(p.split(" ")[0]))
      .filter((pid) => pid !== fuzzer);
    expect(others.length, started.output().stderr).toBeGreaterThan(0);
    for (const pid of others) expect(processGroup(pid), `pid ${pid}`).not.toBe(processGroup(fuzzer));
    process.kill(-fuzzer, "SIGINT");
    const r = await started.done;
    const why = describeRun(args, r);
    expect(r.code, why).toBe(130);
    expect(r.stdout, why).toMatch(/ 0 findings$/m);
    expect(r.stdout, why).toMatch(/^stopped: interrupted by SIGINT$/m);
    expect(r.leftovers, why).toEqual([]);
  });

  it("an internal crash of the fuzzer mid-campaign: one line, exit 1, the target killed with it", async () => {
    // The preload throws once the target has written its pid: the campaign is under way.
    const { args, pidFile, started } = campaign("answers", ["--duration", "60", "-q"], (pidFile) => ({
      nodeArgs: ["--import", CRASH],
      env: { IMPKIT_TEST_CRASH_WHEN_FILE: pidFile },
    }));
    const pid = await targetPid(pidFile, started);
    const r = await started.done;
    const why = describeRun(args, r);
    expect(r.code, why).toBe(1);
    expect(r.stderr, why).toBe(
      "imp: internal error: injected crash (test/fixtures/cli/crash-preload.mjs) (a bug in impkit; IMP_DEBUG=1 shows where)\n",
    );
    expectGone(pid, r, why);
  });
});
