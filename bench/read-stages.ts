/**
 * Where the time of `imp read` goes, stage by stage, in this process (CPU seconds: steadier than
 * wall time on a shared machine): the capture's records alone; + IP/UDP, recognition and decode
 * (readImpDatagrams); + the conversation analysis (dissect); + the Info column (frame.info());
 * + the summary lines written to a discarding sink (runRead). Each row is a whole read, so the
 * cost of a stage is the difference between its row and the row above.
 *
 * Usage: `npm run build && node dist/bench/read.js N --stages`, or `benchReadStages(file)`.
 */
import { readCapture } from "../dissector/capture/index.js";
import { readImpDatagrams } from "../dissector/imp-frames.js";
import { dissect } from "../dissector/read/pipeline.js";
import { runRead } from "../dissector/read/read.js";
import { DiscardSink } from "../dissector/read/sink.js";
import { fileSource } from "../dissector/source.js";
import { fmtRate } from "./report.js";

export interface StageRow {
  name: string;
  cpuSeconds: number;
  /** CPU seconds of this row minus the row above (the stage's own cost). */
  stageSeconds: number;
}

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const c0 = cpu();
  await fn();
  return cpu() - c0;
}

/** Runs every stage on `file` (a warm-up read first, so that every row runs compiled code). */
export async function benchReadStages(file: string, packets: number): Promise<StageRow[]> {
  await readImpDatagrams(file, () => {});
  const stages: [string, () => Promise<unknown>][] = [
    ["records (pcap reader)", () => readCapture(file, () => {})],
    ["+ IP/UDP, recognition, decode", () => readImpDatagrams(file, () => {})],
    ["+ analysis", () => dissect(fileSource(file), {}, () => {})],
    [
      "+ Info column",
      () =>
        dissect(fileSource(file), {}, (f) => {
          f.info();
        }),
    ],
    ["+ summary lines (runRead)", () => runRead(fileSource(file), { format: "summary" }, new DiscardSink())],
  ];
  const rows: StageRow[] = [];
  let before = 0;
  for (const [name, fn] of stages) {
    const s = await timed(fn);
    rows.push({ name, cpuSeconds: s, stageSeconds: s - before });
    before = s;
  }
  console.log(`\n## imp read by stage, in process (${packets} packets, ${file})`);
  for (const r of rows) {
    console.log(
      `  ${r.name.padEnd(34)} ${r.cpuSeconds.toFixed(2).padStart(6)} CPU-s  ${fmtRate(packets / r.cpuSeconds).padStart(9)} packets/CPU-s  stage ${r.stageSeconds.toFixed(2).padStart(5)} s (${((100 * r.stageSeconds) / rows.at(-1)!.cpuSeconds).toFixed(0)}%)`,
    );
  }
  return rows;
}
