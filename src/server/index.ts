/**
 * The reference IMP server (WIRE.md section 5).
 *
 *   const server = await startServer({ port: 0, clock, log: (e) => console.log(formatText(e)) });
 *   server.address; server.counters; server.snapshot(); server.checkInvariants(); await server.close();
 *
 * Layout: server.ts (socket loop, who-may-speak, dispatch), core.ts (links, sends, Update List /
 * Update Disconnection fan-out), state.ts (users, groups, invitations; invariants; no I/O),
 * handlers/connection.ts, handlers/relay.ts, handlers/invitations.ts, handlers/membership.ts,
 * counters.ts, log.ts, options.ts, triage.ts (drop reasons; reserved-type junk without a decode).
 *
 * Decisions where WIRE.md leaves a choice (each follows the 2017 implementation where it shows one):
 * - A Connection Request from a connected address with the same username gets the first Accept's
 *   bytes again (whatever its S); with another username, Connection Reject 1 (sent through a
 *   throwaway link so the client's own sequence state is untouched). Checks run in this order:
 *   invalid username (1), taken (1), server full (0), per-address limit (0).
 * - The ACK of a Connection Accept must carry the assigned ID (the 2017 client's does); any other
 *   Source ID from a half-open address drops that connection (docs/PROTOCOL.md 5.1).
 * - Update List and Update Disconnection go only to clients whose User List Response has been
 *   queued (the FIFO puts every update behind the list), and only about clients that acknowledged
 *   their Accept. A client whose own entry is the only one in an update does not get it.
 * - A Group Invitation Request from the server carries the inviter (creator) in Source ID and
 *   Group ID 0; its mode is the group's mode, whatever the inviter wrote.
 * - Only a client in the Public Group may create a group (the 2017 client only asks from there);
 *   otherwise ACK + Group Creation Reject. An invitee in another private group that accepts
 *   moves, and its old group may dissolve.
 * - An invitee that disconnects counts as a rejection (for an existing group the inviter gets a
 *   Group Invitation Reject). A creator that disconnects before any accept cancels the creation
 *   (invitations forgotten, ID freed; a late accept is ACKed and ignored). An inviter into an
 *   existing group that disconnects leaves its invitation valid (an accept still joins).
 *   A group that dissolves cancels invitations into it (join inviters get a Reject).
 * - Answers of a created group to the creator/inviter are sent before the Update List.
 * - Data to a decentralized group is ACKed and not relayed; data to a group the sender is not
 *   in is ACKed and dropped (both counted in dataNotRelayed).
 * - Group IDs: lowest free 2..254. Client IDs: random (seeded) like 2017 by default, or lowest free.
 * - Bounds (docs/PROTOCOL.md 5.1): link caps and a queue budget (core.afterTurn), the amplification
 *   limit (core.mayAmplify), the half-open share (handlers/connection.ts), the log's rate limit
 *   (log-limit.ts) and its bounded output (log-output.ts), queued invitations (handlers/invitations.ts),
 *   junk shed before any decode (triage.ts) and a socket of its own per validated client (peerSockets).
 */
export { startServer, MAX_DATAGRAM, type ImpServer, type ServerSnapshot } from "./server.js";
export { SERVER_DEFAULTS, seededRandom, type ServerOptions } from "./options.js";
export { DROP_REASONS, totalDropped, type Counters, type DropReason } from "./counters.js";
export { BoundedLineWriter } from "./log-output.js";
export { LogLimiter } from "./log-limit.js";
export { formatCountersText, formatJson, formatText, type LogFormat, type ServerEvent, type ServerLogger } from "./log.js";
export type { DepartureSnapshot, GroupSnapshot, InvitationSnapshot, StateSnapshot, UserSnapshot } from "./state.js";
