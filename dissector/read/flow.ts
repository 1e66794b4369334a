/**
 * `imp flow`: a text ladder diagram, as Wireshark's Flow Graph or `tshark -z flow,any,network`,
 * with one column per endpoint named by username ("server", "alice", "bob") and one row per
 * message: frame number, time, an arrow from the sender's column to the receiver's with the
 * short type on it, and the Info text on the right when the width leaves room.
 *
 * The columns must be known before the first row, so a flow reads the capture twice: the first
 * pass finds the endpoints (and names them), the second writes rows (FlowLayout.row).
 */
import { MSG } from "../../src/protocol/messages.js";
import { typeColumn } from "../summary/summary-line.js";
import type { ReadFrame } from "./frame.js";

export interface FlowEndpoint {
  /** "ip:port" */
  address: string;
  /** "server", a username, or the address when no name is known. */
  name: string;
}

export interface FlowOptions {
  /** Total width to aim for (columns); the ladder never gets narrower than MIN_COLUMN a column. */
  width?: number;
  /** Show the Info text right of the ladder when it fits (default true). */
  info?: boolean;
  /**
   * Seconds since the first packet of the last row (or more): the Time column is as wide as its
   * text, so that the ladder stays in place from the first row to the last (default: under 100 s).
   */
  lastTime?: number;
}

const MIN_COLUMN = 12;
const MAX_COLUMN = 28;
/** Width of the Time column without `lastTime`: "10.000000" (up to 99.999999 s). */
const DEFAULT_TIME_WIDTH = 9;

/** Characters of a relative time as rows show it (6 decimals): "9.000000" is 8, "10.000000" is 9. */
export function timeWidth(seconds: number): number {
  // Rounded to the microsecond as the row shows it (9.9999996 s is "10.000000").
  return Math.max(8, String(Math.floor(Math.max(0, seconds) + 5e-7)).length + 7);
}

/** Cuts text to `n` characters, with an ellipsis when cut. */
export function elide(text: string, n: number): string {
  if (n <= 0) return "";
  if (text.length <= n) return text;
  return n === 1 ? "…" : `${text.slice(0, n - 1)}…`;
}

function center(text: string, width: number): string {
  const t = elide(text, width);
  const left = Math.floor((width - t.length) / 2);
  return " ".repeat(left) + t + " ".repeat(width - t.length - left);
}

/** Short label of a message on its arrow: type column plus a mark for retransmissions. */
export function flowLabel(f: ReadFrame): string {
  let label = typeColumn(f.decoded);
  const m = f.decoded.message;
  if (m && !m.ack && m.type === MSG.data && m.data !== undefined) label += ` "${m.data}"`;
  for (const x of f.analysis().fields) {
    if (x.name === "imp.analysis.retransmission" || x.name === "imp.analysis.spurious_retransmission") label = `[retx] ${label}`;
  }
  return label;
}

export class FlowLayout {
  readonly column: number;
  /** Width of the Time column, the same on every row. */
  readonly timeWidth: number;
  /** Width before the first column: "     1  0.000000  " (number, time, two spaces each). */
  private readonly prefix: number;
  private readonly index = new Map<string, number>();
  private readonly ladderWidth: number;
  private readonly infoWidth: number;
  private readonly blank: string;

  /** The endpoints with a column (the last may be "(others)", standing for those that did not fit). */
  readonly endpoints: readonly FlowEndpoint[];
  /** Column of the endpoints that did not fit, or -1. */
  private readonly others: number;

  constructor(all: readonly FlowEndpoint[], options: FlowOptions = {}) {
    const width = options.width ?? 160;
    this.timeWidth = options.lastTime === undefined ? DEFAULT_TIME_WIDTH : timeWidth(options.lastTime);
    this.prefix = 6 + 2 + this.timeWidth + 2;
    const prefix = this.prefix;
    // Wide captures: as many columns as fit at MIN_COLUMN; the rest share one "(others)" column.
    const fit = Math.max(2, Math.floor((width - prefix) / MIN_COLUMN));
    if (all.length > fit) {
      this.endpoints = [...all.slice(0, fit - 1), { address: "", name: `(${all.length - fit + 1} others)` }];
      this.others = fit - 1;
    } else {
      this.endpoints = all;
      this.others = -1;
    }
    const endpoints = this.endpoints;
    const n = Math.max(1, endpoints.length);
    // Leave the right third to the Info text when there is room for a decent ladder.
    const share = options.info === false ? width - prefix : Math.floor(((width - prefix) * 2) / 3);
    this.column = Math.max(MIN_COLUMN, Math.min(MAX_COLUMN, Math.floor(share / n)));
    this.ladderWidth = this.column * n;
    const rest = width - prefix - this.ladderWidth - 2;
    this.infoWidth = options.info === false || rest < 16 ? 0 : rest;
    endpoints.forEach((e, i) => {
      if (i !== this.others) this.index.set(e.address, i);
    });
    const chars: string[] = new Array(this.ladderWidth).fill(" ");
    for (let i = 0; i < n; i++) chars[this.center(i)] = "|";
    this.blank = chars.join("");
  }

  private column_(address: string): number | undefined {
    return this.index.get(address) ?? (this.others >= 0 ? this.others : undefined);
  }

  private center(i: number): number {
    return i * this.column + Math.floor(this.column / 2);
  }

  /** Two header lines: names, then addresses, each centred on its column. */
  header(): string {
    const pad = " ".repeat(this.prefix);
    const names = this.endpoints.map((e) => center(e.name, this.column - 1) + " ").join("");
    const addrs = this.endpoints.map((e) => center(e.name === e.address ? "" : e.address, this.column - 1) + " ").join("");
    const title = `${"No.".padStart(6)}  ${"Time".padEnd(this.timeWidth)}  `;
    return `${(title + names).trimEnd()}\n${(pad + addrs).trimEnd()}\n`;
  }

  /** One row: the arrow of this frame from its sender's column to its receiver's. */
  row(f: ReadFrame): string {
    const s = this.column_(f.src.toString());
    const d = this.column_(f.dst.toString());
    const chars = this.blank.split("");
    if (s !== undefined && d !== undefined && s !== d) {
      const cs = this.center(s);
      const cd = this.center(d);
      const lo = Math.min(cs, cd);
      const hi = Math.max(cs, cd);
      for (let i = lo + 1; i < hi; i++) chars[i] = "-";
      if (cs < cd) chars[hi - 1] = ">";
      else chars[lo + 1] = "<";
      const span = hi - lo - 3;
      const label = elide(` ${flowLabel(f)} `, span);
      if (label.length > 0) {
        const start = lo + 2 + Math.floor((span - label.length) / 2);
        for (let i = 0; i < label.length; i++) chars[start + i] = label[i]!;
      }
    }
    let line = `${String(f.number).padStart(6)}  ${f.timeText().padStart(this.timeWidth)}  ${chars.join("")}`;
    if (this.infoWidth > 0) line += `  ${elide(f.info(), this.infoWidth)}`;
    return `${line.trimEnd()}\n`;
  }
}
