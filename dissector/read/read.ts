/**
 * `imp read` as a library call: dissect a PacketSource and write one of the output formats to a
 * TextSink. `imp sniff` calls it with a live source and the same options.
 *
 * ```ts
 * const sink = fdSink(1);
 * await runRead(fileSource("a.pcapng"), { format: "summary", filter }, sink, () => fileSource("a.pcapng"));
 * ```
 */
import { SummaryFormatter } from "../summary/summary-line.js";
import type { PacketSource } from "../source.js";
import type { UdpFrame } from "../capture/parse-frame.js";
import type { CapturePacket } from "../capture/packet.js";
import { dissect, needsTwoPass, type DissectOptions, type DissectResult } from "./pipeline.js";
import type { ReadFrame } from "./frame.js";
import type { FrameFields } from "./frame-fields.js";
import { DEFAULT_FIELDS_FORMAT, fieldsRow, hexText, verboseText, type FieldsFormat } from "./outputs.js";
import { packetEk, packetJsonWithRaw, packetPdml, pdmlHead, PDML_TAIL } from "./ek-pdml.js";
import type { TextSink } from "./sink.js";
import { formatTime, type FrameTimes, type TimeFormat } from "./time-format.js";
import type { Tap } from "./taps/tap.js";

export type ReadFormat = "summary" | "json" | "ndjson" | "fields" | "ek" | "pdml";
export const READ_FORMATS: readonly ReadFormat[] = ["summary", "json", "ndjson", "fields", "ek", "pdml"];

export interface ReadOptions extends Omit<DissectOptions, "fields" | "stopWhen" | "onPacket"> {
  /** -T: summary lines (default; `-V` turns them into trees), json, ndjson, fields. */
  format?: ReadFormat;
  /** -V: the full tree of each packet instead of its summary line (summary format). */
  verbose?: boolean;
  /** -x: a hex and ASCII dump after each packet (summary format). */
  hex?: boolean;
  /** -e: the fields of `-T fields`, in order. */
  fields?: readonly string[];
  /** -E: how `-T fields` rows are written. */
  fieldsFormat?: Partial<FieldsFormat>;
  /** -E header=y: a first row with the field names. */
  header?: boolean;
  /** -N: endpoint names (alice, server) instead of addresses in Source and Destination. */
  names?: boolean;
  /** -t: the summary's time column (default "r": seconds since the first packet). */
  timeFormat?: TimeFormat;
  /** -q: no packet output, only the statistics of `taps`. */
  quiet?: boolean;
  /** -z: statistics over every packet read, written after the packets. */
  taps?: readonly Tap[];
  /** The capture's name, for the head of `-T pdml`. */
  captureName?: string;
}

export type ReadResult = DissectResult;

/** Longest time a line waits in the sink's buffer while the input is idle. */
export const FLUSH_INTERVAL_MS = 50;

/** Reads `source` and writes `options.format` to `sink`; returns what the dissection saw. */
export async function runRead(
  source: PacketSource,
  options: ReadOptions,
  sink: TextSink,
  reopen?: () => PacketSource,
): Promise<ReadResult> {
  const format = options.format ?? "summary";
  const fieldNames = format === "fields" ? (options.fields ?? []) : [];
  const taps = options.taps ?? [];
  const clock = new PacketClock();
  const write = options.quiet ? QUIET : writerFor(format, options, fieldNames, sink, clock);
  const stopWhen = () => sink.closed;
  // Taps see every IMP datagram, shown or not (as tshark's): the filter is then applied here.
  const filter = taps.length > 0 && options.filter && !options.filter.empty ? options.filter : null;
  const frameTaps = taps.filter((t) => t.frame !== undefined);
  const onFrame =
    taps.length === 0
      ? write.frame
      : (f: ReadFrame, fields: FrameFields) => {
          for (const t of frameTaps) t.frame!(f);
          if (filter === null || filter.matches(fields)) write.frame(f, fields);
        };
  const packetTaps = taps.filter((t) => t.packet !== undefined);
  const onPacket =
    packetTaps.length > 0 || options.timeFormat === "d"
      ? (p: CapturePacket, udp: UdpFrame | null) => {
          clock.packet(p.tsSec, p.tsNsec);
          for (const t of packetTaps) t.packet!(p, udp);
        }
      : undefined;
  const dissectOptions: DissectOptions = {
    ...options,
    fields: filter ? [...filter.fields, ...fieldNames] : fieldNames,
    stopWhen,
    ...(filter ? { filter: null } : {}),
    ...(onPacket ? { onPacket } : {}),
    ...(reopen ? { reopen } : {}),
  };
  if (filter && needsTwoPass({ filter, fields: fieldNames, twoPass: options.twoPass ?? "auto" })) dissectOptions.twoPass = true;
  // Blocks are written when full; between input chunks (a slow pipe, a live source) what is
  // buffered goes out within FLUSH_INTERVAL_MS, so lines appear while the input still comes in.
  const timer = setInterval(() => sink.flush(), FLUSH_INTERVAL_MS);
  let result: DissectResult | undefined;
  try {
    if (!options.quiet) write.start();
    result = await dissect(source, dissectOptions, onFrame);
  } finally {
    clearInterval(timer);
    if (!options.quiet) write.end();
    sink.flush();
  }
  // As tshark: the statistics after the packets, the last -z first.
  for (let i = taps.length - 1; i >= 0; i--) sink.write(taps[i]!.render());
  sink.flush();
  return result;
}

