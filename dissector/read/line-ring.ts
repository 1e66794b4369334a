/**
 * The records a summary read passes from its dissecting thread to its formatting thread, through
 * a SharedArrayBuffer cut into slots (a ring): the dissecting thread fills a slot with records,
 * publishes it, and goes on with the next free one; the formatting thread reads the published
 * slots in order and frees them. Nothing is copied or cloned between the threads but these bytes.
 *
 * Records (little-endian, unaligned):
 * - FRAME   kind u8, payload length u16, number u32, tsSec f64, tsNsec u32, src column u32,
 *           dst column u32, payload bytes. One shown datagram.
 * - REF     kind u8, refSec f64, refNsec u32. The time origin of the frames that follow.
 * - COLUMN  kind u8, id u32, text. What the Source/Destination column `id` shows from now on.
 * - NAME    kind u8, client u32, known u8, text. The username of a client as of the next frames.
 * - MARKS   kind u8, text. The analysis marks of the next FRAME.
 * - END     kind u8. No record follows.
 * A text is a u32 byte length and UTF-8 bytes.
 */
import { Buffer } from "node:buffer";

export const R_FRAME = 1;
export const R_REF = 2;
export const R_COLUMN = 3;
export const R_NAME = 4;
export const R_MARKS = 5;
export const R_END = 6;

/** FRAME record size without the payload. */
export const FRAME_HEAD = 1 + 2 + 4 + 8 + 4 + 4 + 4;

/** Atomics.waitAsync (Node 16+; typed only from TypeScript's es2024 library). */
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, index: number, value: number, timeout?: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync;

/** Slot states in the control words. */
const FREE = 0;
const FULL = 1;

export interface RingLayout {
  slots: number;
  slotBytes: number;
}

export const DEFAULT_RING: RingLayout = { slots: 8, slotBytes: 256 * 1024 };

/** Control words: per slot its state and its used length, then the stop flag. */
function controlWords(slots: number): number {
  return slots * 2 + 1;
}

/** The shared memory of a ring. */
export function createRing(layout: RingLayout = DEFAULT_RING): SharedArrayBuffer {
  return new SharedArrayBuffer(controlWords(layout.slots) * 4 + layout.slots * layout.slotBytes);
}

class RingView {
  readonly control: Int32Array;
  readonly bytes: Buffer;
  readonly view: DataView;
  readonly stopIndex: number;

  constructor(
    sab: SharedArrayBuffer,
    readonly layout: RingLayout,
  ) {
    const words = controlWords(layout.slots);
    this.control = new Int32Array(sab, 0, words);
    this.bytes = Buffer.from(sab, words * 4, layout.slots * layout.slotBytes);
    this.view = new DataView(sab, words * 4, layout.slots * layout.slotBytes);
    this.stopIndex = layout.slots * 2;
  }

  /** The formatting side asks the dissecting side to stop (its reader went away). */
  requestStop(): void {
    Atomics.store(this.control, this.stopIndex, 1);
  }

  get stopRequested(): boolean {
    return Atomics.load(this.control, this.stopIndex) === 1;
  }
}

/** The dissecting thread's end: appends records, publishing each slot as it fills. */
export class RingWriter extends RingView {
  private slot = 0;
  private at = 0;
  private end: number;

  constructor(sab: SharedArrayBuffer, layout: RingLayout = DEFAULT_RING) {
    super(sab, layout);
    this.end = layout.slotBytes;
  }

  /** Room for `n` bytes at `this.at` in the current slot (waits for a free slot if needed). */
  private room(n: number): number {
    if (this.at + n > this.end) {
      if (n > this.layout.slotBytes) throw new RangeError(`a record of ${n} bytes does not fit a slot of ${this.layout.slotBytes}`);
      this.publish();
    }
    if (this.at === this.slot * this.layout.slotBytes) {
      // A fresh slot: wait until the reader has freed it (blocks this thread only).
      while (Atomics.load(this.control, this.slot) !== FREE) Atomics.wait(this.control, this.slot, FULL, 1000);
    }
    const at = this.at;
    this.at += n;
    return at;
  }

  private publish(): void {
    const base = this.slot * this.layout.slotBytes;
    Atomics.store(this.control, this.layout.slots + this.slot, this.at - base);
    Atomics.store(this.control, this.slot, FULL);
    Atomics.notify(this.control, this.slot);
    this.slot = (this.slot + 1) % this.layout.slots;
    this.at = this.slot * this.layout.slotBytes;
    this.end = this.at + this.layout.slotBytes;
  }

  frame(number: number, tsSec: number, tsNsec: number, src: number, dst: number, payload: Uint8Array): void {
    const len = Math.min(payload.length, 0xffff);
    const at = this.room(FRAME_HEAD + len);
    const v = this.view;
    v.setUint8(at, R_FRAME);
    v.setUint16(at + 1, len, true);
    v.setUint32(at + 3, number, true);
    v.setFloat64(at + 7, tsSec, true);
    v.setUint32(at + 15, tsNsec, true);
    v.setUint32(at + 19, src, true);
    v.setUint32(at + 23, dst, true);
    const out = this.bytes;
    const start = at + FRAME_HEAD;
    if (len <= 32) for (let i = 0; i < len; i++) out[start + i] = payload[i]!;
    else out.set(payload.subarray(0, len), start);
  }

