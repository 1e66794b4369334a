/**
 * What the codec reports about a datagram, declared once like Wireshark's ei arrays: a stable
 * id, a category (`malformed`: a length rule is broken; `protocol`: well-formed but a value rule
 * is broken), a severity, whether receivers drop a datagram that has it, and a summary.
 */

export type ProblemCategory = "malformed" | "protocol";
export type Severity = "error" | "warning" | "note" | "chat";

export interface ProblemSpec {
  readonly id: string;
  readonly category: ProblemCategory;
  readonly severity: Severity;
  /** A conforming receiver (server, client) drops a datagram with this problem without answering. */
  readonly dropped: boolean;
  readonly summary: string;
}

function p(id: string, category: ProblemCategory, severity: Severity, dropped: boolean, summary: string): ProblemSpec {
  return { id, category, severity, dropped, summary };
}

export const PROBLEMS = {
  short: p("imp.malformed.short", "malformed", "error", true, "Datagram shorter than the 5-byte header"),
  hlenMin: p("imp.malformed.hlen_min", "malformed", "error", true, "Header Length below 5"),
  hlenBeyond: p("imp.malformed.hlen_beyond", "malformed", "error", true, "Header Length runs past the end of the datagram"),
  hlenType: p("imp.malformed.hlen_type", "malformed", "error", true, "Header Length does not fit the message type"),
  ackHlen: p("imp.malformed.ack_hlen", "malformed", "error", true, "Acknowledgement with options (Header Length is not 5)"),
  trailing: p("imp.malformed.trailing", "malformed", "error", true, "Bytes after the header of a type that carries no payload"),
  dataLen: p("imp.malformed.data_len", "malformed", "error", true, "Data Length does not match the payload"),
  unknownType: p("imp.protocol.unknown_type", "protocol", "warning", true, "Reserved message type"),
  reservedSet: p("imp.protocol.reserved_set", "protocol", "note", false, "Reserved bit set"),
  padding: p("imp.protocol.padding", "protocol", "note", false, "Padding bits not zero"),
  src: p("imp.protocol.src", "protocol", "warning", true, "Source ID not allowed for this message type"),
  group: p("imp.protocol.group", "protocol", "warning", true, "Group ID not allowed for this message type"),
  username: p("imp.protocol.username", "protocol", "warning", false, "Invalid username"),
  clientId: p("imp.protocol.client_id", "protocol", "warning", false, "Client ID 0 where a client is required"),
  groupId: p("imp.protocol.group_id", "protocol", "warning", false, "Group ID out of range for this field"),
  target: p("imp.protocol.target", "protocol", "warning", true, "An option that must name a client names none (client ID 0)"),
  duplicateInvitee: p("imp.protocol.duplicate_invitee", "protocol", "note", false, "Client invited twice in one request"),
  utf8: p("imp.protocol.utf8", "protocol", "warning", false, "Payload is not valid UTF-8"),
  implicitAck: p("imp.protocol.implicit_ack", "protocol", "note", false, "Explicit ACK of a message that is acknowledged implicitly"),
} as const satisfies Record<string, ProblemSpec>;

export type ProblemKey = keyof typeof PROBLEMS;

/** One problem found in one datagram. */
export interface Problem {
  readonly id: string;
  readonly category: ProblemCategory;
  readonly severity: Severity;
  /** A human sentence with the values involved. */
  readonly text: string;
  /** Byte range in the datagram the problem concerns. */
  readonly offset: number;
  readonly length: number;
  /** Filter name of the field it concerns, when there is one. */
  readonly field?: string;
}

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { chat: 0, note: 1, warning: 2, error: 3 };
