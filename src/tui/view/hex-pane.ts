/**
 * The bytes of the selected datagram, 16 a line with their ASCII, the selected field's bytes
 * highlighted; with the pane focused a byte cursor selects the field that covers it.
 */
import blessed from "blessed";
import { esc, fit } from "./text.js";

export const HIGHLIGHT = "{yellow-bg}{black-fg}";

export class HexPane {
  readonly box: blessed.Widgets.BoxElement;
  cursor = 0;
  private top = 0;

  constructor(parent: blessed.Widgets.Screen) {
    this.box = blessed.box({ parent, left: 0, width: "100%", height: 6, tags: true, wrap: false });
  }

  get rows(): number {
    return Math.max(1, (this.box.height as number) - 1);
  }

  /** Byte under a mouse click, or -1. */
  byteAt(x: number, y: number, length: number): number {
    const line = this.top + y - (this.box.atop as number) - 1;
    const col = x - (this.box.aleft as number) - 6;
    if (line < 0 || col < 0) return -1;
    const group = col >= 25 ? col - 1 : col;
    const i = Math.floor(group / 3);
    const b = line * 16 + i;
    return i < 16 && b < length ? b : -1;
  }

  render(bytes: Uint8Array | null, hl: { offset: number; length: number } | null, focused: boolean, title: string): void {
    const width = this.box.width as number;
    const out = [`{${focused ? "blue-bg" : "gray-bg"}}{white-fg}{bold}${esc(fit(` ${title}`, width))}{/}`];
    if (!bytes) {
      this.box.setContent(out.join("\n"));
      return;
    }
    this.cursor = Math.max(0, Math.min(this.cursor, bytes.length - 1));
    const lines = Math.ceil(bytes.length / 16);
    const h = this.rows;
    const want = focused ? Math.floor(this.cursor / 16) : hl && hl.length > 0 ? Math.floor(hl.offset / 16) : this.top;
    if (want < this.top) this.top = want;
    if (want >= this.top + h) this.top = want - h + 1;
    this.top = Math.max(0, Math.min(this.top, Math.max(0, lines - h)));
    const inHl = (i: number) => hl !== null && i >= hl.offset && i < hl.offset + hl.length;
    for (let line = this.top; line < Math.min(lines, this.top + h); line++) {
      let hex = "";
      let ascii = "";
      for (let k = 0; k < 16; k++) {
        const i = line * 16 + k;
        const sep = k === 8 ? "  " : k === 0 ? "" : " ";
        if (i >= bytes.length) {
          hex += `${sep}  `;
          continue;
        }
        const b = bytes[i]!;
        const h2 = b.toString(16).padStart(2, "0");
        const ch = b >= 0x20 && b < 0x7f ? esc(String.fromCharCode(b)) : ".";
        const cur = focused && i === this.cursor ? "{underline}{bold}" : "";
        const on = inHl(i) ? HIGHLIGHT : "";
        hex += on || cur ? `${sep}${on}${cur}${h2}{/}` : `${sep}${h2}`;
        ascii += on || cur ? `${on}${cur}${ch}{/}` : ch;
      }
      out.push(`${(line * 16).toString(16).padStart(4, "0")}  ${hex}   ${ascii}`);
    }
    this.box.setContent(out.join("\n"));
  }
}
