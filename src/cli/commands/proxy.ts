/**
 * `imp proxy`: relays IMP between clients and a server, shows the decoded traffic live (imp
 * read's output: summary lines, -V, -T json...), writes it with -w, and injects seeded faults per
 * direction. No privileges: the way to watch IMP live without root.
 *
 *   imp proxy --listen 127.0.0.1:1414 --upstream 127.0.0.1:1313
 *   imp proxy --loss 0.2 --dup 0.05 --delay 20±5 -w out.pcapng
 *   imp proxy --loss c2s:0.1,s2c:0.3 --blackhole alice@10 --script rules.json -T json
 *
 * Runs until SIGINT/SIGTERM or --duration; then prints the proxy's counters on stderr.
 */
import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { runRead, type ReadFormat, type ReadOptions } from "../../../dissector/read/read.js";
import { DiscardSink, flushingSink, type TextSink } from "../../../dissector/read/sink.js";
import {
  FaultSyntaxError,
  describeFaults,
  emptyFaults,
  formatProxyEvent,
  parseBlackhole,
  parseDelayOption,
  parseProbabilityOption,
  parseRules,
  proxyFeed,
  startProxy,
  type FaultSpec,
  type ProxyStats,
} from "../../proxy/index.js";
import type { Address } from "../../transport/index.js";
import { CliError, readErrorReason } from "../errors.js";
import type { CliIo } from "../io.js";
import { addressOption, resolveHosts } from "../parse-address.js";
import { DURATIONS, durationOption, seedOption } from "../parse-options.js";
import { DEFAULT_PORT } from "../../protocol/fields.js";
import { listenError } from "../listen-errors.js";
import { checkWritableFile } from "../output-file.js";
import { readCommand, readOptionsFrom, sinkFor, type CaptureCommandOptions } from "./read.js";

/** imp read's options that imp proxy takes as they are. */
const SHARED_READ_OPTIONS = [
  "displayFilter",
  "outputFormat",
  "verbose",
  "hex",
  "field",
  "fieldsOption",
  "names",
  "analysis",
  "rto",
  "retries",
  "inviteTimeout",
  "invitationTimeout",
] as const;

export interface ProxyCommandOptions extends CaptureCommandOptions {
  listen: Address;
  upstream: Address;
  loss?: string;
  dup?: string;
  delay?: string;
  reorder?: string;
  corrupt?: string;
  blackhole: string[];
  script?: string;
  seed: number;
  write?: string;
  quiet?: boolean;
  logFaults?: boolean;
  /** Milliseconds. */
  duration?: number;
  // imp read's
  displayFilter?: string;
  outputFormat: ReadFormat | "text";
  verbose?: boolean;
  hex?: boolean;
  field?: string[];
  fieldsOption?: string[];
  names?: boolean;
  analysis: boolean;
}

/** The fault options of a command into a FaultSpec (CliError on bad syntax). */
export function faultSpecOf(
  opts: Pick<ProxyCommandOptions, "loss" | "dup" | "delay" | "reorder" | "corrupt" | "blackhole" | "script" | "seed">,
): FaultSpec {
  const spec = emptyFaults(opts.seed);
  try {
    if (opts.loss !== undefined) parseProbabilityOption(spec, "loss", opts.loss);
    if (opts.dup !== undefined) parseProbabilityOption(spec, "dup", opts.dup);
    if (opts.reorder !== undefined) parseProbabilityOption(spec, "reorder", opts.reorder);
    if (opts.corrupt !== undefined) parseProbabilityOption(spec, "corrupt", opts.corrupt);
    if (opts.delay !== undefined) parseDelayOption(spec, opts.delay);
    spec.blackholes = opts.blackhole.map(parseBlackhole);
    if (opts.script !== undefined) {
      let text: string;
      try {
        text = readFileSync(opts.script, "utf8");
      } catch (e) {
        throw new CliError(`cannot read ${opts.script}: ${readErrorReason(e)}`);
      }
      const { rules, seed } = parseRules(text, opts.script);
      spec.rules = rules;
      if (seed !== undefined) spec.seed = seed;
    }
  } catch (e) {
    if (e instanceof FaultSyntaxError) throw new CliError(e.message);
    throw e;
  }
  return spec;
}

