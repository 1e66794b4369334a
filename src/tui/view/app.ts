/**
 * The inspector's screen: filter bar, packet list, tree, hex, status line and overlays, wired to
 * the session's events. Rendering is coalesced (one redraw per turn of the event loop).
 */
import blessed from "blessed";
import { LineEditor } from "../model/line-editor.js";
import type { TuiSession } from "../model/session.js";
import { chatView, expertView, flowView, staticView, statsView, type ViewSource } from "../model/views.js";
import { StatusLine, TopBar, type PromptKind } from "./bars.js";
import { HexPane } from "./hex-pane.js";
import { lookup, type KeyContext } from "./keys.js";
import { helpView } from "./help.js";
import { onMouse } from "./mouse.js";
import { Overlay } from "./overlay.js";
import { PacketListView } from "./packet-list.js";
import { TreePane } from "./tree-pane.js";

export type Pane = "list" | "tree" | "hex";
export type ViewName = "help" | "expert" | "flow" | "chat" | "stats";
const PANES: readonly Pane[] = ["list", "tree", "hex"];

export interface TuiAppOptions {
  session: TuiSession;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** Called once when the user quits; the screen is already restored. */
  onExit: () => void;
  /** Terminal type for blessed (tests of the headless benchmark pass one). */
  terminal?: string;
}

export class TuiApp {
  readonly screen: blessed.Widgets.Screen;
  readonly list: PacketListView;
  readonly tree: TreePane;
  readonly hex: HexPane;
  readonly top: TopBar;
  readonly status: StatusLine;
  readonly overlay: Overlay;
  focus: Pane = "list";
  prompt: PromptKind | null = null;
  editor = new LineEditor();
  private promptValid: boolean | null = null;
  private promptError = "";
  private scheduled = false;
  private exited = false;
  /** Number of renders (the benchmark waits for the first). */
  renders = 0;
  readonly s: TuiSession;

  constructor(private readonly options: TuiAppOptions) {
    this.s = options.session;
    this.screen = blessed.screen({
      smartCSR: true,
      fullUnicode: true,
      forceUnicode: true,
      autoPadding: false,
      warnings: false,
      title: "imp tui",
      ...(options.input ? { input: options.input } : {}),
      ...(options.output ? { output: options.output } : {}),
      ...(options.terminal ? { terminal: options.terminal } : {}),
    } as blessed.Widgets.IScreenOptions);
    this.top = new TopBar(this.screen);
    this.list = new PacketListView(this.screen);
    this.tree = new TreePane(this.screen);
    this.hex = new HexPane(this.screen);
    this.status = new StatusLine(this.screen);
    this.overlay = new Overlay(this.screen);
    this.layout();
    this.screen.on("resize", () => {
      this.layout();
      this.schedule();
    });
    this.screen.on("keypress", (ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg | undefined) => this.onKey(ch, key));
    this.screen.enableMouse();
    this.screen.on("mouse", (data: blessed.Widgets.Events.IMouseEventArg) => {
      if (!this.exited && !this.prompt) onMouse(this, data);
    });
    this.s.on("update", () => this.schedule());
    this.s.on("message", (m) => this.say(m));
  }

  private layout(): void {
    const H = this.screen.height as number;
    const avail = Math.max(6, H - 2);
    const listH = Math.max(3, Math.floor(avail * 0.45));
    const treeH = Math.max(2, Math.floor(avail * 0.32));
    const hexH = Math.max(2, avail - listH - treeH);
    this.list.box.top = 1;
    this.list.box.height = listH;
    this.tree.box.top = 1 + listH;
    this.tree.box.height = treeH;
    this.hex.box.top = 1 + listH + treeH;
    this.hex.box.height = hexH;
  }

