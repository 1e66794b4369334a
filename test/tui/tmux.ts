/**
 * Drives the real `imp tui` under tmux: a private tmux server per test (its own socket), keys
 * with send-keys, the screen with capture-pane (with -e: colours and attributes as SGR codes).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
let counter = 0;

export function hasTmux(): boolean {
  return spawnSync("tmux", ["-V"]).status === 0;
}

export class TmuxTui {
  readonly socket = `impkit-test-${process.pid}-${++counter}`;
  readonly session = "tui";

  /** Starts `cmd` (a shell command run from the repository root) in a W x H window. */
  constructor(cmd: string, width = 160, height = 48) {
    // After the TUI exits the pane shows its exit status and stays, so tests can look at it.
    const shell = `cd ${JSON.stringify(ROOT)} && ${cmd}; echo EXITED $?; sleep 600`;
    this.tmux(["new-session", "-d", "-x", String(width), "-y", String(height), "-s", this.session, shell]);
  }

  /** The command line of the TUI itself. */
  static imp(args: string): string {
    return `node --import tsx src/cli/main.ts tui ${args}`;
  }

  tmux(args: string[]): string {
    return execFileSync("tmux", ["-L", this.socket, "-f", "/dev/null", ...args], { encoding: "utf8" });
  }

  /** The screen as text (escapes: with SGR codes). */
  screen(escapes = false): string {
    return this.tmux(["capture-pane", "-p", ...(escapes ? ["-e"] : []), "-t", this.session]);
  }

  lines(escapes = false): string[] {
    return this.screen(escapes).split("\n");
  }

  /** tmux key names (`Enter`, `Escape`, `Tab`, `C-g`) or literal text (`-l`). */
  keys(...keys: string[]): void {
    this.tmux(["send-keys", "-t", this.session, ...keys]);
  }

  type(text: string): void {
    this.tmux(["send-keys", "-t", this.session, "-l", text]);
  }

  resize(width: number, height: number): void {
    this.tmux(["resize-window", "-t", this.session, "-x", String(width), "-y", String(height)]);
  }

  /** Polls the screen until `test` holds (bounded); returns the screen that passed. */
  async waitFor(test: (screen: string) => boolean, what: string, timeoutMs = 15000, escapes = false): Promise<string> {
    const until = Date.now() + timeoutMs;
    let last = "";
    for (;;) {
      last = this.screen(escapes);
      if (test(last)) return last;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}; screen:\n${this.screen(false)}`);
      await new Promise((r) => setTimeout(r, 40));
    }
  }

  waitText(text: string, timeoutMs?: number): Promise<string> {
    return this.waitFor((s) => s.includes(text), JSON.stringify(text), timeoutMs);
  }

  /** Ends the tmux server of this test and removes its socket file. */
  kill(): void {
    let socketPath = "";
    try {
      socketPath = this.tmux(["display-message", "-p", "#{socket_path}"]).trim();
      this.tmux(["kill-server"]);
    } catch {
      // already gone
    }
    if (socketPath) rmSync(socketPath, { force: true });
  }
}

/**
 * Cells of a captured line (capture-pane -e) with the SGR state they were drawn in: used to
 * find highlighted hex bytes and inverse cursor lines.
 */
export interface Cell {
  ch: string;
  fg: number | null;
  bg: number | null;
  inverse: boolean;
  underline: boolean;
}

export function cells(line: string): Cell[] {
  const out: Cell[] = [];
  let fg: number | null = null;
  let bg: number | null = null;
  let inverse = false;
  let underline = false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the SGR sequences this parses.
  const re = /\x1b\[([0-9;]*)m|([\s\S])/gu;
  for (const m of line.matchAll(re)) {
    if (m[2] !== undefined) {
      out.push({ ch: m[2], fg, bg, inverse, underline });
      continue;
    }
    const params = (m[1] === "" ? "0" : m[1]!).split(";").map(Number);
    for (let i = 0; i < params.length; i++) {
      const p = params[i]!;
      if (p === 0) [fg, bg, inverse, underline] = [null, null, false, false];
      else if (p === 7) inverse = true;
      else if (p === 27) inverse = false;
      else if (p === 4) underline = true;
      else if (p === 24) underline = false;
      else if (p >= 30 && p <= 37) fg = p - 30;
      else if (p === 39) fg = null;
      else if (p >= 40 && p <= 47) bg = p - 40;
      else if (p === 49) bg = null;
      else if (p >= 90 && p <= 97) fg = p - 90 + 8;
      else if (p >= 100 && p <= 107) bg = p - 100 + 8;
      else if (p === 38 || p === 48) {
        const v = params[i + 1] === 5 ? params[i + 2]! : null;
        if (p === 38) fg = v;
        else bg = v;
        i += params[i + 1] === 5 ? 2 : 4;
      }
    }
  }
  return out;
}

/** Hex pairs of the hex pane drawn on a yellow background (the selected field's bytes). */
export function highlightedHex(screenWithEscapes: string): string[] {
  const bytes: string[] = [];
  for (const line of screenWithEscapes.split("\n")) {
    const cs = cells(line);
    const text = cs.map((c) => c.ch).join("");
    if (!/^[0-9a-f]{4} {2}/.test(text)) continue;
    // Hex column: offset (4) + 2 spaces, 16 pairs separated by spaces, an extra space after 8.
    for (let k = 0; k < 16; k++) {
      const at = 6 + k * 3 + (k >= 8 ? 1 : 0);
      const pair = text.slice(at, at + 2);
      if (/^[0-9a-f]{2}$/.test(pair) && cs[at]!.bg === 3) bytes.push(pair);
    }
  }
  return bytes;
}

/** Lines drawn in inverse video (cursors, selected rows), as text. */
export function inverseLines(screenWithEscapes: string): string[] {
  return screenWithEscapes
    .split("\n")
    .map(cells)
    .filter((cs) => cs.some((c) => c.inverse && c.ch.trim() !== ""))
    .map((cs) => cs.map((c) => c.ch).join(""));
}
