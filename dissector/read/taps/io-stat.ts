/**
 * `-z io,stat,INTERVAL`: frames and bytes (on the wire) of every packet per interval of capture
 * time, as tshark 4 prints its one-column table. An interval of 0, or longer than the capture,
 * is the whole capture. The last interval ends at the capture's end; with a whole-second
 * interval its end reads "Dur".
 *
 * Bounded: at most MAX_INTERVALS intervals are counted; packets past them are counted on a
 * last line instead.
 */
import type { CapturePacket } from "../../capture/packet.js";
import type { Tap } from "./tap.js";

/** Intervals counted at most (a millisecond interval over 16 minutes). */
export const MAX_INTERVALS = 1_000_000;

export class IoStatTap implements Tap {
  /** Microseconds; 0 for the whole capture. */
  private readonly interval: number;
  /** Decimals of the interval as given (at most 6). */
  private readonly precision: number;
  private refSec = -1;
  private refNsec = 0;
  /** Microseconds from the first packet to the last. */
  private duration = 0;
  private readonly frames: number[] = [];
  private readonly bytes: number[] = [];
  private beyond = 0;

  /** `interval`: seconds as text ("1", "0.5"), as tshark takes them. */
  constructor(
    interval: string,
    /** Intervals counted at most (tests make it small). */
    private readonly maxIntervals = MAX_INTERVALS,
  ) {
    const [whole = "0", decimals = ""] = interval.split(".");
    this.precision = Math.min(6, decimals.length);
    this.interval = Number(whole || "0") * 1_000_000 + Number((decimals.slice(0, 6) || "0").padEnd(6, "0"));
  }

  packet(p: CapturePacket): void {
    if (this.refSec < 0) {
      this.refSec = p.tsSec;
      this.refNsec = p.tsNsec;
    }
    const us = (p.tsSec - this.refSec) * 1_000_000 + Math.round((p.tsNsec - this.refNsec) / 1000);
    if (us > this.duration) this.duration = us;
    const slot = this.interval > 0 ? Math.floor(Math.max(0, us) / this.interval) : 0;
    if (slot >= this.maxIntervals) {
      this.beyond++;
      return;
    }
    while (this.frames.length <= slot) {
      this.frames.push(0);
      this.bytes.push(0);
    }
    this.frames[slot]! += 1;
    this.bytes[slot]! += p.originalLength;
  }

  render(): string {
    const duration = this.duration;
    const whole = this.interval === 0 || this.interval > duration;
    // The whole capture in one row: its precision goes by the duration's magnitude, as tshark's.
    const durDigits = String(Math.floor(duration / 1_000_000)).length;
    const precision = whole ? (durDigits >= 2 ? 1 : durDigits === 1 && duration >= 1_000_000 ? 3 : 6) : this.precision;
    const interval = whole ? duration : this.interval;
    const seconds = (us: number) => (precision === 0 ? String(Math.floor(us / 1_000_000)) : (us / 1_000_000).toFixed(precision));
    const rows = whole ? 1 : Math.min(this.maxIntervals, Math.floor(duration / interval) + (duration % interval > 0 ? 1 : 0) || 1);
    if (whole) {
      for (let i = 1; i < this.frames.length; i++) {
        this.frames[0]! += this.frames[i]!;
        this.bytes[0]! += this.bytes[i]!;
      }
    }
    const labels: string[] = [];
    for (let i = 0; i < rows; i++) {
      const last = i === rows - 1;
      const end = last ? (precision === 0 && !whole ? "Dur" : seconds(duration)) : seconds((i + 1) * interval);
      labels.push(`${seconds(i * interval)} <> ${end}`);
    }
    const labelWidth = Math.max(8, ...labels.map((l) => l.length));
    const framesWidth = Math.max(6, ...this.frames.map((n) => String(n).length));
    const bytesWidth = Math.max(5, ...this.bytes.map((n) => String(n).length));
    const tableWidth = labelWidth + framesWidth + bytesWidth + 10;
    const width = Math.max(tableWidth, 29);
    const line = (text: string) => `| ${text.padEnd(width - 4)} |\n`;
    const rule = `|${"-".repeat(width - 2)}|\n`;
    let out = `\n${"=".repeat(width)}\n${line("IO Statistics")}${line("")}`;
    out += line(`Duration: ${precision === 0 ? (duration / 1_000_000).toFixed(6) : seconds(duration)} secs`);
    out += line(`Interval: ${seconds(interval)} secs`);
    out += `${line("")}${line("Col 1: Frames and bytes")}${rule}`;
    const filler = width > tableWidth ? `${" ".repeat(width - tableWidth - 1)}|` : "";
    out += `| ${"".padEnd(labelWidth)} |${"1".padEnd(framesWidth + bytesWidth + 5)}|${filler}\n`;
    out += `| ${"Interval".padEnd(labelWidth)} | ${center("Frames", framesWidth)} | ${center("Bytes", bytesWidth)} |${filler}\n`;
    out += rule;
    for (let i = 0; i < rows; i++) {
      const f = String(this.frames[i] ?? 0).padStart(framesWidth);
      const b = String(this.bytes[i] ?? 0).padStart(bytesWidth);
      out += `| ${labels[i]!.padEnd(labelWidth)} | ${f} | ${b} |${filler}\n`;
    }
    if (this.beyond > 0) out += `(${this.beyond} frames past the first ${this.maxIntervals} intervals not counted)\n`;
    return `${out}${"=".repeat(width)}\n`;
  }
}

function center(text: string, width: number): string {
  const left = Math.floor((width - text.length) / 2);
  return (" ".repeat(Math.max(0, left)) + text).padEnd(width);
}
