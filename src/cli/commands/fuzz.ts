/**
 * `imp fuzz`: a seeded fuzzing campaign against the bundled server (default), the bundled
 * client, any IMP server at udp://host:port (optionally started and restarted with --exec), or
 * any client started with `--target client --exec "CMD {port}"` (the fuzzer plays its server).
 * Findings are minimised and saved under --out as a replayable case (JSON) and a pcap, with a
 * report (report.md, report.json). Every finding is fail or non-strict (fuzz/oracles/verdicts.ts):
 * exit code 1 when the campaign found a fail finding, or any finding with --strict.
 *
 * `imp fuzz --replay case.json` runs one saved case again, against the kind of target the file
 * records (its --target and --exec command; --target / --exec given here override them): exit
 * code 1 when it still triggers its finding, 0 when it no longer does (a fixed bug), so a saved
 * case is a regression test.
 *
 * A target that cannot be used (bad address, no answer within seconds, an --exec command that
 * does not start): one line, exit 2. SIGINT/SIGTERM end a campaign after the case under way,
 * with its report, and exit 130/143. No process a target started outlives the fuzzer.
 */

import { Command, Option } from "commander";
import { BundledServerTarget, type Target, loadCase, replayCase, runJobs, describeCase, RemoteTarget } from "../../../fuzz/index.js";
import { BundledClientTarget } from "../../../fuzz/targets/bundled-client.js";
import { SpawnedClientTarget } from "../../../fuzz/targets/spawned-client.js";
import { killAllChildren } from "../../../fuzz/targets/child-processes.js";
import { TargetError } from "../../../fuzz/targets/target.js";
import { failing } from "../../../fuzz/oracles/verdicts.js";
import { CliError, readErrorReason } from "../errors.js";
import type { CliIo } from "../io.js";
import { resolveHosts, resolvedWith, resolveIPv4 } from "../parse-address.js";
import { checkWritableFolder } from "../output-file.js";
import { DURATIONS, durationOption, parseIntInRange, seedOption } from "../parse-options.js";

/** The host of a udp://HOST:PORT target, resolved to IPv4 (other targets, and the port, as given). */
async function resolveTargetHost(value: unknown, what: string): Promise<unknown> {
  const m = /^(udp:\/\/)([^:/]+)(:.*)$/.exec(value as string);
  return m ? `${m[1]}${await resolveIPv4(m[2]!, what)}${m[3]}` : value;
}

interface FuzzOptions {
  target: string;
  exec?: string;
  seed?: number;
  cases?: number;
  /** Milliseconds, as every duration of the CLI. */
  duration?: number;
  stateful?: boolean;
  out: string;
  replay?: string;
  coverage?: boolean;
  minimise: boolean;
  /** Milliseconds. */
  hangMs: number;
  probeEvery: number;
  sequenceOracle?: boolean;
  quiet?: boolean;
  strict?: boolean;
  jobs: number;
  spares: number;
  skipKnown?: boolean;
}

export function makeTarget(spec: string, o: { exec?: string; hangMs: number; coverage?: boolean; spares?: number }): Target {
  if (spec === "client") {
    if (o.exec === undefined) throw new CliError('--target client fuzzes a client the fuzzer starts: give --exec "CMD ... {port}"');
    if (!o.exec.includes("{port}"))
      throw new CliError("--target client: the --exec command must contain {port}, the port of the server the fuzzer plays");
    return new SpawnedClientTarget({ exec: o.exec, hangMs: o.hangMs });
  }
  if (o.exec !== undefined && !spec.startsWith("udp://"))
    throw new CliError(`--exec starts a udp:// target or a client (--target client); it does not go with --target ${spec}`);
  if (spec === "bundled-server") return new BundledServerTarget({ hangMs: o.hangMs, coverage: o.coverage ?? false });
  if (spec === "bundled-client") return new BundledClientTarget({ hangMs: o.hangMs, coverage: o.coverage ?? false });
  if (spec.startsWith("udp://")) {
    try {
      return new RemoteTarget({ url: spec, exec: o.exec, hangMs: o.hangMs, spares: o.spares ?? 0 });
    } catch (e) {
      throw e instanceof TargetError ? new CliError(e.message) : e;
    }
  }
  throw new CliError(`--target must be bundled-server, bundled-client, client or udp://host:port, got ${JSON.stringify(spec)}`);
}

/** Opens the target; when it cannot be (no answer, an --exec command that does not start), closes what was opened and says why in one line. */
async function openTarget(target: Target): Promise<void> {
  try {
    await target.open();
  } catch (e) {
    await target.close();
    throw e instanceof TargetError ? new CliError(e.message) : e;
  }
}

