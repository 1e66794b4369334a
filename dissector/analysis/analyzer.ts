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
 */
import type { Decoded, ImpMessage, ListEntry } from "../../src/codec/message.js";
import { PUBLIC_GROUP, typeName } from "../../src/protocol/fields.js";
import { inIdClass } from "../../src/protocol/ids.js";
import { MESSAGES, MSG, messageSpec, type MessageSpec } from "../../src/protocol/messages.js";
import { PROBLEMS } from "../../src/protocol/problems.js";
import { FRAME_CHUNK_BITS, SMALL_CHUNK_BITS, int32, uint16, uint8, float64, type Column } from "./columns.js";
import {
  C_FORCED_PENDING,
  C_FRESH,
  ConversationTable,
  NO_TYPE,
  S_GONE,
  S_NOACK,
  S_NONE,
  S_OUTSTANDING,
  S_SETTLED,
} from "./conversations.js";
import { ANALYSIS_EXPERTS, ANALYSIS_FIELDS, type AnalysisCategory, type AnalysisExpertSpec, type AnalysisFieldSpec } from "./fields.js";
import { fingerprint } from "./fingerprint.js";
import { Membership, type GroupEvent, type MembershipReason } from "./groups.js";
import { NameBook, type Endpoint } from "./names.js";
import { Endpoint as CaptureEndpoint } from "../capture/endpoint.js";
import type { Severity } from "../../src/protocol/problems.js";

export type { Endpoint } from "./names.js";

/** One IMP datagram of the capture, as fed to the analyzer. */
export interface AnalysisInput {
  /** Frame number in the capture, 1-based, increasing. */
  readonly frame: number;
  /** Timestamp in seconds (absolute or relative; only differences matter). */
  readonly time: number;
  readonly src: Endpoint;
  readonly dst: Endpoint;
  readonly decoded: Decoded;
  /** The UDP payload, when at hand: retransmissions are then compared byte for byte (by hash). */
  readonly bytes?: Uint8Array;
  /** `fingerprint(decoded, bytes)`, when the caller has it already (it saw these bytes before). */
  readonly fingerprint?: number | undefined;
}

export interface AnalyzerOptions {
  /**
   * Per-frame columns grow in chunks of 2^bits frames (default 16: 65 536). An analysis of a few
   * dozen frames (the fuzzer analyses each case's exchange) wants small chunks (8).
   */
  frameChunkBits?: number;
  /** Server port (WIRE.md: 1313); the server is also recognised by what it sends and receives. */
  serverPort?: number;
  /** Retransmission timeout in seconds (WIRE.md: 0.5). */
  rto?: number;
  /** Retransmissions after the first transmission (WIRE.md: 5). */
  retries?: number;
  /** Seconds an acknowledged invitation waits for its answer (WIRE.md: 15). */
  invitationTimeout?: number;
  /**
   * An identical message on a pair whose last message was already acknowledged counts as a
   * (spurious) retransmission when it comes within this many seconds of the previous
   * transmission (default 2 x rto); later it is a new message (a fresh session, e.g. a
   * reconnection with the same username).
   */
  spuriousWindow?: number;
}

export interface AnalysisField {
  /** Filter name, `imp.analysis.*`. */
  readonly name: string;
  readonly value: number | string | boolean;
  readonly display: string;
}

export interface AnalysisExpert {
  readonly id: string;
  readonly category: AnalysisCategory;
  readonly severity: Severity;
  readonly text: string;
}

export interface FrameAnalysis {
  readonly fields: AnalysisField[];
  readonly experts: AnalysisExpert[];
}

export type AnalysisView = "first" | "final";

export type TransactionKind = "connect" | "list" | "create" | "invite" | "invite_request";
export type TransactionOutcome = "pending" | "accepted" | "rejected" | "answered" | "timeout" | "unanswered";

/** A request and its response (application level, apart from the ACKs). */
export interface Transaction {
  readonly index: number;
  /**
   * connect: Connection Request -> Accept/Reject; list: User List Request -> Response;
   * create: Group Creation Request -> Group Creation Accept/Reject;
   * invite: Group Invitation Request from the server to an invitee -> the invitee's answer;
   * invite_request: a member's Group Invitation Request -> the answer the server gives the inviter.
   */
  readonly kind: TransactionKind;
  readonly request: number;
  readonly response: number | null;
  readonly outcome: TransactionOutcome;
  /** Seconds from the request's original transmission to the response. */
  readonly rtt: number | null;
  /** The creation (or member's invitation request) an invitation belongs to. */
  readonly parent: number | null;
  /** Requester (connect: the client it got; create: creator) or invitee (invite, invite_request). */
  readonly client: number;
  /** Group concerned (create, invite, invite_request), 0 when unknown. */
  readonly group: number;
  /** invite: frame of the invitee's ACK (the 15 s timer starts there). */
  readonly ackedIn: number | null;
}

export interface ConversationSummary {
  readonly index: number;
  readonly src: Endpoint;
  readonly dst: Endpoint;
  readonly srcName: string | undefined;
  readonly dstName: string | undefined;
  /** Datagrams (all), messages (A=0, first transmissions), ACKs, retransmissions. */
  readonly frames: number;
  readonly messages: number;
  readonly acks: number;
  readonly retransmissions: number;
  readonly bytes: number;
  readonly firstFrame: number;
  readonly lastFrame: number;
}

export interface AnalysisStats {
  readonly frames: number;
  readonly messages: number;
  readonly acks: number;
  readonly retransmissions: number;
  readonly spuriousRetransmissions: number;
  readonly duplicateAcks: number;
  readonly staleAcks: number;
  readonly seqNotFlipped: number;
  readonly unacked: number;
  readonly forcedDisconnections: number;
  readonly invitationTimeouts: number;
  readonly noResponse: number;
  /** Ignored: malformed datagrams and those a conforming receiver drops. */
  readonly ignored: number;
  /** Seconds from original transmission to the ACK (explicit ACKs), in frame order. */
  readonly ackRtts: Float64Array;
  /** Seconds from request to response, per transaction kind. */
  readonly responseTimes: Readonly<Record<TransactionKind, Float64Array>>;
  readonly conversations: readonly ConversationSummary[];
}

// Per-frame info bits.
const I_PRESENT = 0x100;
const I_MALFORMED = 0x200; // no message at all
const I_DROPPED = 0x400; // a conforming receiver drops it: not analysed
const I_ACK = 0x40;
const I_SEQ = 0x20;
const I_TYPE = 0x1f;

