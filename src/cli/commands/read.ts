/**
 * `imp read [FILE]`: tshark for IMP. A summary line per IMP datagram (number, relative time,
 * source, destination, type, Info with names and analysis marks), or with -V the full tree
 * (frame, IP and UDP lines, the IMP tree and its "[IMP analysis]" subtree), -x a hex dump,
 * -T json|ndjson|fields, -Y a display filter, -c a count, -2 the final view of the analysis.
 * The pipeline is dissector/read (runRead), shared with `imp sniff` and the TUI.
 *
 * Also exports the option helpers that `imp stats`, `imp flow` and `imp chat` share.
 */
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { Command, InvalidArgumentError, Option } from "commander";
import { CaptureFormatError } from "../../../dissector/capture/errors.js";
import { compileFilter, formatFilterError, type DisplayFilter } from "../../../dissector/filter/index.js";
import { fileSource, type PacketSource } from "../../../dissector/source.js";
import { isKnownField } from "../../../dissector/read/frame-fields.js";
import { dissect, needsTwoPass, type DissectResult } from "../../../dissector/read/pipeline.js";
import type { ReadFrame } from "../../../dissector/read/frame.js";
import { READ_FORMATS, runRead, type ReadFormat, type ReadOptions } from "../../../dissector/read/read.js";
import { fdSink, textSink, type TextSink } from "../../../dissector/read/sink.js";
import type { FieldsFormat } from "../../../dissector/read/outputs.js";
import type { AnalyzerOptions } from "../../../dissector/analysis/index.js";
import type { Recognition } from "../../../dissector/recognize.js";
import { DEFAULT_PORT } from "../../protocol/fields.js";
import { bundledCapture } from "../../paths.js";
import { captureError } from "../capture-errors.js";
import { CliError } from "../errors.js";
import type { CliIo } from "../io.js";
import {
  DURATIONS,
  durationOption,
  formatDuration,
  impPortsOption,
  parseChoice,
  parseIntInRange,
  renamedOption,
  retriesOption,
} from "../parse-options.js";
import { TIME_FORMATS, type TimeFormat } from "../../../dissector/read/time-format.js";
import { parseTap, TAP_SYNTAX } from "../../../dissector/read/taps/tap.js";
import { incompleteSummary } from "../../../dissector/incomplete-datagrams.js";

/** Options every capture-reading command shares. */
export interface CaptureCommandOptions {
  /** Empty when no --port was given. */
  port?: number[];
  heuristic: boolean;
  /** Milliseconds, as every duration of the CLI. */
  rto?: number;
  retries?: number;
  /** Milliseconds. */
  inviteTimeout?: number;
  /** Milliseconds (imp read, sniff, proxy). */
  stateWindow?: number;
}

/** What a one-pass read's analysis remembers by default (--state-window): a minute of capture time. */
export const DEFAULT_STATE_WINDOW_MS = 60_000;

/** Adds --port, --no-heuristic and the timers the analysis assumes (as the server's, in the same units). */
export function addCaptureOptions(cmd: Command): Command {
  cmd.addOption(impPortsOption()).option("--no-heuristic", "only the IMP ports: do not recognise IMP on other ports by its header");
  for (const option of analysisTimerOptions()) cmd.addOption(option);
  return cmd;
}

/** --rto, --retries and --invite-timeout as the analysis takes them (imp read, stats, flow, chat, sniff, proxy). */
export function analysisTimerOptions(): Option[] {
  return [
    durationOption(DURATIONS.rto, "retransmission timeout the analysis assumes"),
    retriesOption("retransmissions before the analysis reports a forced disconnection"),
    durationOption(DURATIONS.inviteTimeout, "invitation answer time-out the analysis assumes"),
    renamedOption("--invitation-timeout", "--invite-timeout (seconds, as before)"),
  ];
}

export function recognitionOf(opts: CaptureCommandOptions): Recognition {
  return { ports: opts.port && opts.port.length > 0 ? opts.port : [DEFAULT_PORT], heuristic: opts.heuristic };
}

/** The analysis timers of the command line; the analysis counts in seconds, the CLI in milliseconds. */
export function analyzerOptionsOf(opts: CaptureCommandOptions): AnalyzerOptions {
  return {
    ...(opts.rto !== undefined ? { rto: opts.rto / 1000 } : {}),
    ...(opts.retries !== undefined ? { retries: opts.retries } : {}),
    ...(opts.inviteTimeout !== undefined ? { invitationTimeout: opts.inviteTimeout / 1000 } : {}),
  };
}

/** Compiles -Y; a bad filter is a CliError (exit 2) with the caret line under the column. */
export function displayFilterOf(text: string | undefined): DisplayFilter | null {
  if (text === undefined) return null;
  const c = compileFilter(text);
  if (!c.ok) throw new CliError(`invalid display filter (-Y), column ${c.error.column}:\n${formatFilterError(text, c.error)}`);
  return c.filter;
}

