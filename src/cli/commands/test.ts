/**
 * `imp test server` (and `imp test client`, in test-client.ts): the conformance suite (fuzz/conformance/) against any IMP server at
 * udp://HOST:PORT, or started (and restarted) with --exec, --jobs instances at once; with
 * --exec-each FILE, over many implementations with a summary page. Reports under --out:
 * report.html, report.json, junit.xml and a pcap per case. Exit 0 when no case fails, 1 when
 * one does, 2 for usage errors and a target that cannot be used.
 */
import { Command, Option } from "commander";
import { runBatch } from "../../../fuzz/conformance/batch.js";
import { selectCases, type CaseResult } from "../../../fuzz/conformance/case.js";
import { SPEC_TIMERS, type TargetTimers } from "../../../fuzz/conformance/context.js";
import { countVerdicts, failed, VERDICT_LABELS } from "../../../fuzz/conformance/report/summary.js";
import { writeReports } from "../../../fuzz/conformance/report/write.js";
import { runServerSuite } from "../../../fuzz/conformance/runner.js";
import { CLIENT_CASES } from "../../../fuzz/conformance/client-cases/index.js";
import { SERVER_CASES } from "../../../fuzz/conformance/server-cases/index.js";
import { parseTargetUrl } from "../../../fuzz/targets/remote.js";
import { TargetError } from "../../../fuzz/targets/target.js";
import { CliError, oneLine } from "../errors.js";
import type { CliIo } from "../io.js";
import { checkWritableFolder } from "../output-file.js";
import { readBatchEntries } from "./test-batch-file.js";
import { clientSuiteCommand } from "./test-client.js";
import { DURATIONS, durationOption, parseIntInRange, retriesOption } from "../parse-options.js";

interface TestServerOptions {
  target?: string;
  exec?: string;
  execEach?: string;
  jobs: number;
  cases?: string;
  out?: string;
  quiet?: boolean;
  rto: number;
  retries: number;
  inviteTimeout: number;
}

function progressBar(io: CliIo, quiet: boolean | undefined): ((done: number, total: number, r: CaseResult) => void) | undefined {
  if (quiet || !process.stderr.isTTY || io.stdin !== process.stdin) return undefined;
  return (done, total, r) => {
    const width = 30;
    const full = Math.round((done / total) * width);
    io.err(
      `\r[${"#".repeat(full)}${" ".repeat(width - full)}] ${done}/${total} ${r.id} ${VERDICT_LABELS[r.verdict]}\x1b[K${done === total ? "\n" : ""}`,
    );
  };
}

function summaryLine(results: readonly CaseResult[], ms: number): string {
  const c = countVerdicts(results);
  const parts = (Object.keys(c) as (keyof typeof c)[]).filter((v) => c[v] > 0).map((v) => `${c[v]} ${VERDICT_LABELS[v].toLowerCase()}`);
  return `${results.length} cases in ${(ms / 1000).toFixed(1)} s: ${parts.join(", ") || "none"}`;
}