interface Writer {
  start(): void;
  frame(f: ReadFrame, fields: FrameFields): void;
  end(): void;
}

const QUIET: Writer = { start() {}, frame() {}, end() {} };

/** The timestamp of the packet read last and of the frame shown last (`-t d`, `-t dd`). */
class PacketClock {
  private sec = -1;
  private nsec = 0;
  private prevSec = -1;
  private prevNsec = 0;
  shownSec = -1;
  shownNsec = 0;

  packet(sec: number, nsec: number): void {
    this.prevSec = this.sec;
    this.prevNsec = this.nsec;
    this.sec = sec;
    this.nsec = nsec;
  }

  /** The times a frame's time column may need; then it becomes the frame shown last. */
  times(f: ReadFrame): FrameTimes {
    const first = this.prevSec < 0;
    const shownFirst = this.shownSec < 0;
    const t: FrameTimes = {
      tsSec: f.tsSec,
      tsNsec: f.tsNsec,
      refSec: f.refSec,
      refNsec: f.refNsec,
      prevSec: first ? f.tsSec : this.prevSec,
      prevNsec: first ? f.tsNsec : this.prevNsec,
      shownSec: shownFirst ? f.tsSec : this.shownSec,
      shownNsec: shownFirst ? f.tsNsec : this.shownNsec,
    };
    this.shownSec = f.tsSec;
    this.shownNsec = f.tsNsec;
    return t;
  }
}

function writerFor(format: ReadFormat, options: ReadOptions, fieldNames: readonly string[], sink: TextSink, clock: PacketClock): Writer {
  const hex = options.hex === true;
  // -x in a machine format: the dump follows each row (fields) or the raw bytes go inside the record (JSON, ek, pdml).
  const dump = (f: ReadFrame) => (hex ? `${hexText(f)}\n` : "");
  switch (format) {
    case "json": {
      let first = true;
      return {
        start: () => sink.write("["),
        frame(f) {
          sink.write(`${first ? "\n" : ",\n"}${JSON.stringify(packetJsonWithRaw(f, hex))}`);
          first = false;
        },
        end() {
          sink.write(first ? "]\n" : "\n]\n");
        },
      };
    }
    case "ndjson":
      return { start() {}, frame: (f) => sink.write(`${JSON.stringify(packetJsonWithRaw(f, hex))}\n`), end() {} };
    case "ek":
      return { start() {}, frame: (f) => sink.write(packetEk(f, hex)), end() {} };
    case "pdml":
      return {
        start: () => sink.write(pdmlHead(options.captureName ?? "")),
        frame: (f) => sink.write(packetPdml(f, hex)),
        end: () => sink.write(PDML_TAIL),
      };
    case "fields": {
      const fmt = { ...DEFAULT_FIELDS_FORMAT, ...options.fieldsFormat };
      return {
        start() {
          if (options.header) sink.write(`${fieldNames.join(fmt.separator)}\n`);
        },
        frame: (f, fields) => sink.write(fieldsRow(fieldNames, fields, fmt) + dump(f)),
        end() {},
      };
    }
    case "summary": {
      const lines = new SummaryFormatter();
      const verbose = options.verbose === true;
      const names = options.names === true;
      const timeFormat = options.timeFormat ?? "r";
      let first = true;
      return {
        start() {},
        frame(f) {
          if (verbose) {
            sink.write(`${first ? "" : "\n"}${verboseText(f)}`);
            if (hex) sink.write(`\n${hexText(f)}`);
          } else {
            // Endpoint objects are shared per address: the formatter pads each one once.
            const src = names ? (f.endpointName("src") ?? f.src) : f.src;
            const dst = names ? (f.endpointName("dst") ?? f.dst) : f.dst;
            if (timeFormat === "r") lines.writeLine(sink, f.number, f.tsSec, f.tsNsec, f.refSec, f.refNsec, src, dst, f.decoded, f.info());
            else sink.write(lines.line(f.number, formatTime(timeFormat, clock.times(f)), src, dst, f.decoded, f.info()));
            if (hex) sink.write(`\n${hexText(f)}\n`);
          }
          first = false;
        },
        end() {},
      };
    }
  }
}
