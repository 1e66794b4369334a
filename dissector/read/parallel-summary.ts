/**
 * `imp read FILE` summary lines on two threads: a worker (summary-worker.ts) reads, decodes and
 * analyses the capture, applying -Y and -c; this thread decodes each shown datagram again and
 * formats and writes its line. They share a ring of records (line-ring.ts): the worker sends
 * the payload, the timestamps, the Source/Destination columns, the names the Info shows and the
 * analysis marks, so the line is byte for byte the one `runRead` writes on one thread.
 *
 * Used for capture files (not standard input, not live captures) when the summary has no -V or
 * -x, and when the worker's compiled file is at hand (not when running from the TypeScript
 * sources); otherwise the caller reads on one thread.
 */
import { Buffer } from "node:buffer";
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { Decoded } from "../../src/codec/message.js";
import { CACHED_MAX_BYTES, DecodeCache } from "../decode-cache.js";
import type { AnalyzerOptions } from "../analysis/index.js";
import { CaptureFormatError } from "../capture/errors.js";
import type { ImpFrameCounters } from "../imp-frames.js";
import type { Recognition } from "../recognize.js";
import { summaryInfo } from "../summary/summary-line.js";
import { SummaryFormatter } from "../summary/summary-line.js";
import { createRing, DEFAULT_RING, RingReader, type RingHandler, type RingLayout } from "./line-ring.js";
import type { ReadOptions } from "./read.js";
import type { TextSink } from "./sink.js";

/** What the worker is asked to do (structured-cloned into it). */
export interface SummaryJob {
  ring: SharedArrayBuffer;
  layout: RingLayout;
  path: string;
  recognition: Recognition | undefined;
  analysis: AnalyzerOptions | false | undefined;
  /** -Y text (compiled again in the worker). */
  filter: string | undefined;
  count: number | undefined;
  twoPass: boolean | "auto" | undefined;
  /** -N: endpoint names in Source and Destination. */
  names: boolean;
}

/** What the worker posts when it is done. */
export type SummaryJobEnd =
  | { ok: true; shown: number; passes: number; stoppedEarly: boolean; counters: ImpFrameCounters; packets: number }
  | { ok: false; damage?: { message: string; offset: number }; error?: string };

export interface ParallelSummaryResult {
  shown: number;
  passes: number;
  stoppedEarly: boolean;
  counters: ImpFrameCounters;
}

const WORKER = new URL("./summary-worker.js", import.meta.url);

/** True when `options` and `path` can be read in parallel (see the module comment). */
export function canReadInParallel(path: string, options: ReadOptions): boolean {
  if ((options.format ?? "summary") !== "summary" || options.verbose || options.hex) return false;
  if (options.analyzer !== undefined || options.markGate === false || options.onDamage === "report") return false;
  if (!WORKER.pathname.endsWith(".js") || !existsSync(fileURLToPath(WORKER))) return false;
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A Source/Destination column value: its text, as the formatter pads and caches it by object. */
class ColumnText {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/**
 * Reads `path` as runRead(fileSource(path), options, sink) does (summary format), on two
 * threads. Rejects with CaptureFormatError after writing every line before the damage.
 */
export async function readSummaryInParallel(path: string, options: ReadOptions, sink: TextSink, layout: RingLayout = DEFAULT_RING): Promise<ParallelSummaryResult> {
  const ring = createRing(layout);
  const job: SummaryJob = {
    ring,
    layout,
    path,
    recognition: options.recognition,
    analysis: options.analysis,
    filter: options.filter && !options.filter.empty ? options.filter.text : undefined,
    count: options.count,
    twoPass: options.twoPass,
    names: options.names === true,
  };
  const worker = new Worker(WORKER, { workerData: job });
  let failed: (reason: unknown) => void = () => {};
  const failure = new Promise<never>((_, reject) => (failed = reject));
  failure.catch(() => {});
  const ended = new Promise<SummaryJobEnd>((resolve) => {
    worker.once("message", (m: SummaryJobEnd) => resolve(m));
    worker.once("error", (e) => failed(e));
    worker.once("exit", (code) => failed(new Error(`the read worker exited (code ${code}) before it finished`)));
  });

  const reader = new RingReader(ring, layout);
  const lines = new SummaryFormatter();
  const columns: ColumnText[] = [];
  const names = new Map<number, string | undefined>();
  const nameOf = options.analysis === false ? undefined : (id: number) => names.get(id);
  let refSec = 0;
  let refNsec = 0;
  let marks = "";
  const decodes = new DecodeCache();
  /** Info of remembered datagrams (by their shared Decoded) as UTF-8, until a name changes. */
  const infoOf = new Map<Decoded, Buffer>();
  const handler: RingHandler = {
    frame(number, tsSec, tsNsec, src, dst, bytes, start, length) {
      // A datagram seen before (an ACK, a relayed group message) shares its Decoded, and its
      // Info is kept until a name changes.
      const d = decodes.decodeAt(bytes, start, length);
      if (marks === "") {
        let info = infoOf.get(d);
        if (info === undefined && length <= CACHED_MAX_BYTES) {
          if (infoOf.size >= 16384) infoOf.clear();
          info = Buffer.from(summaryInfo(d, nameOf), "utf8");
          infoOf.set(d, info);
        }
        if (info !== undefined) {
          lines.writeLineBytes(sink, number, tsSec, tsNsec, refSec, refNsec, columns[src]!, columns[dst]!, d, info);
          return;
        }
      }
      const info = summaryInfo(d, nameOf);
      lines.writeLine(sink, number, tsSec, tsNsec, refSec, refNsec, columns[src]!, columns[dst]!, d, marks === "" ? info : `${info} ${marks}`);
      marks = "";
    },
    ref(sec, nsec) {
      refSec = sec;
      refNsec = nsec;
    },
    column(id, text) {
      columns[id] = new ColumnText(text);
    },
    name(client, name) {
      names.set(client, name);
      infoOf.clear();
    },
    marks(text) {
      marks = text;
    },
  };

  const timer = setInterval(() => sink.flush(), 50);
  try {
    const stop = Promise.race([failure, ended]);
    for (;;) {
      if (!(await reader.next(stop))) break;
      if (!reader.consume(handler)) break;
      if (sink.closed) {
        // The reader of the output went away (EPIPE): stop the worker, quietly.
        reader.requestStop();
        await worker.terminate();
        return { shown: 0, passes: 1, stoppedEarly: true, counters: { packets: 0, imp: 0, notUdp: 0, otherUdp: 0, fragments: 0 } };
      }
    }
    const end = await Promise.race([failure, ended]);
    if (!end.ok) {
      if (end.damage) throw new CaptureFormatError(end.damage.message, end.damage.offset);
      throw new Error(`the read worker failed: ${end.error ?? "unknown error"}`);
    }
    return { shown: end.shown, passes: end.passes, stoppedEarly: end.stoppedEarly, counters: end.counters };
  } finally {
    clearInterval(timer);
    sink.flush();
    void worker.terminate();
  }
}
