/**
 * `imp read FILE` summary lines on two threads. This thread reads the capture (records, IP and
 * UDP, reassembly, recognition) and sends the IMP datagrams to a worker (datagram-ring.ts); the
 * worker (summary-worker.ts) runs the ordinary pipeline on them (analysis, -Y, -c, -2) and sends
 * back what each shown line needs (line-ring.ts); this thread formats and writes the lines. The
 * lines are byte for byte those `runRead` writes on one thread: the worker sends the payload,
 * the timestamps, the Source/Destination columns, the names the Info shows and the marks, and
 * the Info is made here by the same functions.
 *
 * Used for capture files (not standard input, not live captures) when the summary has no -V or
 * -x, when the file is big enough for a second thread to pay off, and when the worker's compiled
 * file is at hand (not when running from the TypeScript sources); otherwise the caller reads on
 * one thread.
 */
import { Buffer } from "node:buffer";
import type { Decoded } from "../../src/codec/message.js";
import type { AnalyzerOptions } from "../analysis/index.js";
import { CaptureFormatError } from "../capture/errors.js";
import { DecodeCache } from "../decode-cache.js";
import { readImpDatagrams, type ImpFrameCounters } from "../imp-frames.js";
import type { Recognition } from "../recognize.js";
import { fileSource } from "../source.js";
import { SummaryFormatter, summaryInfo } from "../summary/summary-line.js";
import { DATAGRAM_RING, DatagramRingWriter } from "./datagram-ring.js";
import { LINE_RING, LineRingReader, TAIL_SLOTS, type LineHandler } from "./line-ring.js";
import { needsTwoPass } from "./pipeline.js";
import type { ReadOptions } from "./read.js";
import type { TextSink } from "./sink.js";
import { createRing, type RingLayout } from "./slot-ring.js";
import { bigEnoughForThreads, PARALLEL_MIN_BYTES, summaryWorker, summaryWorkerAvailable } from "./summary-thread.js";

/** What the worker is asked to do (structured-cloned into it). */
export interface SummaryJob {
  datagramRing: SharedArrayBuffer;
  datagramLayout: RingLayout;
  lineRing: SharedArrayBuffer;
  lineLayout: RingLayout;
  description: string;
  recognition: Recognition | undefined;
  analysis: AnalyzerOptions | false | undefined;
  /** -Y text (compiled again in the worker). */
  filter: string | undefined;
  count: number | undefined;
  twoPass: boolean | "auto" | undefined;
  /** -N: endpoint names in Source and Destination. */
  names: boolean;
}

export interface ParallelSummaryResult {
  shown: number;
  passes: number;
  stoppedEarly: boolean;
  /** Milliseconds each thread waited for the other (0 when unknown): which one set the pace. */
  mainWaitedMs: number;
  workerWaitedMs: number;
  /** Counters of the (last) pass, as this thread read it. */
  counters: ImpFrameCounters;
}

/** If the worker neither takes datagrams nor sends lines for this long, it is taken for dead. */
const STALL_MS = 30_000;

/** True when `options` and `path` can be read in parallel (see the module comment). */
export function canReadInParallel(path: string, options: ReadOptions, minBytes = PARALLEL_MIN_BYTES): boolean {
  if ((options.format ?? "summary") !== "summary" || options.verbose || options.hex) return false;
  if (options.analyzer !== undefined || options.markGate === false || options.onDamage === "report") return false;
  // tshark's -c (packets read), -t other than r, -q and -z: the one-thread read does them.
  if (options.packets !== undefined || (options.timeFormat ?? "r") !== "r" || options.quiet || (options.taps?.length ?? 0) > 0)
    return false;
  return summaryWorkerAvailable() && bigEnoughForThreads(path, minBytes);
}

/** A Source/Destination column value: its text, as the formatter pads and caches it by object. */
class ColumnText {
  constructor(readonly text: string) {}

