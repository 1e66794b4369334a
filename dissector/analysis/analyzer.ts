/**
 * Conversation analysis over a whole capture, as Wireshark's tcp.analysis does for TCP
 * (WIRE.md sections 3 to 6): which frame acknowledges which, retransmissions, duplicate and stale
 * ACKs, unacknowledged messages, forced disconnections, request/response pairs, names and group
 * membership over time.
 *
 * Frames are added one at a time in capture order. Nothing of a frame is kept but a few numbers
 * in typed-array columns indexed by frame number; state is per conversation (one ARQ direction:
 * sender address -> receiver address). What a frame shows when it is added (its first-pass view,
 * for a streaming reader) never changes; what later frames teach about it (acked_in, response_in,
 * unacked, forced disconnection, invitation time-out) is written back into separate columns and
 * is complete after `finish()` (its final view, as tshark -2).
 *
 * This class only routes: each datagram goes to the ARQ room (arq-links.ts), then, when it is a
 * new message, to the semantics (semantics.ts, group-semantics.ts); deadlines.ts confirms what
 * time tells; statistics.ts and frame-view.ts read the shared state (context.ts).
 */
import type { Decoded } from "../../src/codec/message.js";
import { MSG } from "../../src/protocol/messages.js";
import { MESSAGES, type MessageSpec } from "../../src/protocol/messages.js";
import { PROBLEMS } from "../../src/protocol/problems.js";
import { Endpoint as CaptureEndpoint } from "../capture/endpoint.js";
import { ArqLinks } from "./arq-links.js";
import { FRAME_CHUNK_BITS } from "./columns.js";
import type { AnalysisContext } from "./context.js";
import { ConversationTable } from "./conversations.js";
import { type Deadline, Deadlines } from "./deadlines.js";
import { fingerprint } from "./fingerprint.js";
import {
  F_FIRST_NOTES,
  F_INVTIMEOUT,
  F_SEQNF,
  FrameTable,
  I_ACK,
  I_DROPPED,
  I_MALFORMED,
  I_PRESENT,
  I_SEQ,
  I_TYPE,
} from "./frame-table.js";
import { frameAnalysis } from "./frame-view.js";
import { type GroupEvent, type GroupLifetime, Membership } from "./groups.js";
import { type Endpoint, NameBook } from "./names.js";
import { DEFAULT_MAX_CONVERSATIONS, DEFAULT_MAX_FRAMES, type HeldEntries, Retention } from "./retention.js";
import { Semantics } from "./semantics.js";
import { captureStats, conversationSummaries } from "./statistics.js";
import { O_PENDING, O_TIMEOUT, O_UNANSWERED, TransactionTable } from "./transactions.js";
import { F_NORESP } from "./frame-table.js";
import type {
  AnalysisInput,
  AnalysisStats,
  AnalysisView,
  AnalyzerOptions,
  ConversationSummary,
  FrameAnalysis,
  Transaction,
} from "./types.js";

/** The codes of the types a predicate holds for. */
const codesWhere = (test: (m: MessageSpec) => boolean): ReadonlySet<number> => new Set(MESSAGES.filter(test).map((m) => m.code));
/** Types only the server sends / only the server receives (non-ACK), from the table's directions. */
const SERVER_SENDS = codesWhere((m) => m.directions.every((d) => d === "S→C"));
const SERVER_RECEIVES = codesWhere((m) => m.directions.every((d) => d === "C→S"));
const DROPPED_PROBLEMS = new Set(
  Object.values(PROBLEMS)
    .filter((p) => p.dropped)
    .map((p) => p.id),
);

export class ConversationAnalyzer {
  readonly names: NameBook;
  readonly membership = new Membership();
  private readonly ctx: AnalysisContext;
  private readonly frameTable: FrameTable;
  private readonly links: ArqLinks;
  private readonly semantics: Semantics;
  /** What is forgotten of an endless stream (off unless a state window is set). */
  readonly retention: Retention;
  /** Endpoint ids of the capture layer's shared endpoints (see endpointId). */
  private readonly endpointIds = new Map<CaptureEndpoint, number>();

