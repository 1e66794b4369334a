/**
 * The dissecting thread of a parallel summary read (see parallel-summary.ts): takes the IMP
 * datagrams the reading thread sends (datagram-ring.ts), runs the ordinary pipeline on them
 * (`dissect`: analysis, -Y, -c, -2), and sends back for each shown frame what its summary line
 * needs (line-ring.ts): timestamps, the columns, the payload, the names its Info shows and its
 * marks.
 */
import { parentPort } from "node:worker_threads";
import { compileFilter } from "../filter/index.js";
import { CaptureFormatError } from "../capture/errors.js";
import { visitNamedClients } from "../summary/info.js";
import type { Endpoint } from "../capture/endpoint.js";
import { ENDPOINT_LIMIT, RingDatagramSource } from "./datagram-ring.js";
import { LineRingWriter, TailIds, type LineRingEnd } from "./line-ring.js";
import { dissect } from "./pipeline.js";
import type { ReadFrame } from "./frame.js";
import type { SummaryJob } from "./parallel-summary.js";
import { SlotReader } from "./slot-ring.js";

/** Column ids of names (-N) come after those of endpoints (the endpoint ids of the datagrams). */
const NAME_COLUMNS = ENDPOINT_LIMIT;
const NAME_LIMIT = 65536;

async function run(job: SummaryJob, lines: LineRingWriter, datagrams: SlotReader): Promise<LineRingEnd> {
  const filter = job.filter === undefined ? null : compileFilter(job.filter);
  if (filter !== null && !filter.ok) throw new Error(`bad display filter reached the worker: ${job.filter}`);

  const tails = new TailIds();
  // Source/Destination columns: an endpoint's column is its endpoint id; its text is sent when
  // the id is first used, and again when the id stands for another endpoint (then every known
  // line tail is forgotten: the texts in them may have changed).
  const columnSent: (Endpoint | undefined)[] = [];
  const endpointColumn = (id: number, e: Endpoint): number => {
    const sent = columnSent[id];
    if (sent !== e) {
      if (sent !== undefined) tails.forget();
      columnSent[id] = e;
      lines.column(id, String(e));
    }
    return id;
  };
  const nameColumns = new Map<string, number>();
  const nameColumn = (name: string): number => {
    let id = nameColumns.get(name);
    if (id === undefined) {
      if (nameColumns.size >= NAME_LIMIT) {
        nameColumns.clear();
        tails.forget();
      }
      id = NAME_COLUMNS + nameColumns.size;
      nameColumns.set(name, id);
      lines.column(id, name);
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
      lines.name(id, name);
      tails.forget();
    }
  };
  let polls = 0;
  let refSec = Number.NaN;
  let refNsec = 0;

  let source = new RingDatagramSource(datagrams, job.description);
  const r = await dissect(
    source,
    {
      recognition: job.recognition,
      analysis: job.analysis,
      filter: filter?.filter ?? null,
      ...(job.count !== undefined ? { count: job.count } : {}),
      twoPass: job.twoPass,
      reopen: () => (source = source.next()),
      // Asked after every shown frame: the shared flag is read every 256th.
      stopWhen: () => (++polls & 255) === 0 && lines.stopRequested,
    },
    (f) => {
      frame = f;
      if (f.refSec !== refSec || f.refNsec !== refNsec) {
        refSec = f.refSec;
        refNsec = f.refNsec;
        lines.ref(refSec, refNsec);
      }
      let src: number;
      let dst: number;
      if (job.names) {
        // -N: a name when known, else the address.
        const srcName = f.endpointName("src");
        const dstName = f.endpointName("dst");
        src = srcName === undefined ? endpointColumn(source.currentSrc, f.src) : nameColumn(srcName);
        dst = dstName === undefined ? endpointColumn(source.currentDst, f.dst) : nameColumn(dstName);
      } else {
        src = endpointColumn(source.currentSrc, f.src);
        dst = endpointColumn(source.currentDst, f.dst);
      }
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
      const id = source.currentId;
      if (marks !== "") {
        lines.marks(marks);
        lines.frame(f.number, f.tsSec, f.tsNsec, src, dst, id, -1, false, f.payload);
      } else if (id >= 0) {
        // A remembered datagram: its line after the time is known to the formatter by number.
        const tail = tails.of(src, dst, id);
        lines.frame(f.number, f.tsSec, f.tsNsec, src, dst, id, tail, tails.fresh, f.payload);
      } else lines.frame(f.number, f.tsSec, f.tsNsec, src, dst, id, -1, false, f.payload);
    },
  );
  return { ok: true, shown: r.shown, passes: r.passes, stoppedEarly: r.stoppedEarly, waitedMs: datagrams.waitedMs };
}

// The job is the first message (the thread may be started before the job is known).
const job = (await new Promise((resolve) => parentPort!.once("message", resolve))) as SummaryJob;
parentPort!.close();
const lines = new LineRingWriter(job.lineRing, job.lineLayout);
const datagrams = new SlotReader(job.datagramRing, job.datagramLayout);
await run(job, lines, datagrams)
  .catch((e: unknown): LineRingEnd => {
    if (e instanceof CaptureFormatError) return { ok: false, damage: { message: e.message, offset: e.offset } };
    // Tell the reading thread (it may be waiting for room to send more) that nothing more is taken.
    datagrams.requestStop();
    return { ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  })
  .then((end) => {
    // How it ended goes at the end of the lines (unless their reader went away).
    if (!lines.stopRequested) lines.close(end);
  });
