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
import { dissect, type DissectOptions, type DissectResult } from "./pipeline.js";
import type { ReadFrame } from "./frame.js";
import type { FrameFields } from "./frame-fields.js";
import { DEFAULT_FIELDS_FORMAT, fieldsRow, hexText, packetJson, verboseText, type FieldsFormat } from "./outputs.js";
import type { TextSink } from "./sink.js";

export type ReadFormat = "summary" | "json" | "ndjson" | "fields";
export const READ_FORMATS: readonly ReadFormat[] = ["summary", "json", "ndjson", "fields"];

export interface ReadOptions extends Omit<DissectOptions, "fields" | "stopWhen"> {
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
  const write = writerFor(format, options, fieldNames, sink);
  const stopWhen = () => sink.closed;
  // Blocks are written when full; between input chunks (a slow pipe, a live source) what is
  // buffered goes out within FLUSH_INTERVAL_MS, so lines appear while the input still comes in.
  const timer = setInterval(() => sink.flush(), FLUSH_INTERVAL_MS);
  let result: DissectResult | undefined;
  try {
    if (format === "json") sink.write("[");
    if (format === "fields" && options.header)
      sink.write(`${fieldNames.join({ ...DEFAULT_FIELDS_FORMAT, ...options.fieldsFormat }.separator)}\n`);
    result = await dissect(source, { ...options, fields: fieldNames, stopWhen, ...(reopen ? { reopen } : {}) }, write.frame);
  } finally {
    clearInterval(timer);
    write.end();
    sink.flush();
  }
  return result;
}

interface Writer {
  frame(f: ReadFrame, fields: FrameFields): void;
  end(): void;
}

function writerFor(format: ReadFormat, options: ReadOptions, fieldNames: readonly string[], sink: TextSink): Writer {
  switch (format) {
    case "json": {
      let first = true;
      return {
        frame(f) {
          sink.write(`${first ? "\n" : ",\n"}${JSON.stringify(packetJson(f))}`);
          first = false;
        },
        end() {
          sink.write(first ? "]\n" : "\n]\n");
        },
      };
    }
    case "ndjson":
      return { frame: (f) => sink.write(`${JSON.stringify(packetJson(f))}\n`), end() {} };
    case "fields": {
      const fmt = { ...DEFAULT_FIELDS_FORMAT, ...options.fieldsFormat };
      return { frame: (_f, fields) => sink.write(fieldsRow(fieldNames, fields, fmt)), end() {} };
    }
    case "summary": {
      const lines = new SummaryFormatter();
      const verbose = options.verbose === true;
      const hex = options.hex === true;
      const names = options.names === true;
      let first = true;
      return {
        frame(f) {
          if (verbose) {
            sink.write(`${first ? "" : "\n"}${verboseText(f)}`);
            if (hex) sink.write(`\n${hexText(f)}`);
          } else {
            // Endpoint objects are shared per address: the formatter pads each one once.
            const src = names ? (f.endpointName("src") ?? f.src) : f.src;
            const dst = names ? (f.endpointName("dst") ?? f.dst) : f.dst;
            lines.writeLine(sink, f.number, f.tsSec, f.tsNsec, f.refSec, f.refNsec, src, dst, f.decoded, f.info());
            if (hex) sink.write(`\n${hexText(f)}\n`);
          }
          first = false;
        },
        end() {},
      };
    }
  }
}
