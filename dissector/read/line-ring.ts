/**
 * The records a summary read passes from its dissecting thread to its formatting thread, through
 * a SharedArrayBuffer cut into slots (a ring): the dissecting thread fills a slot with records,
 * publishes it, and goes on with the next free one; the formatting thread reads the published
 * slots in order and frees them. Nothing is copied or cloned between the threads but these bytes.
 *
 * Records are 4-byte aligned runs of 32-bit words (the thread's byte order), so that both ends
 * read and write them through an Int32Array. Word 0 of every record is its kind plus, from bit 8,
 * the byte length of its bytes (payload or UTF-8 text), which follow the fixed words, padded to 4:
 * - FRAME   number, tsSec (low, high), tsNsec, src column, dst column; the payload.
 * - REF     refSec (low, high), refNsec. The time origin of the frames that follow.
 * - COLUMN  id; text. What the Source/Destination column `id` shows from now on.
 * - NAME    client, known (0/1); username. The name of a client as of the next frames.
 * - MARKS   the analysis marks of the next FRAME.
 * - END     no record follows.
 * Seconds are split in 2^32 units (a pcapng time may pass 2^32 s).
 */
import { Buffer } from "node:buffer";

export const R_FRAME = 1;
export const R_REF = 2;
export const R_COLUMN = 3;
export const R_NAME = 4;
export const R_MARKS = 5;
export const R_END = 6;

/** Words of a FRAME record before its payload. */
const FRAME_WORDS = 7;
const TWO_32 = 0x1_0000_0000;

const hiOf = (sec: number) => Math.floor(sec / TWO_32) | 0;
const loOf = (sec: number) => (sec - Math.floor(sec / TWO_32) * TWO_32) | 0;
const secOf = (lo: number, hi: number) => hi * TWO_32 + (lo >>> 0);

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
  readonly words: Int32Array;
  readonly stopIndex: number;
  /** Words per slot. */
  readonly slotWords: number;

  constructor(
    sab: SharedArrayBuffer,
    readonly layout: RingLayout,
  ) {
    if (layout.slotBytes % 4 !== 0) throw new RangeError("ring slots are whole 32-bit words");
    const control = controlWords(layout.slots);
    this.control = new Int32Array(sab, 0, control);
    this.bytes = Buffer.from(sab, control * 4, layout.slots * layout.slotBytes);
    this.words = new Int32Array(sab, control * 4, (layout.slots * layout.slotBytes) / 4);
    this.stopIndex = layout.slots * 2;
    this.slotWords = layout.slotBytes / 4;
  }

  /** The formatting side asks the dissecting side to stop (its reader went away). */
  requestStop(): void {
    Atomics.store(this.control, this.stopIndex, 1);
  }

  get stopRequested(): boolean {
    return Atomics.load(this.control, this.stopIndex) === 1;
  }
}

/** Words taken by `n` bytes. */
const wordsFor = (n: number) => (n + 3) >>> 2;

/** The dissecting thread's end: appends records, publishing each slot as it fills. */
export class RingWriter extends RingView {
  private slot = 0;
  /** Next free word, and the end of the current slot. */
  private at = 0;
  private end: number;
  private fresh = true;

  constructor(sab: SharedArrayBuffer, layout: RingLayout = DEFAULT_RING) {
    super(sab, layout);
    this.end = this.slotWords;
  }

  /** Room for `n` words at the returned word index (waits for a free slot if needed). */
  private room(n: number): number {
    if (this.at + n > this.end) {
      if (n > this.slotWords) throw new RangeError(`a record of ${n * 4} bytes does not fit a slot of ${this.layout.slotBytes}`);
      this.publish();
    }
    if (this.fresh) {
      // A fresh slot: wait until the reader has freed it (blocks this thread only).
      while (Atomics.load(this.control, this.slot) !== FREE) Atomics.wait(this.control, this.slot, FULL, 1000);
      this.fresh = false;
    }
    const at = this.at;
    this.at += n;
    return at;
  }

