/**
 * `imp client --name alice [--server host:port] [--rto ms] [--retries N]`: the line-mode chat of
 * the reference client, reading commands from stdin (a terminal or a pipe). Exit codes: 0 after
 * /quit or end of input, 1 when the connection is rejected or the server is unreachable or goes
 * away, 2 for bad options.
 */
import { Command, InvalidArgumentError } from "commander";
import { DEFAULT_ARQ } from "../../arq/link.js";
import { isValidUsername } from "../../codec/field-codec.js";
import { DEFAULT_PORT } from "../../protocol/fields.js";
import { ConnectError, DEFAULT_INVITE_TIMEOUT_MS, connectClient } from "../../client/client.js";
import { runRepl } from "../../client/chat-repl.js";
import type { Address } from "../../transport/transport.js";
import { CliError } from "../errors.js";
import type { CliIo } from "../io.js";

export interface ClientCommandOptions {
  name: string;
  server: Address;
  rto: number;
  retries: number;
  bind?: string;
  waitTimeout: number;
  inviteTimeout: number;
}

/** Parses `host:port`, `host` or `:port` (default host 127.0.0.1, default port 1313). */
export function parseServer(value: string): Address {
  const m = /^(?<host>[^:]*)(?::(?<port>\d+))?$/.exec(value);
  const host = m?.groups?.host || "127.0.0.1";
  const port = m?.groups?.port === undefined ? DEFAULT_PORT : Number(m.groups.port);
  if (!m || port < 1 || port > 65535) throw new InvalidArgumentError("expected host:port (port 1..65535)");
  return { ip: host, port };
}

function nonNegativeInt(label: string, min = 0) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min) throw new InvalidArgumentError(`${label} must be an integer ≥ ${min}`);
    return n;
  };
}

export function clientCommand(io: CliIo): Command {
  return new Command("client")
    .description("interactive line-mode IMP chat client; also reads commands piped on stdin (try /help)")
    .requiredOption("-n, --name <name>", "username (1 to 8 printable ASCII characters, no spaces)")
    .option("-s, --server <host:port>", `server address (default 127.0.0.1:${DEFAULT_PORT})`, parseServer, { ip: "127.0.0.1", port: DEFAULT_PORT })
    .option("--rto <ms>", "retransmission timeout in ms", nonNegativeInt("--rto", 1), DEFAULT_ARQ.rto)
    .option("--retries <n>", "retransmissions before the peer is considered gone", nonNegativeInt("--retries"), DEFAULT_ARQ.retries)
    .option("--bind <host>", "local address to bind (default 127.0.0.1 for a loopback server, else 0.0.0.0)")
    .option("--wait-timeout <ms>", "longest a /wait waits", nonNegativeInt("--wait-timeout"), 30_000)
    .option("--invite-timeout <ms>", "how long an invitation stays pending (0: forever)", nonNegativeInt("--invite-timeout"), DEFAULT_INVITE_TIMEOUT_MS)
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
      io.out(`* connected to ${opts.server.ip}:${opts.server.port} as ${client.name} (id ${client.id}); ${client.roster.size} user${client.roster.size === 1 ? "" : "s"} online; /help for commands\n`);
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