  private lastTime = 0;
  private finishedFlag = false;
  /** Exceptions caught in add() (a bug, never expected; the frame is skipped). */
  internalErrors = 0;
  /** Frames refused because their number was not above the previous one. */
  refusedFrames = 0;

  constructor(options: AnalyzerOptions = {}) {
    this.names = new NameBook(options.serverPort);
    const rto = options.rto ?? 0.5;
    this.frameTable = new FrameTable(options.frameChunkBits ?? FRAME_CHUNK_BITS);
    this.ctx = {
      frames: this.frameTable,
      txs: new TransactionTable(this.frameTable),
      convs: new ConversationTable(),
      names: this.names,
      membership: this.membership,
      deadlines: new Deadlines(),
      rto,
      retries: options.retries ?? 5,
      invitationTimeout: options.invitationTimeout ?? 15,
      spuriousWindow: options.spuriousWindow ?? 2 * rto,
    };
    this.links = new ArqLinks(this.ctx);
    this.semantics = new Semantics(this.ctx, this.links);
    const window = options.stateWindow ?? Number.POSITIVE_INFINITY;
    const bounded = Number.isFinite(window);
    this.retention = new Retention(
      this.ctx,
      this.links,
      this.semantics.groups,
      {
        window,
        maxFrames: options.stateMaxFrames ?? (bounded ? DEFAULT_MAX_FRAMES : Number.POSITIVE_INFINITY),
        maxConversations: options.stateMaxConversations ?? (bounded ? DEFAULT_MAX_CONVERSATIONS : Number.POSITIVE_INFINITY),
      },
      () => this.endpointIds.clear(),
    );
    if (this.retention.enabled) this.ctx.convs.trackRows();
  }

  get finished(): boolean {
    return this.finishedFlag;
  }

  /** Number of frames added. */
  get frames(): number {
    return this.frameTable.count;
  }

  /** Highest frame number added. */
  get lastFrame(): number {
    return this.frameTable.last;
  }

  // ---------------------------------------------------------------- input

  /** Adds the next IMP datagram of the capture. Never throws. */
  add(input: AnalysisInput): void {
    const f = input.frame;
    if (!Number.isInteger(f) || f <= 0 || this.finishedFlag) return;
    if (f <= this.frameTable.last) {
      // Frames come in capture order, each once: a repeated or earlier number is refused.
      this.refusedFrames++;
      return;
    }
    try {
      this.addFrame(input, f);
      const t = this.lastTime;
      if (this.retention.enabled && this.retention.due(f, t)) this.retention.sweep(f, t);
    } catch {
      this.internalErrors++;
    }
  }

  private addFrame(input: AnalysisInput, f: number): void {
    const F = this.frameTable;
    const t = Number.isFinite(input.time) ? input.time : this.lastTime;
    F.last = f;
    this.lastTime = t;
    F.count++;
    if (t > this.ctx.deadlines.next) this.expire(t);

    const names = this.names;
    const srcEp = this.endpointId(input.src);
    const dstEp = this.endpointId(input.dst);
    const conv = this.ctx.convs.get(srcEp, dstEp);
    const seen = this.ctx.convs.seen;
    if (seen) seen[conv] = f;
    F.conv.set(f, conv);
    F.time.set(f, t);
    F.len.set(f, Math.min(input.decoded.length, 0xffff));

    const d = input.decoded;
    const m = d.message;
    if (!m) {
      F.info.set(f, I_PRESENT | I_MALFORMED);
      return;
    }
    const info = I_PRESENT | (m.type & I_TYPE) | (m.seq ? I_SEQ : 0) | (m.ack ? I_ACK : 0);
    if (d.layout === null || (d.problems.length > 0 && isDropped(d))) {
      F.info.set(f, info | I_DROPPED);
      return;
    }
    // WIRE.md section 5, "who may speak": the server takes a datagram only from the address
    // registered for its Source ID; one from an address that holds another ID is dropped.
    if (m.src > 0 && m.type !== MSG.connRequest && names.isServer(dstEp) && !names.isServer(srcEp)) {
      const held = names.clientAt(srcEp, f, true);
      if (held !== 0 && held !== m.src && this.membership.groupOf(held) !== 0) {
        F.info.set(f, info | I_DROPPED);
        return;
      }
    }
    F.info.set(f, info);

    if (m.ack === 1) {
      this.links.onAck(f, t, conv, m);
      return;
    }
    if (SERVER_SENDS.has(m.type)) names.markServer(srcEp, f);
    else if (SERVER_RECEIVES.has(m.type)) names.markServer(dstEp, f);
    const fp = fingerprint(d, input.bytes) | 0;
    const outside = this.links.onMessage(f, t, conv, srcEp, m, fp);
    if (outside !== null) this.semantics.onMessage(f, conv, srcEp, dstEp, m, outside);
  }

