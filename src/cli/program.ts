/**
 * Assembles the `imp` program from one file per command (src/cli/commands/*.ts). Each command
 * file exports a factory `(io) => Command`; commands are thin: they validate options, call
 * library code and set process.exitCode.
 */
import { Command, CommanderError } from "commander";
import { clientCommand } from "./commands/client.js";
import { serverCommand } from "./commands/server.js";
import { CliError } from "./errors.js";
import { processIo, type CliIo } from "./io.js";
import { decodeCommand } from "./commands/decode.js";
import { scenarioCommand } from "./commands/scenario.js";
import { readCommand } from "./commands/read.js";
import { statsCommand } from "./commands/stats.js";
import { flowCommand } from "./commands/flow.js";
import { chatCommand } from "./commands/chat.js";
import { sniffCommand } from "./commands/sniff.js";
import { luaCommand } from "./commands/lua.js";
import { fuzzCommand } from "./commands/fuzz.js";
import { tuiCommand } from "./commands/tui.js";
import { proxyCommand } from "./commands/proxy.js";
import { demoCommand } from "./commands/demo.js";

export function buildProgram(io: CliIo): Command {
  const program = new Command("imp")
    .description("impkit: dissector, inspector, fuzzer and reference implementation for IMP (Instant Messenger Protocol)")
    .version("0.1.0")
    .enablePositionalOptions() // program options before the command: `imp read -V` is read's -V, not --version
    .showHelpAfterError("(run 'imp --help' for usage)")
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  program.addCommand(decodeCommand(io));
  program.addCommand(clientCommand(io));
  program.addCommand(serverCommand(io));
  program.addCommand(scenarioCommand(io));
  program.addCommand(readCommand(io));
  program.addCommand(statsCommand(io));
  program.addCommand(flowCommand(io));
  program.addCommand(chatCommand(io));
  program.addCommand(sniffCommand(io));
  program.addCommand(luaCommand(io));
  program.addCommand(fuzzCommand(io));
  program.addCommand(tuiCommand(io));
  program.addCommand(proxyCommand(io));
  program.addCommand(demoCommand(io));
  for (const c of program.commands) c.configureOutput({ writeOut: io.out, writeErr: io.err }).exitOverride();
  program.exitOverride();
  return program;
}

/** Runs the program on `argv` (user arguments only); returns the exit code instead of exiting. */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: "user" });
    return io.exitCode;
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`imp: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed by commander.
      return e.exitCode === 0 ? 0 : 2;
    }
    throw e;
  }
}
