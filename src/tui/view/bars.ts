/**
 * The top line (display filter bar, and the other prompts: find, go to frame, save) and the
 * status line at the bottom (displayed/total, indexing and filtering progress, live state).
 */
import blessed from "blessed";
import type { LineEditor } from "../model/line-editor.js";
import type { TuiSession } from "../model/session.js";
import { esc, fit } from "./text.js";

export type PromptKind = "filter" | "find" | "goto" | "save" | "quit";

export const PROMPT_LABEL: Readonly<Record<PromptKind, string>> = {
  filter: "Filter: ",
  find: "Find: ",
  goto: "Go to frame: ",
  save: "Save as pcapng: ",
  quit: "",
};

export class TopBar {
  readonly box: blessed.Widgets.BoxElement;
  constructor(parent: blessed.Widgets.Screen) {
    this.box = blessed.box({ parent, top: 0, left: 0, width: "100%", height: 1, tags: true });
  }

  /** Not editing: the applied filter. */
  renderIdle(s: TuiSession): void {
    const width = this.box.width as number;
    const f = s.filter.text;
    const text = f ? `Filter: ${f}` : "Filter: (none, / to edit)";
    this.box.setContent(`{black-fg}{white-bg}${esc(fit(text, width))}{/}`);
  }

  /** Editing: the prompt, the text with its cursor; green when valid, red with the error when not. */
  renderEdit(kind: PromptKind, ed: LineEditor, valid: boolean | null, error: string): void {
    const width = this.box.width as number;
    const bg = valid === null ? "{white-bg}{black-fg}" : valid ? "{green-bg}{black-fg}" : "{red-bg}{white-fg}";
    const label = PROMPT_LABEL[kind];
    const before = ed.text.slice(0, ed.cursor);
    const at = ed.text.charAt(ed.cursor) || " ";
    const after = ed.text.slice(ed.cursor + 1);
    const tail = error ? `   ✗ ${error}` : "";
    const plainLen = label.length + ed.text.length + 1 + tail.length;
    const pad = " ".repeat(Math.max(0, width - plainLen));
    this.box.setContent(`${bg}${esc(label + before)}{inverse}${esc(at)}{/inverse}${esc(after)}${esc(tail)}${pad}{/}`);
  }
}

export class StatusLine {
  readonly box: blessed.Widgets.BoxElement;
  message = "";
  constructor(parent: blessed.Widgets.Screen) {
    this.box = blessed.box({ parent, bottom: 0, left: 0, width: "100%", height: 1, tags: true });
  }

  render(s: TuiSession): void {
    const width = this.box.width as number;
    const p = s.progress();
    const parts: string[] = [];
    parts.push(`Displayed: ${s.displayedCount()} / Total: ${p.rows}`);
    if (!p.done) {
      if (p.totalBytes > 0) {
        const frac = Math.min(1, p.bytes / p.totalBytes);
        const w = 20;
        const fill = Math.round(frac * w);
        parts.push(`Indexing [${"#".repeat(fill)}${"-".repeat(w - fill)}] ${Math.floor(frac * 100)}%`);
      } else if (s.live) parts.push(s.pausedAt === null ? "LIVE" : "LIVE, PAUSED");
      else parts.push("Reading…");
    } else {
      parts.push(s.live ? "capture stopped" : "indexed");
    }
    if (s.pausedAt !== null && !s.live) parts.push("PAUSED");
    if (s.filter.busy) {
      const fp = s.filterProgress;
      parts.push(`Filtering ${fp.total ? Math.floor((100 * fp.scanned) / fp.total) : 0}%`);
    }
    if (this.message) parts.push(this.message);
    const left = ` ${parts.join(" | ")}`;
    const rightText = `${s.description}  ? help `;
    const space = Math.max(1, width - left.length - rightText.length);
    const line = left.length + rightText.length + 1 > width ? fit(left, width) : left + " ".repeat(space) + rightText;
    this.box.setContent(`{white-fg}{blue-bg}${esc(fit(line, width))}{/}`);
  }
}