// Per-frame flags (first-pass column and later column).
const F_RETX = 1;
const F_SPURIOUS = 2;
const F_DUPACK = 4;
const F_STALE = 8;
const F_SEQNF = 16;
const F_UNACKED = 32;
const F_FORCED = 64;
const F_NORESP = 128;
const F_INVTIMEOUT = 256;
const F_LATE = 512;
const F_CONNECTED = 1024;
const F_REJECTED = 2048;
/** Outcome of a transaction answered by a message of this type. */
const outcomeOf = (type: number): number => (type === MSG.connReject ? O_REJECTED : type === MSG.connAccept ? O_ACCEPTED : O_ANSWERED);

/** The first-pass notes the summary marks in Info: known once the frame is added. */
const F_FIRST_NOTES = F_RETX | F_SPURIOUS | F_DUPACK | F_STALE | F_SEQNF | F_LATE;

const TX_KINDS: readonly TransactionKind[] = ["connect", "connect", "list", "create", "invite", "invite_request"];
const K_CONNECT = 1;
const K_LIST = 2;
const K_CREATE = 3;
const K_INVITE = 4;
const K_INVITE_REQ = 5;
const TX_OUTCOMES: readonly TransactionOutcome[] = ["pending", "accepted", "rejected", "answered", "timeout", "unanswered"];
const O_PENDING = 0;
const O_ACCEPTED = 1;
const O_REJECTED = 2;
const O_ANSWERED = 3;
const O_TIMEOUT = 4;
const O_UNANSWERED = 5;

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

interface Deadline {
  readonly at: number;
  /** Conversation with a pending forced disconnection, or -1 (then `txn` is an invitation). */
  readonly conv: number;
  readonly txn: number;
  readonly frame: number;
}

export class ConversationAnalyzer {
  readonly names: NameBook;
  readonly membership = new Membership();
  private readonly rto: number;
  private readonly retries: number;
  private readonly invitationTimeout: number;
  private readonly spuriousWindow: number;

  private readonly convs = new ConversationTable();

  // Per-frame columns (indexed by frame number).
  private readonly info: Column<Uint16Array>;
  private readonly convCol: Column<Int32Array>;
  /** Datagram length (clamped to 65 535). */
  private readonly lenCol: Column<Uint16Array>;
  private readonly timeCol: Column<Float64Array>;
  private readonly flags0: Column<Uint16Array>;
  private readonly flagsL: Column<Uint16Array>;
  private readonly ackTo: Column<Int32Array>;
  private readonly ackedIn: Column<Int32Array>;
  private readonly retxOf: Column<Int32Array>;
  private readonly txNum: Column<Uint8Array>;
  private readonly dupOf: Column<Int32Array>;
  private readonly dupNum: Column<Uint8Array>;
  private readonly responseTo: Column<Int32Array>;
  private readonly responseIn: Column<Int32Array>;
  /** seq_not_flipped: previous message; late_answer: the timed-out invitation. */
  private readonly aux: Column<Int32Array>;

  // Transactions (struct of arrays).
  private txCount = 0;
  private readonly txKind = uint8(0, SMALL_CHUNK_BITS);
  private readonly txReq = int32(0, SMALL_CHUNK_BITS);
  private readonly txResp = int32(0, SMALL_CHUNK_BITS);
  private readonly txOutcome = uint8(0, SMALL_CHUNK_BITS);
  private readonly txParent = int32(-1, SMALL_CHUNK_BITS);
  private readonly txClient = uint8(0, SMALL_CHUNK_BITS);
  private readonly txGroup = uint8(0, SMALL_CHUNK_BITS);
  private readonly txAckFrame = int32(0, SMALL_CHUNK_BITS);

  /** Creations waiting for their Accept/Reject, by creator client ID. */
  private readonly pendingCreate = new Map<number, number[]>();
  /** Invitations from the server to an invitee, by (group << 8 | invitee). */
  private readonly pendingInvite = new Map<number, number>();
  /** Members' invitation requests, by (inviter << 16 | group << 8 | invitee). */
  private readonly pendingInviteReq = new Map<number, number>();
  /** Invitees that accepted before their group was created, by group. */
  private readonly pendingJoin = new Map<number, number[]>();

  private deadlines: Deadline[] = [];
  /** Endpoint ids of the capture layer's shared endpoints (see endpointId). */
  private readonly endpointIds = new Map<CaptureEndpoint, number>();
  private nextDeadline = Number.POSITIVE_INFINITY;

  private lastFrameNo = 0;
  private lastTime = 0;
  private frameCount = 0;
  private finishedFlag = false;
  /** Exceptions caught in add() (a bug, never expected; the frame is skipped). */
  internalErrors = 0;
  /** Frames refused because their number was not above the previous one. */
  refusedFrames = 0;

  constructor(options: AnalyzerOptions = {}) {
    this.names = new NameBook(options.serverPort);
    this.rto = options.rto ?? 0.5;
    this.retries = options.retries ?? 5;
    this.invitationTimeout = options.invitationTimeout ?? 15;
    this.spuriousWindow = options.spuriousWindow ?? 2 * this.rto;
    const bits = options.frameChunkBits ?? FRAME_CHUNK_BITS;
    this.info = uint16(bits);
    this.convCol = int32(0, bits);
    this.lenCol = uint16(bits);
    this.timeCol = float64(bits);
    this.flags0 = uint16(bits);
    this.flagsL = uint16(bits);
    this.ackTo = int32(0, bits);
    this.ackedIn = int32(0, bits);
    this.retxOf = int32(0, bits);
    this.txNum = uint8(0, bits);
    this.dupOf = int32(0, bits);
    this.dupNum = uint8(0, bits);
    this.responseTo = int32(0, bits);
    this.responseIn = int32(0, bits);
    this.aux = int32(0, bits);
  }

  get finished(): boolean {
    return this.finishedFlag;
  }

  /** Number of frames added. */
  get frames(): number {
    return this.frameCount;
  }

  /** Highest frame number added. */
  get lastFrame(): number {
    return this.lastFrameNo;
  }

  // ---------------------------------------------------------------- input

  /** Adds the next IMP datagram of the capture. Never throws. */
  add(input: AnalysisInput): void {
    const f = input.frame;
    if (!Number.isInteger(f) || f <= 0 || this.finishedFlag) return;
    if (f <= this.lastFrameNo) {
      // Frames come in capture order, each once: a repeated or earlier number is refused.
      this.refusedFrames++;
      return;
    }
    try {
      this.addFrame(input, f);
    } catch {
      this.internalErrors++;
    }
  }

