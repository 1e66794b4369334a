/**
 * A full-screen overlay over the panes for one view (help, expert info, flow, chat,
 * statistics): lines made on demand, a cursor, Enter runs the view's action.
 */
import blessed from "blessed";
import type { LineStyle, ViewSource } from "../model/views.js";
import { SEVERITY_STYLE } from "./palette.js";
import { esc, fit } from "./text.js";

const STYLE: Readonly<Record<LineStyle, string>> = {
  header: "{bold}{white-fg}",
  dim: "{gray-fg}",
  data: "{white-fg}",
  error: `{${SEVERITY_STYLE.error}-fg}`,
  warning: `{${SEVERITY_STYLE.warning}-fg}`,
  note: `{${SEVERITY_STYLE.note}-fg}`,
  chat: `{${SEVERITY_STYLE.chat}-fg}`,
};

export class Overlay {
  readonly box: blessed.Widgets.BoxElement;
  source: ViewSource | null = null;
  name = "";
  cursor = 0;
  private top = 0;

  constructor(parent: blessed.Widgets.Screen) {
    this.box = blessed.box({
      parent,
      top: 1,
      left: 0,
      width: "100%",
      height: "100%-2",
      tags: true,
      wrap: false,
      hidden: true,
      // A coloured frame, not line drawing: line characters go through the terminal's alternate
      // character set, which tmux and screen show as letters under some TERM values.
      border: { type: "bg", ch: " " },
      style: { border: { bg: "cyan" } },
    });
  }

  get visible(): boolean {
    return this.source !== null;
  }

  get rows(): number {
    return Math.max(1, (this.box.height as number) - 2);
  }

  open(name: string, source: ViewSource, cursor = 0): void {
    this.name = name;
    this.source = source;
    this.cursor = cursor;
    this.top = 0;
    this.box.show();
    this.box.setFront();
  }

  close(): void {
    this.source = null;
    this.name = "";
    this.box.hide();
  }

  move(delta: number): void {
    if (!this.source) return;
    this.cursor = Math.max(0, Math.min(this.source.count() - 1, this.cursor + delta));
  }

  /** Line index at a screen row, or -1. */
  lineAt(y: number): number {
    const i = this.top + y - (this.box.atop as number) - 1;
    return this.source && i >= 0 && i < this.source.count() ? i : -1;
  }

  /** Frame of the line under the cursor, if it has one. */
  frame(): number | undefined {
    return this.source?.line(this.cursor, this.width()).frame;
  }

  private width(): number {
    return Math.max(10, (this.box.width as number) - 2);
  }

  render(): void {
    const s = this.source;
    if (!s) return;
    const width = this.width();
    const h = this.rows;
    const n = s.count();
    if (this.cursor < this.top) this.top = this.cursor;
    if (this.cursor >= this.top + h) this.top = this.cursor - h + 1;
    this.top = Math.max(0, Math.min(this.top, Math.max(0, n - h)));
    const out: string[] = [];
    for (let i = this.top; i < Math.min(n, this.top + h); i++) {
      const l = s.line(i, width);
      const cur = i === this.cursor ? "{inverse}" : "";
      out.push(`${l.style ? STYLE[l.style] : ""}${cur}${esc(fit(l.text, width))}{/}`);
    }
    this.box.setLabel(` ${s.title}  (Esc/q close) `);
    this.box.setContent(out.join("\n"));
  }
}
