/**
 * The TUI's model: everything the inspector shows, with no blessed in sight. It owns the packet
 * index (built in the background), the on-demand decoder, the display filter, the selection,
 * live-capture state (follow the tail, pause, save) and the data of the views. The view layer
 * subscribes to its events and calls its methods.
 */
import { EventEmitter } from "node:events";
import { statSync } from "node:fs";
import { createCaptureWriter } from "../../../dissector/capture/index.js";
import type { FilterError } from "../../../dissector/filter/index.js";
import type { PacketSource } from "../../../dissector/source.js";
import type { Recognition } from "../../../dissector/recognize.js";
import { SEVERITY_RANK } from "../../protocol/problems.js";
import { RowDecoder } from "./decoder.js";
import { ExpertTally } from "./experts.js";
import { FilterEngine, type RowMatcher } from "./filter-engine.js";
import { Indexer, type IndexProgress } from "./indexer.js";
import { FileStore, MemoryStore, type PayloadStore } from "./payload-store.js";

export interface SessionOptions {
  /** A capture file (re-read on demand), or a packet source (pipe, live: kept in memory). */
  path?: string;
  source?: PacketSource;
  recognition: Recognition;
  serverPort: number;
}

export interface SessionEvents {
  /** Something visible changed (rows, filter, selection, progress). */
  update: [];
  /** A one-line message for the status bar. */
  message: [string];
}

const HISTORY_MAX = 100;

export class TuiSession extends EventEmitter<SessionEvents> {
  readonly store: PayloadStore;
  readonly indexer: Indexer;
  readonly decoder: RowDecoder;
  readonly filter: FilterEngine;
  readonly live: boolean;
  readonly description: string;
  /** Selected index row, -1 before the first packet. */
  selectedRow = -1;
  /** Follow the last packet (live mode, until the user moves up). */
  follow: boolean;
  /** Row count frozen by `p` (display paused), or null. */
  pausedAt: number | null = null;
  readonly history: string[] = [];
  private find: RowMatcher | null = null;
  findText = "";
  analysisExperts = new ExpertTally();
  analysisPassDone = false;
  filterProgress = { scanned: 0, total: 0, done: true };
  savedTo: string | null = null;

  constructor(private readonly options: SessionOptions) {
    super();
    const fileBacked = options.path !== undefined && options.path !== "-" && statSync(options.path).isFile();
    this.store = fileBacked ? new FileStore(options.path!) : new MemoryStore();
    this.indexer = new Indexer(this.store, options.recognition, options.serverPort);
    // A pipe is a capture still being written, as a live interface is: follow its tail, pause, ask before quitting.
    this.live = options.source?.live ?? !fileBacked;
    this.description = options.source?.description ?? options.path ?? "?";
    this.decoder = new RowDecoder(this.indexer.index, this.store, this.indexer.analyzer, () => this.indexer.done);
    this.filter = new FilterEngine(this.indexer.index, this.decoder);
    this.follow = this.live || !fileBacked;
    this.indexer.on("rows", () => {
      if (this.live || !this.indexer.done) this.decoder.clear();
      this.filter.kick();
      if (this.selectedRow < 0 && this.index.count > 0) this.selectedRow = this.filter.count > 0 ? this.filter.rowAt(0) : -1;
      if (this.follow && this.pausedAt === null) this.selectLast();
      this.emit("update");
    });
    this.indexer.on("done", () => {
      this.decoder.clear();
      this.filter.kick();
      void this.analysisPass();
      this.emit("update");
    });
    this.indexer.on("error", (e) => this.emit("message", `capture error: ${e.message}`));
    this.filter.on("changed", () => {
      if (this.selectedRow < 0 && this.filter.count > 0) this.selectedRow = this.filter.rowAt(0);
      if (this.follow && this.pausedAt === null) this.selectLast();
      this.emit("update");
    });
    this.filter.on("progress", (p) => {
      this.filterProgress = p;
    });
  }

  get index() {
    return this.indexer.index;
  }

  get analyzer() {
    return this.indexer.analyzer;
  }

  progress(): IndexProgress {
    return this.indexer.progress();
  }

  /** Starts indexing; resolves when the source ends. */
  async start(): Promise<void> {
    const o = this.options;
    if (o.source) await this.indexer.indexSource(o.source);
    else if (this.store.fileBacked) await this.indexer.indexFile(o.path!);
    else {
      const { fileSource } = await import("../../../dissector/source.js");
      await this.indexer.indexSource(fileSource(o.path!));
    }
  }

  stop(): void {
    this.indexer.stop();
  }

  close(): void {
    this.indexer.stop();
    this.store.close();
  }

  /** Rows the list shows: all displayed rows, or those before the pause. */
  displayedCount(): number {
    if (this.pausedAt === null) return this.filter.count;
    return this.filter.positionOf(this.pausedAt);
  }

  rowAt(pos: number): number {
    return this.filter.rowAt(pos);
  }

  /** Displayed position of the selection (or of the next displayed row), clamped. */
  selectedPos(): number {
    const n = this.displayedCount();
    if (n === 0 || this.selectedRow < 0) return 0;
    return Math.min(this.filter.positionOf(this.selectedRow), n - 1);
  }

