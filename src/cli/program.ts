/**
 * Assembles the `imp` program from one file per command (src/cli/commands/*.ts). Each command
 * file exports a factory `(io) => Command`; commands are thin: they validate options, call
 * library code and set process.exitCode.
 */
import { Command, CommanderError } from "commander";
import { CliError, oneLine } from "./errors.js";
import { processIo, type CliIo } from "./io.js";

type CommandFactory = (io: CliIo) => Command;

/**
 * Every command, in help order, loaded on demand: `imp read` loads the dissector only, not
 * blessed, the fuzzer or the server (start-up is part of every short run, and of the read
 * benchmark: 150 ms with everything, 85 ms with `read` alone).
 */
const COMMANDS: readonly (readonly [string, () => Promise<CommandFactory>])[] = [
  ["decode", async () => (await import("./commands/decode.js")).decodeCommand],
  ["client", async () => (await import("./commands/client.js")).clientCommand],
  ["server", async () => (await import("./commands/server.js")).serverCommand],
  ["scenario", async () => (await import("./commands/scenario.js")).scenarioCommand],
  ["read", async () => (await import("./commands/read.js")).readCommand],
  ["stats", async () => (await import("./commands/stats.js")).statsCommand],
  ["flow", async () => (await import("./commands/flow.js")).flowCommand],
  ["chat", async () => (await import("./commands/chat.js")).chatCommand],
  ["sniff", async () => (await import("./commands/sniff.js")).sniffCommand],
  ["lua", async () => (await import("./commands/lua.js")).luaCommand],
  ["fuzz", async () => (await import("./commands/fuzz.js")).fuzzCommand],
  ["test", async () => (await import("./commands/test.js")).testCommand],
  ["tui", async () => (await import("./commands/tui.js")).tuiCommand],
  ["proxy", async () => (await import("./commands/proxy.js")).proxyCommand],
  ["demo", async () => (await import("./commands/demo.js")).demoCommand],
];

/** Names of every command of the program. */
export const COMMAND_NAMES: readonly string[] = COMMANDS.map(([name]) => name);

/**
 * The program. With `only` (the command named on the command line), only that command is
 * loaded; otherwise (help, a misspelt command, no command) all of them are.
 */
export async function buildProgram(io: CliIo, only?: string): Promise<Command> {
  const program = new Command("imp")
    .description("impkit: dissector, inspector, fuzzer and reference implementation for IMP (Instant Messenger Protocol)")
    .version("0.1.0")
    .enablePositionalOptions() // program options before the command: `imp read -V` is read's -V, not --version
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: usageErrorLine("imp --help") });
  const wanted = COMMANDS.filter(([name]) => only === undefined || name === only);
  const factories = await Promise.all((wanted.length > 0 ? wanted : COMMANDS).map(([, load]) => load()));
  for (const factory of factories) program.addCommand(factory(io));
  for (const c of program.commands)
    c.configureOutput({ writeOut: io.out, writeErr: io.err, outputError: usageErrorLine(`imp ${c.name()} --help`) }).exitOverride();
  program.exitOverride();
  return program;
}

/**
 * Commander's usage errors ("error: unknown option '--x'", with "(Did you mean --y?)" on a line
 * of its own) as one line in the form of the CLI's other errors, with where to read the usage.
 */
function usageErrorLine(help: string): (text: string, write: (text: string) => void) => void {
  return (text, write) => write(`imp: ${oneLine(text.replace(/^error: /, ""))} (see ${help})\n`);
}

/** Runs the program on `argv` (user arguments only); returns the exit code instead of exiting. */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  // The first argument names the command unless it is an option (`imp --help`, `imp -V`).
  const first = argv[0];
  const program = await buildProgram(io, first !== undefined && COMMAND_NAMES.includes(first) ? first : undefined);
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
