/**
 * `imp sniff`: live capture through libpcap (the optional cap module), shown exactly as `imp read`
 * shows a file (the same pipeline, dissector/read, and the same output and filter options), and
 * optionally written to a pcapng file (-w) while it runs. `-D` lists the interfaces.
 *
 * Stops on -c N (IMP packets shown, as imp read), -a packets:N (packets captured), -a
 * duration:S, SIGINT or SIGTERM; then prints "N packets captured" on stderr, as tshark does.
 * Without cap/libpcap, without permission, with a bad capture filter or an unknown interface:
 * one sentence on stderr and exit 2.
 */
import { Command, Option } from "commander";
import {
  CAP_SNAPLEN,
  DEFAULT_LIVE_FILTER,
  DEFAULT_LIVE_INTERFACE,
  formatInterfaces,
  listInterfaces,
  LiveCaptureError,
  liveSource,
  loadCap,
  recordLive,
  type CapLoader,
  type LiveSource,
} from "../../../dissector/live/index.js";
import { runRead } from "../../../dissector/read/read.js";
import { incompleteSummary } from "../../../dissector/incomplete-datagrams.js";
import { DiscardSink, flushingSink } from "../../../dissector/read/sink.js";
import { CliError } from "../errors.js";
import type { CliIo } from "../io.js";
import { DURATIONS, parseChoice, parseDuration, parseIntInRange } from "../parse-options.js";
import { writeFileError } from "../output-file.js";
import { readCommand, readOptionsFrom, sinkFor, type ReadOutputFlags } from "./read.js";

/** What tests (and embedders) can replace. */
export interface SniffDeps {
  /** How cap is loaded (default: the real module). */
  loader?: CapLoader;
}

/** imp read's options that imp sniff takes as they are (same flags, parsers and help). */
const SHARED_READ_OPTIONS = [
  "displayFilter",
  "count",
  "outputFormat",
  "verbose",
  "hex",
  "field",
  "fieldsOption",
  "names",
  "analysis",
  "port",
  "heuristic",
  "rto",
  "retries",
  "inviteTimeout",
  "stateWindow",
  "invitationTimeout", // the former name, refused with the new one
] as const;

interface SniffOptions extends ReadOutputFlags {
  listInterfaces?: boolean;
  interface: string;
  captureFilter: string;
  write?: string;
  fileFormat: "pcapng" | "pcap";
  print?: boolean;
  autostop: string[];
  snaplen?: number;
  bufferSize?: number;
}

export function sniffCommand(io: CliIo, deps: SniffDeps = {}): Command {
  const loader = deps.loader ?? loadCap;
  const cmd = new Command("sniff")
    .description(
      "capture IMP live on an interface through libpcap (root or CAP_NET_RAW) and show it as imp read does; -w saves it as pcapng",
    )
    .option("-D, --list-interfaces", "list the interfaces libpcap can capture on, and exit")
    .option("-i, --interface <name>", "interface to capture on (see -D)", DEFAULT_LIVE_INTERFACE)
    .option("-f, --capture-filter <filter>", "libpcap capture filter (BPF syntax), e.g. 'udp port 1313'", DEFAULT_LIVE_FILTER)
    .option("-w, --write <file>", "also write every captured packet (all that pass -f, whatever -Y says) to FILE; prints nothing unless -P")
    .addOption(
      new Option("-F, --file-format <format>", "format of the -w file: pcapng or pcap")
        .argParser(parseChoice("-F", ["pcapng", "pcap"] as const))
        .default("pcapng"),
    )
    .option("-P, --print", "print the packets even when writing a file with -w")
    .addOption(
      new Option(
        "-a, --autostop <condition>",
        "stop after packets:N captured packets or duration:SECONDS (a bare number is seconds; or 500ms, 2m) (repeatable)",
      )
        .argParser((v: string, prev: string[]) => [...prev, v])
        .default([] as string[], "none"),
    )
    .option("-s, --snaplen <bytes>", `bytes kept of each packet (1 to ${CAP_SNAPLEN})`, parseIntInRange("-s", 1, CAP_SNAPLEN))
    .option("-B, --buffer-size <MiB>", "kernel capture buffer in MiB (default 2)", parseIntInRange("-B", 1, 4095));
  const shared = new Set<string>(SHARED_READ_OPTIONS);
  for (const option of readCommand(io).options) if (shared.has(option.attributeName())) cmd.addOption(option);
  cmd.addHelpText(
    "after",
    `
The output options (-Y, -c, -T, -V, -x, -e, -E, -N, --port, --no-heuristic, --no-analysis) are
those of imp read; -c counts packets captured (shown or not), as tshark's. The analysis shows what is known when each
packet arrives (no second pass on a live capture).

Live capture needs root or CAP_NET_RAW, and libpcap (Debian: apt-get install libpcap-dev, then
npm install). Timestamps are taken when each packet reaches impkit (libpcap's are not exposed).

Examples:
  sudo imp sniff -D
  sudo imp sniff -i lo -f 'udp port 1313'
  sudo imp sniff -i lo -w session.pcapng -c 100
  sudo imp sniff -i any -Y 'imp.analysis.retransmission' -V`,
  );
  return cmd.action(async (opts: SniffOptions) => {
    try {
      if (opts.listInterfaces) {
        io.out(formatInterfaces(await listInterfaces(loader)));
        return;
      }
      await sniff(opts, io, loader);
    } catch (e) {
      if (e instanceof LiveCaptureError) throw new CliError(e.message);
      throw e;
    }
  });
}

