/**
 * `imp server`: runs the reference server until SIGINT or SIGTERM. Every event is one line on
 * standard output (`--log text` or `--log json`); on the signal the server closes its socket and
 * prints its counters as a last "stopped" event, and the command exits 0.
 */
import { Command, Option } from "commander";
import { formatJson, formatText, startServer, type ImpServer, type ServerEvent } from "../../server/index.js";
import { DEFAULT_PORT } from "../../protocol/fields.js";
import type { CliIo } from "../io.js";
import { hostOption, resolveHosts } from "../parse-address.js";
import { DURATIONS, durationOption, parseIntInRange, retriesOption, seedOption } from "../parse-options.js";
import { listenError } from "../listen-errors.js";

/** The options as parsed (durations in milliseconds; the host an IPv4 address once resolved). */
export interface ServerCommandOptions {
  host: string;
  port: number;
  maxUsers: number;
  maxPerAddress?: number;
  rto: number;
  retries: number;
  inviteTimeout: number;
  log: string;
  ids: string;
  seed?: number;
}

export interface ServerCommandHooks {
  /** Resolves with the name of the signal that stops the server (default: SIGINT or SIGTERM). */
  stop?: () => Promise<string>;
  /** Called once the server listens (tests read its address). */
  started?: (server: ImpServer) => void;
}

export function serverCommand(io: CliIo, hooks: ServerCommandHooks = {}): Command {
  return new Command("server")
    .description("run the reference IMP server (one log line per event; counters on SIGINT/SIGTERM)")
    .addOption(hostOption("--host <host>", "IPv4 address or host name to listen on (a name is resolved to IPv4)", "127.0.0.1"))
    .option("--port <port>", "UDP port (0 picks a free one)", parseIntInRange("--port", 0, 65535), DEFAULT_PORT)
    .option("--max-users <n>", "maximum connected clients (1-255)", parseIntInRange("--max-users", 1, 255), 255)
    .option("--max-per-address <n>", "maximum connected clients per IP address (1-255; default unlimited)", parseIntInRange("--max-per-address", 1, 255))
    .addOption(durationOption(DURATIONS.rto, "retransmission timeout"))
    .addOption(retriesOption("retransmissions before a client is declared gone"))
    .addOption(durationOption(DURATIONS.inviteTimeout, "time an invitee has to answer, from its ACK of the invitation"))
    .addOption(new Option("--log <format>", "log line format").choices(["text", "json"]).default("text"))
    .addOption(new Option("--ids <allocation>", "client ID allocation (random imitates the 2017 server)").choices(["lowest", "random"]).default("lowest"))
    .addOption(seedOption("seed of the random client ID allocation (default: random)"))
    .hook("preAction", resolveHosts)
    .action(async (opts: ServerCommandOptions) => {
      await runServer(opts, io, hooks);
    });
}

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolve(signal);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}

export async function runServer(opts: ServerCommandOptions, io: CliIo, hooks: ServerCommandHooks = {}): Promise<void> {
  const { port, maxUsers, maxPerAddress, rto, retries, seed } = opts;
  const inviteTimeoutMs = opts.inviteTimeout;
  const format = opts.log === "json" ? formatJson : formatText;
  const log = (e: ServerEvent) => io.out(format(e) + "\n");
  // Listen for the signal before binding, so a signal right after start-up is not missed.
  const stop = (hooks.stop ?? waitForSignal)();
  let server: ImpServer;
  try {
    server = await startServer({
      host: opts.host,
      port,
      maxUsers,
      maxPerAddress,
      rto,
      retries,
      inviteTimeoutMs,
      log,
      idAllocation: opts.ids === "random" ? "random" : "lowest",
      seed,
    });
  } catch (e) {
    throw listenError({ ip: opts.host, port }, e);
  }
  hooks.started?.(server);
  const signal = await stop;
  await server.close();
  log({ event: "stopped", signal, counters: server.counters });
}
