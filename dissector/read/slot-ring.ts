/**
 * A one-way ring of 32-bit words between two threads, over a SharedArrayBuffer cut into slots:
 * the writer fills a slot with records, publishes it and goes on with the next free one; the
 * reader takes the published slots in order and frees them. Records are runs of words (see
 * line-ring.ts and datagram-ring.ts); nothing is copied or cloned between the threads but these.
 *
 * Control words: per slot its state (free / full) and its used length in words; a stop flag (the
 * reader asks the writer to stop); a change counter that either side bumps and notifies after
 * publishing or freeing a slot, so that a thread can wait for "anything happened" on two rings.
 */
import { Buffer } from "node:buffer";

export interface RingLayout {
  slots: number;
  /** Bytes per slot (a multiple of 4). */
  slotBytes: number;
}

const FREE = 0;
const FULL = 1;

/** Atomics.waitAsync (Node 16+; typed only from TypeScript's es2024 library). */
export const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      a: Int32Array,
      index: number,
      value: number,
      timeout?: number,
    ): { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync;

function controlWords(slots: number): number {
  return slots * 2 + 2;
}

/** The shared memory of a ring. */
export function createRing(layout: RingLayout): SharedArrayBuffer {
  return new SharedArrayBuffer(controlWords(layout.slots) * 4 + layout.slots * layout.slotBytes);
}

/** Words taken by `n` bytes. */
export const wordsFor = (n: number): number => (n + 3) >>> 2;

const TWO_32 = 0x1_0000_0000;
/** A number up to 2^53 as two words (a pcapng time or a file offset may pass 2^32). */
export const hiOf = (n: number): number => (n >= 0 && n < TWO_32 ? 0 : Math.floor(n / TWO_32) | 0);
export const loOf = (n: number): number => (n >= 0 && n < TWO_32 ? n | 0 : (n - Math.floor(n / TWO_32) * TWO_32) | 0);
export const joinWords = (lo: number, hi: number): number => hi * TWO_32 + (lo >>> 0);

export class SlotRing {
  readonly control: Int32Array;
  /** The slots as bytes and as words (the same memory). */
  readonly bytes: Uint8Array;
  readonly words: Int32Array;
  /** The same bytes as a Buffer, for text. */
  private readonly buffer: Buffer;
  readonly slotWords: number;
  private readonly stopIndex: number;
  /** Index of the change counter in `control`. */
  readonly changeIndex: number;
  /** Milliseconds this end spent blocked on the other (how balanced the two threads are). */
  waitedMs = 0;

  constructor(
    sab: SharedArrayBuffer,
    readonly layout: RingLayout,
  ) {
    if (layout.slotBytes % 4 !== 0) throw new RangeError("ring slots are whole 32-bit words");
    const control = controlWords(layout.slots);
    this.control = new Int32Array(sab, 0, control);
    this.bytes = new Uint8Array(sab, control * 4, layout.slots * layout.slotBytes);
    this.buffer = Buffer.from(sab, control * 4, layout.slots * layout.slotBytes);
    this.words = new Int32Array(sab, control * 4, (layout.slots * layout.slotBytes) / 4);
    this.slotWords = layout.slotBytes / 4;
    this.stopIndex = layout.slots * 2;
    this.changeIndex = layout.slots * 2 + 1;
  }

  /** UTF-8 text of bytes[start, end). */
  text(start: number, end: number): string {
    return this.buffer.toString("utf8", start, end);
  }

  /** The reader asks the writer to stop (its consumer went away). */
  requestStop(): void {
    Atomics.store(this.control, this.stopIndex, 1);
    this.changed();
  }

  get stopRequested(): boolean {
    return Atomics.load(this.control, this.stopIndex) === 1;
  }

  /** The change counter's value (to wait on with Atomics.wait). */
  get changes(): number {
    return Atomics.load(this.control, this.changeIndex);
  }

  protected changed(): void {
    Atomics.add(this.control, this.changeIndex, 1);
    Atomics.notify(this.control, this.changeIndex);
  }

  protected isFull(slot: number): boolean {
    return Atomics.load(this.control, slot) === FULL;
  }

  protected setState(slot: number, state: number, length = 0): void {
    if (state === FULL) Atomics.store(this.control, this.layout.slots + slot, length);
    Atomics.store(this.control, slot, state);
    Atomics.notify(this.control, slot);
    this.changed();
  }

  protected usedWords(slot: number): number {
    return Atomics.load(this.control, this.layout.slots + slot);
  }
}

/**
 * The writing end. `room(n)` hands out word indexes in the current slot; when a slot is full it
 * is published, and a fresh slot is waited for with `waitFree` (a thread that may block simply
 * blocks; the main thread drains its other ring meanwhile).
 */
export class SlotWriter extends SlotRing {
  private slot = 0;
  private at = 0;
  private slotEnd: number;
  private fresh = true;

  constructor(
    sab: SharedArrayBuffer,
    layout: RingLayout,
    /** Returns once `isFree()` may be true; called in a loop until it is. */
    private readonly waitFree: (ring: SlotWriter) => void = (ring) => ring.blockUntilFree(1000),
  ) {
    super(sab, layout);
    this.slotEnd = this.slotWords;
  }

  /** Whether the slot the next record goes to is free. */
  isFree(): boolean {
    return !this.isFull(this.slot);
  }

  /** Blocks this thread until the next slot is freed, or `ms` pass. */
  blockUntilFree(ms: number): void {
    const t0 = performance.now();
    Atomics.wait(this.control, this.slot, FULL, ms);
    this.waitedMs += performance.now() - t0;
  }

  /** Room for `n` words; returns the index of the first. */
  room(n: number): number {
    if (this.at + n > this.slotEnd) {
      if (n > this.slotWords) throw new RangeError(`a record of ${n * 4} bytes does not fit a slot of ${this.layout.slotBytes}`);
      this.publish();
    }
    if (this.fresh) {
      while (this.isFull(this.slot)) this.waitFree(this);
      this.fresh = false;
    }
    const at = this.at;
    this.at += n;
    return at;
  }

  /** Hands the current slot (if anything is in it) to the reader. */
  publish(): void {
    const base = this.slot * this.slotWords;
    if (this.at === base) return;
    this.setState(this.slot, FULL, this.at - base);
    this.slot = (this.slot + 1) % this.layout.slots;
    this.at = this.slot * this.slotWords;
    this.slotEnd = this.at + this.slotWords;
    this.fresh = true;
  }
}

/** The reading end: the published slots in order. */
export class SlotReader extends SlotRing {
  private slot = 0;

  /** Whether the next slot is published. */
  ready(): boolean {
    return this.isFull(this.slot);
  }

  /** Blocks this thread until the next slot is published, or `ms` pass. */
  blockUntilReady(ms: number): void {
    const t0 = performance.now();
    Atomics.wait(this.control, this.slot, FREE, ms);
    this.waitedMs += performance.now() - t0;
  }

  /**
   * Waits without blocking the event loop until the next slot is published; false when
   * `cancelled` resolves first and nothing was published.
   */
  async whenReady(cancelled: Promise<unknown>): Promise<boolean> {
    for (;;) {
      if (this.ready()) return true;
      const w = waitAsync(this.control, this.slot, FREE, 1000);
      if (w.async) {
        const t0 = performance.now();
        const woke = await Promise.race([w.value.then(() => true), cancelled.then(() => false)]);
        this.waitedMs += performance.now() - t0;
        // Cancelled: the writer may still have published this slot (its last) just before.
        if (!woke) return this.ready();
      }
    }
  }

  /** The words of the published slot: [start, end) of `words`. Call `release()` when done. */
  span(): [number, number] {
    const base = this.slot * this.slotWords;
    return [base, base + this.usedWords(this.slot)];
  }

  /** Frees the slot read last. */
  release(): void {
    this.setState(this.slot, FREE);
    this.slot = (this.slot + 1) % this.layout.slots;
  }
}
