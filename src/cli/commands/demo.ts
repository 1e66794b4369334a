/**
 * `imp demo`: the reference server, the proxy and three scripted clients go through a rich
 * session (public chat, a decentralized and a centralized group, an invitation rejected, a
 * disjoint, some loss), shown live: in the TUI on a terminal (as `imp tui --demo`), otherwise as
 * imp read's output (summary lines, -T json...). -w writes the capture.
 */
import { Command } from "commander";
import { runRead } from "../../../dissector/read/read.js";
import { demoSource } from "../../demo/index.js";
import { formatProxyEvent } from "../../proxy/index.js";
import type { CliIo } from "../io.js";
import { DURATIONS, durationOption, seedOption } from "../parse-options.js";
import { checkWritableFile } from "../output-file.js";
import { readCommand, sinkFor } from "./read.js";
import { readOptionsOf, type ProxyCommandOptions } from "./proxy.js";
import { tuiCommand } from "./tui.js";

const SHARED_READ_OPTIONS = ["displayFilter", "outputFormat", "verbose", "hex", "field", "fieldsOption", "names", "analysis"] as const;

interface DemoCommandOptions extends Omit<ProxyCommandOptions, "listen" | "upstream" | "blackhole" | "seed"> {
  tui: boolean;
  /** Milliseconds. */
  pace?: number;
  seed: number;
  write?: string;
}

export function demoCommand(io: CliIo): Command {
  const cmd = new Command("demo")
    .description(
      "reference server, proxy and three scripted clients in a rich session, shown live (the TUI on a terminal, else imp read's output)",
    )
    .option("--no-tui", "print the packets as imp read does, even on a terminal")
    .addOption(durationOption(DURATIONS.pace, "pause between steps of the printed session (the TUI paces at 600ms)", { default: 0 }))
    .addOption(seedOption("seed of the injected loss", 1))
    .option("-w, --write <file>", "also write the capture (pcapng)");
  const shared = new Set<string>(SHARED_READ_OPTIONS);
  for (const option of readCommand(io).options) if (shared.has(option.attributeName())) cmd.addOption(option);
  cmd.addHelpText(
    "after",
    `
The session: alice, bob and carol connect through the proxy; public chat; alice and bob in a
decentralized group (their chat goes directly between them, out of the proxy's path); carol rejects
an invitation into it; bob leaves and the group dissolves; carol, alice and bob in a centralized
group chat through 30% loss injected by the proxy; everyone leaves.

Examples:
  imp demo                       live in the TUI
  imp demo --no-tui              summary lines
  imp demo -T json -w demo.pcapng`,
  );
  return cmd.action(async (opts: DemoCommandOptions) => {
    if (opts.write !== undefined) checkWritableFile(opts.write);
    const plain = !opts.tui || !process.stdout.isTTY || opts.write !== undefined || opts.outputFormat !== "summary";
    if (!plain) {
      await tuiCommand(io).parseAsync(["--demo"], { from: "user" });
      return;
    }
    const read = readOptionsOf({
      ...opts,
      listen: { ip: "127.0.0.1", port: 0 },
      upstream: { ip: "127.0.0.1", port: 1313 },
      blackhole: [],
    } as ProxyCommandOptions);
    // The demo's server listens on a free port: recognise IMP by its header.
    read.recognition = { ports: [1313], heuristic: true };
    const source = demoSource({
      pace: opts.pace ?? 0,
      seed: opts.seed,
      ...(opts.write ? { write: opts.write } : {}),
      onProxyEvent: (e) => {
        if (e.event === "decentralized") io.err(`${formatProxyEvent(e)}\n`);
      },
    });
    await runRead(source, read, sinkFor(io));
    io.exitCode = 0;
  });
}
