/**
 * The log's rate limit: a token bucket per kind of event (`rate` lines a second, bursts of
 * `rate`) and one for all kinds (`TOTAL_KINDS x rate`), on the server's clock. What is held back
 * is counted per kind and reported once a second in one "suppressed" line, so a flood of one
 * kind of event (a junk datagram per microsecond) costs a few lines a second, never a line each.
 * The counters are not affected: they count every event.
 */
import type { Clock, TimerHandle } from "../arq/clock.js";

/** The bucket for all kinds together holds this many kinds' worth of lines. */
export const TOTAL_KINDS = 4;

/** Events that are always written (start, stop, and the summaries themselves). */
const EXEMPT: ReadonlySet<string> = new Set(["listening", "stopped", "suppressed"]);

interface Bucket {
  tokens: number;
  at: number;
}

export class LogLimiter {
  private readonly kinds = new Map<string, Bucket>();
  private readonly total: Bucket;
  private readonly suppressed = new Map<string, number>();
  private timer: TimerHandle | null = null;
  /** Events held back since the start. */
  count = 0;

  constructor(
    private readonly rate: number,
    private readonly clock: Clock,
    /** Writes the summary: kind -> events held back in the last second or so. */
    private readonly report: (counts: Record<string, number>) => void,
  ) {
    this.total = { tokens: rate * TOTAL_KINDS, at: clock.now() };
  }

  /** True when an event of this kind may be written now (its token is taken); false counts it as held back. */
  admit(kind: string): boolean {
    if (EXEMPT.has(kind)) return true;
    const now = this.clock.now();
    let b = this.kinds.get(kind);
    if (!b) this.kinds.set(kind, (b = { tokens: this.rate, at: now }));
    refill(b, now, this.rate, this.rate);
    refill(this.total, now, this.rate * TOTAL_KINDS, this.rate * TOTAL_KINDS);
    if (b.tokens >= 1 && this.total.tokens >= 1) {
      b.tokens--;
      this.total.tokens--;
      return true;
    }
    this.count++;
    this.suppressed.set(kind, (this.suppressed.get(kind) ?? 0) + 1);
    this.timer ??= this.clock.setTimer(1000, () => {
      this.timer = null;
      this.flush();
    });
    return false;
  }

  /** Reports what was held back and not yet reported (also on close). */
  flush(): void {
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = null;
    if (this.suppressed.size === 0) return;
    const counts = Object.fromEntries(this.suppressed);
    this.suppressed.clear();
    this.report(counts);
  }
}

function refill(b: Bucket, now: number, rate: number, cap: number): void {
  if (now <= b.at) return;
  b.tokens = Math.min(cap, b.tokens + ((now - b.at) / 1000) * rate);
  b.at = now;
}