  toString(): string {
    return this.text;
  }
}

/** Thrown from the capture reader's callback to end the reading early; never escapes. */
class StopStreaming extends Error {}

const NO_COUNTERS: ImpFrameCounters = { packets: 0, imp: 0, notUdp: 0, otherUdp: 0, fragments: 0 };

/**
 * Reads `path` as runRead(fileSource(path), options, sink) does (summary format), on two
 * threads. Rejects with CaptureFormatError after writing every line before the damage.
 */
export async function readSummaryInParallel(path: string, options: ReadOptions, sink: TextSink): Promise<ParallelSummaryResult> {
  const job: SummaryJob = {
    datagramRing: createRing(DATAGRAM_RING),
    datagramLayout: DATAGRAM_RING,
    lineRing: createRing(LINE_RING),
    lineLayout: LINE_RING,
    description: path,
    recognition: options.recognition,
    analysis: options.analysis,
    filter: options.filter && !options.filter.empty ? options.filter.text : undefined,
    count: options.count,
    twoPass: options.twoPass,
    names: options.names === true,
  };
  const worker = summaryWorker(job);
  // The worker ends by sending its END line; an error or an exit before that is a failure.
  let workerGone = false;
  const gone = new Promise<Error>((resolve) => {
    worker.once("error", (e) => resolve(e));
    worker.once("exit", (code) => resolve(new Error(`the read worker exited (code ${code}) before it finished`)));
  }).then((e) => {
    workerGone = true;
    return e;
  });

  const lines = new LineRingReader(job.lineRing, LINE_RING);
  // One DecodeCache for this thread: the capture reader decodes through it, the formatter finds there what it needs again.
  const decodes = new DecodeCache();
  const handler = lineFormatter(sink, options.analysis === false, (id) => out.decodedOf(id), decodes);
  let linesEnded = false;
  /** Formats every line slot the worker has published (until its END, or the output closes). */
  const drain = (): void => {
    while (!linesEnded && lines.ready()) {
      if (!lines.consume(handler)) linesEnded = true;
      if (sink.closed) return;
    }
  };

  let lastChange = performance.now();
  let seen = -1;
  /** Throws when neither ring moved for STALL_MS (a worker that hangs, or died unseen). */
  const stalled = () => {
    const changes = out.changes + lines.changes;
    if (changes !== seen) {
      seen = changes;
      lastChange = performance.now();
    } else if (workerGone || performance.now() - lastChange > STALL_MS) {
      throw new Error("the read worker stopped answering");
    }
  };
  const out: DatagramRingWriter = new DatagramRingWriter(job.datagramRing, DATAGRAM_RING, (ring) => {
    // The worker is behind: format what it sent meanwhile, then wait a little for a free slot.
    drain();
    if (sink.closed || ring.stopRequested) throw new StopStreaming();
    ring.blockUntilFree(1);
    stalled();
  });

  // The passes the worker's pipeline makes (two for -2, or a filter on fields known only later).
  const passes = options.analysis !== false && needsTwoPass(options) ? 2 : 1;
  let counters = NO_COUNTERS;
  /** The reader of the output went away (EPIPE): the worker is stopped, quietly. */
  const outputGone = (): ParallelSummaryResult => {
    lines.requestStop();
    return { shown: 0, passes, stoppedEarly: true, counters, mainWaitedMs: 0, workerWaitedMs: 0 };
  };
  const timer = setInterval(() => sink.flush(), 50);
  try {
    let sent = 0;
    for (let pass = 0; pass < passes; pass++) {
      let damage: CaptureFormatError | null = null;
      let result: { end: { packets: number }; counters: ImpFrameCounters } | null = null;
      try {
        result = await readImpDatagrams(
          fileSource(path),
          (d) => {
            if ((++sent & 1023) === 0) {
              drain();
              if (sink.closed || out.stopRequested) throw new StopStreaming();
            }
            out.datagram(d);
          },
          { recognition: options.recognition, decodes, onStart: (sec, nsec) => out.start(sec, nsec) },
        );
      } catch (e) {
        if (e instanceof StopStreaming) {
          if (!sink.closed) break; // the worker has all it wants (-c reached, or it failed)
          return outputGone();
        }
        if (!(e instanceof CaptureFormatError)) throw e;
        damage = e;
      }
      counters = result?.counters ?? counters;
      out.endPass(result?.end.packets ?? 0, result?.counters ?? NO_COUNTERS, damage);
    }
    out.publish();

    // Everything is sent: format the rest as it comes (the worker is alive as long as it takes
    // datagrams or sends lines).
    while (!linesEnded) {
      const slice = new Promise<void>((resolve) => setTimeout(resolve, 1000).unref());
      if (!(await lines.whenReady(Promise.race([gone, slice])))) {
        if (workerGone) throw await gone;
        stalled();
        continue;
      }
      drain();
      if (sink.closed) return outputGone();
    }
    const end = lines.end!;
    if (!end.ok) {
      if (end.damage) throw new CaptureFormatError(end.damage.message, end.damage.offset);
      throw new Error(`the read worker failed: ${end.error ?? "unknown error"}`);
    }
    return {
      shown: end.shown,
      passes: end.passes,
      stoppedEarly: end.stoppedEarly,
      counters,
      mainWaitedMs: out.waitedMs + lines.waitedMs,
      workerWaitedMs: end.waitedMs,
    };
  } finally {
    clearInterval(timer);
    sink.flush();
    void worker.terminate();
  }
}

