/**
 * The analysis's public types: what a caller feeds in (one datagram, the options) and what it
 * gets back (fields and experts of a frame, transactions, per-conversation summaries, counters).
 */
import type { Decoded } from "../../src/codec/message.js";
import type { Severity } from "../../src/protocol/problems.js";
import type { AnalysisCategory } from "./fields.js";
import type { Endpoint } from "./names.js";

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
  /**
   * Seconds of capture time the analysis remembers (retention.ts): frames, conversations idle for
   * longer, transactions and membership events older than that are forgotten, so that an endless
   * stream keeps bounded state. Default: Infinity (a capture file is kept whole, for the final view).
   */
  stateWindow?: number;
  /** Frames held at most (default 262 144 once a state window is set, else all). */
  stateMaxFrames?: number;
  /** Conversations held at most (default 65 536 once a state window is set, else all). */
  stateMaxConversations?: number;
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
