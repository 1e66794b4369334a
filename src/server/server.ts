/**
 * The reference IMP server: the socket loop, the who-may-speak checks and the dispatch to the
 * handlers. Every datagram is either accepted or dropped silently for one counted reason; the
 * server never answers a datagram it did not accept (WIRE.md section 5).
 */
import { decode, type ImpMessage, type MessageInput } from "../codec/index.js";
import { HEADER_LENGTH, inIdClass, messageSpec } from "../protocol/index.js";
import { openUdp, type Address } from "../transport/index.js";
import { ServerCore } from "./core.js";
import { MSG as T } from "../protocol/messages.js";
import { copyCounters, type Counters, type DropReason } from "./counters.js";
import {
  dropHalfOpen,
  onConnectionRequest,
  onConnectionRequestFromClient,
  onDepartedRetransmission,
  onDisconnectionRequest,
  onEstablished,
  onListRequest,
  removeUser,
} from "./handlers/connection.js";
import { onAnswer, onCreate, onInvitationAcked, onInvite } from "./handlers/invitations.js";
import { onDisjoint } from "./handlers/membership.js";
import { onData } from "./handlers/relay.js";
import { resolveOptions, seededRandom, type ServerOptions } from "./options.js";
import { dropReason, isReservedTypeJunk } from "./triage.js";
import type { DepartureSnapshot, StateSnapshot, User } from "./state.js";

/** Largest UDP payload over IPv4. */
export const MAX_DATAGRAM = 65507;

export interface ServerSnapshot extends StateSnapshot {
  departures: DepartureSnapshot[];
}

export interface ImpServer {
  /** The bound address (the real port when 0 was asked for). */
  readonly address: Address;
  /** A copy of the counters at the time of reading. */
  readonly counters: Counters;
  /** Users, groups, pending invitations, link queues and remembered departures. */
  snapshot(): ServerSnapshot;
  /** Every violated invariant of the state, as sentences; empty when consistent. */
  checkInvariants(): string[];
  /** Stops every timer, closes every link and the socket. Idempotent. */
  close(): Promise<void>;
}

/** Types a client may send to the server (the others are server-to-client). */
const FROM_CLIENT: readonly boolean[] = Array.from({ length: 32 }, (_, code) => messageSpec(code)?.directions.includes("C→S") ?? false);

export async function startServer(options: ServerOptions = {}): Promise<ImpServer> {
  const opts = resolveOptions(options);
  const transport = options.transport ?? (await openUdp({ host: opts.host, port: opts.port, peerSockets: opts.peerSockets }));
  const core = new ServerCore(opts, transport, options.log, seededRandom(opts.seed));
  core.hooks = {
    onGone: (user, unacked) => {
      removeUser(core, user, "forced", unacked.type);
      core.afterTurn();
    },
    onSettled: (user, m) => settled(core, user, m),
    evict: (user, reason) => removeUser(core, user, "evicted", undefined, reason),
  };
  transport.onDatagram((bytes, from) => {
    onDatagram(core, bytes, from);
    core.afterTurn();
  });
  core.emit({ event: "listening", ip: transport.local.ip, port: transport.local.port });
  let closed = false;
  return {
    address: transport.local,
    get counters() {
      const c = copyCounters(core.counters);
      let r = core.retransmissionsOfClosedLinks;
      for (const u of core.state.users.values()) if (!u.link.isClosed) r += u.link.retransmissions;
      c.retransmissions = r;
      return c;
    },
    snapshot() {
      const departures: DepartureSnapshot[] = [];
      for (const [key, d] of core.departures) {
        const at = key.lastIndexOf(":");
        departures.push({ ip: key.slice(0, at), port: Number(key.slice(at + 1)), id: d.id });
      }
      return { ...core.state.snapshot(), departures };
    },
    checkInvariants: () => core.state.checkInvariants(!closed),
    async close() {
      if (closed) return;
      closed = true;
      for (const u of core.state.users.values()) {
        core.retransmissionsOfClosedLinks += u.link.retransmissions;
        u.link.close();
      }
      for (const inv of core.state.invitations.values()) if (inv.timer) core.clock.clearTimer(inv.timer);
      for (const d of core.departures.values()) core.clock.clearTimer(d.timer);
      core.flood?.close();
      core.flushLog();
      await transport.close();
    },
  };
}

