/**
 * What the server counts. Every datagram that arrives is either accepted or dropped for exactly
 * one reason (`received = accepted + sum(dropped)`); the rest count what the server did.
 */

/** Why a datagram was dropped without any answer (WIRE.md section 5, "Who may speak"). */
export const DROP_REASONS = [
  "undersize", // shorter than the 5-byte header
  "oversize", // longer than the largest UDP payload over IPv4 (65507 bytes)
  "malformed", // a length rule is broken
  "reservedType", // Type 0x11..0x1F
  "protocol", // a Source/Group value a receiver drops (PROBLEMS with dropped: true)
  "direction", // a server-to-client type sent to the server
  "unknownAddress", // not a Connection Request, from an address with no session
  "spoofedSource", // Source ID not the one registered for the address (or a connected ID from another address)
] as const;

export type DropReason = (typeof DROP_REASONS)[number];

export interface Counters {
  /** Datagrams received. */
  received: number;
  /** Datagrams accepted (passed every check; answered or processed). */
  accepted: number;
  /** Datagrams dropped silently, by reason. */
  dropped: Record<DropReason, number>;
  /** Accepted datagrams that were duplicates (answered again, not processed). */
  duplicates: number;
  /** Acknowledgements that settled an outstanding message. */
  acks: number;
  /** Acknowledgements that matched nothing outstanding (ignored). */
  staleAcks: number;
  /** Datagrams sent (first transmissions, retransmissions, ACKs, rejects, re-sent answers). */
  sent: number;
  /** Retransmissions by the ARQ links. */
  retransmissions: number;
  connections: number;
  /** Connection Rejects, by error code. */
  rejects: { full: number; username: number };
  disconnections: number;
  forcedDisconnections: number;
  /** Data Messages accepted from clients. */
  dataReceived: number;
  /** Copies of Data Messages relayed to group members. */
  dataRelayed: number;
  /** Data Messages acknowledged but not relayed (sender not in the group, or a decentralized group). */
  dataNotRelayed: number;
  groupsCreated: number;
  groupCreationsRejected: number;
  groupsDissolved: number;
  invitationsSent: number;
  invitationsAccepted: number;
  invitationsRejected: number;
  invitationsTimedOut: number;
  /** Invitations refused at once (invalid, or the invitee already had one pending). */
  invitationsRefused: number;
  /** Invitation answers with no matching pending invitation (acknowledged, ignored). */
  unsolicitedAnswers: number;
  /** Invitations queued behind another one pending for the same invitee (sent when it is settled). */
  invitationsQueued: number;
  /** Clients disconnected as if forced because their link hit its cap (messages or bytes); in forcedDisconnections too. */
  queueOverflows: number;
  /** Clients disconnected as if forced because all links together passed the budget (the largest first); in forcedDisconnections too. */
  budgetEvictions: number;
  /** Half-open connections (Accept not acknowledged) dropped to make room for a newer request. */
  halfOpenEvicted: number;
  /** Half-open connections dropped because their address sent a datagram with a Source ID other than the one assigned. */
  halfOpenCancelled: number;
  /** Datagrams not sent to an unvalidated address because they would pass the amplification limit. */
  amplificationLimited: number;
  /** Times flood mode started (dropped datagrams reached floodThreshold in a second: clients got sockets of their own). */
  floods: number;
  /** Log events not written because of the rate limit (the log says how many, once a second). */
  logSuppressed: number;
}

export function newCounters(): Counters {
  const dropped = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
  return {
    received: 0,
    accepted: 0,
    dropped,
    duplicates: 0,
    acks: 0,
    staleAcks: 0,
    sent: 0,
    retransmissions: 0,
    connections: 0,
    rejects: { full: 0, username: 0 },
    disconnections: 0,
    forcedDisconnections: 0,
    dataReceived: 0,
    dataRelayed: 0,
    dataNotRelayed: 0,
    groupsCreated: 0,
    groupCreationsRejected: 0,
    groupsDissolved: 0,
    invitationsSent: 0,
    invitationsAccepted: 0,
    invitationsRejected: 0,
    invitationsTimedOut: 0,
    invitationsRefused: 0,
    unsolicitedAnswers: 0,
    invitationsQueued: 0,
    queueOverflows: 0,
    budgetEvictions: 0,
    halfOpenEvicted: 0,
    halfOpenCancelled: 0,
    amplificationLimited: 0,
    floods: 0,
    logSuppressed: 0,
  };
}

/** A deep copy (the server's own object keeps counting). */
export function copyCounters(c: Counters): Counters {
  return { ...c, dropped: { ...c.dropped }, rejects: { ...c.rejects } };
}

export function totalDropped(c: Counters): number {
  let n = 0;
  for (const r of DROP_REASONS) n += c.dropped[r];
  return n;
}