const SIGNAL_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * SIGINT (Ctrl-C) and SIGTERM while the fuzzer runs: `stop` is called (a campaign ends after the
 * case under way and writes its report). A second signal, or no end within `graceMs`: the
 * target's processes are killed and the fuzzer exits at once with 128 + the signal's number.
 * Returns what removes the handlers.
 */
function onInterrupt(stop: (signal: NodeJS.Signals) => void, graceMs = 5000): () => void {
  let timer: NodeJS.Timeout | undefined;
  const now = (signal: keyof typeof SIGNAL_CODES) => {
    killAllChildren();
    process.exit(SIGNAL_CODES[signal]);
  };
  const handler = (signal: keyof typeof SIGNAL_CODES) => {
    if (timer) {
      now(signal);
      return;
    }
    timer = setTimeout(() => now(signal), graceMs);
    stop(signal);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    clearTimeout(timer);
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}

export function fuzzCommand(io: CliIo): Command {
  return new Command("fuzz")
    .description(
      "fuzz an IMP implementation: seeded, stateful cases built from the spec table, with crash, hang, conformance, state and resource oracles",
    )
    .addOption(
      resolvedWith(
        new Option(
          "-t, --target <target>",
          "bundled-server, bundled-client, client (with --exec: a client started on the server the fuzzer plays) or udp://HOST:PORT (an IPv4 address or a host name)",
        ).default("bundled-server"),
        resolveTargetHost,
      ),
    )
    .option(
      "--exec <command>",
      "command that starts the udp:// target ({port} is replaced by its port), or with --target client the client ({port}: the server the fuzzer plays); lets the fuzzer restart it",
    )
    .addOption(seedOption("campaign seed (default: random, printed)"))
    .option("-n, --cases <n>", "number of cases", parseIntInRange("--cases", 1, 1e12))
    .addOption(durationOption(DURATIONS.duration, "stop after this long", { short: "-d" }))
    .option("--stateful", "bring the target into states first (connected, in a group, invitation pending, ...)")
    .option("-o, --out <dir>", "folder for findings and the report", "fuzz-out")
    .option("--replay <case.json>", "run one saved case again")
    .option("--coverage", "collect V8 coverage of a bundled target; keep cases that reach new code")
    .option("--no-minimise", "save findings as found")
    .addOption(durationOption(DURATIONS.hang, "a target that does not answer within this bound is hung", { default: 1000 }))
    .option(
      "--sequence-oracle",
      "also run the conversation analysis over each case: a Sequence the target did not flip is a finding (may report false ones, see fuzz/README.md)",
    )
    .option(
      "--probe-every <n>",
      "full liveness probe (connect, list, disconnect) every N cases",
      parseIntInRange("--probe-every", 1, 1e9),
      500,
    )
    .option(
      "--jobs <n>",
      "run N instances of an --exec target at once, each on its own port (a crash-prone target's restarts overlap)",
      parseIntInRange("--jobs", 1, 64),
      1,
    )
    .option(
      "--spares <n>",
      "instances of an --exec target on a port the fuzzer picks started ahead of need, per job: a crash swaps one in at once (0: restart in place)",
      parseIntInRange("--spares", 0, 8),
      1,
    )
    .option(
      "--skip-known",
      "do not run generated cases that match the shape of a crash or hang already minimised (fewer restarts; rule in fuzz/README.md)",
    )
    .option("--strict", "exit 1 for non-strict findings too (deviations from WIRE.md's stricter reading that the original text allows)")
    .option("-q, --quiet", "no progress line")
    .hook("preAction", resolveHosts)
    .action(async (opts: FuzzOptions, cmd: Command) => {
      if (opts.replay) {
        let saved;
        try {
          saved = loadCase(opts.replay);
        } catch (e) {
          throw new CliError(`cannot read ${opts.replay}: ${readErrorReason(e)}`);
        }
        // The target the case was found on, unless the command line names one.
        const targetGiven = cmd.getOptionValueSource("target") !== "default";
        const spec = {
          target: targetGiven ? opts.target : (saved.spec?.target ?? opts.target),
          exec: opts.exec ?? (targetGiven ? undefined : saved.spec?.exec),
        };
        if (!targetGiven && opts.exec === undefined && saved.spec && !opts.quiet)
          io.err(`imp fuzz: replaying against ${spec.target}${spec.exec ? ` started with: ${spec.exec}` : ""} (from ${opts.replay})\n`);
        // One case, one instance: no spare.
        const target = makeTarget(spec.target, { ...opts, exec: spec.exec, spares: 0 });
        // One case: a signal ends it at once (the target's processes with it).
        const release = onInterrupt(() => undefined, 0);
        try {
          await openTarget(target);
          try {
            const r = await replayCase(target, saved, opts.hangMs);
            io.out(`case: ${describeCase(saved.case)}\n`);
            io.out(`finding: ${saved.finding.oracle}: ${saved.finding.signature}\n`);
            io.out(r.reproduced ? "reproduced\n" : "not reproduced\n");
            for (const f of r.findings) io.out(`  ${f.oracle}: ${f.signature} (${f.detail})\n`);
            io.exitCode = r.reproduced ? 1 : 0;
          } finally {
            await target.close();
          }
        } finally {
          release();
        }
        return;
      }
      if (opts.cases === undefined && opts.duration === undefined) throw new CliError("bound the campaign with --cases or --duration");
      const seed = opts.seed ?? (Math.random() * 0xffffffff) >>> 0;
      if (opts.jobs > 1 && opts.exec === undefined)
        throw new CliError("--jobs starts several instances of the target: it needs --exec (and --target udp://HOST:0 or {port})");
      const targets = Array.from({ length: opts.jobs }, () => makeTarget(opts.target, opts));
      const target = targets[0]!;
      if (
        opts.jobs > 1 &&
        target instanceof RemoteTarget &&
        target.spec.target.replace(/^.*:/, "") !== "0" &&
        !/\{port\}/.test(opts.target)
      ) {
        throw new CliError("--jobs gives each instance its own port: use --target udp://HOST:0 (or {port})");
      }
      checkWritableFolder(opts.out);
      const interrupted = new AbortController();
      let signal: keyof typeof SIGNAL_CODES | undefined;
      const release = onInterrupt((s) => {
        signal = s as keyof typeof SIGNAL_CODES;
        interrupted.abort(`interrupted by ${s}`);
      });
      try {
        // Every instance opened, or none left running.
        const opened = await Promise.allSettled(targets.map((t) => openTarget(t)));
        const failed = opened.find((x) => x.status === "rejected");
        if (failed) {
          await Promise.all(targets.map((t) => t.close()));
          throw failed.reason;
        }
        try {
          if (!opts.quiet) io.err(`imp fuzz: ${target.name}${opts.jobs > 1 ? ` x ${opts.jobs} jobs` : ""}, seed ${seed}\n`);
          const r = await runJobs(
            {
              target,
              seed,
              cases: opts.cases,
              durationMs: opts.duration,
              stateful: opts.stateful ?? false,
              out: opts.out,
              coverage: opts.coverage ?? false,
              minimise: opts.minimise,
              probeEvery: opts.probeEvery,
              skipKnown: opts.skipKnown ?? false,
              sequence: opts.sequenceOracle ?? false,
              probeMs: opts.hangMs,
              progress: opts.quiet ? undefined : (line) => io.err(`\r${line}${line.endsWith("done") ? "\n" : ""}`),
              signal: interrupted.signal,
            },
            targets,
          ).catch((e: unknown) => {
            // A target that opened but cannot be used (a client that connects and then answers nothing): one line, exit 2.
            throw e instanceof TargetError ? new CliError(e.message) : e;
          });
          const files = { md: `${opts.out}/report.md` };
          const fails = r.findings.filter((f) => f.level === "fail").length;
          io.out(
            `${r.cases} cases${r.skipped ? ` (${r.skipped} more skipped: known crash shapes)` : ""} in ${(r.durationMs / 1000).toFixed(1)} s (${Math.round(r.casesPerSecond)}/s), ${r.findings.length} finding${r.findings.length === 1 ? "" : "s"}${r.findings.length ? ` (${fails} fail, ${r.findings.length - fails} non-strict)` : ""}\n`,
          );
          for (const level of ["fail", "non-strict"] as const) {
            for (const f of r.findings.filter((x) => x.level === level))
              io.out(`  ${level}: ${f.finding.oracle}: ${f.finding.signature}${f.files ? ` -> ${f.files.json}` : ""}\n`);
          }
          if (r.stopped) io.out(`stopped: ${r.stopped}\n`);
          if (r.coverage) io.out(`coverage: ${r.coverage.covered} of ${r.coverage.total} blocks, corpus ${r.corpus}\n`);
          io.out(`report: ${files.md}\n`);
          if (
            failing(
              r.findings.map((f) => f.finding),
              opts.strict ?? false,
            )
          )
            io.exitCode = 1;
        } finally {
          await Promise.all(targets.map((t) => t.close()));
        }
      } finally {
        release();
      }
      if (signal) io.exitCode = SIGNAL_CODES[signal];
    });
}
