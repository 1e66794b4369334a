/**
 * The packet list: only the visible window of rows is rendered, into one box's content; the
 * index stays in the model. Columns No., Time, Source, Destination, Type, Info, and a gutter
 * with the expert mark (E error, W warning, N note).
 */
import blessed from "blessed";
import { relativeTime } from "../../../dissector/summary/summary-line.js";
import { FLAG_MALFORMED } from "../model/packet-index.js";
import type { TuiSession } from "../model/session.js";
import { rowStyle, SEVERITY_STYLE, styled } from "./palette.js";
import { esc, fit, right } from "./text.js";

const MARK = ["", "", "W", "E"]; // by SEVERITY_RANK: chat, note (shown as N below), warning, error
const SEV_NAME = ["chat", "note", "warning", "error"];

export class PacketListView {
  readonly box: blessed.Widgets.BoxElement;
  /** Displayed position of the first row in the window. */
  top = 0;

  constructor(parent: blessed.Widgets.Screen) {
    this.box = blessed.box({ parent, top: 1, left: 0, width: "100%", height: 10, tags: true, wrap: false });
  }

  /** Rows of packets the box shows (its height minus the header). */
  get rows(): number {
    return Math.max(1, (this.box.height as number) - 1);
  }

  /** Displayed position at screen line `y` inside the box (header excluded), or -1. */
  positionAt(y: number): number {
    const line = y - (this.box.atop as number) - 1;
    return line < 0 ? -1 : this.top + line;
  }

  render(s: TuiSession, focused: boolean): void {
    const width = this.box.width as number;
    const h = this.rows;
    const n = s.displayedCount();
    const sel = s.selectedPos();
    if (s.follow && s.pausedAt === null) this.top = Math.max(0, n - h);
    if (sel < this.top) this.top = sel;
    if (sel >= this.top + h) this.top = sel - h + 1;
    this.top = Math.max(0, Math.min(this.top, Math.max(0, n - h)));
    const cols = columns(width);
    const header = ` ${right("No.", cols.no)} ${fit("Time", cols.time)} ${fit("Source", cols.ep)} ${fit("Destination", cols.ep)} ${fit("Type", cols.type)} Info`;
    const lines = [`{${focused ? "blue-bg" : "gray-bg"}}{white-fg}{bold}${esc(fit(header, width))}{/}`];
    const ix = s.index;
    for (let pos = this.top; pos < Math.min(n, this.top + h); pos++) {
      const row = s.rowAt(pos);
      const d = s.decoder.get(row);
      const sev = s.rowSeverity(row);
      const mark = sev === 1 ? "N" : (MARK[sev] ?? "");
      const text =
        `${right(String(d.frame.number), cols.no)} ${fit(relativeTime(ix.sec(row), ix.nsec(row), ix.firstSec, ix.firstNsec), cols.time)} ` +
        `${fit(ix.src(row).toString(), cols.ep)} ${fit(ix.dst(row).toString(), cols.ep)} ${fit(d.type, cols.type)} ${d.frame.info()}`;
      const gutter = mark ? `{${SEVERITY_STYLE[SEV_NAME[sev]!]}-fg}{bold}${mark}{/}` : " ";
      const style = rowStyle(ix.type(row), (ix.flags(row) & FLAG_MALFORMED) !== 0);
      lines.push(gutter + styled(esc(fit(text, width - 1)), style, pos === sel ? "{inverse}" : ""));
    }
    if (n === 0) lines.push(s.progress().done ? "  (no packets to show)" : "  (reading…)");
    this.box.setContent(lines.join("\n"));
  }
}

function columns(width: number): { no: number; time: number; ep: number; type: number } {
  if (width >= 120) return { no: 7, time: 11, ep: 21, type: 12 };
  return { no: 6, time: 10, ep: 15, type: 10 };
}