  selectPos(pos: number): void {
    const n = this.displayedCount();
    if (n === 0) return;
    const p = Math.max(0, Math.min(n - 1, pos));
    this.selectedRow = this.rowAt(p);
    this.follow = this.live && p === n - 1;
    this.emit("update");
  }

  move(delta: number): void {
    this.selectPos(this.selectedPos() + delta);
  }

  selectFirst(): void {
    this.selectPos(0);
  }

  selectLast(): void {
    const n = this.displayedCount();
    if (n > 0) this.selectedRow = this.rowAt(n - 1);
    this.follow = this.live;
  }

  /** `G`: the last packet; in live mode, follow the tail again. */
  end(): void {
    this.selectLast();
    this.follow = this.live;
    this.emit("update");
  }

  /** Selects a frame number; false when it is not displayed. */
  goToFrame(frame: number): boolean {
    const row = this.index.rowOfFrame(frame);
    if (row < 0) return false;
    const pos = this.filter.positionOf(row);
    if (pos >= this.displayedCount() || this.rowAt(pos) !== row) return false;
    this.selectedRow = row;
    this.follow = false;
    this.emit("update");
    return true;
  }

  /** Applies a display filter (pushed on the history); returns its error when it does not compile. */
  applyFilter(text: string): FilterError | null {
    const err = this.filter.apply(text);
    if (err) return err;
    if (text.trim() !== "") {
      const i = this.history.indexOf(text);
      if (i >= 0) this.history.splice(i, 1);
      this.history.push(text);
      if (this.history.length > HISTORY_MAX) this.history.shift();
    }
    if (this.filter.count > 0 && this.selectedRow >= 0) {
      // Keep the selection when it is still displayed; else the next displayed row.
      const pos = this.filter.positionOf(this.selectedRow);
      if (pos < this.filter.count) this.selectedRow = this.filter.rowAt(pos);
    }
    this.emit("update");
    return null;
  }

  /** Sets the expression `n`/`N` look for; returns its error. */
  setFind(text: string): FilterError | null {
    const c = this.filter.compile(text);
    if (!c.ok) return c.error;
    this.find = c.matcher;
    this.findText = text;
    return null;
  }

  /** Moves to the next (dir 1) or previous (-1) displayed packet that matches the find expression. */
  findNext(dir: 1 | -1, budgetMs = 3000): "found" | "none" | "no-find" {
    if (!this.find) return "no-find";
    const n = this.displayedCount();
    const start = this.selectedPos();
    const until = performance.now() + budgetMs;
    for (let i = 1; i < n; i++) {
      const pos = (start + dir * i + n) % n;
      if (this.find.matches(this.rowAt(pos))) {
        this.selectPos(pos);
        return "found";
      }
      if ((i & 255) === 0 && performance.now() > until) break;
    }
    return "none";
  }

  togglePause(): boolean {
    if (this.pausedAt === null) this.pausedAt = this.index.count;
    else {
      this.pausedAt = null;
      if (this.follow) this.selectLast();
    }
    this.emit("update");
    return this.pausedAt !== null;
  }

  /** Writes every indexed datagram to a pcapng file; returns how many. */
  async save(path: string): Promise<number> {
    const writer = createCaptureWriter({ format: "pcapng", path, nanosecond: true });
    const ix = this.index;
    const n = ix.count;
    for (let r = 0; r < n; r++) {
      const payload = this.store.read(ix.ref(r), ix.length(r));
      const s = ix.src(r);
      const d = ix.dst(r);
      writer.writeDatagram({
        tsSec: ix.sec(r),
        tsNsec: ix.nsec(r),
        src: { ip: s.ip, port: s.port },
        dst: { ip: d.ip, port: d.port },
        payload,
      });
    }
    await writer.close();
    this.savedTo = path;
    return n;
  }

  /** Marks every row with its analysis severity and tallies analysis experts (after indexing). */
  private async analysisPass(): Promise<void> {
    const tally = new ExpertTally();
    const ix = this.index;
    const a = this.analyzer;
    let r = 0;
    while (r < ix.count) {
      const end = performance.now() + 12;
      for (; r < ix.count && ((r & 255) !== 0 || performance.now() < end); r++) {
        const frame = ix.frame(r);
        if (!a.has(frame)) continue;
        let sev = 0;
        for (const e of a.fieldsOf(frame).experts) {
          sev = Math.max(sev, SEVERITY_RANK[e.severity] + 1);
          tally.add(frame, e.id, e.severity, e.category, e.text);
        }
        ix.setAnalysisSeverity(r, sev + 1);
      }
      if (r < ix.count) await new Promise<void>((res) => setImmediate(res));
    }
    this.analysisExperts = tally;
    this.analysisPassDone = true;
    this.emit("update");
  }

  /** Highest expert severity of a row (SEVERITY_RANK, -1 none), decoding it when the analysis pass has not reached it. */
  rowSeverity(row: number): number {
    const ix = this.index;
    if (ix.analysisKnown(row)) return ix.severity(row);
    let sev = ix.severity(row);
    for (const e of this.decoder.get(row).frame.analysis().experts) sev = Math.max(sev, SEVERITY_RANK[e.severity]);
    return sev;
  }

  /** Bytes held by the model (index, analysis, filter list, store). */
  memoryBytes(): number {
    return this.index.bytes() + this.analyzer.memoryBytes().total + this.filter.memoryBytes() + this.store.bytes();
  }
}
