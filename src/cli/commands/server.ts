/**
 * `imp server`: runs the reference server until SIGINT or SIGTERM. Every event is one line on
 * standard output (`--log text` or `--log json`); on the signal the server closes its socket and
 * prints its counters as a last "stopped" event, and the command exits 0.
 */
import { Command, Option } from "commander";
import {
  BoundedLineWriter,
  formatJson,
  formatText,
  SERVER_DEFAULTS,
  startServer,
  type ImpServer,
  type ServerEvent,
} from "../../server/index.js";
import { DEFAULT_PORT } from "../../protocol/fields.js";
import type { CliIo } from "../io.js";
import { hostOption, resolveHosts } from "../parse-address.js";
import { DURATIONS, durationOption, parseFraction, parseIntInRange, retriesOption, seedOption } from "../parse-options.js";
import { CliError } from "../errors.js";
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
  maxQueue?: number;
  maxQueueBytes?: number;
  queueBudget?: number;
  halfOpenShare?: number;
  logRate?: number;
  maxQueuedInvitations?: number;
  /** false with --no-peer-sockets. */
  peerSockets?: boolean;
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
  return (
    new Command("server")
      .description("run the reference IMP server (one log line per event; counters on SIGINT/SIGTERM)")
      .addOption(hostOption("--host <host>", "IPv4 address or host name to listen on (a name is resolved to IPv4)", "127.0.0.1"))
      .option("--port <port>", "UDP port (0 picks a free one)", parseIntInRange("--port", 0, 65535), DEFAULT_PORT)
      .option("--max-users <n>", "maximum connected clients (1-255)", parseIntInRange("--max-users", 1, 255), 255)
      .option(
        "--max-per-address <n>",
        "maximum connected clients per IP address (1-255; default unlimited)",
        parseIntInRange("--max-per-address", 1, 255),
      )
      .addOption(durationOption(DURATIONS.rto, "retransmission timeout"))
      .addOption(retriesOption("retransmissions before a client is declared gone"))
      .addOption(durationOption(DURATIONS.inviteTimeout, "time an invitee has to answer, from its ACK of the invitation"))
      .addOption(new Option("--log <format>", "log line format").choices(["text", "json"]).default("text"))
      .addOption(
        new Option("--ids <allocation>", "client ID allocation (random imitates the 2017 server)")
          .choices(["lowest", "random"])
          .default("random"),
      )
      .addOption(seedOption("seed of the random client ID allocation (default: random)"))
      // Bounds (docs/PROTOCOL.md 5.1).
      .option(
        "--max-queue <n>",
        `most messages waiting for one client before it is disconnected (default ${SERVER_DEFAULTS.maxQueuedMessages})`,
        parseIntInRange("--max-queue", 1, 1_000_000),
      )
      .option(
        "--max-queue-bytes <n>",
        `most bytes waiting for one client before it is disconnected (default ${SERVER_DEFAULTS.maxQueuedBytes})`,
        parseIntInRange("--max-queue-bytes", 65_507, 2 ** 40),
      )
      .option(
        "--queue-budget <n>",
        `most bytes waiting for all clients together (default ${SERVER_DEFAULTS.queueBudgetBytes})`,
        parseIntInRange("--queue-budget", 65_507, 2 ** 40),
      )
      .option(
        "--half-open-share <f>",
        `share of --max-users that unacknowledged connections may hold, above 0 and at most 1 (default ${SERVER_DEFAULTS.halfOpenShare})`,
        parseFraction("--half-open-share"),
      )
      .option(
        "--log-rate <n>",
        "most log lines of one kind of event in each 1 s window, 0 for no limit",
        parseIntInRange("--log-rate", 0, 1_000_000),
        20,
      )
      .option(
        "--max-queued-invitations <n>",
        `invitations that may queue behind the one an invitee was sent (default ${SERVER_DEFAULTS.maxQueuedInvitations})`,
        parseIntInRange("--max-queued-invitations", 0, 254),
      )
      .option(
        "--no-peer-sockets",
        "one receive queue for all: no socket of its own per connected client during a flood (the port is then not shared; a flood delays everyone)",
      )
      .hook("preAction", resolveHosts)
      .action(async (opts: ServerCommandOptions) => {
        await runServer(opts, io, hooks);
      })
  );
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
  const bounds = boundOptions(opts);
  const format = opts.log === "json" ? formatJson : formatText;
  // Never blocks, never holds more than 1 MiB the output has not taken (a pipe nobody reads).
  const writer = new BoundedLineWriter(
    io.out,
    hooks.backlog ?? (() => process.stdout.writableLength),
    (lines) => format({ event: "log-lines-dropped", lines }) + "\n",
  );
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
    throw listenError({ ip: opts.host, port }, e);
  }
  hooks.started?.(server);
  const signal = await stop;
  await server.close();
  log({ event: "stopped", signal, counters: server.counters });
}

function boundOptions(opts: ServerCommandOptions) {
  const queueBytes = opts.maxQueueBytes ?? SERVER_DEFAULTS.maxQueuedBytes;
  if (opts.queueBudget !== undefined && opts.queueBudget < queueBytes) {
    throw new CliError(`--queue-budget must be at least --max-queue-bytes (${queueBytes}), got ${opts.queueBudget}`);
  }
  return {
    maxQueuedMessages: opts.maxQueue,
    maxQueuedBytes: queueBytes,
    queueBudgetBytes: opts.queueBudget ?? Math.max(queueBytes, SERVER_DEFAULTS.queueBudgetBytes),
    halfOpenShare: opts.halfOpenShare,
    logRate: opts.logRate ?? 20,
    maxQueuedInvitations: opts.maxQueuedInvitations,
    peerSockets: opts.peerSockets ?? SERVER_DEFAULTS.peerSockets,
  };
}
