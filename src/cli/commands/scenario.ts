/**
 * `imp scenario`: runs the reference server and scripted clients on 127.0.0.1 through one flow
 * of the specification and records every datagram in a capture file.
 */
import { join } from "node:path";
import { Command } from "commander";
import { findScenario, runScenario, SCENARIOS, writeScenarioCapture, type Scenario } from "../../scenario/index.js";
import { CliError } from "../errors.js";
import type { CliIo } from "../io.js";
import { DEFAULT_PORT } from "../../protocol/fields.js";
import { DURATIONS, durationOption, parseIntInRange, retriesOption, seedOption } from "../parse-options.js";
import { checkWritableFile, makeOutputFolder, writeFileError } from "../output-file.js";

interface ScenarioOptions {
  list?: boolean;
  write?: string;
  dir?: string;
  port: number;
  /** Durations in milliseconds, as the CLI parses every one. */
  rto: number;
  retries: number;
  inviteTimeout: number;
  seed: number;
}

export function scenarioCommand(io: CliIo): Command {
  return new Command("scenario")
    .description("run the reference server and scripted clients through one flow of the specification and record it")
    .argument("[name]", "scenario name, or 'all' (see --list)")
    .option("--list", "list the scenarios")
    .option("-w, --write <file>", "capture file to write (.pcap or .pcapng; default <name>.pcapng)")
    .option("-d, --dir <folder>", "folder for the captures (with 'all': one <name>.pcapng each)")
    .option("--port <port>", "server UDP port (0 picks a free one)", parseIntInRange("--port", 0, 65535), DEFAULT_PORT)
    .addOption(durationOption(DURATIONS.rto, "retransmission timeout"))
    .addOption(retriesOption("retransmissions before a peer is gone"))
    .addOption(durationOption(DURATIONS.inviteTimeout, "time an invitee has to answer, from its ACK of the invitation"))
    .addOption(seedOption("seed of the injected loss", 1))
    .action(async (name: string | undefined, opts: ScenarioOptions) => {
      if (opts.list) {
        for (const s of SCENARIOS) io.out(`${s.name.padEnd(32)} ${s.section.padEnd(6)} ${s.description}\n`);
        return;
      }
      if (!name) throw new CliError("name a scenario, or 'all' (imp scenario --list shows them)");
      const chosen: Scenario[] = name === "all" ? [...SCENARIOS] : [findScenario(name) ?? unknown(name)];
      if (opts.write && chosen.length > 1) throw new CliError("-w names one file; use -d for 'all'");
      if (opts.dir) makeOutputFolder(opts.dir);
      const fileOf = (s: Scenario) => opts.write ?? join(opts.dir ?? ".", `${s.name}.pcapng`);
      // Before any scenario runs: a capture that cannot be written is an error now, not after the run.
      for (const s of chosen) checkWritableFile(fileOf(s));
      for (const s of chosen) {
        const file = fileOf(s);
        const result = await runScenario(s, {
          port: opts.port,
          rto: opts.rto,
          retries: opts.retries,
          inviteTimeoutMs: opts.inviteTimeout,
          seed: opts.seed,
        }).catch((e: unknown) => {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === "EADDRINUSE") throw new CliError(`port ${opts.port} is in use: stop what listens there or pass --port 0`);
          throw e;
        });
        await writeScenarioCapture(file, result.datagrams).catch((e: unknown) => {
          throw writeFileError(file, e) ?? e;
        });
        io.out(
          `${s.name}: ${result.datagrams.length} datagrams${result.dropped ? ` (${result.dropped} dropped by injected loss)` : ""} -> ${file}\n`,
        );
      }
    });
}

function unknown(name: string): never {
  throw new CliError(`no scenario named ${JSON.stringify(name)} (imp scenario --list shows them)`);
}