  /**
   * The endpoint id of an address. The capture layer shares one immutable Endpoint per IPv4
   * address and port: those are looked up by identity (no address text to make and parse).
   */
  private endpointId(e: Endpoint): number {
    if (!(e instanceof CaptureEndpoint) || typeof e.rawAddress !== "number") return this.names.endpoint(e.ip, e.port);
    let id = this.endpointIds.get(e);
    if (id === undefined) {
      id = this.names.endpoint(e.ip, e.port);
      if (this.endpointIds.size >= 65536) this.endpointIds.clear();
      this.endpointIds.set(e, id);
    }
    return id;
  }

  // ---------------------------------------------------------------- timers

  /** Time has passed the next deadline: confirms what expired, keeps the rest. */
  private expire(t: number): void {
    this.ctx.deadlines.expire(
      t,
      (d) => this.deadlineLive(d),
      (d) => this.fire(d),
    );
  }

  private deadlineLive(d: Deadline): boolean {
    if (d.conv >= 0) return this.links.forcedLive(d);
    return this.ctx.txs.held(d.txn) && this.ctx.txs.outcome.get(d.txn) === O_PENDING;
  }

  private fire(d: Deadline): void {
    if (d.conv >= 0) {
      this.links.fireForced(d);
      return;
    }
    this.ctx.txs.outcome.set(d.txn, O_TIMEOUT);
    this.frameTable.flagsL.or(this.ctx.txs.req.get(d.txn), F_INVTIMEOUT);
  }

  // ---------------------------------------------------------------- end

  /** No more frames: settles what only the end can tell (unacked, unanswered, forced). */
  finish(): void {
    if (this.finishedFlag) return;
    for (const d of this.ctx.deadlines.drain()) if (d.conv >= 0 && this.links.forcedLive(d)) this.links.fireForced(d);
    this.links.finish();
    const txs = this.ctx.txs;
    for (let i = txs.floor; i < txs.count; i++) {
      if (txs.outcome.get(i) !== O_PENDING) continue;
      txs.outcome.set(i, O_UNANSWERED);
      this.frameTable.flagsL.or(txs.req.get(i), F_NORESP);
    }
    this.finishedFlag = true;
  }

  // ---------------------------------------------------------------- queries

  /**
   * The frame whose Sequence this new message repeats on its link (imp.analysis.seq_not_flipped,
   * known when the frame is added), or 0. Cheaper than fieldsOf for a caller that asks only this
   * (the fuzzer's sequence oracle, on every datagram).
   */
  seqNotFlippedSince(frame: number): number {
    return this.frameTable.flags0.get(frame) & F_SEQNF ? this.frameTable.aux.get(frame) : 0;
  }

  /**
   * Whether a frame has a first-pass sequence or response note (retransmission, duplicate or
   * stale ACK, Sequence not flipped, late answer), by a flag test: a listing that shows these as
   * marks asks fieldsOf only of the frames that have one.
   */
  hasFirstPassNotes(frame: number): boolean {
    return (this.frameTable.flags0.get(frame) & F_FIRST_NOTES) !== 0;
  }

