/**
 * `-z expert[,LEVEL]`: the expert items of every IMP datagram (the decoder's, the analysis's, and
 * the reassembly's), grouped by severity (Errors, Warns, Notes, Chats), one row per distinct
 * summary text with its count, as tshark 4 prints them. LEVEL keeps that severity and those
 * above it.
 *
 * Bounded: at most MAX_ITEMS distinct rows; items with a text not seen before once the table is
 * full are counted on a last line.
 */
import type { Severity } from "../../../src/protocol/problems.js";
import type { ReadFrame } from "../frame.js";
import type { Tap } from "./tap.js";

/** Distinct (severity, group, text) rows kept at most. */
export const MAX_ITEMS = 10_000;

const LEVELS: readonly { severity: Severity; title: string; level: string }[] = [
  { severity: "error", title: "Errors", level: "error" },
  { severity: "warning", title: "Warns", level: "warn" },
  { severity: "note", title: "Notes", level: "note" },
  { severity: "chat", title: "Chats", level: "chat" },
];

/** Wireshark's expert group of each impkit category. */
const GROUPS: Readonly<Record<string, string>> = {
  malformed: "Malformed",
  protocol: "Protocol",
  sequence: "Sequence",
  response: "Response",
  reassemble: "Reassemble",
};

export interface ExpertItemLike {
  category: string;
  severity: Severity;
  text: string;
}

interface Row {
  group: string;
  text: string;
  count: number;
}

export class ExpertTap implements Tap {
  private readonly rows = new Map<Severity, Map<string, Row>>();
  private size = 0;
  private unlisted = 0;
  private readonly shown: ReadonlySet<Severity>;

  /** `lowest`: the lowest level shown (tshark's -z expert,warn shows errors and warnings). */
  constructor(
    lowest: "error" | "warn" | "note" | "chat" = "chat",
    /** Distinct rows kept at most (tests make it small). */
    private readonly maxItems = MAX_ITEMS,
  ) {
    const upTo = LEVELS.findIndex((l) => l.level === lowest);
    this.shown = new Set(LEVELS.slice(0, upTo + 1).map((l) => l.severity));
  }

  frame(f: ReadFrame): void {
    for (const p of f.decoded.problems) this.item(p);
    if (f.analyzer) for (const e of f.analysis().experts) this.item(e);
  }

  /** One expert item (also those of datagrams that never reached the pipeline whole). */
  item(e: ExpertItemLike): void {
    if (!this.shown.has(e.severity)) return;
    let bySeverity = this.rows.get(e.severity);
    if (bySeverity === undefined) {
      bySeverity = new Map();
      this.rows.set(e.severity, bySeverity);
    }
    const group = GROUPS[e.category] ?? "Protocol";
    const key = `${group}\u0000${e.text}`;
    const row = bySeverity.get(key);
    if (row) {
      row.count++;
      return;
    }
    if (this.size >= this.maxItems) {
      this.unlisted++;
      return;
    }
    this.size++;
    bySeverity.set(key, { group, text: e.text, count: 1 });
  }

  render(): string {
    let out = "";
    for (const level of LEVELS) {
      const rows = this.rows.get(level.severity);
      if (!rows || rows.size === 0) continue;
      let total = 0;
      for (const r of rows.values()) total += r.count;
      out += `\n${level.title} (${total})\n=============\n   Frequency      Group           Protocol  Summary\n`;
      for (const r of rows.values()) out += `${String(r.count).padStart(12)} ${r.group.padStart(10)} ${"IMP".padStart(18)}  ${r.text}\n`;
    }
    if (this.unlisted > 0) out += `(${this.unlisted} more items past ${this.maxItems} distinct texts not listed)\n`;
    return out;
  }
}