async function sniff(opts: SniffOptions, io: CliIo, loader: CapLoader): Promise<void> {
  const options = readOptionsFrom(opts, false);
  const autostop = autostopOf(opts.autostop);
  const live = liveSource({
    interface: opts.interface,
    filter: opts.captureFilter,
    loader,
    ...(opts.snaplen !== undefined ? { snaplen: opts.snaplen } : {}),
    ...(opts.bufferSize !== undefined ? { bufferSize: opts.bufferSize * 1024 * 1024 } : {}),
    ...(autostop.packets !== undefined ? { maxPackets: autostop.packets } : {}),
  });
  const source: LiveSource = opts.write ? recordLive(live, { path: opts.write, format: opts.fileFormat }) : live;
  let timer: NodeJS.Timeout | undefined;
  source.onOpen((info) => {
    io.err(`Capturing on '${info.interface}' (capture filter: ${info.filter || "none"})${opts.write ? `, writing ${opts.write}` : ""}\n`);
    if (autostop.ms !== undefined) timer = setTimeout(() => source.stop(), autostop.ms);
  });
  const printing = opts.write === undefined || opts.print === true;
  const sink = printing ? flushingSink(sinkFor(io)) : new DiscardSink();
  const onSignal = () => source.stop();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const result = await runRead(source, options, sink);
    const line = incompleteSummary(result.incomplete);
    if (line) io.err(`imp sniff: ${line}\n`);
  } catch (e) {
    throw writeFileError(opts.write, e) ?? e;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    if (timer) clearTimeout(timer);
  }
  const captured = live.stats().delivered;
  io.err(`${captured} packet${captured === 1 ? "" : "s"} captured\n`);
}

/** -a packets:N and -a duration:D (D as every --duration: seconds, or with a unit). */
function autostopOf(list: readonly string[]): { packets?: number; ms?: number } {
  const out: { packets?: number; ms?: number } = {};
  for (const item of list) {
    const m = /^(packets|duration):(.+)$/.exec(item);
    const n = m?.[1] === "packets" && /^\d+$/.test(m[2]!) ? Number(m[2]) : NaN;
    if (m?.[1] === "duration") {
      try {
        out.ms = parseDuration(m[2]!, DURATIONS.duration);
      } catch (e) {
        throw new CliError(`-a ${item}: ${(e as Error).message}`);
      }
    } else if (!m || !(n > 0)) {
      throw new CliError(`-a ${item}: expected packets:N (a whole number) or duration:SECONDS`);
    } else out.packets = n;
  }
  return out;
}