  /**
   * Redraws on the next turn of the event loop; while a capture is being read, at most ten
   * times a second unless `urgent` (keys, mouse), so drawing does not slow indexing down.
   */
  schedule(urgent = false): void {
    if (this.scheduled || this.exited) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      if (!this.exited) this.render();
    };
    const wait = urgent || this.s.progress().done ? 0 : this.lastRender + 100 - performance.now();
    if (wait > 0) setTimeout(run, wait);
    else setImmediate(run);
  }
  private lastRender = 0;

  render(): void {
    const s = this.s;
    if (this.prompt) this.top.renderEdit(this.prompt, this.editor, this.promptValid, this.promptError);
    else this.top.renderIdle(s);
    this.list.render(s, this.focus === "list");
    const row = s.displayedCount() > 0 && s.selectedRow >= 0 ? s.rowAt(s.selectedPos()) : -1;
    if (row >= 0) {
      const d = s.decoder.get(row);
      this.tree.setTree(d.frame.fullTree());
      const f = d.frame;
      const title = `Frame ${f.number}: ${f.payload.length} bytes, ${f.src.toString()} → ${f.dst.toString()}`;
      this.tree.render(this.focus === "tree", title);
      this.hex.render(f.payload, this.tree.selected(), this.focus === "hex", `Bytes (IMP datagram, ${f.payload.length} bytes)`);
    } else {
      this.tree.setTree(null);
      this.tree.render(false, "Packet details");
      this.hex.render(null, null, false, "Bytes");
    }
    this.status.render(s);
    this.overlay.render();
    this.screen.render();
    this.renders++;
    this.lastRender = performance.now();
  }

  say(message: string): void {
    this.status.message = message;
    this.schedule();
  }

  // ---- keys ----

  private onKey(ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg | undefined): void {
    if (this.exited) return;
    const full = key?.full ?? ch ?? "";
    if (full === "return" || full === "linefeed") return; // blessed sends Enter twice: keep "enter"
    if (this.prompt) return this.promptKey(ch, full);
    let name = full;
    if (ch && ch.length === 1 && ch >= " " && !key?.ctrl && !key?.meta) name = ch === " " ? "space" : ch;
    const contexts: KeyContext[] = this.overlay.visible ? ["overlay", "global"] : [this.focus, "global"];
    const b = lookup(contexts, name);
    if (b) {
      b.run(this);
      this.schedule(true);
    }
  }

  private promptKey(ch: string | undefined, full: string): void {
    const ed = this.editor;
    switch (full) {
      case "enter":
        return this.submitPrompt();
      case "escape":
        return this.closePrompt();
      case "up":
        ed.historyStep(-1);
        break;
      case "down":
        ed.historyStep(1);
        break;
      case "left":
        ed.left();
        break;
      case "right":
        ed.right();
        break;
      case "home":
      case "C-a":
        ed.home();
        break;
      case "end":
      case "C-e":
        ed.end();
        break;
      case "backspace":
        ed.backspace();
        break;
      case "delete":
        ed.del();
        break;
      case "C-u":
        ed.clear();
        break;
      case "C-w":
        ed.deleteWord();
        break;
      case "C-c":
        return this.quit(true);
      case "tab": {
        const more = ed.complete();
        if (more.length > 0) this.say(more.slice(0, 12).join("  ") + (more.length > 12 ? `  … (${more.length})` : ""));
        break;
      }
      default:
        if (this.prompt === "quit") {
          if (ch === "y" || ch === "Y") return this.quit(true);
          if (ch === "w" || ch === "W") return this.openPrompt("save");
          return this.closePrompt();
        }
        if (ch && ch.length === 1 && ch >= " ") ed.insert(ch);
        else return;
    }
    this.validatePrompt();
    this.schedule(true);
  }

  private validatePrompt(): void {
    const text = this.editor.text;
    this.promptError = "";
    this.promptValid = null;
    if (this.prompt === "filter" || this.prompt === "find") {
      if (text.trim() === "") return;
      const c = this.s.filter.compile(text);
      this.promptValid = c.ok;
      if (!c.ok) this.promptError = `${c.error.message} (column ${c.error.column})`;
    } else if (this.prompt === "goto") {
      this.promptValid = text === "" ? null : /^\d+$/.test(text);
    }
  }

  openPrompt(kind: PromptKind): void {
    if (this.overlay.visible && kind !== "goto") this.closeOverlay();
    this.prompt = kind;
    this.editor = new LineEditor(kind === "filter" || kind === "find" ? this.s.history : []);
    if (kind === "filter") this.editor.set(this.s.filter.text);
    if (kind === "find") this.editor.set(this.s.findText);
    if (kind === "save") this.editor.set(`imp-capture-${new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19)}.pcapng`);
    if (kind === "quit") this.say("A live capture is running: quit? y = yes, w = save first, any other key = no");
    this.validatePrompt();
  }

  closePrompt(): void {
    if (this.prompt === "quit") this.status.message = "";
    this.prompt = null;
    this.promptError = "";
    this.promptValid = null;
    this.schedule();
  }

  private submitPrompt(): void {
    const kind = this.prompt;
    const text = this.editor.text.trim();
    if (kind === "filter") {
      const err = this.s.applyFilter(text);
      if (err) {
        this.promptValid = false;
        this.promptError = `${err.message} (column ${err.column})`;
        return this.schedule();
      }
      this.say(text ? `filter applied` : "filter cleared");
    } else if (kind === "find") {
      const err = this.s.setFind(text);
      if (err) {
        this.promptValid = false;
        this.promptError = err.message;
        return this.schedule();
      }
      this.s.history.push(text);
      this.closePrompt();
      return this.findNext(1);
    } else if (kind === "goto") {
      const n = Number(text);
      if (!/^\d+$/.test(text)) return;
      if (this.overlay.visible) this.closeOverlay();
      this.say(this.s.goToFrame(n) ? `frame ${n}` : `frame ${n} is not displayed`);
    } else if (kind === "save") {
      this.closePrompt();
      this.s.save(text).then(
        (n) => this.say(`saved ${n} packets to ${text}`),
        (e: unknown) => this.say(`save failed: ${e instanceof Error ? e.message : String(e)}`),
      );
      return;
    }
    this.closePrompt();
  }

  // ---- actions (called from the key table) ----

  move(delta: number): void {
    if (this.overlay.visible) return this.overlay.move(delta);
    if (this.focus === "tree") return this.tree.move(delta);
    if (this.focus === "hex") return this.hexMove(delta * 16);
    this.s.move(delta);
  }

  page(dir: 1 | -1): void {
    const h = this.overlay.visible
      ? this.overlay.rows
      : this.focus === "tree"
        ? this.tree.rows
        : this.focus === "hex"
          ? this.hex.rows
          : this.list.rows;
    this.move(dir * Math.max(1, h - 1));
  }

  halfPage(dir: 1 | -1): void {
    this.move(dir * Math.max(1, Math.floor(this.list.rows / 2)));
  }

  edge(dir: 1 | -1): void {
    if (this.overlay.visible) return this.overlay.move((dir * Number.MAX_SAFE_INTEGER) / 2);
    if (this.focus === "tree") return this.tree.move(dir * 1e9);
    if (this.focus === "hex") return this.hexMove(dir * 1e9);
    if (dir < 0) this.s.selectFirst();
    else this.s.end();
  }

  focusPane(p: Pane): void {
    this.focus = p;
  }

  cycleFocus(dir: 1 | -1): void {
    if (this.overlay.visible) return;
    this.focus = PANES[(PANES.indexOf(this.focus) + dir + PANES.length) % PANES.length]!;
  }

  treeToggle(): void {
    this.tree.toggle();
  }

  treeExpand(expanded: boolean): void {
    this.tree.setExpanded(expanded);
  }

  treeAll(expanded: boolean): void {
    this.tree.all(expanded);
  }

  hexMove(delta: number): void {
    const row = this.s.selectedRow;
    if (row < 0) return;
    const len = this.s.index.length(row);
    this.hex.cursor = Math.max(0, Math.min(len - 1, this.hex.cursor + delta));
    this.tree.selectByte(this.hex.cursor);
  }

  findNext(dir: 1 | -1): void {
    const r = this.s.findNext(dir);
    if (r === "no-find") {
      const found = this.nextExpert(dir);
      this.say(found ? "next packet with a warning or error (s sets a search)" : "no packet with a warning or error");
    } else this.say(r === "found" ? `search: ${this.s.findText}` : `no match for ${this.s.findText}`);
  }

  private nextExpert(dir: 1 | -1): boolean {
    const n = this.s.displayedCount();
    const start = this.s.selectedPos();
    for (let i = 1; i < n; i++) {
      const pos = start + dir * i;
      if (pos < 0 || pos >= n) break;
      if (this.s.index.severity(this.s.rowAt(pos)) >= 2) {
        this.s.selectPos(pos);
        return true;
      }
    }
    return false;
  }

  openView(name: ViewName): void {
    if (this.overlay.visible && this.overlay.name === name) return this.closeOverlay();
    if (name === "stats" || name === "chat") {
      // Built from every row as imp stats / imp chat do: a pass with progress, then shown.
      const title = name === "stats" ? "Statistics" : "Group chat";
      this.overlay.open(name, staticView(title, [{ text: `Reading ${this.s.index.count} packets…` }]));
      const progress = (done: number, total: number) => {
        if (this.overlay.name !== name) return;
        this.overlay.source = staticView(title, [{ text: `Reading packets… ${Math.floor((100 * done) / Math.max(1, total))}%` }]);
        this.schedule();
      };
      const build = name === "stats" ? statsView(this.s, progress) : chatView(this.s, progress);
      build.then(
        (source) => {
          if (this.overlay.name === name) this.overlay.source = source;
          this.schedule();
        },
        (e: unknown) => this.say(`${title}: ${e instanceof Error ? e.message : String(e)}`),
      );
      return;
    }
    const source: ViewSource = name === "help" ? helpView() : name === "expert" ? expertView(this.s) : flowView(this.s);
    const cursor = name === "flow" ? this.s.selectedPos() + 2 : 0;
    this.overlay.open(name, source, cursor);
  }

  closeOverlay(): void {
    this.overlay.close();
  }

  overlayEnter(): void {
    const f = this.overlay.frame();
    if (f === undefined) return;
    this.closeOverlay();
    this.focus = "list";
    if (!this.s.goToFrame(f)) {
      this.s.applyFilter("");
      this.s.goToFrame(f);
      this.say(`filter cleared to show frame ${f}`);
    }
  }

  togglePause(): void {
    const paused = this.s.togglePause();
    this.say(paused ? "display paused (p resumes)" : "display resumed");
  }

  escape(): void {
    if (this.overlay.visible) this.closeOverlay();
    else this.say("");
  }

  redraw(): void {
    this.screen.realloc();
  }

  quit(force: boolean): void {
    if (!force && this.s.live && !this.s.progress().done) {
      this.openPrompt("quit");
      return;
    }
    this.exit();
  }

  /** Restores the terminal and tells the command. */
  exit(): void {
    if (this.exited) return;
    this.exited = true;
    this.s.close();
    this.screen.destroy();
    this.options.onExit();
  }
}
