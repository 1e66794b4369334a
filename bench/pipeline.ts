/**
 * Reading and decoding a capture of N IMP datagrams to the summary line (issue: foundation):
 * datagrams/s and peak RSS, beside the raw reader (the ceiling) in the same run.
 */
import { closeSync, openSync, statSync, writeSync } from "node:fs";
import { readCapture } from "../dissector/capture/index.js";
import { readImpDatagrams } from "../dissector/imp-frames.js";
import { relativeTime, summaryInfo, SummaryFormatter } from "../dissector/summary/summary-line.js";
import { fmtBytes, PeakRss, printRows, timeItAsync, type BenchRow } from "./report.js";

/** Collects text and writes it in 256 KiB blocks, as a CLI writing to a pipe would. */
class BlockSink {
  private readonly buf = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  constructor(private readonly fd: number) {}
  write(s: string): void {
    if (this.used + s.length * 3 > this.buf.length) this.flush();
    this.used += (this.buf as unknown as { utf8Write(s: string, o: number): number }).utf8Write(s, this.used);
  }
  flush(): void {
    if (this.used) writeSync(this.fd, this.buf, 0, this.used);
    this.used = 0;
  }
}

export async function benchPipeline(file: string): Promise<BenchRow[]> {
  const rawRss = new PeakRss();
  const raw = await timeItAsync(async () => (await readCapture(file, () => {})).packets);
  const rawPeak = rawRss.stop();

  const fd = openSync("/dev/null", "w");
  const sink = new BlockSink(fd);
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
      sink.write(lines.line(d.frame, relativeTime(d.tsSec, d.tsNsec, firstSec, firstNsec), d.src, d.dst, d.decoded, summaryInfo(d.decoded)));
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