/** Adds the fault options (shared by imp proxy and imp tui --proxy). */
export function addFaultOptions(cmd: Command): Command {
  return cmd
    .option("--loss <p>", "drop datagrams with probability P (both directions), or c2s:P,s2c:P")
    .option("--dup <p>", "duplicate datagrams with probability P (or c2s:P,s2c:P)")
    .option("--delay <ms>", "delay datagrams MS[±J] milliseconds, jitter uniform in ±J (or c2s:MS±J,s2c:MS±J; +- for ±)")
    .option("--reorder <p>", "hold a datagram until the next one of its direction has gone, with probability P")
    .option("--corrupt <p>", "flip one random bit (header or payload) with probability P")
    .addOption(
      new Option(
        "--blackhole <client@t>",
        "cut a client (username or client ID) off from T seconds on (CLIENT@T or CLIENT@T1-T2; repeatable)",
      )
        .argParser((v: string, prev: string[]) => [...prev, v])
        .default([] as string[], "none"),
    )
    .option(
      "--script <file>",
      'scripted faults: JSON { "rules": [{ "type": "Data Message", "direction": "s2c", "action": "drop", "nth": 3 }] }',
    )
    .addOption(seedOption("seed of the fault decisions", 1));
}

export function proxyCommand(io: CliIo): Command {
  const cmd = new Command("proxy")
    .description(
      "relay IMP between clients and a server, show the traffic live (as imp read), write it (-w), inject faults; no root needed",
    )
    .addOption(addressOption("-l, --listen <host:port>", "address the clients send to", { host: "127.0.0.1", port: 1414, anyPort: true }))
    .addOption(addressOption("-u, --upstream <host:port>", "the IMP server", { host: "127.0.0.1", port: DEFAULT_PORT }))
    .option("-w, --write <file>", "also write the relayed traffic to a pcapng file (real client and server addresses)")
    .option("-q, --quiet", "do not print the packets")
    .option("--log-faults", "one line on stderr per fault applied")
    .addOption(durationOption(DURATIONS.duration, "stop after this long"));
  addFaultOptions(cmd);
  const shared = new Set<string>(SHARED_READ_OPTIONS);
  for (const option of readCommand(io).options) if (shared.has(option.attributeName())) cmd.addOption(option);
  cmd.addHelpText(
    "after",
    `
One upstream socket per client: the server sees each client at its own address. User lists are
rewritten to the clients' real addresses, so members of a decentralized group send their Data
Messages to each other directly, out of the proxy's path (it says so when such a group appears).
What is shown and written is what the proxy delivered (after faults), between the real client and
server addresses. Faults are seeded (--seed): the same arrival order gives the same decisions.

Examples:
  imp server --port 1313 & imp proxy --listen 127.0.0.1:1414 --upstream 127.0.0.1:1313
  imp client --name alice --server 127.0.0.1:1414
  imp proxy --loss 0.2 --dup 0.05 --delay 20±5 -w out.pcapng
  imp proxy --loss s2c:0.3 --blackhole bob@30 -T json`,
  );
  cmd.hook("preAction", resolveHosts);
  return cmd.action(async (opts: ProxyCommandOptions) => {
    await runProxy(opts, io);
  });
}

/** imp read's output options as ReadOptions (the checks imp read makes); IMP is the upstream port's. */
export function readOptionsOf(opts: ProxyCommandOptions): ReadOptions {
  return { ...readOptionsFrom(opts, false), recognition: { ports: [opts.upstream.port], heuristic: true } };
}

async function runProxy(opts: ProxyCommandOptions, io: CliIo): Promise<void> {
  const faults = faultSpecOf(opts);
  const read = readOptionsOf(opts);
  if (opts.write) checkWritableFile(opts.write);
  const feed = proxyFeed({
    description: `imp proxy ${opts.listen.ip}:${opts.listen.port} -> ${opts.upstream.ip}:${opts.upstream.port}`,
    ...(opts.write ? { write: opts.write } : {}),
  });
  let proxy;
  try {
    proxy = await startProxy({
      listen: opts.listen,
      upstream: opts.upstream,
      faults,
      onDatagram: feed.push,
      log: (e) => {
        const line = formatProxyEvent(e, opts.logFaults === true);
        if (line) io.err(`${line}\n`);
      },
    });
  } catch (e) {
    throw listenError(opts.listen, e);
  }
  io.err(`proxy: faults: ${describeFaults(faults)}${opts.write ? `; writing ${opts.write}` : ""}\n`);
  const stop = () => feed.end();
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  const timer = opts.duration !== undefined ? setTimeout(stop, opts.duration) : undefined;
  const sink: TextSink = opts.quiet ? new DiscardSink() : flushingSink(sinkFor(io));
  try {
    await runRead(feed.source, read, sink);
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    if (timer) clearTimeout(timer);
    feed.end();
    await proxy.close();
  }
  io.err(`${formatStats(proxy.stats)}\n`);
}

export function formatStats(s: ProxyStats): string {
  const dir = (name: string, d: ProxyStats["c2s"]) => `${name} ${d.received} in, ${d.forwarded} out, ${d.dropped} dropped`;
  const faults = Object.entries(s.faults)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  return `proxy: ${s.clientsSeen} client${s.clientsSeen === 1 ? "" : "s"}; ${dir("c2s", s.c2s)}; ${dir("s2c", s.s2c)}; lists rewritten ${s.rewritten}${faults ? `; faults: ${faults}` : ""}`;
}
