/**
 * The clock and the agenda of a discrete-event simulation (bench/gen-realistic.ts): actions run
 * in time order, actions due at the same time in the order they were scheduled. A binary heap.
 */
interface Event {
  time: number;
  order: number;
  run: () => void;
}

export class EventQueue {
  /** The simulated time (µs) of the action running, or of the last one run. */
  now = 0;
  private readonly heap: Event[] = [];
  private scheduled = 0;

  /** Runs `run` at `time` (µs; not before now). */
  at(time: number, run: () => void): void {
    this.push({ time: Math.max(time, this.now), order: this.scheduled++, run });
  }

  /** Runs `run` `delay` µs from now. */
  after(delay: number, run: () => void): void {
    this.at(this.now + delay, run);
  }

  get size(): number {
    return this.heap.length;
  }

  /** Runs the next action; false when there is none. */
  runNext(): boolean {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return false;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.down(0);
    }
    this.now = top.time;
    top.run();
    return true;
  }

  private static before(a: Event, b: Event): boolean {
    return a.time < b.time || (a.time === b.time && a.order < b.order);
  }

  private push(e: Event): void {
    const heap = this.heap;
    let i = heap.push(e) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!EventQueue.before(e, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = e;
  }

  private down(i: number): void {
    const heap = this.heap;
    const e = heap[i]!;
    const n = heap.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && EventQueue.before(heap[right]!, heap[left]!) ? right : left;
      if (!EventQueue.before(heap[child]!, e)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = e;
  }
}
