/**
 * `imp fuzz --jobs 2 --exec ...`: SIGINT (Ctrl-C, to the group) and SIGTERM stop the campaign,
 * write its report, and leave none of the instances running: the two in use and the two spares
 * started ahead of need (one per job). Each instance writes its pid to a file named after its
 * port (test/fixtures/fuzz-targets/pid-file.mjs).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileCli, describeRun, ROOT, running, startImp, type CompiledCli } from "../cli/cli-process.js";

const dir = mkdtempSync(join(tmpdir(), "imp-fuzz-jobs-"));
const TARGET = join(ROOT, "test/fixtures/fuzz-targets/pid-file.mjs");
let cli: CompiledCli;

beforeAll(async () => {
  cli = await compileCli();
}, 60_000);

afterAll(() => {
  cli?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe("imp fuzz --jobs: no instance outlives the fuzzer", () => {
  for (const [signal, code, to] of [
    ["SIGINT", 130, "group"],
    ["SIGTERM", 143, "process"],
  ] as const) {
    it(`${signal} (to the ${to}): report written, exit ${code}, both instances and both spares gone`, async () => {
      const pids = join(dir, signal);
      const out = join(dir, `out-${signal}`);
      const exec = `"${process.execPath}" "${TARGET}" {port} "${pids}-{port}.pid"`;
      const args = [
        "fuzz",
        "--target",
        "udp://127.0.0.1:0",
        "--exec",
        exec,
        "--jobs",
        "2",
        "--hang-ms",
        "300",
        "--seed",
        "1",
        "--duration",
        "60",
        "--out",
        out,
      ];
      const started = startImp(cli, args, { cwd: dir, timeoutMs: 30_000 });
      const files = () => readdirSync(dir).filter((f) => f.startsWith(`${signal}-`) && f.endsWith(".pid"));
      const end = Date.now() + 20_000;
      while ((files().length < 4 || !started.output().stderr.includes("x 2 jobs")) && Date.now() < end && started.child.exitCode === null)
        await new Promise((r) => setTimeout(r, 25));
      const instances = files().map((f) => Number(readFileSync(join(dir, f), "utf8")));
      expect(instances, started.output().stderr).toHaveLength(4);
      process.kill(to === "group" ? -started.child.pid! : started.child.pid!, signal);
      const r = await started.done;
      const why = describeRun(args, r);
      expect(r.code, why).toBe(code);
      expect(readFileSync(join(out, "report.md"), "utf8"), why).toContain(`| stopped early | interrupted by ${signal} |`);
      for (const pid of instances) expect(running(pid), `${why}\ninstance ${pid} still running`).toBe(false);
      expect(r.leftovers, why).toEqual([]);
    }, 60_000);
  }
});
