/**
 * The conversation-analysis fields and expert items, declared once (WIRE.md section 7,
 * `imp.analysis.*`), in the manner of Wireshark's hf and ei arrays and of src/protocol/fields.ts
 * and problems.ts. The analyzer, the protocol tree, the display-filter registry and the Lua
 * export all read these tables; nothing else spells a name.
 */
import type { Severity } from "../../src/protocol/problems.js";

/**
 * How a field's value is held and shown:
 * `framenum` a 1-based frame number (a link to another frame), `uint` an unsigned integer,
 * `client` a client ID shown as `alice(1)`, `group` a group ID, `time` a duration in seconds,
 * `string` text, `none` presence only (the value is `true`).
 */
export type AnalysisFieldType = "framenum" | "uint" | "client" | "group" | "time" | "string" | "none";

/** When the field's value is known: when its frame is added, or only once later frames are seen. */
export type AnalysisPass = "first" | "later";

export interface AnalysisFieldSpec {
  /** Dotted filter name. */
  readonly abbrev: string;
  /** Display label, as in a Wireshark tree. */
  readonly label: string;
  readonly type: AnalysisFieldType;
  readonly pass: AnalysisPass;
  readonly blurb: string;
}

function f(abbrev: string, label: string, type: AnalysisFieldType, pass: AnalysisPass, blurb: string): AnalysisFieldSpec {
  return { abbrev: `imp.analysis.${abbrev}`, label, type, pass, blurb };
}

export const ANALYSIS_FIELDS = {
  conversation: f(
    "conversation",
    "Conversation index",
    "uint",
    "first",
    "Index of the (sender address, receiver address) pair, one ARQ direction, in order of appearance (as tcp.stream)",
  ),
  src_name: f("src_name", "Source name", "string", "first", 'Name of the sending endpoint at this frame: a username, or "server"'),
  dst_name: f("dst_name", "Destination name", "string", "first", 'Name of the receiving endpoint at this frame: a username, or "server"'),
  ack_to: f(
    "ack_to",
    "This is an ACK to the message in frame",
    "framenum",
    "first",
    "Frame of the (original transmission of the) message this frame acknowledges, explicitly or implicitly",
  ),
  ack_rtt: f(
    "ack_rtt",
    "The RTT to ACK the message was",
    "time",
    "first",
    "Seconds from the original transmission of the message to this acknowledgement",
  ),
  acked_in: f(
    "acked_in",
    "This message was acknowledged in frame",
    "framenum",
    "later",
    "Frame of the first acknowledgement (ACK, or implicit by a response) of this message",
  ),
  retransmission: f(
    "retransmission",
    "Retransmission of frame",
    "framenum",
    "first",
    "Same sender, receiver, Type, Sequence and bytes as the message in this frame, not yet acknowledged",
  ),
  transmission: f(
    "transmission",
    "Transmission number",
    "uint",
    "first",
    "Which transmission of the message this frame is (1 = original; 6 = the last of 1 + 5)",
  ),
  spurious_retransmission: f(
    "spurious_retransmission",
    "Spurious retransmission of frame",
    "framenum",
    "first",
    "Retransmission of a message that was already acknowledged in the capture (the ACK was lost after the capture point, or was late)",
  ),
  duplicate_ack: f(
    "duplicate_ack",
    "Duplicate ACK of frame",
    "framenum",
    "first",
    "An ACK of a message that an earlier frame (given here) already acknowledged",
  ),
  duplicate_ack_num: f(
    "duplicate_ack_num",
    "Duplicate ACK number",
    "uint",
    "first",
    "How many ACKs of the same message came before this one",
  ),
  stale_ack: f(
    "stale_ack",
    "Stale ACK",
    "none",
    "first",
    "An ACK whose Type and Sequence match no message sent the other way (a receiver ignores it)",
  ),
  seq_not_flipped: f(
    "seq_not_flipped",
    "Sequence not flipped",
    "framenum",
    "first",
    "A new message with the Sequence of the previous message on the same pair (given here): the receiver takes it for a duplicate",
  ),
  unacked: f("unacked", "Never acknowledged", "none", "later", "No acknowledgement of this message appears in the capture"),
  forced_disconnection: f(
    "forced_disconnection",
    "Forced disconnection of",
    "client",
    "later",
    "The last of 1 + 5 transmissions went unanswered: the sender considers this peer gone (0 = the server)",
  ),
  response_to: f(
    "response_to",
    "This is a response to the request in frame",
    "framenum",
    "first",
    "Frame of the request this message answers (Connection, User List, Group Creation, Group Invitation)",
  ),
  response_time: f(
    "response_time",
    "Time since request",
    "time",
    "first",
    "Seconds from the request's original transmission to this response",
  ),
  response_in: f("response_in", "Response in frame", "framenum", "later", "Frame of the response to this request"),
  no_response: f("no_response", "No response", "none", "later", "No response to this request appears in the capture"),
  invitation_timeout: f(
    "invitation_timeout",
    "Invitation timed out",
    "time",
    "later",
    "The invitee acknowledged this invitation and gave no answer within the time-out (seconds, 15 by default)",
  ),
  late_answer: f(
    "late_answer",
    "Answer after the time-out of frame",
    "framenum",
    "first",
    "An invitation answer that came after the invitation (given here) had timed out",
  ),
  joined: f(
    "joined",
    "Joined group",
    "group",
    "first",
    "A client joins this group at this frame (one item per client; the display names the client)",
  ),
  left: f(
    "left",
    "Left group",
    "group",
    "first",
    "A client leaves this group at this frame (one item per client; the display names the client)",
  ),
} as const satisfies Record<string, AnalysisFieldSpec>;

