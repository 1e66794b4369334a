/**
 * Flood mode (docs/PROTOCOL.md 5.1): once the server drops `threshold` datagrams within a second
 * (junk, strangers, forged sources), every validated client gets a socket of its own (the
 * transport's `dedicate`), so the flood, which fills the main socket's receive queue, neither
 * drops nor delays their datagrams. After FLOOD_QUIET_SECONDS seconds in a row below the
 * threshold the sockets are closed again: outside a flood a socket per client only costs the
 * event loop an empty read per datagram.
 *
 * Counting costs an increment per dropped datagram (no clock read, no allocation); a one-second
 * timer runs only while datagrams are being dropped or the mode is on.
 */
import type { Clock, TimerHandle } from "../arq/clock.js";

/** Seconds in a row below the threshold that end flood mode. */
export const FLOOD_QUIET_SECONDS = 10;

export interface FloodHooks {
  /** The threshold was reached: flood mode starts. */
  start(): void;
  /** FLOOD_QUIET_SECONDS quiet seconds: flood mode ends. */
  end(): void;
}

export class FloodGuard {
  /** True while in flood mode. */
  active = false;
  /** Datagrams dropped in the current one-second window. */
  private count = 0;
  private quiet = 0;
  private timer: TimerHandle | null = null;

  constructor(
    /** Dropped datagrams within one second that start flood mode (at least 1). */
    private readonly threshold: number,
    private readonly clock: Clock,
    private readonly hooks: FloodHooks,
  ) {}

  /** Counts one dropped datagram. */
  dropped(): void {
    if (++this.count === this.threshold && !this.active) {
      this.active = true;
      this.quiet = 0;
      this.hooks.start();
    }
    if (this.timer === null) this.timer = this.clock.setTimer(1000, this.tick);
  }

  /** Stops the timer (server closing). */
  close(): void {
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
  }

  private readonly tick = (): void => {
    this.timer = null;
    const n = this.count;
    this.count = 0;
    if (!this.active) return; // the next dropped datagram starts a new window
    if (n >= this.threshold) this.quiet = 0;
    else if (++this.quiet >= FLOOD_QUIET_SECONDS) {
      this.active = false;
      this.hooks.end();
      return;
    }
    this.timer = this.clock.setTimer(1000, this.tick);
  };
}
