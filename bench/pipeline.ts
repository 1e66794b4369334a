/**
 * Reading and decoding a capture of N IMP datagrams to the summary line (issue: foundation):
 * datagrams/s and peak RSS, beside the raw reader (the ceiling) in the same run.
 */
import { closeSync, openSync, statSync } from "node:fs";
import { readCapture } from "../dissector/capture/index.js";
import { readImpDatagrams } from "../dissector/imp-frames.js";
import { summaryInfo, SummaryFormatter } from "../dissector/summary/summary-line.js";
import { FdSink } from "../dissector/read/sink.js";
import { fmtBytes, PeakRss, printRows, timeItAsync, type BenchRow } from "./report.js";

export async function benchPipeline(file: string): Promise<BenchRow[]> {
  const rawRss = new PeakRss();
  const raw = await timeItAsync(async () => (await readCapture(file, () => {})).packets);
  const rawPeak = rawRss.stop();

  const fd = openSync("/dev/null", "w");
  // The sink and line writer of `imp read`, writing 256 KiB blocks as to a pipe.
  const sink = new FdSink(fd);
  const rss = new PeakRss();
  const lines = new SummaryFormatter();
  let firstSec = -1;
  let firstNsec = 0;
  const full = await timeItAsync(async () => {
    const { counters } = await readImpDatagrams(file, (d) => {
      if (firstSec < 0) {
        firstSec = d.tsSec;
        firstNsec = d.tsNsec;
      }
      lines.writeLine(sink, d.frame, d.tsSec, d.tsNsec, firstSec, firstNsec, d.src, d.dst, d.decoded, summaryInfo(d.decoded));
    });
    sink.flush();
    return counters.imp;
  });
  const peak = rss.stop();
  closeSync(fd);
  const rawRate = raw.items / raw.seconds;
  const mb = statSync(file).size;
  return [
    { name: "baseline: capture reader only", rate: rawRate, unit: "packets", extra: `peak RSS ${fmtBytes(rawPeak)}` },
    {
      name: "read + decode + summary line",
      rate: full.items / full.seconds,
      unit: "datagrams",
      baseline: rawRate,
      baselineName: "reader",
      extra: `peak RSS ${fmtBytes(peak)} for a ${fmtBytes(mb)} file of ${full.items} datagrams`,
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { generateSessionCapture } = await import("./gen-capture.js");
  const n = Number(process.argv[2] ?? 1_000_000);
  const file = `/tmp/impkit-bench-${n}.pcap`;
  await generateSessionCapture(file, n);
  printRows(`pipeline (${n} datagrams)`, await benchPipeline(file));
}
