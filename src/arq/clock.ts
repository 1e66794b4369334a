/**
 * Time as the ARQ and the server see it. The system clock uses real timers; the manual clock
 * advances only when told to, so tests and the fuzzer run 500 ms and 15 s timers in no time.
 */
/** Opaque: what setTimer returned, to give back to clearTimer. */
export type TimerHandle = object;

export interface Clock {
  /** Milliseconds on this clock's own time line. */
  now(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** Real time. The handle is Node's own Timeout object: no bookkeeping per timer (a busy server sets one per datagram). */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: (ms, fn) => setTimeout(fn, ms),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface PendingTimer {
  id: number;
  at: number;
  seq: number;
  fn: () => void;
}

/** A clock that moves only through `advance`; timers fire in time order, ties in creation order. */
export class ManualClock implements Clock {
  private time = 0;
  private nextId = 1;
  private nextSeq = 0;
  private readonly timers = new Map<number, PendingTimer>();

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.time + Math.max(0, ms), seq: this.nextSeq++, fn });
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete((handle as { id: number }).id);
  }

  /** Number of timers waiting to fire. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due (including ones set while firing). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.earliest();
      if (!due || due.at > end) break;
      this.timers.delete(due.id);
      this.time = due.at;
      due.fn();
    }
    this.time = end;
  }

  /** Fires the next timer, whenever it is due; returns false when none is left. */
  runNext(): boolean {
    const due = this.earliest();
    if (!due) return false;
    this.advance(due.at - this.time);
    return true;
  }

  private earliest(): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.timers.values()) {
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
