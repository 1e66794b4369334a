/**
 * `imp server`: runs the reference server until SIGINT or SIGTERM. Every event is one line on
 * standard output (`--log text` or `--log json`); on the signal the server closes its socket and
 * prints its counters as a last "stopped" event, and the command exits 0.
 */
import { Command, Option } from "commander";
import { BoundedLineWriter, formatJson, formatText, SERVER_DEFAULTS, startServer, type ImpServer, type ServerEvent } from "../../server/index.js";
import { CliError } from "../errors.js";
import type { CliIo } from "../io.js";

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
  maxQueue?: string;
  maxQueueBytes?: string;
  queueBudget?: string;
  halfOpenShare?: string;
  logRate?: string;
  maxQueuedInvitations?: string;
}

export interface ServerCommandHooks {
  /** Resolves with the name of the signal that stops the server (default: SIGINT or SIGTERM). */
  stop?: () => Promise<string>;
  /** Called once the server listens (tests read its address). */
  started?: (server: ImpServer) => void;
  /** Bytes of log output not yet taken by standard output (default: process.stdout's backlog). */
  backlog?: () => number;
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
    .addOption(new Option("--ids <allocation>", "client ID allocation (random imitates the 2017 server)").choices(["lowest", "random"]).default("random"))
    .option("--seed <n>", "seed of the random client ID allocation")
    // Bounds (docs/PROTOCOL.md 5.1).
    .option("--max-queue <n>", `most messages waiting for one client before it is disconnected (default ${SERVER_DEFAULTS.maxQueuedMessages})`)
    .option("--max-queue-bytes <n>", `most bytes waiting for one client before it is disconnected (default ${SERVER_DEFAULTS.maxQueuedBytes})`)
    .option("--queue-budget <n>", `most bytes waiting for all clients together (default ${SERVER_DEFAULTS.queueBudgetBytes})`)
    .option("--half-open-share <f>", `share of --max-users that unacknowledged connections may hold (default ${SERVER_DEFAULTS.halfOpenShare})`)
    .option("--log-rate <n>", "log lines per second per kind of event, 0 for no limit (default 20)")
    .option("--max-queued-invitations <n>", `invitations that may wait behind the one an invitee was sent (default ${SERVER_DEFAULTS.maxQueuedInvitations})`)
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
  const bounds = boundOptions(opts);
  const format = opts.log === "json" ? formatJson : formatText;
  // Never blocks, never holds more than 1 MiB the output has not taken (a pipe nobody reads).
  const writer = new BoundedLineWriter(io.out, hooks.backlog ?? (() => process.stdout.writableLength), (lines) => format({ event: "log-lines-dropped", lines }) + "\n");
  const log = (e: ServerEvent) => writer.line(format(e) + "\n", e.event === "stopped");
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
      ...bounds,
    });
  } catch (e) {
    throw new CliError(`cannot listen on ${opts.host}:${port}: ${e instanceof Error ? e.message : String(e)}`, 1);
  }
  hooks.started?.(server);
  const signal = await stop;
  await server.close();
  log({ event: "stopped", signal, counters: server.counters });
}

function boundOptions(opts: ServerCommandOptions) {
  const fraction = (name: string, value: string) => {
    const n = positiveOption(name, value);
    if (n > 1) throw new CliError(`${name} must be a number above 0 and at most 1, got ${JSON.stringify(value)}`);
    return n;
  };
  const queueBytes = opts.maxQueueBytes === undefined ? SERVER_DEFAULTS.maxQueuedBytes : intOption("--max-queue-bytes", opts.maxQueueBytes, 65_507, 2 ** 40);
  return {
    maxQueuedMessages: opts.maxQueue === undefined ? undefined : intOption("--max-queue", opts.maxQueue, 1, 1_000_000),
    maxQueuedBytes: queueBytes,
    queueBudgetBytes: opts.queueBudget === undefined ? Math.max(queueBytes, SERVER_DEFAULTS.queueBudgetBytes) : intOption("--queue-budget", opts.queueBudget, queueBytes, 2 ** 40),
    halfOpenShare: opts.halfOpenShare === undefined ? undefined : fraction("--half-open-share", opts.halfOpenShare),
    logRate: opts.logRate === undefined ? 20 : intOption("--log-rate", opts.logRate, 0, 1_000_000),
    maxQueuedInvitations: opts.maxQueuedInvitations === undefined ? undefined : intOption("--max-queued-invitations", opts.maxQueuedInvitations, 0, 254),
  };
}
