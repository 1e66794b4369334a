/**
 * `imp client --name alice [--server host:port] [--rto 500ms] [--retries N]`: the line-mode chat of
 * the reference client, reading commands from stdin (a terminal or a pipe). Exit codes: 0 after
 * /quit or end of input, 1 when the connection is rejected or the server is unreachable or goes
 * away, 2 for bad options.
 */
import { Command } from "commander";
import { isValidUsername } from "../../codec/field-codec.js";
import { DEFAULT_PORT } from "../../protocol/fields.js";
import { ConnectError, DEFAULT_INVITE_TIMEOUT_MS, connectClient } from "../../client/client.js";
import { runRepl } from "../../client/chat-repl.js";
import type { Address } from "../../transport/transport.js";
import { CliError } from "../errors.js";
import type { CliIo } from "../io.js";
import { addressOption, hostOption, resolveHosts } from "../parse-address.js";
import { DURATIONS, durationOption, retriesOption } from "../parse-options.js";

export interface ClientCommandOptions {
  name: string;
  server: Address;
  /** Durations in milliseconds, as the CLI parses every one. */
  rto: number;
  retries: number;
  bind?: string;
  waitTimeout: number;
  inviteTimeout: number;
}

export function clientCommand(io: CliIo): Command {
  return new Command("client")
    .description("interactive line-mode IMP chat client; also reads commands piped on stdin (try /help)")
    .requiredOption("-n, --name <name>", "username (1 to 8 printable ASCII characters, no spaces)")
    .addOption(addressOption("-s, --server <host:port>", "server address", { host: "127.0.0.1", port: DEFAULT_PORT }))
    .addOption(durationOption(DURATIONS.rto, "retransmission timeout"))
    .addOption(retriesOption("retransmissions before the peer is considered gone"))
    .addOption(hostOption("--bind <host>", "local address to bind (default 127.0.0.1 for a loopback server, else 0.0.0.0)"))
    .addOption(durationOption(DURATIONS.waitTimeout, "longest a /wait waits", { default: 30_000 }))
    .addOption(
      durationOption(DURATIONS.inviteTimeout, "how long an unanswered invitation stays pending (0: forever)", {
        default: DEFAULT_INVITE_TIMEOUT_MS,
        min: 0,
      }),
    )
    .hook("preAction", resolveHosts)
    .action(async (opts: ClientCommandOptions) => {
      if (!isValidUsername(opts.name)) throw new CliError(`invalid --name "${opts.name}": 1 to 8 printable ASCII characters, no spaces`);
      let client;
      try {
        client = await connectClient({
          name: opts.name,
          server: opts.server,
          rto: opts.rto,
          retries: opts.retries,
          inviteTimeoutMs: opts.inviteTimeout,
          ...(opts.bind ? { host: opts.bind } : {}),
        });
      } catch (e) {
        if (e instanceof ConnectError) throw new CliError(e.message, 1);
        throw e;
      }
      io.out(
        `* connected to ${opts.server.ip}:${opts.server.port} as ${client.name} (id ${client.id}); ${client.roster.size} user${client.roster.size === 1 ? "" : "s"} online; /help for commands\n`,
      );
      const input = io.stdin ?? process.stdin;
      // Ctrl-C at a terminal: disconnect cleanly, as /quit does.
      const abort = new AbortController();
      const onSigint = () => abort.abort();
      if (input === process.stdin) process.once("SIGINT", onSigint);
      try {
        const code = await runRepl({ client, input, out: io.out, err: io.err, waitTimeoutMs: opts.waitTimeout, signal: abort.signal });
        if (code !== 0) io.exitCode = code;
      } finally {
        process.off("SIGINT", onSigint);
      }
    });
}