  ref(refSec: number, refNsec: number): void {
    const at = this.room(1 + 8 + 4);
    this.view.setUint8(at, R_REF);
    this.view.setFloat64(at + 1, refSec, true);
    this.view.setUint32(at + 9, refNsec, true);
  }

  column(id: number, text: string): void {
    const bytes = Buffer.from(text, "utf8");
    const at = this.room(1 + 4 + 4 + bytes.length);
    this.view.setUint8(at, R_COLUMN);
    this.view.setUint32(at + 1, id, true);
    this.text(at + 5, bytes);
  }

  name(client: number, name: string | undefined): void {
    const bytes = Buffer.from(name ?? "", "utf8");
    const at = this.room(1 + 4 + 1 + 4 + bytes.length);
    this.view.setUint8(at, R_NAME);
    this.view.setUint32(at + 1, client, true);
    this.view.setUint8(at + 5, name === undefined ? 0 : 1);
    this.text(at + 6, bytes);
  }

  marks(text: string): void {
    const bytes = Buffer.from(text, "utf8");
    const at = this.room(1 + 4 + bytes.length);
    this.view.setUint8(at, R_MARKS);
    this.text(at + 1, bytes);
  }

  /** Ends the stream: the END record, and the last slot published. */
  close(): void {
    const at = this.room(1);
    this.view.setUint8(at, R_END);
    this.publish();
  }

  private text(at: number, bytes: Buffer): void {
    this.view.setUint32(at, bytes.length, true);
    this.bytes.set(bytes, at + 4);
  }
}

/** What a ring reader hands its handler, record by record. */
export interface RingHandler {
  /** A shown datagram; its payload is `bytes[start, start + length)` (valid during the call). */
  frame(number: number, tsSec: number, tsNsec: number, src: number, dst: number, bytes: Buffer, start: number, length: number): void;
  ref(refSec: number, refNsec: number): void;
  column(id: number, text: string): void;
  name(client: number, name: string | undefined): void;
  marks(text: string): void;
}

/** The formatting thread's end: reads published slots in order. */
export class RingReader extends RingView {
  private slot = 0;

  /**
   * Waits (without blocking the event loop) until the next slot is published; resolves false
   * when `cancelled` resolves first.
   */
  async next(cancelled: Promise<unknown>): Promise<boolean> {
    for (;;) {
      if (Atomics.load(this.control, this.slot) === FULL) return true;
      const w = waitAsync(this.control, this.slot, FREE, 1000);
      if (w.async) {
        const woke = await Promise.race([w.value.then(() => true), cancelled.then(() => false)]);
        // Cancelled: the writer may still have published this slot (its END) just before.
        if (!woke) return Atomics.load(this.control, this.slot) === FULL;
      }
    }
  }

  /** Hands the records of the published slot to `h` and frees the slot; false after END. */
  consume(h: RingHandler): boolean {
    const base = this.slot * this.layout.slotBytes;
    const end = base + Atomics.load(this.control, this.layout.slots + this.slot);
    const v = this.view;
    const bytes = this.bytes;
    let at = base;
    let more = true;
    while (at < end) {
      const kind = v.getUint8(at);
      if (kind === R_FRAME) {
        const len = v.getUint16(at + 1, true);
        const start = at + FRAME_HEAD;
        h.frame(v.getUint32(at + 3, true), v.getFloat64(at + 7, true), v.getUint32(at + 15, true), v.getUint32(at + 19, true), v.getUint32(at + 23, true), bytes, start, len);
        at = start + len;
      } else if (kind === R_REF) {
        h.ref(v.getFloat64(at + 1, true), v.getUint32(at + 9, true));
        at += 13;
      } else if (kind === R_COLUMN) {
        const len = v.getUint32(at + 5, true);
        h.column(v.getUint32(at + 1, true), bytes.toString("utf8", at + 9, at + 9 + len));
        at += 9 + len;
      } else if (kind === R_NAME) {
        const len = v.getUint32(at + 6, true);
        h.name(v.getUint32(at + 1, true), v.getUint8(at + 5) === 1 ? bytes.toString("utf8", at + 10, at + 10 + len) : undefined);
        at += 10 + len;
      } else if (kind === R_MARKS) {
        const len = v.getUint32(at + 1, true);
        h.marks(bytes.toString("utf8", at + 5, at + 5 + len));
        at += 5 + len;
      } else {
        // R_END (anything else would be a bug: treat it as the end rather than loop).
        more = false;
        break;
      }
    }
    Atomics.store(this.control, this.slot, FREE);
    Atomics.notify(this.control, this.slot);
    this.slot = (this.slot + 1) % this.layout.slots;
    return more;
  }
}
