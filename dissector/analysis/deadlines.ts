/**
 * Deadlines in capture time: a forced disconnection pending after the last transmission (one RTO
 * later it is confirmed), an acknowledged invitation waiting for its answer (the time-out). The
 * analysis has no clock: a deadline fires when a frame later than it is added, or at the end.
 * Bounded by what can be pending: one per conversation and one per open invitation.
 */
export interface Deadline {
  readonly at: number;
  /** Conversation with a pending forced disconnection, or -1 (then `txn` is an invitation). */
  readonly conv: number;
  readonly txn: number;
  /** The frame that set it (the last transmission, or the invitee's ACK). */
  readonly frame: number;
}

export class Deadlines {
  private list: Deadline[] = [];
  /** The earliest deadline (infinity: none). */
  next = Number.POSITIVE_INFINITY;

  add(d: Deadline): void {
    this.list.push(d);
    if (d.at < this.next) this.next = d.at;
  }

  /** Time `t` is past `next`: fires what expired and is still live, keeps the rest. */
  expire(t: number, live: (d: Deadline) => boolean, fire: (d: Deadline) => void): void {
    const keep: Deadline[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const d of this.list) {
      if (!live(d)) continue;
      if (t > d.at) {
        fire(d);
        continue;
      }
      keep.push(d);
      if (d.at < next) next = d.at;
    }
    this.list = keep;
    this.next = next;
  }

  /** Takes every deadline out (the end of the capture). */
  drain(): Deadline[] {
    const all = this.list;
    this.list = [];
    this.next = Number.POSITIVE_INFINITY;
    return all;
  }

  get size(): number {
    return this.list.length;
  }
}