function serverCommand(io: CliIo): Command {
  return new Command("server")
    .description("test an IMP server, section by section of the specification (verdicts pass / non-strict / fail / info)")
    .option("-t, --target <udp://HOST:PORT>", "the server to test (port 0 or {port} with --exec: a free port)")
    .option(
      "--exec <command>",
      "command that starts the server ({port} is replaced by its port); lets the suite restart it and run --jobs instances",
    )
    .option("--exec-each <file>", "batch: one command per line (NAME: command with {port}); a report each and a summary page")
    .option(
      "-j, --jobs <n>",
      "instances of an --exec server at once (cases with long timers run in parallel)",
      parseIntInRange("--jobs", 1, 32),
      4,
    )
    .option("--cases <pattern>", "only these cases: ids or sections, comma-separated (5.1, 6.3.2, 8)")
    .option("-o, --out <dir>", "write report.html, report.json, junit.xml and a pcap per case here")
    .addOption(durationOption(DURATIONS.rto, "retransmission timer the target uses"))
    .addOption(retriesOption("retransmissions the target makes before it gives up"))
    .addOption(durationOption(DURATIONS.inviteTimeout, "invitation timer the target uses (shorten only if the target is started so)"))
    .option("-q, --quiet", "no progress bar, only the summary")
    .action(async (opts: TestServerOptions) => {
      const cases = selectCases(SERVER_CASES, opts.cases);
      if (cases.length === 0) throw new CliError(`--cases ${opts.cases}: no case matches (ids look like 5.1.1, sections like 6.3)`);
      const timers: TargetTimers = { ...SPEC_TIMERS, rto: opts.rto, retries: opts.retries, inviteTimeout: opts.inviteTimeout };
      if (opts.out) checkWritableFolder(opts.out);
      if (opts.execEach !== undefined) {
        if (opts.exec !== undefined || opts.target !== undefined)
          throw new CliError("--exec-each runs the commands of its file: it does not go with --exec or --target");
        if (!opts.out) throw new CliError("--exec-each writes a report per implementation: give --out DIR");
        const entries = readBatchEntries(opts.execEach);
        const r = await runBatch({
          entries,
          cases,
          out: opts.out,
          jobs: opts.jobs,
          timers,
          progress: (e, run, error) => io.out(`${e.name}: ${run ? summaryLine(run.results, run.durationMs) : `not tested: ${error}`}\n`),
        });
        io.out(`summary: ${r.page}\n`);
        io.exitCode = r.rows.some((row) => failed(row.results) || row.error) ? 1 : 0;
        return;
      }
      if (opts.target === undefined)
        throw new CliError("give --target udp://HOST:PORT (with --exec: udp://127.0.0.1:0), or --exec-each FILE");
      try {
        parseTargetUrl(opts.target.replace("{port}", "0"), opts.exec !== undefined);
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      if (opts.exec !== undefined && !opts.exec.includes("{port}") && /:(0|\{port\})\/?$/.test(opts.target))
        throw new CliError("--exec must contain {port} (the suite picks a free port for each instance)");
      let run;
      try {
        run = await runServerSuite({
          url: opts.target.replace("{port}", "0"),
          exec: opts.exec,
          jobs: opts.jobs,
          cases,
          timers,
          progress: progressBar(io, opts.quiet),
        });
      } catch (e) {
        throw e instanceof TargetError ? new CliError(e.message) : e;
      }
      io.out(`${summaryLine(run.results, run.durationMs)}\n`);
      for (const r of run.results) if (r.verdict !== "pass") io.out(`  ${r.id} ${VERDICT_LABELS[r.verdict]}: ${r.title}: ${r.observed}\n`);
      if (opts.out) {
        const files = await writeReports(opts.out, run);
        io.out(`report: ${files.html}\n`);
      }
      io.exitCode = failed(run.results) ? 1 : 0;
    });
}

export function testCommand(io: CliIo): Command {
  const sub = (c: Command, name: string) =>
    c
      .configureOutput({
        writeOut: io.out,
        writeErr: io.err,
        outputError: (text, write) => write(`imp: ${oneLine(text.replace(/^error: /, ""))} (see imp test ${name} --help)\n`),
      })
      .exitOverride();
  return new Command("test")
    .description("conformance suite: test an IMP implementation section by section, with reports a teacher can grade from")
    .addCommand(sub(serverCommand(io), "server"))
    .addCommand(sub(clientSuiteCommand(io, { progress: progressBar, summary: summaryLine }), "client"))
    .addOption(new Option("--list", "list the cases and exit"))
    .argument("[suite]", "server or client")
    .action((suite: string | undefined, opts: { list?: boolean }) => {
      if (suite !== undefined) throw new CliError(`imp test ${suite}: no such suite; there are imp test server and imp test client`);
      if (!opts.list)
        throw new CliError(
          "say what to test: imp test server --target udp://HOST:PORT [--exec CMD], or imp test client [--exec CMD] (see imp test --help)",
        );
      for (const c of SERVER_CASES) io.out(`server ${c.id.padEnd(8)} ${c.title}: ${c.expect}\n`);
      for (const c of CLIENT_CASES) io.out(`client ${c.id.padEnd(8)} ${c.title}: ${c.expect}\n`);
    });
}