  /** Whether a frame was added. */
  has(frame: number): boolean {
    return this.frameTable.has(frame);
  }

  /** Username of a client as of a frame (default: the latest); `strict` never looks ahead. */
  nameOf(clientId: number, atFrame?: number, strict = false): string | undefined {
    return this.names.nameOf(clientId, atFrame, strict);
  }

  /** A `nameOf` for the Info column and the protocol tree of one frame. */
  nameResolver(atFrame: number, view: AnalysisView = this.finishedFlag ? "final" : "first"): (clientId: number) => string | undefined {
    const strict = view === "first";
    return (id) => this.names.nameOf(id, atFrame, strict);
  }

  /** `alice(1)`, or `1` when unknown, `server` for 0. */
  clientText(clientId: number, atFrame?: number, strict = false): string {
    return this.names.clientText(clientId, atFrame, strict);
  }

  /** "server", a username, or undefined. */
  endpointName(addr: Endpoint, atFrame?: number, strict = false): string | undefined {
    return this.names.endpointName(this.names.findEndpoint(addr), atFrame, strict);
  }

  /** The membership timeline, sorted by frame. */
  get groupEvents(): readonly GroupEvent[] {
    return this.membership.events;
  }

  /** Every private group from its creation to its dissolution (a group ID is reused after it). */
  groupLifetimes(): readonly GroupLifetime[] {
    return this.membership.lifetimes;
  }

  /**
   * Which lifetime of a group ID a frame falls in: the latest started by then (1, 2, ...; the
   * first before it started; 1 for the Public Group; 0 for an ID never seen as a group).
   */
  groupLifetimeAt(group: number, frame: number): number {
    return this.membership.lifetimeAt(group, frame);
  }

  /** Client IDs in `group` after frame `frame` (default: at the end). */
  membersAt(group: number, frame?: number): number[] {
    return this.membership.membersAt(group, frame);
  }

  /** Group of a client after frame `frame` (0: none). */
  groupOf(clientId: number, frame?: number): number {
    return this.membership.groupAt(clientId, frame);
  }

  /** Every request/response pair, in order of the request. */
  transactions(): Transaction[] {
    const out: Transaction[] = [];
    for (let i = this.ctx.txs.floor; i < this.ctx.txs.count; i++) out.push(this.ctx.txs.get(i));
    return out;
  }

  transaction(i: number): Transaction {
    return this.ctx.txs.get(i);
  }

  /** Per conversation (sender address -> receiver address) counts, from the frame columns. */
  conversations(): ConversationSummary[] {
    return conversationSummaries(this.ctx);
  }

  /** Counters and samples over the whole capture (final view). One pass over the columns. */
  stats(): AnalysisStats {
    return captureStats(this.ctx);
  }

  /** How many entries the analysis holds now, per kind (what a state window bounds). */
  heldEntries(): HeldEntries {
    return this.retention.held(this.semantics.groups.entries);
  }

  /** Bytes held by the per-frame and per-transaction columns and the other state (estimate). */
  memoryBytes(): { columns: number; state: number; total: number } {
    const columns = this.frameTable.bytes + this.ctx.txs.bytes;
    const state = this.ctx.convs.bytes + this.names.bytes + this.membership.bytes + this.ctx.deadlines.size * 64;
    return { columns, state, total: columns + state };
  }

  /**
   * The analysis of one frame: its `imp.analysis.*` fields and expert items. The first-pass view
   * is what was known when the frame was added (names as of then, nothing from later frames);
   * the final view adds what later frames told (default once `finish()` was called).
   */
  fieldsOf(frame: number, view: AnalysisView = this.finishedFlag ? "final" : "first"): FrameAnalysis {
    return frameAnalysis(this.ctx, frame, view);
  }
}

function isDropped(d: Decoded): boolean {
  for (const p of d.problems) if (DROPPED_PROBLEMS.has(p.id)) return true;
  return false;
}