  private addFrame(input: AnalysisInput, f: number): void {
    const t = Number.isFinite(input.time) ? input.time : this.lastTime;
    this.lastFrameNo = f;
    this.lastTime = t;
    this.frameCount++;
    if (t > this.nextDeadline) this.expire(t);

    const names = this.names;
    const srcEp = this.endpointId(input.src);
    const dstEp = this.endpointId(input.dst);
    const conv = this.convs.get(srcEp, dstEp);
    this.convCol.set(f, conv);
    this.timeCol.set(f, t);
    this.lenCol.set(f, Math.min(input.decoded.length, 0xffff));

    const d = input.decoded;
    const m = d.message;
    if (!m) {
      this.info.set(f, I_PRESENT | I_MALFORMED);
      return;
    }
    const info = I_PRESENT | (m.type & I_TYPE) | (m.seq ? I_SEQ : 0) | (m.ack ? I_ACK : 0);
    if (d.layout === null || (d.problems.length > 0 && isDropped(d))) {
      this.info.set(f, info | I_DROPPED);
      return;
    }
    // WIRE.md section 5, "who may speak": the server takes a datagram only from the address
    // registered for its Source ID; one from an address that holds another ID is dropped.
    if (m.src > 0 && m.type !== MSG.connRequest && names.isServer(dstEp) && !names.isServer(srcEp)) {
      const held = names.clientAt(srcEp, f, true);
      if (held !== 0 && held !== m.src && this.membership.groupOf(held) !== 0) {
        this.info.set(f, info | I_DROPPED);
        return;
      }
    }
    this.info.set(f, info);

    if (m.ack === 1) {
      this.onAck(f, t, conv, m);
      return;
    }
    this.learnServer(f, srcEp, dstEp, m.type);
    const fp = (input.fingerprint ?? fingerprint(d, input.bytes)) | 0;
    const C = this.convs;
    const state = C.state[conv]!;
    const connOutside = this.connectionInSession(conv, srcEp, m.type, f);
    if (!connOutside && state !== S_NONE && C.type[conv]! === m.type && C.seq[conv]! === m.seq && C.fp[conv]! === fp) {
      if (state === S_OUTSTANDING) {
        this.onRetransmission(f, t, conv, F_RETX);
        return;
      }
      if (state !== S_GONE && t - C.lastTxTime[conv]! <= this.spuriousWindow) {
        this.onRetransmission(f, t, conv, F_SPURIOUS);
        return;
      }
    }
    const outside = this.onNewMessage(f, t, conv, m, fp, connOutside);
    this.onSemantics(f, conv, srcEp, dstEp, m, outside);
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

  private learnServer(f: number, src: number, dst: number, type: number): void {
    if (SERVER_SENDS.has(type)) this.names.markServer(src, f);
    else if (SERVER_RECEIVES.has(type)) this.names.markServer(dst, f);
  }

  private onRetransmission(f: number, t: number, conv: number, flag: number): void {
    const C = this.convs;
    const tx = Math.min(C.tx[conv]! + 1, 0xffff);
    C.tx[conv] = tx;
    C.lastTxFrame[conv] = f;
    C.lastTxTime[conv] = t;
    this.flags0.or(f, flag);
    this.retxOf.set(f, C.orig[conv]!);
    this.txNum.set(f, Math.min(tx, 255));
    if (flag === F_RETX && tx >= 1 + this.retries) {
      C.setFlag(conv, C_FORCED_PENDING, true);
      this.addDeadline({ at: t + this.rto, conv, txn: -1, frame: f });
    }
  }

  /**
   * A Connection Request from an address that holds a session (the server answers it with the
   * first Accept again, or rejects another name), or the Accept or Reject that answers one.
   */
  private connectionInSession(conv: number, srcEp: number, type: number, f: number): boolean {
    if (type === MSG.connRequest) {
      // In a session: the address holds an ID whose Accept was acknowledged (before that, a
      // Connection Request again is a retransmission: its Accept may have been lost).
      const held = this.names.clientAt(srcEp, f, true);
      if (held === 0 || this.membership.groupOf(held) === 0) return false;
      const r = this.convs.rev[conv]!;
      return r >= 0 && !(this.convs.type[r]! === MSG.connAccept && this.convs.state[r]! === S_OUTSTANDING);
    }
    if (messageSpec(type)?.answers.includes(MSG.connRequest)) {
      const r = this.convs.rev[conv]!;
      return r >= 0 && this.convs.sideType[r]! === MSG.connRequest;
    }
    return false;
  }

  /** A new (not retransmitted) message; true when it is outside the link's flow (see sideType). */
  private onNewMessage(f: number, t: number, conv: number, m: ImpMessage, fp: number, connOutside: boolean): boolean {
    const C = this.convs;
    const state = C.state[conv]!;
    const type = m.type;
    const spec = messageSpec(type);
    const fresh = state === S_NONE || C.hasFlag(conv, C_FRESH);
    // The earlier response again, for a request that kept the Sequence of the sender's previous
    // message or was a retransmission (the receiver took it for a duplicate and answers it again,
    // WIRE.md section 5). (A request after one the receiver dropped keeps the Sequence too, but
    // gets a new response: its bytes differ.)
    const rev = C.rev[conv]!;
    // Connection messages are recognised by state, whatever their Sequence (WIRE.md section 4).
    const session = spec?.phase === "session";
    const response = spec !== undefined && spec.answers.length > 0 && session;
    let resent = false;
    if (!fresh && response && rev >= 0 && C.state[rev]! !== S_NONE) {
      const orig = C.orig[rev]!;
      // A retransmitted request whose first transmission was answered already; or a request
      // with its sender's previous Sequence (sent once or more), answered with the earlier
      // response's bytes.
      const retransmitted = (this.flags0.get(C.lastTxFrame[rev]!) & (F_RETX | F_SPURIOUS)) !== 0;
      resent = (retransmitted && this.responseIn.get(orig) !== 0) || ((this.flags0.get(orig) & F_SEQNF) !== 0 && fp === C.respFp[conv]!);
    }
    if (connOutside || resent) {
      // Outside the link's flow: the link's last message stays (it may still await its ACK).
      C.sideFrame[conv] = f;
      C.sideType[conv] = type;
      C.sideSeq[conv] = m.seq;
      C.sideTxn[conv] = -1;
      if (spec && spec.answers.length > 0 && rev >= 0) this.answerSide(rev, f, type);
      if (resent) {
        // It answers the request the receiver took for a duplicate.
        const orig = C.orig[rev]!;
        this.responseTo.set(f, orig);
        if (this.responseIn.get(orig) === 0) this.responseIn.set(orig, f);
      }
      return true;
    }
    if (state === S_OUTSTANDING) {
      // The previous message was never acknowledged, and its sender moved on.
      if (C.hasFlag(conv, C_FORCED_PENDING)) this.confirmForced(conv);
      else this.flagsL.or(C.orig[conv]!, F_UNACKED);
    }
    if (response) C.respFp[conv] = fp;
    C.sideType[conv] = NO_TYPE;
    if (!fresh && session && m.seq === C.linkSeq[conv]!) {
      this.flags0.or(f, F_SEQNF);
      this.aux.set(f, C.linkOrig[conv]!);
    }
    // Connection messages on a running link (an Accept sent again for a retransmitted Connection
    // Request) leave its Sequence.
    if (fresh || session) {
      C.linkSeq[conv] = m.seq;
      C.linkOrig[conv] = f;
    }
    C.state[conv] = spec?.ackedBy.kind === "none" ? S_NOACK : S_OUTSTANDING;
    C.orig[conv] = f;
    C.type[conv] = type;
    C.seq[conv] = m.seq;
    C.fp[conv] = fp;
    C.tx[conv] = 1;
    C.lastTxFrame[conv] = f;
    C.lastTxTime[conv] = t;
    C.settledBy[conv] = 0;
    C.dupAcks[conv] = 0;
    C.txn[conv] = -1;
    C.flags[conv] = 0;

    // Implicit acknowledgement: a response settles the request on the reverse pair.
    if (spec && spec.answers.length > 0) {
      const r = C.rev[conv]!;
      const rState = r < 0 ? S_NONE : C.state[r]!;
      if (rState !== S_NONE && spec.answers.includes(C.type[r]!)) {
        const txn = C.txn[r]!;
        const open = txn >= 0 && this.txResp.get(txn) === 0;
        const outstanding = rState === S_OUTSTANDING;
        if (outstanding) this.settle(r, f);
        if (outstanding || open) {
          const orig = C.orig[r]!;
          this.responseTo.set(f, orig);
          if (this.responseIn.get(orig) === 0) this.responseIn.set(orig, f);
          if (open) this.resolve(txn, f, outcomeOf(type));
        }
      }
    }
    return false;
  }

  /** A response outside the link's flow answers the request outside it on the reverse pair, if any. */
  private answerSide(r: number, f: number, type: number): void {
    const C = this.convs;
    const side = C.sideType[r]!;
    if (side === NO_TYPE || !messageSpec(type)!.answers.includes(side)) return;
    const orig = C.sideFrame[r]!;
    this.responseTo.set(f, orig);
    if (this.responseIn.get(orig) === 0) this.responseIn.set(orig, f);
    this.ackTo.set(f, orig);
    if (this.ackedIn.get(orig) === 0) this.ackedIn.set(orig, f);
    const txn = C.sideTxn[r]!;
    if (txn >= 0 && this.txResp.get(txn) === 0) this.resolve(txn, f, outcomeOf(type));
    // Kept until the sender's next message of its link: a duplicated request gets its answer twice.
  }

  private settle(r: number, f: number): void {
    const C = this.convs;
    const orig = C.orig[r]!;
    this.ackedIn.set(orig, f);
    this.ackTo.set(f, orig);
    C.state[r] = S_SETTLED;
    C.settledBy[r] = f;
    C.setFlag(r, C_FORCED_PENDING, false);
  }

  private onAck(f: number, t: number, conv: number, m: ImpMessage): void {
    const C = this.convs;
    const r = C.rev[conv]!;
    const rState = r < 0 ? S_NONE : C.state[r]!;
    if (rState === S_NONE || rState === S_GONE || C.type[r]! !== m.type || C.seq[r]! !== m.seq) {
      // The ACK of a message outside the link's flow (the Accept sent again).
      if (r >= 0 && C.sideType[r]! === m.type && C.sideSeq[r]! === m.seq) {
        const orig = C.sideFrame[r]!;
        this.ackTo.set(f, orig);
        if (this.ackedIn.get(orig) === 0) this.ackedIn.set(orig, f);
        C.sideType[r] = NO_TYPE;
        return;
      }
      this.flags0.or(f, F_STALE);
      return;
    }
    if (rState === S_OUTSTANDING || (rState === S_NOACK && C.settledBy[r]! === 0)) {
      this.settle(r, f);
      // The invitee acknowledged an invitation: its answer is due within the time-out.
      const txn = C.txn[r]!;
      if (txn >= 0 && this.txKind.get(txn) === K_INVITE && this.txAckFrame.get(txn) === 0) {
        this.txAckFrame.set(txn, f);
        this.addDeadline({ at: t + this.invitationTimeout, conv: -1, txn, frame: f });
      }
      return;
    }
    const dups = Math.min(C.dupAcks[r]! + 1, 0xffff);
    C.dupAcks[r] = dups;
    this.flags0.or(f, F_DUPACK);
    this.dupOf.set(f, C.settledBy[r]!);
    this.dupNum.set(f, Math.min(dups, 255));
  }

  // ---------------------------------------------------------------- timers

  private addDeadline(d: Deadline): void {
    this.deadlines.push(d);
    if (d.at < this.nextDeadline) this.nextDeadline = d.at;
  }

  /** Time has passed `nextDeadline`: confirms what expired, keeps the rest. */
  private expire(t: number): void {
    const keep: Deadline[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const d of this.deadlines) {
      if (!this.deadlineLive(d)) continue;
      if (t > d.at) {
        this.fire(d);
        continue;
      }
      keep.push(d);
      if (d.at < next) next = d.at;
    }
    this.deadlines = keep;
    this.nextDeadline = next;
  }

  private deadlineLive(d: Deadline): boolean {
    if (d.conv >= 0) return this.convs.hasFlag(d.conv, C_FORCED_PENDING) && this.convs.lastTxFrame[d.conv]! === d.frame;
    return this.txOutcome.get(d.txn) === O_PENDING;
  }

  private fire(d: Deadline): void {
    if (d.conv >= 0) {
      this.confirmForced(d.conv);
      return;
    }
    this.txOutcome.set(d.txn, O_TIMEOUT);
    this.flagsL.or(this.txReq.get(d.txn), F_INVTIMEOUT);
  }

  /** The last of 1 + retries transmissions went unanswered: the sender considers the peer gone. */
  private confirmForced(c: number): void {
    const C = this.convs;
    if (!C.hasFlag(c, C_FORCED_PENDING)) return;
    C.setFlag(c, C_FORCED_PENDING, false);
    C.state[c] = S_GONE;
    const last = C.lastTxFrame[c]!;
    this.flagsL.or(last, F_FORCED);
    this.flagsL.or(C.orig[c]!, F_UNACKED);
    if (this.names.isServer(C.a[c]!)) {
      const client = this.names.clientAt(C.b[c]!, last, true);
      if (client !== 0 && this.membership.groupOf(client) !== 0) this.clientLeft(last, client, "forced", true);
    }
  }

  // ---------------------------------------------------------------- semantics

  private onSemantics(f: number, conv: number, srcEp: number, dstEp: number, m: ImpMessage, outside: boolean): void {
    const names = this.names;
    const groups = this.membership;
    // A client speaking to the server shows which ID its address holds (captures that start
    // late); not when another address holds that ID (the server drops such datagrams).
    if (m.src > 0 && names.isServer(dstEp) && !names.isServer(srcEp) && !names.isConnected(m.src) && names.clientAt(srcEp, f, true) === 0) {
      names.bind(f, m.src, undefined, srcEp, true);
    }
    switch (m.type) {
      case MSG.connRequest: {
        if (m.username !== undefined) names.pendingName.set(srcEp, m.username);
        const txn = this.newTxn(K_CONNECT, f, 0, 0, -1);
        // A new session starts both links afresh; a Connection Request from an address that
        // holds a session is answered with the first Accept again, and the links go on.
        if (outside) this.convs.sideTxn[conv] = txn;
        else {
          this.convs.txn[conv] = txn;
          const rev = this.convs.rev[conv]!;
          if (rev >= 0) this.convs.setFlag(rev, C_FRESH, true);
          this.convs.setFlag(conv, C_FRESH, true);
        }
        break;
      }
      case MSG.connAccept: {
        const id = m.client_id ?? 0;
        if (id > 0) {
          if (this.bindClient(f, id, names.pendingName.get(dstEp), dstEp, false)) this.flags0.or(f, F_CONNECTED);
          names.pendingName.delete(dstEp);
          groups.join(f, id, PUBLIC_GROUP, "connect");
          const r = this.convs.rev[conv]!;
          const txn = r >= 0 ? this.convs.txn[r]! : -1;
          if (txn >= 0 && this.txReq.get(txn) === this.responseTo.get(f)) this.txClient.set(txn, id);
        }
        break;
      }
      case MSG.connReject:
        this.flags0.or(f, F_REJECTED);
        names.pendingName.delete(dstEp);
        break;
      case MSG.listRequest:
        this.convs.txn[conv] = this.newTxn(K_LIST, f, m.src, PUBLIC_GROUP, -1);
        break;
      case MSG.listResponse:
      case MSG.updateList:
        if (m.entry) this.learnEntries(f, m.entry, m.type === MSG.listResponse ? "list" : "update");
        break;
      case MSG.createRequest: {
        const txn = this.newTxn(K_CREATE, f, m.src, 0, -1);
        const list = this.pendingCreate.get(m.src);
        if (list) list.push(txn);
        else this.pendingCreate.set(m.src, [txn]);
        break;
      }
      case MSG.createAccept:
      case MSG.createReject:
        this.onCreationAnswer(f, dstEp, m);
        break;
      case MSG.inviteRequest:
        this.onInvitation(f, conv, srcEp, dstEp, m);
        break;
      case MSG.inviteAccept:
      case MSG.inviteReject:
        this.onInvitationAnswer(f, srcEp, dstEp, m);
        break;
      case MSG.disjoint: {
        const id = m.src || names.clientAt(srcEp, f);
        if (groups.groupOf(id) > PUBLIC_GROUP) {
          const g = groups.groupOf(id);
          groups.join(f, id, PUBLIC_GROUP, "disjoint");
          if (groups.membersNow(g).length === 0) groups.setAlive(g, false);
        }
        break;
      }
      case MSG.dissolution: {
        const id = names.clientAt(dstEp, f);
        const g = groups.groupOf(id);
        if (g > PUBLIC_GROUP) {
          groups.join(f, id, PUBLIC_GROUP, "dissolution");
          groups.setAlive(g, false);
        }
        if (inIdClass(m.group, "private")) groups.setAlive(m.group, false);
        break;
      }
      case MSG.updateDisconnection: {
        const id = m.client_id ?? 0;
        // Evidence that a forced disconnection from the server to that client happened.
        const ep = names.endpointOf(id, f, true);
        if (ep >= 0) {
          const c = this.convs.find(srcEp, ep);
          if (c >= 0) this.confirmForced(c);
        }
        this.clientLeft(f, id, "update_disconnection");
        break;
      }
      case MSG.disconnect:
        this.clientLeft(f, m.src || names.clientAt(srcEp, f), "disconnect");
        break;
      default:
        break;
    }
  }

  private clientLeft(f: number, id: number, reason: MembershipReason, late = false): void {
    if (id <= 0) return;
    const g = this.membership.groupOf(id);
    this.membership.leave(f, id, reason, late);
    if (g > PUBLIC_GROUP && this.membership.membersNow(g).length === 0) this.membership.setAlive(g, false);
    this.names.markLeft(f, id);
  }

  /** Binds a name; returns true when it is news. A reused ID ends its previous holder's membership. */
  private bindClient(f: number, id: number, name: string | undefined, ep: number, fromList: boolean): boolean {
    const r = this.names.bind(f, id, name, ep, fromList);
    if (r === "replaced") this.membership.leave(f, id, "reused");
    return r !== "same";
  }

  private learnEntries(f: number, entries: readonly ListEntry[], reason: MembershipReason): void {
    for (const e of entries) {
      if (!e || e.client_id <= 0) continue;
      const ep = this.names.endpoint(e.ip, e.port);
      this.bindClient(f, e.client_id, e.username, ep, true);
      if (!inIdClass(e.group, "public") && !inIdClass(e.group, "private")) continue;
      // Back to the Public Group as the last member of a private group: the group is dissolved
      // (the server may send this update before the Group Dissolution itself).
      const cur = this.membership.groupOf(e.client_id);
      const last = e.group === PUBLIC_GROUP && cur > PUBLIC_GROUP && this.membership.membersNow(cur).length === 1;
      this.membership.join(f, e.client_id, e.group, last ? "dissolution" : reason);
      if (last) this.membership.setAlive(cur, false);
    }
  }

  private onCreationAnswer(f: number, dstEp: number, m: ImpMessage): void {
    // The creator is the client at the destination (variant: also in Source ID).
    const creator = this.names.clientAt(dstEp, f) || m.src;
    const list = this.pendingCreate.get(creator);
    const accept = m.type === MSG.createAccept;
    const g = accept ? (m.new_group ?? 0) : 0;
    let txn = -1;
    if (list && list.length > 0) {
      let i = 0;
      if (accept) {
        const exact = list.findIndex((x) => this.txGroup.get(x) === g);
        if (exact >= 0) i = exact;
      }
      txn = list.splice(i, 1)[0]!;
      if (list.length === 0) this.pendingCreate.delete(creator);
    }
    if (txn >= 0) {
      const req = this.txReq.get(txn);
      this.responseTo.set(f, req);
      if (this.responseIn.get(req) === 0) this.responseIn.set(req, f);
      this.resolve(txn, f, accept ? O_ACCEPTED : O_REJECTED);
    }
    const group = accept ? g : txn >= 0 ? this.txGroup.get(txn) : 0;
    if (accept && inIdClass(group, "private")) {
      if (txn >= 0) this.txGroup.set(txn, group);
      this.membership.join(f, creator, group, "create");
      for (const id of this.pendingJoin.get(group) ?? []) this.membership.join(f, id, group, "create");
    }
    if (group > 0) this.pendingJoin.delete(group);
  }

  /** Which way a group message goes: 1 client -> server, 2 server -> client, 0 unknown. */
  private direction(srcEp: number, dstEp: number): number {
    if (this.names.isServer(dstEp)) return 1;
    if (this.names.isServer(srcEp)) return 2;
    return 0;
  }

  private onInvitation(f: number, conv: number, srcEp: number, dstEp: number, m: ImpMessage): void {
    const inviter = m.src;
    const g = m.invite_group ?? 0;
    const invitee = m.invitee ?? 0;
    let dir = this.direction(srcEp, dstEp);
    if (dir === 0) dir = this.names.clientAt(dstEp, f) === invitee && invitee !== 0 ? 2 : 1;
    if (dir === 1) {
      this.pendingInviteReq.set((inviter << 16) | (g << 8) | invitee, this.newTxn(K_INVITE_REQ, f, invitee, g, -1));
      return;
    }
    // Server -> invitee: part of a creation by the inviter, or of a member's invitation request.
    let parent = this.pendingInviteReq.get((inviter << 16) | (g << 8) | invitee) ?? -1;
    if (parent < 0) {
      for (const c of this.pendingCreate.get(inviter) ?? []) {
        const cg = this.txGroup.get(c);
        if (cg === 0 || cg === g) {
          parent = c;
          this.txGroup.set(c, g);
          break;
        }
      }
    }
    const txn = this.newTxn(K_INVITE, f, invitee, g, parent);
    this.pendingInvite.set((g << 8) | invitee, txn);
    this.convs.txn[conv] = txn;
  }

  private onInvitationAnswer(f: number, srcEp: number, dstEp: number, m: ImpMessage): void {
    const g = m.invite_group ?? 0;
    // Variant HL 8 names the invitee; otherwise the invitee is the Source ID.
    const invitee = m.invitee || m.src;
    const accept = m.type === MSG.inviteAccept;
    let dir = this.direction(srcEp, dstEp);
    if (dir === 0) dir = this.names.clientAt(srcEp, f) === invitee ? 1 : 2;
    if (dir === 2) {
      // Server -> inviter: the answer to a member's invitation request.
      const inviter = this.names.clientAt(dstEp, f);
      const key = (inviter << 16) | (g << 8) | invitee;
      const txn = this.pendingInviteReq.get(key);
      if (txn !== undefined) {
        this.pendingInviteReq.delete(key);
        this.answer(f, txn, accept);
        // A reject because the forwarded invitation timed out.
        const sub = this.pendingInvite.get((g << 8) | invitee);
        if (!accept && sub !== undefined && this.txParent.get(sub) === txn && this.txOutcome.get(sub) === O_TIMEOUT)
          this.txOutcome.set(txn, O_TIMEOUT);
      }
      return;
    }
    const key = (g << 8) | invitee;
    const txn = this.pendingInvite.get(key);
    if (txn !== undefined) {
      this.pendingInvite.delete(key);
      if (this.txOutcome.get(txn) === O_TIMEOUT) {
        this.flags0.or(f, F_LATE);
        this.aux.set(f, this.txReq.get(txn));
        return;
      }
      this.answer(f, txn, accept);
    }
    if (!accept) return;
    if (this.membership.isAlive(g)) this.membership.join(f, invitee, g, "invitation");
    else {
      const list = this.pendingJoin.get(g);
      if (list) list.push(invitee);
      else this.pendingJoin.set(g, [invitee]);
    }
  }

  private answer(f: number, txn: number, accept: boolean): void {
    const req = this.txReq.get(txn);
    this.responseTo.set(f, req);
    if (this.responseIn.get(req) === 0) this.responseIn.set(req, f);
    this.resolve(txn, f, accept ? O_ACCEPTED : O_REJECTED);
  }

  private newTxn(kind: number, req: number, client: number, group: number, parent: number): number {
    const i = this.txCount++;
    this.txKind.set(i, kind);
    this.txReq.set(i, req);
    this.txClient.set(i, client & 0xff);
    this.txGroup.set(i, group & 0xff);
    this.txParent.set(i, parent);
    return i;
  }

  private resolve(txn: number, resp: number, outcome: number): void {
    if (this.txResp.get(txn) !== 0) return;
    this.txResp.set(txn, resp);
    this.txOutcome.set(txn, outcome);
  }

  // ---------------------------------------------------------------- end

  /** No more frames: settles what only the end can tell (unacked, unanswered, forced). */
  finish(): void {
    if (this.finishedFlag) return;
    for (const d of this.deadlines) if (d.conv >= 0 && this.deadlineLive(d)) this.confirmForced(d.conv);
    this.deadlines = [];
    this.nextDeadline = Number.POSITIVE_INFINITY;
    const C = this.convs;
    for (let c = 0; c < C.count; c++) {
      if (C.state[c]! !== S_OUTSTANDING) continue;
      if (C.hasFlag(c, C_FORCED_PENDING)) this.confirmForced(c);
      else this.flagsL.or(C.orig[c]!, F_UNACKED);
    }
    for (let i = 0; i < this.txCount; i++) {
      if (this.txOutcome.get(i) !== O_PENDING) continue;
      this.txOutcome.set(i, O_UNANSWERED);
      this.flagsL.or(this.txReq.get(i), F_NORESP);
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
    return this.flags0.get(frame) & F_SEQNF ? this.aux.get(frame) : 0;
  }

  /**
   * Whether a frame has a first-pass sequence or response note (retransmission, duplicate or
   * stale ACK, Sequence not flipped, late answer), by a flag test: a listing that shows these as
   * marks asks fieldsOf only of the frames that have one.
   */
  hasFirstPassNotes(frame: number): boolean {
    return (this.flags0.get(frame) & F_FIRST_NOTES) !== 0;
  }

  /** Whether a frame was added. */
  has(frame: number): boolean {
    return (this.info.get(frame) & I_PRESENT) !== 0;
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
    for (let i = 0; i < this.txCount; i++) out.push(this.transaction(i));
    return out;
  }

  transaction(i: number): Transaction {
    const req = this.txReq.get(i);
    const resp = this.txResp.get(i);
    const parent = this.txParent.get(i);
    const ack = this.txAckFrame.get(i);
    return {
      index: i,
      kind: TX_KINDS[this.txKind.get(i)]!,
      request: req,
      response: resp === 0 ? null : resp,
      outcome: TX_OUTCOMES[this.txOutcome.get(i)]!,
      rtt: resp === 0 ? null : this.timeCol.get(resp) - this.timeCol.get(req),
      parent: parent < 0 ? null : parent,
      client: this.txClient.get(i),
      group: this.txGroup.get(i),
      ackedIn: ack === 0 ? null : ack,
    };
  }

  /** Per conversation (sender address -> receiver address) counts, from the frame columns. */
  conversations(): ConversationSummary[] {
    const n = this.convs.count;
    const frames = new Float64Array(n),
      messages = new Float64Array(n),
      acks = new Float64Array(n),
      retx = new Float64Array(n);
    const bytes = new Float64Array(n),
      first = new Float64Array(n),
      last = new Float64Array(n);
    for (let f = 1; f <= this.lastFrameNo; f++) {
      const info = this.info.get(f);
      if ((info & I_PRESENT) === 0) continue;
      const c = this.convCol.get(f);
      frames[c]!++;
      bytes[c]! += this.lenCol.get(f);
      if (first[c] === 0) first[c] = f;
      last[c] = f;
      if (info & (I_MALFORMED | I_DROPPED)) continue;
      if (info & I_ACK) acks[c]!++;
      else if (this.flags0.get(f) & (F_RETX | F_SPURIOUS)) retx[c]!++;
      else messages[c]!++;
    }
    const out: ConversationSummary[] = [];
    for (let c = 0; c < n; c++) {
      const a = this.convs.a[c]!;
      const b = this.convs.b[c]!;
      out.push({
        index: c,
        src: this.names.address(a),
        dst: this.names.address(b),
        srcName: this.names.endpointName(a),
        dstName: this.names.endpointName(b),
        frames: frames[c]!,
        messages: messages[c]!,
        acks: acks[c]!,
        retransmissions: retx[c]!,
        bytes: bytes[c]!,
        firstFrame: first[c]!,
        lastFrame: last[c]!,
      });
    }
    return out;
  }

  /** Counters and samples over the whole capture (final view). One pass over the columns. */
  stats(): AnalysisStats {
    let messages = 0,
      acks = 0,
      retx = 0,
      spurious = 0,
      dup = 0,
      stale = 0,
      seqnf = 0,
      unacked = 0,
      forced = 0,
      invTo = 0,
      noResp = 0,
      ignored = 0;
    const rtts: number[] = [];
    for (let f = 1; f <= this.lastFrameNo; f++) {
      const info = this.info.get(f);
      if ((info & I_PRESENT) === 0) continue;
      if (info & (I_MALFORMED | I_DROPPED)) {
        ignored++;
        continue;
      }
      const fl = this.flags0.get(f) | this.flagsL.get(f);
      if (info & I_ACK) {
        acks++;
        const to = this.ackTo.get(f);
        if (to !== 0) rtts.push(this.timeCol.get(f) - this.timeCol.get(to));
      } else if ((fl & (F_RETX | F_SPURIOUS)) === 0) messages++;
      if (fl & F_RETX) retx++;
      if (fl & F_SPURIOUS) spurious++;
      if (fl & F_DUPACK) dup++;
      if (fl & F_STALE) stale++;
      if (fl & F_SEQNF) seqnf++;
      if (fl & F_UNACKED) unacked++;
      if (fl & F_FORCED) forced++;
      if (fl & F_INVTIMEOUT) invTo++;
      if (fl & F_NORESP) noResp++;
    }
    const byKind: Record<TransactionKind, number[]> = { connect: [], list: [], create: [], invite: [], invite_request: [] };
    for (let i = 0; i < this.txCount; i++) {
      const resp = this.txResp.get(i);
      if (resp !== 0) byKind[TX_KINDS[this.txKind.get(i)]!].push(this.timeCol.get(resp) - this.timeCol.get(this.txReq.get(i)));
    }
    const responseTimes = Object.fromEntries(Object.entries(byKind).map(([k, v]) => [k, Float64Array.from(v)])) as Record<
      TransactionKind,
      Float64Array
    >;
    return {
      frames: this.frameCount,
      messages,
      acks,
      retransmissions: retx,
      spuriousRetransmissions: spurious,
      duplicateAcks: dup,
      staleAcks: stale,
      seqNotFlipped: seqnf,
      unacked,
      forcedDisconnections: forced,
      invitationTimeouts: invTo,
      noResponse: noResp,
      ignored,
      ackRtts: Float64Array.from(rtts),
      responseTimes,
      conversations: this.conversations(),
    };
  }

  /** Bytes held by the per-frame and per-transaction columns and the other state (estimate). */
  memoryBytes(): { columns: number; state: number; total: number } {
    const cols = [
      this.info,
      this.convCol,
      this.lenCol,
      this.timeCol,
      this.flags0,
      this.flagsL,
      this.ackTo,
      this.ackedIn,
      this.retxOf,
      this.txNum,
      this.dupOf,
      this.dupNum,
      this.responseTo,
      this.responseIn,
      this.aux,
      this.txKind,
      this.txReq,
      this.txResp,
      this.txOutcome,
      this.txParent,
      this.txClient,
      this.txGroup,
      this.txAckFrame,
    ];
    let columns = 0;
    for (const c of cols) columns += c.bytes;
    const state = this.convs.bytes + this.names.bytes + this.membership.bytes + this.deadlines.length * 64;
    return { columns, state, total: columns + state };
  }

  // ---------------------------------------------------------------- per-frame view

  /**
   * The analysis of one frame: its `imp.analysis.*` fields and expert items. The first-pass view
   * is what was known when the frame was added (names as of then, nothing from later frames);
   * the final view adds what later frames told (default once `finish()` was called).
   */
  fieldsOf(frame: number, view: AnalysisView = this.finishedFlag ? "final" : "first"): FrameAnalysis {
    const fields: AnalysisField[] = [];
    const experts: AnalysisExpert[] = [];
    const info = this.info.get(frame);
    if ((info & I_PRESENT) === 0) return { fields, experts };
    const final = view === "final";
    const strict = !final;
    const names = this.names;
    const ci = this.convCol.get(frame);
    const ca = this.convs.a[ci]!;
    const cb = this.convs.b[ci]!;
    const field = (spec: AnalysisFieldSpec, value: number | string | boolean, display?: string) =>
      fields.push({ name: spec.abbrev, value, display: display ?? defaultDisplay(spec, value) });
    const expert = (spec: AnalysisExpertSpec, text: string) =>
      experts.push({ id: spec.id, category: spec.category, severity: spec.severity, text });
    const who = (id: number) => names.clientText(id, frame, strict);
    const F = ANALYSIS_FIELDS;
    const E = ANALYSIS_EXPERTS;

    field(F.conversation, ci);
    {
      const sn = names.endpointName(ca, frame, strict);
      const dn = names.endpointName(cb, frame, strict);
      if (sn !== undefined) field(F.src_name, sn, JSON.stringify(sn));
      if (dn !== undefined) field(F.dst_name, dn, JSON.stringify(dn));
    }
    if (info & (I_MALFORMED | I_DROPPED)) return { fields, experts };

    const fl = this.flags0.get(frame) | (final ? this.flagsL.get(frame) : 0);
    const time = this.timeCol.get(frame);
    const type = info & I_TYPE;
    const seq = info & I_SEQ ? 1 : 0;

    const ackTo = this.ackTo.get(frame);
    if (ackTo !== 0) {
      field(F.ack_to, ackTo);
      field(F.ack_rtt, time - this.timeCol.get(ackTo));
    }
    if (final) {
      const ackedIn = this.ackedIn.get(frame);
      if (ackedIn !== 0) field(F.acked_in, ackedIn);
    }
    if (fl & (F_RETX | F_SPURIOUS)) {
      const orig = this.retxOf.get(frame);
      const n = this.txNum.get(frame);
      if (fl & F_RETX) {
        field(F.retransmission, orig);
        const last = n === 1 + this.retries ? ` (transmission ${n}, the last)` : ` (transmission ${n})`;
        expert(E.retransmission, `This frame is a (suspected) retransmission of frame ${orig}${last}`);
      } else {
        field(F.spurious_retransmission, orig);
        expert(
          E.spuriousRetransmission,
          `This frame is a (suspected) spurious retransmission of frame ${orig}, which was already acknowledged`,
        );
      }
      field(F.transmission, n);
    }
    if (fl & F_DUPACK) {
      const of = this.dupOf.get(frame);
      const n = this.dupNum.get(frame);
      field(F.duplicate_ack, of);
      field(F.duplicate_ack_num, n);
      expert(E.duplicateAck, `Duplicate ACK (#${n}) of ${typeName(type)} seq=${seq}, first acknowledged in frame ${of}`);
    }
    if (fl & F_STALE) {
      field(F.stale_ack, true);
      expert(E.staleAck, `Stale ACK: ${typeName(type)} seq=${seq} matches no outstanding message`);
    }
    if (fl & F_SEQNF) {
      const prev = this.aux.get(frame);
      field(F.seq_not_flipped, prev);
      expert(
        E.seqNotFlipped,
        `New ${typeName(type)} with Sequence ${seq}, as the message in frame ${prev}: the receiver takes it for a duplicate`,
      );
    }
    if (fl & F_UNACKED) {
      field(F.unacked, true);
      expert(E.unacked, `${typeName(type)} seq=${seq} never acknowledged`);
    }
    if (fl & F_FORCED) {
      const n = this.txNum.get(frame) || 1;
      if (names.isServer(cb, frame, strict)) {
        field(F.forced_disconnection, 0, "server");
        const sender = names.clientAt(ca, frame, strict);
        expert(
          E.forcedDisconnection,
          `Forced disconnection from the server: ${n} transmissions by ${sender ? who(sender) : names.addressText(ca)} unanswered`,
        );
      } else {
        const peer = names.clientAt(cb, frame, strict);
        const peerText = peer ? who(peer) : names.addressText(cb);
        field(F.forced_disconnection, peer, peerText);
        expert(E.forcedDisconnection, `Forced disconnection of ${peerText}: ${n} transmissions unanswered`);
      }
    }
    const respTo = this.responseTo.get(frame);
    if (respTo !== 0) {
      field(F.response_to, respTo);
      field(F.response_time, time - this.timeCol.get(respTo));
    }
    if (final) {
      const respIn = this.responseIn.get(frame);
      if (respIn !== 0) field(F.response_in, respIn);
    }
    if (fl & F_NORESP) {
      field(F.no_response, true);
      expert(E.noResponse, `No response to this ${typeName(type)} in the capture`);
    }
    if (fl & F_INVTIMEOUT) {
      const invitee = names.clientAt(cb, frame, strict);
      field(F.invitation_timeout, this.invitationTimeout);
      expert(
        E.invitationTimeout,
        `Invitation to ${invitee ? who(invitee) : names.addressText(cb)} timed out after ${this.invitationTimeout} s without an answer`,
      );
    }
    if (fl & F_LATE) {
      const inv = this.aux.get(frame);
      field(F.late_answer, inv);
      expert(E.lateAnswer, `Answer to the invitation in frame ${inv}, which had timed out after ${this.invitationTimeout} s`);
    }
    if (fl & F_CONNECTED) {
      const id = names.clientAt(cb, frame, strict);
      expert(E.connected, `${who(id)} connected from ${names.addressText(cb)}`);
    }
    if (fl & F_REJECTED) {
      expert(E.rejected, `Connection from ${names.addressText(cb)} rejected`);
    }
    for (const ev of this.membership.eventsAt(frame)) {
      if (ev.late && !final) continue;
      const spec = ev.kind === "joined" ? F.joined : F.left;
      field(spec, ev.group, `${who(ev.client)} ${ev.kind === "joined" ? "→" : "←"} group ${ev.group}`);
      expert(E.membership, `${who(ev.client)} ${ev.kind} ${groupText(ev.group)} (${ev.reason.replace("_", " ")})`);
    }
    return { fields, experts };
  }
}

function isDropped(d: Decoded): boolean {
  for (const p of d.problems) if (DROPPED_PROBLEMS.has(p.id)) return true;
  return false;
}

function groupText(g: number): string {
  return g === PUBLIC_GROUP ? "the Public Group" : `group ${g}`;
}

function defaultDisplay(spec: AnalysisFieldSpec, value: number | string | boolean): string {
  switch (spec.type) {
    case "time":
      return `${(value as number).toFixed(9)} seconds`;
    case "none":
      return "";
    case "group":
      return groupText(value as number);
    default:
      return String(value);
  }
}

/** Percentiles (0..100) of samples, nearest-rank; NaN for no samples. For `imp stats`. */
export function percentiles(samples: ArrayLike<number>, ps: readonly number[]): number[] {
  const sorted = Float64Array.from(samples).sort();
  return ps.map((p) => {
    if (sorted.length === 0) return Number.NaN;
    const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
    return sorted[rank - 1]!;
  });
}
