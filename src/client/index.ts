/**
 * The reference IMP client (WIRE.md sections 4 to 6).
 *
 *   const alice = await connectClient({ name: "alice", server: { ip: "127.0.0.1", port: 1313 } });
 *   alice.on("message", (m) => console.log(`${m.fromName}: ${m.text}`));
 *   await alice.send("hello");                       // resolves when acknowledged: ["acked"]
 *   await alice.createGroup({ mode: "decentralized", invitees: ["bob", 7] });
 *   await alice.disconnect();
 *
 * Layout: client.ts (ImpClient: socket, server and peer links, dispatch, state), channel.ts (an
 * ArqLink with a promise per message), roster.ts (the user list), events.ts (typed events and
 * emitter), chat-repl.ts (the line-mode chat behind `imp client`).
 *
 * Decisions where WIRE.md leaves a choice:
 * - The ACK of a Connection Accept carries the new client ID (the 2017 server finds sessions by
 *   Source ID); the ACK of a Connection Reject carries 0. A retransmitted Accept after the
 *   connection is ACKed again outside the link's sequence state.
 * - A Reject error 1 that answers a retransmitted Connection Request is believed only after two
 *   retransmission periods without an Accept (the 2017 server rejects the retransmission of a
 *   request whose Accept was lost, because its own pending session holds the name).
 * - connectClient resolves once the User List Response has arrived (Accept, ACK, list, ACK).
 * - Moving between groups takes effect locally when the request is sent (accept, leave), as the
 *   2017 client does; the promise resolves on the server's ACK. Group creation is only asked
 *   from the Public Group.
 * - Peer links (decentralized groups) live while both ends share the group: created on first
 *   use, dropped when either side leaves or the peer's address changes, so each membership starts
 *   at S=1 on both sides (as the 2017 client re-creates its sessions). A peer that never ACKs is
 *   removed from the local list (peerGone) until the server reports it again.
 * - Data from the server is delivered whatever its group; data from a peer only when the sender's
 *   address is a current member's, its Source ID is that member's, and its group is ours.
 * - Invitations stay pending for inviteTimeoutMs (default 15 s, as the server's timer; 0 keeps
 *   them); accept()/reject() without a group answer the latest one.
 * - Text is at most 65 500 bytes (one datagram); the 2017 implementation reads 1 024-byte
 *   datagrams, so longer texts do not reach it whole.
 * - The 2017 server draws group IDs from 2..255: Data Messages of this client's own group are
 *   accepted even in group 255.
 */
export {
  ClientError,
  ConnectError,
  DEFAULT_INVITE_TIMEOUT_MS,
  ImpClient,
  MAX_TEXT_BYTES,
  connectClient,
  modeBit,
  modeOf,
  type ClientOptions,
  type ClientState,
  type ConnectFailure,
} from "./client.js";
export { Channel, type Outcome } from "./channel.js";
export { TypedEmitter, type ClientEvents, type GroupMode, type Invitation } from "./events.js";
export { Roster, type RosterChange, type RosterEntry } from "./roster.js";
export { HELP, rosterLine, runRepl, type ReplOptions } from "./chat-repl.js";
