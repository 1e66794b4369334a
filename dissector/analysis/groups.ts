/**
 * Group membership over time, as the server manages it (WIRE.md section 5): a connected client
 * is in exactly one group, the Public Group (1) or one private group (2..254). Every change is
 * one event (frame, group, client, joined|left, reason); the timeline is sorted by frame, and
 * `membersAt` replays it. Events are rare next to frames, so they are plain records.
 */
import { PUBLIC_GROUP } from "../../src/protocol/fields.js";
import { inIdClass } from "../../src/protocol/ids.js";

export type MembershipReason =
  | "connect" // Connection Accept: into the Public Group
  | "list" // a User List Response entry showed the client in this group
  | "update" // an Update List entry showed the client in this group
  | "create" // Group Creation Accept: creator and the invitees that had accepted
  | "invitation" // Group Invitation Accept into an existing group
  | "disjoint" // Group Disjoint Request: back to the Public Group
  | "dissolution" // Group Dissolution: back to the Public Group
  | "disconnect" // Disconnection Request
  | "update_disconnection" // Update Disconnection
  | "forced" // forced disconnection (all transmissions from the server unanswered)
  | "reused"; // the client ID was given to someone else (a departure the capture missed)

export interface GroupEvent {
  readonly frame: number;
  readonly group: number;
  readonly client: number;
  readonly kind: "joined" | "left";
  readonly reason: MembershipReason;
  /** Known only once later frames were seen (a forced disconnection dated back to its last transmission). */
  readonly late: boolean;
  /**
   * Which lifetime of the group (1, 2, ...): a private group's ID is reused once the group is
   * dissolved, and each creation starts a new group. Always 1 for the Public Group.
   */
  readonly lifetime: number;
}

/** One private group from its creation (or first sight) to its dissolution. */
export interface GroupLifetime {
  readonly group: number;
  /** 1 for the first group with this ID in the capture, 2 for the next... */
  readonly lifetime: number;
  /** Frame of its creation (or of the first frame that showed it, in a capture that starts late). */
  readonly start: number;
  /** Frame of its dissolution (its last member left), or null while it lives. */
  end: number | null;
}

export class Membership {
  /** Current group per client ID (0 = not in any group). */
  private readonly current = new Uint8Array(256);
  events: GroupEvent[] = [];
  /** Group of each client after the forgotten events (retention.ts): where a replay starts. */
  private readonly base = new Uint8Array(256);
  /** Private groups that exist now. */
  private readonly alive = new Uint8Array(256);
  /** Every private group's lifetimes, in order of their start. */
  readonly lifetimes: GroupLifetime[] = [];
  /** Lifetimes started per group ID. */
  private readonly started = new Uint16Array(256);
  /** Index in `lifetimes` of each group ID's latest lifetime, or -1. */
  private readonly latest = new Int32Array(256).fill(-1);

  groupOf(client: number): number {
    return this.current[client] ?? 0;
  }

  isAlive(group: number): boolean {
    return this.alive[group] === 1;
  }

  /** A private group starts (creation) or ends (dissolution) at `frame`. */
  setAlive(group: number, alive: boolean, frame = 0): void {
    if (!inIdClass(group, "private") || (this.alive[group] === 1) === alive) return;
    this.alive[group] = alive ? 1 : 0;
    if (alive) {
      const lifetime = ++this.started[group]!;
      this.latest[group] = this.lifetimes.length;
      this.lifetimes.push({ group, lifetime, start: frame, end: null });
    } else {
      const cur = this.latest[group]!;
      if (cur >= 0) this.lifetimes[cur]!.end = frame;
    }
  }

  /** The lifetime of a group ID that a frame falls in (the latest one started by then; the first before it; 0: none). */
  lifetimeAt(group: number, frame: number): number {
    if (!inIdClass(group, "private")) return 1;
    let found = 0;
    for (let i = this.latest[group]!; i >= 0; i--) {
      const l = this.lifetimes[i]!;
      if (l.group !== group) continue;
      if (l.start <= frame) return l.lifetime;
      found = l.lifetime;
    }
    // Before the first lifetime started: the first (its members were seen before its creation).
    return found;
  }