function drop(
  core: ServerCore,
  reason: DropReason,
  from: Address,
  bytes: Uint8Array,
  detail: string | ((bytes: Uint8Array) => string),
): void {
  core.counters.dropped[reason]++;
  core.flood?.dropped();
  if (core.logs("dropped")) {
    core.write({
      event: "dropped",
      reason,
      ip: from.ip,
      port: from.port,
      bytes: bytes.length,
      detail: typeof detail === "string" ? detail : detail(bytes),
    });
  }
}

/** The problems of a datagram, as the log's detail says them. */
function problemsText(bytes: Uint8Array): string {
  return decode(bytes)
    .problems.map((p) => p.text)
    .join("; ");
}

function onDatagram(core: ServerCore, bytes: Buffer, from: Address): void {
  const c = core.counters;
  c.received++;
  // Every byte from a half-open address counts toward what the server may send there.
  if (core.halfOpen.size > 0) {
    const u = core.state.userAt(from.ip, from.port);
    if (u && !u.validated) u.bytesIn += bytes.length;
  }
  if (bytes.length < HEADER_LENGTH) return drop(core, "undersize", from, bytes, "shorter than the header");
  if (bytes.length > MAX_DATAGRAM) return drop(core, "oversize", from, bytes, "longer than 65507 bytes");
  // A junk flood is shed here, before any decode: the detail is decoded only for a logged line.
  if (isReservedTypeJunk(bytes)) return drop(core, "reservedType", from, bytes, problemsText);
  const d = decode(bytes);
  const reason = dropReason(d);
  if (reason) return drop(core, reason, from, bytes, () => d.problems.map((p) => p.text).join("; "));
  const m = d.message!;
  const user = core.state.userAt(from.ip, from.port);

  if (m.type === T.connRequest && m.ack === 0) {
    c.accepted++;
    if (user) onConnectionRequestFromClient(core, user, m, from);
    else onConnectionRequest(core, d, m, from);
    return;
  }
  if (!user) {
    if (onDepartedRetransmission(core, m, from)) {
      c.accepted++;
      return;
    }
    const claimed = m.src !== 0 && core.state.users.has(m.src);
    return drop(
      core,
      claimed ? "spoofedSource" : "unknownAddress",
      from,
      bytes,
      claimed ? `Source ID ${m.src} belongs to another address` : "no session",
    );
  }
  if (m.src !== user.id) {
    // A half-open address that names another ID guessed it blind: the connection is dropped, so
    // each guess costs a new Connection Request (docs/PROTOCOL.md 5.1). The ACK of a Connection
    // Reject (Source ID 0, as the 2017 client sends it) is only dropped.
    if (!user.validated && !(m.ack === 1 && m.type === T.connReject)) {
      dropHalfOpen(core, user, `Source ID ${m.src} instead of the assigned ID`, true);
    }
    return drop(core, "spoofedSource", from, bytes, () => `Source ID ${m.src} from the address of client ${user.id}`);
  }
  // The assigned ID could only be read from the Accept: the address receives what is sent there.
  if (!user.validated) core.validate(user);
  if (m.ack === 0 && !FROM_CLIENT[m.type]) return drop(core, "direction", from, bytes, "server-to-client type");
  // An invitation into a group that cannot be private names no group a Group Invitation Reject
  // could carry (docs/PROTOCOL.md, section 7): it is not accepted, so it gets no answer at all.
  if (m.ack === 0 && m.type === T.inviteRequest && !inIdClass(m.invite_group ?? 0, "private")) {
    return drop(core, "protocol", from, bytes, `Group Invitation Request for group ${m.invite_group ?? 0}, which is not a private group`);
  }
  c.accepted++;
  switch (user.link.receive(m)) {
    case "ack":
      c.acks++;
      return;
    case "stale-ack":
      c.staleAcks++;
      return;
    case "duplicate":
      c.duplicates++;
      return;
    case "new":
      dispatch(core, user, m);
  }
}

function dispatch(core: ServerCore, user: User, m: ImpMessage): void {
  switch (m.type) {
    case T.data:
      return onData(core, user, m);
    case T.listRequest:
      return onListRequest(core, user);
    case T.createRequest:
      return onCreate(core, user, m);
    case T.inviteRequest:
      return onInvite(core, user, m);
    case T.inviteAccept:
    case T.inviteReject:
      return onAnswer(core, user, m);
    case T.disjoint:
      return onDisjoint(core, user, m);
    case T.disconnect:
      return onDisconnectionRequest(core, user, m);
  }
}

function settled(core: ServerCore, user: User, m: MessageInput): void {
  if (m === user.accept) onEstablished(core, user);
  else if (m.type === T.inviteRequest) onInvitationAcked(core, user, m);
}
