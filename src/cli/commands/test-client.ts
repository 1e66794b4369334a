/**
 * `imp test client`: the client suite (fuzz/conformance/client-cases/). impkit plays the server
 * on {port} and the other users; the client under test is started afresh for each case with
 * --exec (default: the bundled `imp client`), and made to act through a driver (--driver FILE,
 * JSON, docs/driver.schema.json; default: imp client's built-in driver). --exec-each FILE grades
 * many clients (one command line each, the same driver) with a summary page. A client that
 * cannot be started for any case is a target that cannot be used: exit 2.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { runBatch } from "../../../fuzz/conformance/batch.js";
import { selectCases, type CaseResult } from "../../../fuzz/conformance/case.js";
import { CLIENT_CASES } from "../../../fuzz/conformance/client-cases/index.js";
import { runClientSuite } from "../../../fuzz/conformance/client-runner.js";
import { SPEC_TIMERS, type TargetTimers } from "../../../fuzz/conformance/context.js";
import { BUILTIN_DRIVER, parseDriver, type Driver } from "../../../fuzz/conformance/driver.js";
import { failed, VERDICT_LABELS } from "../../../fuzz/conformance/report/summary.js";
import { writeReports } from "../../../fuzz/conformance/report/write.js";
import { packageRoot } from "../../paths.js";
import { CliError, readErrorReason } from "../errors.js";
import type { CliIo } from "../io.js";
import { checkWritableFolder } from "../output-file.js";
import { readBatchEntries } from "./test-batch-file.js";
import { DURATIONS, durationOption, parseIntInRange, retriesOption } from "../parse-options.js";

interface TestClientOptions {
  exec?: string;
  execEach?: string;
  driver?: string;
  jobs: number;
  cases?: string;
  out?: string;
  quiet?: boolean;
  rto: number;
  retries: number;
}

/** The command that starts the bundled client: the built CLI, or the sources through tsx (a checkout not built). */
export function bundledClientCommand(): string {
  const root = packageRoot();
  const built = join(root, "dist", "src", "cli", "main.js");
  const main = existsSync(built) ? `"${built}"` : `--import tsx "${join(root, "src", "cli", "main.ts")}"`;
  return `"${process.execPath}" ${main} client --name {name} --server 127.0.0.1:{port}`;
}

function readDriver(file: string | undefined): Driver {
  if (file === undefined) return BUILTIN_DRIVER;
  try {
    return parseDriver(readFileSync(file, "utf8"));
  } catch (e) {
    throw new CliError(`cannot use driver ${file}: ${e instanceof Error && !("code" in e) ? e.message : readErrorReason(e)}`);
  }
}

export function clientSuiteCommand(
  io: CliIo,
  show: {
    progress: (io: CliIo, quiet: boolean | undefined) => ((done: number, total: number, r: CaseResult) => void) | undefined;
    summary: (results: readonly CaseResult[], ms: number) => string;
  },
): Command {
  return new Command("client")
    .description(
      "test an IMP client: impkit plays its server and the other users; a driver makes it act (verdicts pass / non-strict / fail / info / unimplemented)",
    )
    .option("--exec <command>", "command that starts the client ({port}: the server impkit plays, {name}: a username); default: imp client")
    .option("--driver <file>", "JSON driver: the stdin line for each action (docs/driver.schema.json); default: imp client's commands")
    .option("--exec-each <file>", "batch: one client command per line (NAME: command with {port}); a report each and a summary page")
    .option("-j, --jobs <n>", "clients tested at once (one per case)", parseIntInRange("--jobs", 1, 32), 4)
    .option("--cases <pattern>", "only these cases: ids or sections, comma-separated (5.1, 6.3.2, 4)")
    .option("-o, --out <dir>", "write report.html, report.json, junit.xml and a pcap per case here")
    .addOption(durationOption(DURATIONS.rto, "retransmission timer the client uses"))
    .addOption(retriesOption("retransmissions the client makes before it gives up"))
    .option("-q, --quiet", "no progress bar, only the summary")
    .action(async (opts: TestClientOptions) => {
      const cases = selectCases(CLIENT_CASES, opts.cases);
      if (cases.length === 0) throw new CliError(`--cases ${opts.cases}: no case matches (ids look like 5.1.1, sections like 6.3)`);
      const timers: TargetTimers = { ...SPEC_TIMERS, rto: opts.rto, retries: opts.retries };
      const driver = readDriver(opts.driver);
      if (opts.out) checkWritableFolder(opts.out);
      if (opts.execEach !== undefined) {
        if (opts.exec !== undefined) throw new CliError("--exec-each runs the commands of its file: it does not go with --exec");
        if (!opts.out) throw new CliError("--exec-each writes a report per implementation: give --out DIR");
        const entries = readBatchEntries(opts.execEach);
        const r = await runBatch({
          entries,
          cases,
          out: opts.out,
          jobs: opts.jobs,
          suite: "client",
          run: async (e) => {
            const run = await runClientSuite({ exec: e.command, driver, jobs: opts.jobs, cases, timers });
            // A client that never started is "not tested" on the summary page, with the reason.
            if (run.notStarted !== undefined) throw new Error(run.notStarted);
            return run;
          },
          progress: (e, run, error) => io.out(`${e.name}: ${run ? show.summary(run.results, run.durationMs) : `not tested: ${error}`}\n`),
        });
        io.out(`summary: ${r.page}\n`);
        io.exitCode = r.rows.some((row) => failed(row.results) || row.error) ? 1 : 0;
        return;
      }
      const exec = opts.exec ?? bundledClientCommand();
      if (!exec.includes("{port}")) throw new CliError("--exec must contain {port} (where the client is told its server's port)");
      const run = await runClientSuite({ exec, driver, jobs: opts.jobs, cases, timers, progress: show.progress(io, opts.quiet) });
      if (run.notStarted !== undefined) throw new CliError(`the client could not be tested: ${run.notStarted}`);
      io.out(`${show.summary(run.results, run.durationMs)}\n`);
      for (const r of run.results) if (r.verdict !== "pass") io.out(`  ${r.id} ${VERDICT_LABELS[r.verdict]}: ${r.title}: ${r.observed}\n`);
      if (opts.out) {
        const files = await writeReports(opts.out, run);
        io.out(`report: ${files.html}\n`);
      }
      io.exitCode = failed(run.results) ? 1 : 0;
    });
}