  /** The current lifetime of a group ID (0: never seen). */
  private currentLifetime(group: number): number {
    if (!inIdClass(group, "private")) return 1;
    return this.started[group]!;
  }

  /** Moves a client into a group (leaving its current one); no event when it is there already. */
  join(frame: number, client: number, group: number, reason: MembershipReason, late = false): void {
    if (!inIdClass(client, "client") || !(inIdClass(group, "public") || inIdClass(group, "private"))) return;
    const cur = this.current[client]!;
    if (cur === group) return;
    if (cur !== 0) this.push({ frame, group: cur, client, kind: "left", reason, late, lifetime: this.currentLifetime(cur) });
    this.current[client] = group;
    if (group !== PUBLIC_GROUP) this.setAlive(group, true, frame);
    this.push({ frame, group, client, kind: "joined", reason, late, lifetime: this.currentLifetime(group) });
  }

  /** Removes a client from its group (disconnection). */
  leave(frame: number, client: number, reason: MembershipReason, late = false): void {
    if (!inIdClass(client, "client")) return;
    const cur = this.current[client]!;
    if (cur === 0) return;
    this.current[client] = 0;
    this.push({ frame, group: cur, client, kind: "left", reason, late, lifetime: this.currentLifetime(cur) });
  }

  /** Clients in a private group now. */
  membersNow(group: number): number[] {
    const out: number[] = [];
    for (let c = 1; c < 256; c++) if (this.current[c] === group) out.push(c);
    return out;
  }

  private push(ev: GroupEvent): void {
    const list = this.events;
    if (list.length === 0 || list[list.length - 1]!.frame <= ev.frame) {
      list.push(ev);
      return;
    }
    // A late event dated back: keep the timeline sorted by frame (stable after equal frames).
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid]!.frame <= ev.frame) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, ev);
  }

  /** Index of the first event at or after `frame`. */
  private firstAt(frame: number): number {
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.events[mid]!.frame < frame) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Events of one frame. */
  eventsAt(frame: number): GroupEvent[] {
    const out: GroupEvent[] = [];
    for (let i = this.firstAt(frame); i < this.events.length && this.events[i]!.frame === frame; i++) out.push(this.events[i]!);
    return out;
  }

  /**
   * Forgets the events up to `frame` (folded into the replay's starting point) and the lifetimes
   * that ended by then.
   */
  forgetThrough(frame: number): void {
    let n = 0;
    while (n < this.events.length && this.events[n]!.frame <= frame) {
      const ev = this.events[n++]!;
      if (ev.kind === "joined") this.base[ev.client] = ev.group;
      else if (this.base[ev.client] === ev.group) this.base[ev.client] = 0;
    }
    if (n > 0) this.events = this.events.slice(n);
    const kept = this.lifetimes.filter((l) => l.end === null || l.end > frame);
    if (kept.length === this.lifetimes.length) return;
    this.lifetimes.length = 0;
    this.latest.fill(-1);
    for (const l of kept) {
      this.latest[l.group] = this.lifetimes.length;
      this.lifetimes.push(l);
    }
  }

  /** Clients in `group` after frame `frame` (default: at the end), ascending by ID. */
  membersAt(group: number, frame = Number.MAX_SAFE_INTEGER): number[] {
    const inGroup = new Uint8Array(256);
    for (let c = 1; c < 256; c++) if (this.base[c] === group) inGroup[c] = 1;
    for (const ev of this.events) {
      if (ev.frame > frame) break;
      if (ev.group !== group) continue;
      inGroup[ev.client] = ev.kind === "joined" ? 1 : 0;
    }
    const out: number[] = [];
    for (let c = 1; c < 256; c++) if (inGroup[c]) out.push(c);
    return out;
  }

  /** Group of a client after frame `frame` (0: none). */
  groupAt(client: number, frame = Number.MAX_SAFE_INTEGER): number {
    let g = this.base[client]!;
    for (const ev of this.events) {
      if (ev.frame > frame) break;
      if (ev.client !== client) continue;
      g = ev.kind === "joined" ? ev.group : g === ev.group ? 0 : g;
    }
    return g;
  }

  get bytes(): number {
    return this.events.length * 80 + this.lifetimes.length * 48 + 1536;
  }
}