/** Where text goes: standard output in big blocks (fd 1) for the real process, io.out otherwise. */
export function sinkFor(io: CliIo): TextSink {
  return io.stdin === process.stdin ? fdSink(1) : textSink(io.out);
}

/**
 * The capture to read: FILE, the bundled demo when none, standard input for "-". When the read
 * needs two passes, standard input is first copied to a temporary file (`cleanup` removes it).
 */
export async function openCapture(
  file: string | undefined,
  io: CliIo,
  twoPass: boolean,
): Promise<{ path: string; source: PacketSource; reopen: () => PacketSource; cleanup: () => void }> {
  const path = file ?? bundledCapture();
  const stdin = (io.stdin ?? process.stdin) as unknown as AsyncIterable<Uint8Array | string>;
  if (path !== "-") return { path, source: fileSource(path), reopen: () => fileSource(path), cleanup: () => {} };
  if (!twoPass) return { path, source: fileSource("-", stdin), reopen: () => fileSource("-", stdin), cleanup: () => {} };
  const dir = mkdtempSync(join(tmpdir(), "imp-read-"));
  const tmp = join(dir, "stdin.cap");
  await pipeline(stdin as unknown as NodeJS.ReadableStream, createWriteStream(tmp));
  return { path, source: fileSource(tmp), reopen: () => fileSource(tmp), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A capture error as one CLI line that names the file and the byte offset. */
export function captureCliError(path: string, e: unknown): CliError | null {
  const err = captureError(path === "-" ? "stdin" : path, e);
  if (err && e instanceof CaptureFormatError && !/\bbyte \d+/.test(e.message)) {
    return new CliError(`${err.message} (at byte ${e.offset})`);
  }
  return err;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * `-d udp.port==N,imp` (also `N-M` and `N:COUNT`, as tshark takes them): the ports to decode as
 * IMP. Anything but UDP ports decoded as IMP is a CliError.
 */
export function parseDecodeAs(value: string, previous: number[] | undefined): number[] {
  const m = /^udp\.port==(\d{1,5})(?:-(\d{1,5})|:(\d{1,5}))?,(\w+)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`-d ${value}: expected udp.port==PORT,imp (or udp.port==FROM-TO,imp, udp.port==PORT:COUNT,imp)`);
  if (m[4]!.toLowerCase() !== "imp") throw new InvalidArgumentError(`-d ${value}: impkit decodes only IMP (udp.port==${m[1]},imp)`);
  const from = Number(m[1]);
  const to = m[2] !== undefined ? Number(m[2]) : m[3] !== undefined ? from + Number(m[3]) - 1 : from;
  if (from < 1 || to > 65535 || to < from)
    throw new InvalidArgumentError(`-d ${value}: ports must be from 1 to 65535, the first not above the last`);
  const ports = [...(previous ?? [])];
  for (let p = from; p <= to; p++) if (!ports.includes(p)) ports.push(p);
  return ports;
}

/** The output options imp read shares with imp sniff, as commander hands them over. */
export interface ReadOutputFlags extends CaptureCommandOptions {
  /** -d: ports decoded as IMP besides --port (imp read only). */
  decodeAs?: number[];
  /** -t: the summary's time format (imp read only). */
  timeFormat?: TimeFormat;
  displayFilter?: string;
  count?: number;
  outputFormat: ReadFormat | "text";
  verbose?: boolean;
  hex?: boolean;
  field?: string[];
  fieldsOption?: string[];
  names?: boolean;
  analysis: boolean;
}

interface ReadCommandOptions extends ReadOutputFlags {
  twoPass?: boolean;
  /** -r FILE, as tshark's (instead of the FILE argument). */
  readFile?: string;
  quiet?: boolean;
  /** -z statistics, in order. */
  statistics?: string[];
  numeric?: boolean;
}

/** -E options: header=y|n, separator=/t|/s|C, aggregator=/s|C, occurrence=a|f|l, quote=d|n. */
function fieldsFormatOf(list: readonly string[]): { format: Partial<FieldsFormat>; header: boolean } {
  const format: Partial<FieldsFormat> = {};
  let header = false;
  const sep = (v: string) => (v === "/t" ? "\t" : v === "/s" ? " " : v);
  for (const item of list) {
    const m = /^(\w+)=(.*)$/.exec(item);
    if (!m) throw new CliError(`-E ${item}: expected name=value (header, separator, aggregator, occurrence, quote)`);
    const [, key, value] = m as unknown as [string, string, string];
    if (key === "header" && /^[yn]$/.test(value)) header = value === "y";
    else if (key === "separator" && value.length > 0) format.separator = sep(value);
    else if (key === "aggregator" && value.length > 0) format.aggregator = sep(value);
    else if (key === "occurrence" && /^[afl]$/.test(value)) format.occurrence = value as FieldsFormat["occurrence"];
    else if (key === "quote" && /^[dn]$/.test(value)) format.quote = value === "d";
    else
      throw new CliError(
        `-E ${item}: unknown option or value (header=y|n, separator=/t|/s|C, aggregator=/s|C, occurrence=a|f|l, quote=d|n)`,
      );
  }
  return { format, header };
}

export function readCommand(io: CliIo): Command {
  const cmd = new Command("read")
    .description("read a capture as tshark does: a summary line per IMP datagram, or trees (-V), JSON, fields; with display filters (-Y)")
    .argument("[file]", "pcap or pcapng file, '-' for standard input (default: the bundled demo capture)")
    .option("-Y, --display-filter <filter>", "show only the packets that match this display filter (Wireshark syntax)")
    .option("-r, --read-file <file>", "the capture to read, as tshark -r (instead of the FILE argument)")
    .option("-c, --count <n>", "stop after reading N packets (IMP or not), as tshark -c", parseIntInRange("-c", 1, Number.MAX_SAFE_INTEGER))
    .addOption(
      new Option("-T, --output-format <format>", "summary (text), json, ndjson, ek, pdml, or fields (with -e)")
        .argParser((v: string) => {
          if (v === "text" || (READ_FORMATS as readonly string[]).includes(v)) return v as ReadFormat | "text";
          throw new InvalidArgumentError(`-T must be one of ${READ_FORMATS.join(", ")}, text`);
        })
        .default("summary"),
    )
    .option("-V, --verbose", "the full protocol tree of each packet (frame, IP, UDP, IMP, [IMP analysis])")
    .option("-x, --hex", "a hex and ASCII dump of each packet; in -T json, ndjson and ek the raw bytes (frame_raw, imp_raw, FIELD_raw)")
    .addOption(
      new Option(
        "-t, --time-format <format>",
        "time column: r relative (default), a/ad/adoy local, u/ud/udoy UTC, e epoch, d delta, dd delta shown",
      ).argParser(parseChoice("-t", TIME_FORMATS)),
    )
    .option("-q, --quiet", "no packet output: only the -z statistics")
    .option("-z, --statistics <stat>", `statistics after the packets (repeatable): ${TAP_SYNTAX.join(", ")}`, collect)
    .option("-d, --decode-as <rule>", "decode a UDP port as IMP, as tshark: udp.port==N,imp (repeatable)", parseDecodeAs)
    .option("-n, --numeric", "no name resolution (impkit resolves no host or port names: addresses are numeric unless -N)")
    .option("-e, --field <field>", "a field to print with -T fields (repeatable), e.g. -e imp.src -e imp.data", collect)
    .option(
      "-E, --fields-option <name=value>",
      "-T fields layout: header=y, separator=/t|/s|C, aggregator=C, occurrence=a|f|l, quote=d",
      collect,
    )
    .option("-N, --names", "endpoint names (alice, server) in Source and Destination instead of addresses")
    .option("-2, --two-pass", "read twice: show the final view of the analysis (acked_in, unacked, forced disconnections, response_in...)")
    .option("--no-analysis", "no conversation analysis (no names, no marks, no imp.analysis fields)")
    .addOption(
      durationOption(
        DURATIONS.stateWindow,
        `capture time the analysis of a one-pass read remembers; older state is forgotten (default ${formatDuration(DEFAULT_STATE_WINDOW_MS)}; with -2: all)`,
        { default: null },
      ),
    );
  addCaptureOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Fields known only once later frames were read (imp.analysis.acked_in, unacked, forced_disconnection,
response_in, no_response, invitation_timeout): a filter or -e naming one reads the file twice, as -2 does.
Without -2 the analysis shows what was known when each frame was read (ACK pairing, RTT, retransmissions).

Examples:
  imp read captures/packet-loss.pcapng -Y 'imp.analysis.retransmission'
  imp read capture.pcapng -T fields -e frame.number -e imp.src -e imp.data -Y 'imp.type == "Data Message"'
  imp read capture.pcapng -V -c 3
  tcpdump -i any -U -w - udp port 1313 | imp read -

As tshark: -r FILE, -c N (packets read, shown or not), -t ad|a|r|d|e|u..., -q -z io,stat,1,
-z conv,udp, -z endpoints,udp, -z expert, -d udp.port==5000,imp, -n, -T ek|pdml, -x with any -T.
  imp read -r capture.pcapng -q -z conv,udp -z io,stat,1
  imp read -r finding.pcap -d udp.port==40000,imp -T json -x`,
  );
  return cmd.action(async (argument: string | undefined, given: ReadCommandOptions) => {
    if (argument !== undefined && given.readFile !== undefined)
      throw new CliError(`two captures: -r ${given.readFile} and ${argument} (give one)`);
    const file = given.readFile ?? argument;
    const options = readOptionsFrom(given, given.twoPass ? true : "auto");
    const taps = (given.statistics ?? []).map((spec) => {
      try {
        return parseTap(spec);
      } catch (e) {
        throw new CliError((e as Error).message);
      }
    });
    if (taps.length > 0) options.taps = taps;
    if (given.quiet) options.quiet = true;
    options.captureName = file ?? bundledCapture();
    const two = given.analysis && needsTwoPass(options);
    const capture = await openCaptureOrFail(file, io, two);
    const sink = sinkFor(io);
    try {
      const result = await runRead(capture.source, options, sink, capture.reopen);
      const line = incompleteSummary(result.incomplete);
      if (line) io.err(`imp read: ${line}\n`);
    } catch (e) {
      throw captureCliError(capture.path, e) ?? e;
    } finally {
      capture.cleanup();
    }
  });
}

/**
 * The ReadOptions of the shared output flags, checked the same way for imp read and imp sniff
 * (bad -e, -T fields without -e, -E syntax: CliError).
 */
export function readOptionsFrom(given: ReadOutputFlags, twoPass: ReadOptions["twoPass"]): ReadOptions {
  const fields = given.field ?? [];
  const format: ReadFormat = given.outputFormat === "text" ? "summary" : given.outputFormat;
  const filter = displayFilterOf(given.displayFilter);
  for (const name of fields) {
    if (!isKnownField(name))
      throw new CliError(`-e ${name}: no such field (field names as in display filters: imp.src, imp.data, frame.number...)`);
  }
  if (format === "fields" && fields.length === 0) throw new CliError("-T fields needs at least one -e FIELD");
  if (format !== "fields" && fields.length > 0) throw new CliError("-e only applies with -T fields");
  const { format: fieldsFormat, header } = fieldsFormatOf(given.fieldsOption ?? []);
  const recognition = recognitionOf(given);
  // -d ports: IMP there too; without --port they come first (the analysis takes the first as the server's).
  if (given.decodeAs && given.decodeAs.length > 0) {
    const own = given.port && given.port.length > 0;
    const ports = own ? [...recognition.ports, ...given.decodeAs] : [...given.decodeAs, ...recognition.ports];
    recognition.ports = [...new Set(ports)];
  }
  return {
    format,
    recognition,
    analysis: given.analysis ? { ...analyzerOptionsOf(given), ...stateWindowOf(given, needsTwoPass({ filter, fields, twoPass })) } : false,
    filter,
    fields,
    fieldsFormat,
    header,
    twoPass,
    ...(given.count !== undefined ? { packets: given.count } : {}),
    ...(given.timeFormat !== undefined ? { timeFormat: given.timeFormat } : {}),
    ...(given.verbose ? { verbose: true } : {}),
    ...(given.hex ? { hex: true } : {}),
    ...(given.names ? { names: true } : {}),
  };
}

/**
 * The analysis's state window (seconds): a one-pass read streams, and forgets what is older than a
 * minute of capture time unless told otherwise (bounded memory on an endless stream); a two-pass
 * read keeps the whole capture for its final view unless --state-window is given.
 */
function stateWindowOf(given: CaptureCommandOptions, twoPass: boolean): { stateWindow?: number } {
  if (given.stateWindow !== undefined) return { stateWindow: given.stateWindow / 1000 };
  return twoPass ? {} : { stateWindow: DEFAULT_STATE_WINDOW_MS / 1000 };
}

async function openCaptureOrFail(file: string | undefined, io: CliIo, twoPass: boolean) {
  try {
    return await openCapture(file, io, twoPass);
  } catch (e) {
    throw captureCliError(file ?? "-", e) ?? e;
  }
}

/**
 * imp stats and imp chat: one pass of the capture with analysis into a collector (`add`), then
 * one report (`report`). A damaged capture reports what came before the damage, then exits 2;
 * a file that is no capture (or damaged before its first IMP datagram) has no report, only the error.
 */
export async function writeCaptureReport(
  file: string | undefined,
  io: CliIo,
  opts: CaptureCommandOptions,
  add: (frame: ReadFrame) => void,
  report: (result: DissectResult, path: string) => string,
): Promise<void> {
  const capture = await openCaptureOrFail(file, io, false);
  try {
    const r = await dissect(
      capture.source,
      { recognition: recognitionOf(opts), analysis: analyzerOptionsOf(opts), onDamage: "report" },
      add,
    );
    if (r.damage && r.shown === 0) throw r.damage;
    const sink = sinkFor(io);
    sink.write(report(r, capture.path));
    sink.flush();
    if (r.damage) throw r.damage;
  } catch (e) {
    throw captureCliError(capture.path, e) ?? e;
  } finally {
    capture.cleanup();
  }
}
