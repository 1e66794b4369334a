/**
 * Applies a display filter over the index without freezing the UI: rows are evaluated in time
 * slices with setImmediate between them, progress is reported as events, and rows appended later
 * (live capture, background indexing) are evaluated as they come. Filters that read only indexed
 * columns never decode; others decode each row through the codec and tree builder.
 */
import { EventEmitter } from "node:events";
import { compileFilter, type DisplayFilter, type FilterError } from "../../../dissector/filter/index.js";
import { FrameFields, fieldNeeds } from "../../../dissector/read/frame-fields.js";
import { IntList } from "./columns.js";
import { IndexPacket, INDEXED_FIELDS } from "./filter-fields.js";
import type { PacketIndex } from "./packet-index.js";
import type { RowDecoder } from "./decoder.js";

export interface FilterEvents {
  changed: [];
  progress: [{ scanned: number; total: number; done: boolean }];
}

const SLICE_MS = 12;

/** A compiled filter and how to evaluate it on a row. */
export class RowMatcher {
  readonly fast: boolean;
  private readonly ip: IndexPacket;
  private readonly fields: FrameFields;
  constructor(
    readonly filter: DisplayFilter,
    index: PacketIndex,
    private readonly decoder: RowDecoder,
  ) {
    this.fast = filter.fields.every((f) => INDEXED_FIELDS.has(f));
    this.ip = new IndexPacket(index);
    this.fields = new FrameFields(fieldNeeds(filter.fields));
  }

  matches(row: number): boolean {
    if (this.filter.empty) return true;
    if (this.fast) {
      this.ip.row = row;
      return this.filter.matches(this.ip);
    }
    this.fields.fill(this.decoder.scan(row));
    return this.filter.matches(this.fields);
  }
}

export type CompileResult = { ok: true; matcher: RowMatcher } | { ok: false; error: FilterError };

export class FilterEngine extends EventEmitter<FilterEvents> {
  /** Applied filter text ("" = none). */
  text = "";
  private matcher: RowMatcher | null = null;
  private list = new IntList();
  private scanned = 0;
  private running = false;
  private generation = 0;

  constructor(
    private readonly index: PacketIndex,
    private readonly decoder: RowDecoder,
  ) {
    super();
  }

  compile(text: string): CompileResult {
    const c = compileFilter(text);
    if (!c.ok) return { ok: false, error: c.error };
    return { ok: true, matcher: new RowMatcher(c.filter, this.index, this.decoder) };
  }

  /** Applies a filter; returns the error when it does not compile (the applied one stays). */
  apply(text: string): FilterError | null {
    if (text.trim() === "") {
      this.text = "";
      this.matcher = null;
      this.generation++;
      this.running = false;
      this.emit("changed");
      this.emit("progress", { scanned: this.index.count, total: this.index.count, done: true });
      return null;
    }
    const c = this.compile(text);
    if (!c.ok) return c.error;
    this.text = text;
    this.matcher = c.matcher;
    this.list = new IntList();
    this.scanned = 0;
    this.generation++;
    this.running = false;
    this.emit("changed");
    this.kick();
    return null;
  }

  get active(): boolean {
    return this.matcher !== null;
  }

  /** True while rows remain to be evaluated. */
  get busy(): boolean {
    return this.matcher !== null && this.scanned < this.index.count;
  }

  get scannedRows(): number {
    return this.matcher ? this.scanned : this.index.count;
  }

  /** Number of displayed rows so far. */
  get count(): number {
    return this.matcher ? this.list.length : this.index.count;
  }

  /** Index row of displayed position `i`. */
  rowAt(i: number): number {
    return this.matcher ? this.list.get(i) : i;
  }

  /** Displayed position of the first displayed row >= `row`. */
  positionOf(row: number): number {
    return this.matcher ? this.list.lowerBound(row) : Math.min(row, this.index.count);
  }

  /** New rows were indexed: evaluate them. */
  kick(): void {
    if (!this.matcher || this.running || this.scanned >= this.index.count) return;
    this.running = true;
    const gen = this.generation;
    const step = () => {
      if (gen !== this.generation || !this.matcher) return;
      const m = this.matcher;
      const end = performance.now() + SLICE_MS;
      const total = this.index.count;
      let i = this.scanned;
      while (i < total) {
        if (m.matches(i)) this.list.push(i);
        i++;
        if ((i & 255) === 0 && performance.now() > end) break;
      }
      this.scanned = i;
      const done = i >= this.index.count;
      this.emit("changed");
      this.emit("progress", { scanned: i, total: this.index.count, done });
      if (done) this.running = false;
      else setImmediate(step);
    };
    setImmediate(step);
  }

  memoryBytes(): number {
    return this.list.bytes();
  }
}
