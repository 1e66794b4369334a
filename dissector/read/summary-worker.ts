/**
 * The dissecting thread of a parallel summary read (see parallel-summary.ts): reads the capture
 * file, analyses it and applies -Y and -c through the ordinary pipeline (`dissect`), and writes
 * for each shown frame what its summary line needs into the ring: timestamps, the columns, the
 * payload (the formatting thread decodes it again), the names its Info shows and its marks.
 */
import { parentPort, workerData } from "node:worker_threads";
import { compileFilter } from "../filter/index.js";
import { CaptureFormatError } from "../capture/errors.js";
import { fileSource } from "../source.js";
import { visitNamedClients } from "../summary/info.js";
import { dissect } from "./pipeline.js";
import { RingWriter } from "./line-ring.js";
import type { ReadFrame } from "./frame.js";
import type { SummaryJob, SummaryJobEnd } from "./parallel-summary.js";

/** Column keys are shared Endpoint objects (or name strings): ids are handed out once each. */
const COLUMN_LIMIT = 65536;

function run(job: SummaryJob): Promise<SummaryJobEnd> {
  const ring = new RingWriter(job.ring, job.layout);
  const filter = job.filter === undefined ? null : compileFilter(job.filter);
  if (filter !== null && !filter.ok) throw new Error(`bad display filter reached the worker: ${job.filter}`);

  const columns = new Map<object | string, number>();
  const columnOf = (key: object | string): number => {
    let id = columns.get(key);
    if (id === undefined) {
      if (columns.size >= COLUMN_LIMIT) columns.clear();
      id = columns.size;
      columns.set(key, id);
      ring.column(id, String(key));
    }
    return id;
  };
  const sentNames = new Map<number, string | undefined>();
  let frame: ReadFrame | null = null;
  const sendName = (id: number) => {
    if (id === 0) return;
    const name = frame!.nameOf(id);
    if (!sentNames.has(id) || sentNames.get(id) !== name) {
      sentNames.set(id, name);
      ring.name(id, name);
    }
  };
  let refSec = Number.NaN;
  let refNsec = 0;

  const source = fileSource(job.path);
  return dissect(
    source,
    {
      recognition: job.recognition,
      analysis: job.analysis,
      filter: filter?.filter ?? null,
      ...(job.count !== undefined ? { count: job.count } : {}),
      twoPass: job.twoPass,
      reopen: () => fileSource(job.path),
      stopWhen: () => ring.stopRequested,
    },
    (f) => {
      frame = f;
      if (f.refSec !== refSec || f.refNsec !== refNsec) {
        refSec = f.refSec;
        refNsec = f.refNsec;
        ring.ref(refSec, refNsec);
      }
      const src = columnOf(job.names ? (f.endpointName("src") ?? f.src) : f.src);
      const dst = columnOf(job.names ? (f.endpointName("dst") ?? f.dst) : f.dst);
      if (f.analyzer) {
        if (f.view === "first") {
          // Frames come in order: only a client bound since the last frame can have a new name.
          f.analyzer.names.drainBound(sendName);
        } else {
          // The final view (-2): names as of each frame, from the whole capture's bindings.
          const m = f.decoded.message;
          if (m) visitNamedClients(m, f.decoded.layout !== null, sendName);
        }
      }
      const marks = f.marks();
      if (marks !== "") ring.marks(marks);
      ring.frame(f.number, f.tsSec, f.tsNsec, src, dst, f.payload);
    },
  ).then(
    (r) => {
      ring.close();
      return { ok: true, shown: r.shown, passes: r.passes, stoppedEarly: r.stoppedEarly, counters: r.counters, packets: r.end.packets };
    },
    (e: unknown) => {
      ring.close();
      if (e instanceof CaptureFormatError) return { ok: false, damage: { message: e.message, offset: e.offset } };
      throw e;
    },
  );
}

run(workerData as SummaryJob).then(
  (end) => parentPort!.postMessage(end),
  (e: unknown) => parentPort!.postMessage({ ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies SummaryJobEnd),
);
