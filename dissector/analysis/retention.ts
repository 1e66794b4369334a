/**
 * Bounded analysis state for endless streams (`imp read -`, `imp sniff`): what is older than the
 * state window (seconds of capture time) is forgotten, as a sweep every few thousand frames (or a
 * quarter of the window of capture time): the frames' columns, conversations idle since then
 * (their outstanding message is never acknowledged, as at the end of a capture; their row is
 * taken again by a new address pair), transactions requested before it (unanswered), membership
 * events (folded into the replay's start), ended group lifetimes, and endpoints nothing holds any
 * more. Hard caps bound a flood that fits in the window: at most `maxFrames` frames and
 * `maxConversations` conversations (the least recently seen go first).
 *
 * Off by default (window infinity): a file read whole keeps everything, for the final view.
 */
import type { ArqLinks } from "./arq-links.js";
import type { AnalysisContext } from "./context.js";
import type { GroupSemantics } from "./group-semantics.js";
import { O_PENDING, O_UNANSWERED } from "./transactions.js";

/** Frames between two sweeps at most. */
export const SWEEP_FRAMES = 4096;
/** Defaults of the hard caps once a window is set. */
export const DEFAULT_MAX_FRAMES = 262_144;
export const DEFAULT_MAX_CONVERSATIONS = 65_536;

export interface RetentionLimits {
  /** Seconds of capture time; Infinity: nothing is forgotten. */
  readonly window: number;
  readonly maxFrames: number;
  readonly maxConversations: number;
}

/** Entries held per kind (`ConversationAnalyzer.heldEntries()`). */
export interface HeldEntries {
  frames: number;
  conversations: number;
  earlierMessages: number;
  endpoints: number;
  transactions: number;
  /** Pending creations, invitations and Connection Requests awaiting their answer. */
  pending: number;
  groupEvents: number;
  groupLifetimes: number;
  deadlines: number;
}

export class Retention {
  /** (frame, time) at each sweep, oldest first: where the window starts. */
  private samples: { frame: number; time: number }[] = [];
  private lastSweepFrame = 0;
  private nextSweepTime = Number.NEGATIVE_INFINITY;
  /** Sweeps run, conversations and endpoints forgotten (for tests and reports). */
  sweeps = 0;
  forgottenConversations = 0;
  forgottenEndpoints = 0;

  constructor(
    private readonly ctx: AnalysisContext,
    private readonly links: ArqLinks,
    private readonly groups: GroupSemantics,
    readonly limits: RetentionLimits,
    /** Called when endpoints were forgotten (a cache of endpoint ids must go). */
    private readonly onEndpointsForgotten: () => void,
  ) {}

  get enabled(): boolean {
    return Number.isFinite(this.limits.window) || Number.isFinite(this.limits.maxFrames) || Number.isFinite(this.limits.maxConversations);
  }

  /** What is held now; `pendingGroups`: the group room's pending entries. */
  held(pendingGroups: number): HeldEntries {
    const { frames, convs, txs, deadlines, names, membership } = this.ctx;
    let earlier = 0;
    for (const list of convs.earlier.values()) earlier += list.length;
    return {
      frames: frames.last - frames.floor,
      conversations: convs.live,
      earlierMessages: earlier,
      endpoints: names.liveEndpoints,
      transactions: txs.count - txs.floor,
      pending: pendingGroups + names.pendingName.size,
      groupEvents: membership.events.length,
      groupLifetimes: membership.lifetimes.length,
      deadlines: deadlines.size,
    };
  }

  /** Whether a sweep is due after frame `f` at time `t`. */
  due(f: number, t: number): boolean {
    return f - this.lastSweepFrame >= SWEEP_FRAMES || t >= this.nextSweepTime;
  }

  /** Forgets what is older than the window, or beyond the caps, after frame `f` at time `t`. */
  sweep(f: number, t: number): void {
    const { frames, convs, txs, membership, names } = this.ctx;
    const { window, maxFrames, maxConversations } = this.limits;
    convs.trackRows();
    const seen = convs.seen!;
    this.sweeps++;
    this.lastSweepFrame = f;
    this.nextSweepTime = Number.isFinite(window) ? t + window / 4 : Number.POSITIVE_INFINITY;
    this.samples.push({ frame: f, time: t });
    let floor = frames.floor;
    let i = 0;
    while (i < this.samples.length && this.samples[i]!.time < t - window) floor = Math.max(floor, this.samples[i++]!.frame);
    if (i > 0) this.samples = this.samples.slice(i);
    floor = Math.max(floor, f - maxFrames);

    // Conversations: idle since the floor, and the least recently seen beyond the cap.
    let forgot = 0;
    if (convs.live > maxConversations) {
      const rows: number[] = [];
      for (let c = 0; c < convs.count; c++) if (convs.inUse(c)) rows.push(c);
      rows.sort((x, y) => seen[x]! - seen[y]!);
      const excess = rows.length - Math.floor((maxConversations * 3) / 4);
      for (let k = 0; k < excess; k++) floor = Math.max(floor, seen[rows[k]!]!);
    }
    if (floor <= frames.floor) return;
    for (let c = 0; c < convs.count; c++) {
      if (seen[c]! !== 0 && seen[c]! <= floor && convs.inUse(c)) {
        this.links.forget(c);
        forgot++;
      }
    }
    this.forgottenConversations += forgot;

    // Transactions requested by then: a pending one is unanswered.
    let tf = txs.floor;
    while (tf < txs.count && txs.req.get(tf) <= floor) {
      if (txs.outcome.get(tf) === O_PENDING) txs.outcome.set(tf, O_UNANSWERED);
      tf++;
    }
    this.groups.forgetBelow(tf);
    txs.forgetBelow(tf);
    frames.forgetThrough(floor);
    membership.forgetThrough(floor);

    if (forgot > 0) {
      const live = new Uint8Array(names.endpointCount);
      for (let c = 0; c < convs.count; c++) {
        if (!convs.inUse(c)) continue;
        live[convs.a[c]!] = 1;
        live[convs.b[c]!] = 1;
      }
      for (const ep of [...names.pendingName.keys()]) if (live[ep] !== 1) names.pendingName.delete(ep);
      const n = names.forgetEndpoints((ep) => live[ep] === 1);
      if (n > 0) {
        this.forgottenEndpoints += n;
        this.onEndpointsForgotten();
      }
    }
  }
}