/**
 * The LineHandler that writes the lines. A known tail (see line-ring.ts) is written as it is;
 * for a new one the datagram is found again (by its id, or decoded through `decodes`, shared
 * with the capture reader of this thread) and its Info made with the names the worker sent. A
 * line with marks, or of a long datagram, is made whole.
 */
export function lineFormatter(
  sink: TextSink,
  noAnalysis: boolean,
  decodedOf: (id: number) => Decoded | undefined,
  decodes: DecodeCache,
): LineHandler {
  const lines = new SummaryFormatter();
  const columns: ColumnText[] = [];
  const names = new Map<number, string | undefined>();
  const nameOf = noAnalysis ? undefined : (id: number) => names.get(id);
  /** Info of remembered datagrams as UTF-8, until a name changes. */
  const infoOf = new Map<Decoded, Buffer>();
  /** Tails by tail id % TAIL_SLOTS (see line-ring.ts). */
  const tails: (Uint8Array | undefined)[] = new Array(TAIL_SLOTS).fill(undefined);
  let refSec = 0;
  let refNsec = 0;
  let marks = "";
  return {
    frame(number, tsSec, tsNsec, src, dst, id, tail, tailNew, bytes, start, length) {
      if (tail >= 0 && !tailNew) {
        lines.writeLineTail(sink, number, tsSec, tsNsec, refSec, refNsec, tails[tail % TAIL_SLOTS]!);
        return;
      }
      const d = decodedOf(id) ?? decodes.decodeAt(bytes, start, length);
      if (tail >= 0) {
        let info = infoOf.get(d);
        if (info === undefined) {
          if (infoOf.size >= 16384) infoOf.clear();
          info = Buffer.from(summaryInfo(d, nameOf), "utf8");
          infoOf.set(d, info);
        }
        const made = lines.tail(columns[src]!, columns[dst]!, d, info);
        tails[tail % TAIL_SLOTS] = made;
        lines.writeLineTail(sink, number, tsSec, tsNsec, refSec, refNsec, made);
        return;
      }
      const info = summaryInfo(d, nameOf);
      lines.writeLine(
        sink,
        number,
        tsSec,
        tsNsec,
        refSec,
        refNsec,
        columns[src]!,
        columns[dst]!,
        d,
        marks === "" ? info : `${info} ${marks}`,
      );
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
}
