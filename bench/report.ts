/** Shared bits of the benchmarks: timing, peak RSS sampling and the printed table. */
export interface BenchRow {
  name: string;
  /** Items per second (datagrams, packets, cases...). */
  rate: number;
  unit: string;
  /** Rate of the baseline this row is compared with (same run). */
  baseline?: number;
  baselineName?: string;
  extra?: string;
}

export function timeIt(fn: () => number): { seconds: number; items: number } {
  const t0 = process.hrtime.bigint();
  const items = fn();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, items };
}

export async function timeItAsync(fn: () => Promise<number>): Promise<{ seconds: number; items: number }> {
  const t0 = process.hrtime.bigint();
  const items = await fn();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, items };
}

/** Samples RSS every few ms while running; returns the peak in bytes. */
export class PeakRss {
  private peak = process.memoryUsage.rss();
  private readonly timer = setInterval(() => this.sample(), 5);
  sample(): void {
    const r = process.memoryUsage.rss();
    if (r > this.peak) this.peak = r;
  }
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }
}

export function fmtRate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)} k`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(2)} k`;
  return n.toFixed(0);
}

export function fmtBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}

export function printRows(title: string, rows: BenchRow[]): void {
  console.log(`\n## ${title}`);
  for (const r of rows) {
    const ratio = r.baseline
      ? `  (${(r.rate / r.baseline).toFixed(2)}x ${r.baselineName ?? "baseline"} ${fmtRate(r.baseline)} ${r.unit}/s)`
      : "";
    console.log(`  ${r.name.padEnd(44)} ${fmtRate(r.rate).padStart(9)} ${r.unit}/s${ratio}${r.extra ? `  ${r.extra}` : ""}`);
  }
}
