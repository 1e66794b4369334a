/**
 * `imp server`: runs the reference server until SIGINT or SIGTERM. Every event is one line on
 * standard output (`--log text` or `--log json`); on the signal the server closes its socket and
 * prints its counters as a last "stopped" event, and the command exits 0.
 */
import { Command, Option } from "commander";
import { formatJson, formatText, startServer, type ImpServer, type ServerEvent } from "../../server/index.js";
import { CliError } from "../errors.js";
import type { CliIo } from "../io.js";
import { listenError } from "../listen-errors.js";

export interface ServerCommandOptions {
  host: string;
  port: string;
  maxUsers: string;
  maxPerAddress?: string;
  rto: string;
  retries: string;
  inviteTimeout: string;
  log: string;
  ids: string;
  seed?: string;
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
    .option("--host <ip>", "IPv4 address to listen on", "127.0.0.1")
    .option("--port <port>", "UDP port (0 picks a free one)", "1313")
    .option("--max-users <n>", "maximum connected clients (1-255)", "255")
    .option("--max-per-address <n>", "maximum connected clients per IP address (default unlimited)")
    .option("--rto <ms>", "retransmission timeout in milliseconds", "500")
    .option("--retries <n>", "retransmissions before a client is declared gone", "5")
    .option("--invite-timeout <s>", "seconds an invitee has to answer, from its ACK of the invitation", "15")
    .addOption(new Option("--log <format>", "log line format").choices(["text", "json"]).default("text"))
    .addOption(new Option("--ids <allocation>", "client ID allocation (random imitates the 2017 server)").choices(["lowest", "random"]).default("lowest"))
    .option("--seed <n>", "seed of the random client ID allocation")
    .action(async (opts: ServerCommandOptions) => {
      await runServer(opts, io, hooks);
    });
}

function intOption(name: string, value: string, min: number, max: number): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new CliError(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

function positiveOption(name: string, value: string): number {
  const n = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
  if (!(n > 0) || !Number.isFinite(n)) throw new CliError(`${name} must be a number above 0, got ${JSON.stringify(value)}`);
  return n;
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
  const port = intOption("--port", opts.port, 0, 65535);
  const maxUsers = intOption("--max-users", opts.maxUsers, 1, 255);
  const maxPerAddress = opts.maxPerAddress === undefined ? undefined : intOption("--max-per-address", opts.maxPerAddress, 1, 255);
  const rto = positiveOption("--rto", opts.rto);
  const retries = intOption("--retries", opts.retries, 0, 1000);
  const inviteTimeoutMs = positiveOption("--invite-timeout", opts.inviteTimeout) * 1000;
  const seed = opts.seed === undefined ? undefined : intOption("--seed", opts.seed, 0, 0xffffffff);
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(opts.host)) throw new CliError(`--host must be an IPv4 address, got ${JSON.stringify(opts.host)}`);
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
