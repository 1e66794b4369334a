/**
 * A one-line editor with history and field-name completion: the state behind the filter bar
 * and the other prompts (no terminal code here).
 */
import { DEFAULT_REGISTRY } from "../../../dissector/filter/index.js";

export class LineEditor {
  text = "";
  cursor = 0;
  private histPos = -1;
  private draft = "";

  constructor(private readonly history: readonly string[] = []) {}

  set(text: string): void {
    this.text = text;
    this.cursor = text.length;
    this.histPos = -1;
  }

  insert(s: string): void {
    this.text = this.text.slice(0, this.cursor) + s + this.text.slice(this.cursor);
    this.cursor += s.length;
  }

  backspace(): void {
    if (this.cursor === 0) return;
    this.text = this.text.slice(0, this.cursor - 1) + this.text.slice(this.cursor);
    this.cursor--;
  }

  del(): void {
    this.text = this.text.slice(0, this.cursor) + this.text.slice(this.cursor + 1);
  }

  left(): void {
    this.cursor = Math.max(0, this.cursor - 1);
  }

  right(): void {
    this.cursor = Math.min(this.text.length, this.cursor + 1);
  }

  home(): void {
    this.cursor = 0;
  }

  end(): void {
    this.cursor = this.text.length;
  }

  /** Ctrl-U: clears the line. */
  clear(): void {
    this.set("");
  }

  /** Ctrl-W: deletes the word before the cursor. */
  deleteWord(): void {
    const before = this.text.slice(0, this.cursor).replace(/\S*\s*$/, "");
    this.text = before + this.text.slice(this.cursor);
    this.cursor = before.length;
  }

  /** Up (-1, older) and down (+1, newer) through the history. */
  historyStep(dir: -1 | 1): void {
    const h = this.history;
    if (h.length === 0) return;
    if (this.histPos === -1) {
      if (dir === 1) return;
      this.draft = this.text;
      this.histPos = h.length - 1;
    } else {
      this.histPos += dir;
    }
    if (this.histPos >= h.length) {
      this.histPos = -1;
      this.text = this.draft;
    } else {
      this.histPos = Math.max(0, this.histPos);
      this.text = h[this.histPos]!;
    }
    this.cursor = this.text.length;
  }

  /**
   * Tab: completes the field name before the cursor; returns the candidates when more than one
   * remains (after completing their common prefix).
   */
  complete(): string[] {
    const before = this.text.slice(0, this.cursor);
    const m = /[A-Za-z_][\w.]*$/.exec(before);
    if (!m) return [];
    const names = DEFAULT_REGISTRY.complete(m[0]);
    if (names.length === 0) return [];
    let common = names[0]!;
    for (const n of names) while (!n.startsWith(common)) common = common.slice(0, -1);
    this.insert(common.slice(m[0].length));
    return names.length > 1 ? names : [];
  }
}