  private publish(): void {
    const base = this.slot * this.slotWords;
    Atomics.store(this.control, this.layout.slots + this.slot, this.at - base);
    Atomics.store(this.control, this.slot, FULL);
    Atomics.notify(this.control, this.slot);
    this.slot = (this.slot + 1) % this.layout.slots;
    this.at = this.slot * this.slotWords;
    this.end = this.at + this.slotWords;
    this.fresh = true;
  }

  frame(number: number, tsSec: number, tsNsec: number, src: number, dst: number, payload: Uint8Array): void {
    const len = payload.length;
    const at = this.room(FRAME_WORDS + wordsFor(len));
    const w = this.words;
    w[at] = R_FRAME | (len << 8);
    w[at + 1] = number;
    w[at + 2] = loOf(tsSec);
    w[at + 3] = hiOf(tsSec);
    w[at + 4] = tsNsec;
    w[at + 5] = src;
    w[at + 6] = dst;
    const out = this.bytes;
    const start = (at + FRAME_WORDS) * 4;
    if (len <= 32) for (let i = 0; i < len; i++) out[start + i] = payload[i]!;
    else out.set(payload, start);
  }

  ref(refSec: number, refNsec: number): void {
    const at = this.room(4);
    const w = this.words;
    w[at] = R_REF;
    w[at + 1] = loOf(refSec);
    w[at + 2] = hiOf(refSec);
    w[at + 3] = refNsec;
  }

  column(id: number, text: string): void {
    const bytes = Buffer.from(text, "utf8");
    const at = this.room(2 + wordsFor(bytes.length));
    this.words[at] = R_COLUMN | (bytes.length << 8);
    this.words[at + 1] = id;
    this.bytes.set(bytes, (at + 2) * 4);
  }

  name(client: number, name: string | undefined): void {
    const bytes = Buffer.from(name ?? "", "utf8");
    const at = this.room(3 + wordsFor(bytes.length));
    this.words[at] = R_NAME | (bytes.length << 8);
    this.words[at + 1] = client;
    this.words[at + 2] = name === undefined ? 0 : 1;
    this.bytes.set(bytes, (at + 3) * 4);
  }

  marks(text: string): void {
    const bytes = Buffer.from(text, "utf8");
    const at = this.room(1 + wordsFor(bytes.length));
    this.words[at] = R_MARKS | (bytes.length << 8);
    this.bytes.set(bytes, (at + 1) * 4);
  }

  /** Ends the stream: the END record, and the last slot published. */
  close(): void {
    const at = this.room(1);
    this.words[at] = R_END;
    this.publish();
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
   * when `cancelled` resolves first and nothing was published.
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
    const base = this.slot * this.slotWords;
    const end = base + Atomics.load(this.control, this.layout.slots + this.slot);
    const w = this.words;
    const bytes = this.bytes;
    let at = base;
    let more = true;
    while (at < end) {
      const head = w[at]!;
      const kind = head & 0xff;
      const len = head >>> 8;
      if (kind === R_FRAME) {
        h.frame(w[at + 1]!, secOf(w[at + 2]!, w[at + 3]!), w[at + 4]!, w[at + 5]!, w[at + 6]!, bytes, (at + FRAME_WORDS) * 4, len);
        at += FRAME_WORDS + wordsFor(len);
      } else if (kind === R_REF) {
        h.ref(secOf(w[at + 1]!, w[at + 2]!), w[at + 3]!);
        at += 4;
      } else if (kind === R_COLUMN) {
        const start = (at + 2) * 4;
        h.column(w[at + 1]!, bytes.toString("utf8", start, start + len));
        at += 2 + wordsFor(len);
      } else if (kind === R_NAME) {
        const start = (at + 3) * 4;
        h.name(w[at + 1]!, w[at + 2] === 1 ? bytes.toString("utf8", start, start + len) : undefined);
        at += 3 + wordsFor(len);
      } else if (kind === R_MARKS) {
        const start = (at + 1) * 4;
        h.marks(bytes.toString("utf8", start, start + len));
        at += 1 + wordsFor(len);
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