export type AnalysisFieldKey = keyof typeof ANALYSIS_FIELDS;

/** Expert groups of the analysis, after Wireshark's PI_SEQUENCE, PI_RESPONSE_CODE, PI_PROTOCOL. */
export type AnalysisCategory = "sequence" | "response" | "protocol";

export interface AnalysisExpertSpec {
  readonly id: string;
  readonly category: AnalysisCategory;
  readonly severity: Severity;
  readonly pass: AnalysisPass;
  readonly summary: string;
}

function e(id: string, category: AnalysisCategory, severity: Severity, pass: AnalysisPass, summary: string): AnalysisExpertSpec {
  return { id: `imp.analysis.${id}`, category, severity, pass, summary };
}

export const ANALYSIS_EXPERTS = {
  retransmission: e("retransmission", "sequence", "note", "first", "This frame is a (suspected) retransmission"),
  spuriousRetransmission: e(
    "spurious_retransmission",
    "sequence",
    "note",
    "first",
    "This frame is a (suspected) spurious retransmission of an acknowledged message",
  ),
  duplicateAck: e("duplicate_ack", "sequence", "note", "first", "Duplicate ACK"),
  staleAck: e("stale_ack", "sequence", "warning", "first", "ACK that matches no outstanding message"),
  seqNotFlipped: e("seq_not_flipped", "sequence", "warning", "first", "New message with the Sequence of the previous one"),
  unacked: e("unacked", "sequence", "warning", "later", "Message never acknowledged in the capture"),
  forcedDisconnection: e("forced_disconnection", "sequence", "error", "later", "Forced disconnection: every transmission went unanswered"),
  noResponse: e("no_response", "response", "warning", "later", "Request without a response in the capture"),
  invitationTimeout: e("invitation_timeout", "response", "warning", "later", "Invitation timed out without an answer"),
  lateAnswer: e("late_answer", "response", "note", "first", "Invitation answer after the time-out"),
  connected: e("connected", "protocol", "chat", "first", "Client connected"),
  rejected: e("rejected", "protocol", "chat", "first", "Connection rejected"),
  membership: e("membership", "protocol", "chat", "first", "Group membership changed"),
} as const satisfies Record<string, AnalysisExpertSpec>;

export type AnalysisExpertKey = keyof typeof ANALYSIS_EXPERTS;

/** Every analysis field spec by its filter name. */
export const ANALYSIS_FIELDS_BY_ABBREV: ReadonlyMap<string, AnalysisFieldSpec> = new Map(
  Object.values(ANALYSIS_FIELDS).map((s) => [s.abbrev, s]),
);

/** Every analysis expert spec by its id. */
export const ANALYSIS_EXPERTS_BY_ID: ReadonlyMap<string, AnalysisExpertSpec> = new Map(
  Object.values(ANALYSIS_EXPERTS).map((s) => [s.id, s]),
);
