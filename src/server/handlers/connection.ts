/**
 * Connection, establishment, disconnection and forced disconnection (WIRE.md section 5), with
 * the half-open bounds of docs/PROTOCOL.md 5.1: a connection whose Accept the client has not
 * acknowledged with its assigned ID holds its ID and name only while no newer request needs the
 * room (oldest dropped first, like a SYN cache), and is dropped at once when its address sends
 * another Source ID (a blind guess of the random ID).
 */
import type { Decoded, ImpMessage, MessageInput } from "../../codec/index.js";
import { PROBLEMS, PUBLIC_GROUP } from "../../protocol/index.js";
import type { Address } from "../../transport/index.js";
import { addressKey, type ServerCore } from "../core.js";
import { MSG as T } from "../../protocol/messages.js";
import type { User } from "../state.js";
import { onUserLeaving } from "./invitations.js";
import { shrink } from "./membership.js";

const USERNAME_PROBLEM = PROBLEMS.username.id;

/** Connection Request from an address with no session (recognised by state, whatever its S). */
export function onConnectionRequest(core: ServerCore, d: Decoded, m: ImpMessage, from: Address): void {
  const name = m.username ?? "";
  const { state, options } = core;
  const owner: { user: User | null } = { user: null };
  const link = core.newLink(from.ip, from.port, owner);
  link.receive(m, { byState: true });
  let error: 0 | 1 | null = null;
  let reason = "";
  const holder = state.userNamed(name);
  // A half-open connection holds nothing against a request from another address: its name...
  if (holder && !holder.validated) dropHalfOpen(core, holder, "its name was requested from another address");
  if (d.problems.some((p) => p.id === USERNAME_PROBLEM)) [error, reason] = [1, "invalid username"];
  else if (state.userNamed(name)) [error, reason] = [1, "username taken"];
  else if (state.usersFrom(from.ip) >= options.maxPerAddress) [error, reason] = [0, "maximum number of users from this address reached"];
  else {
    // ...nor its ID: the oldest gives way when the half-open share or the server is full.
    while (core.halfOpen.size > 0 && (core.halfOpen.size >= core.halfOpenMax || state.size >= options.maxUsers)) {
      dropHalfOpen(core, core.halfOpen.values().next().value!, "oldest half-open connection, room needed");
    }
    if (state.size >= options.maxUsers) [error, reason] = [0, "maximum number of users reached"];
  }
  const id = error === null ? allocateId(core) : null;
  if (error === null && id === null) [error, reason] = [0, "no free client ID"];
  if (error !== null || id === null) {
    reject(core, link, name, from, error ?? 0, reason);
    return;
  }
  const departed = core.departures.get(addressKey(from.ip, from.port));
  if (departed) {
    core.clock.clearTimer(departed.timer);
    core.departures.delete(addressKey(from.ip, from.port));
  }
  const accept: MessageInput = { type: T.connAccept, src: 0, group: 0, client_id: id };
  const user: User = {
    id,
    name,
    ip: from.ip,
    port: from.port,
    group: PUBLIC_GROUP,
    link,
    established: false,
    hasList: false,
    accept,
    acceptBytes: null,
    validated: false,
    bytesIn: d.length,
    bytesOut: 0,
  };
  owner.user = user;
  state.addUser(user);
  core.halfOpen.set(id, user);
  core.counters.connections++;
  core.emit({ event: "connected", id, name, ip: from.ip, port: from.port });
  link.send(accept, { asResponse: true });
  user.acceptBytes = core.lastOut;
}

/** Connection Request from an address that is connected: the same Accept again, or reject 1. */
export function onConnectionRequestFromClient(core: ServerCore, user: User, m: ImpMessage, from: Address): void {
  if (m.username === user.name && user.acceptBytes) {
    core.counters.duplicates++;
    core.emit({ event: "accept-resent", id: user.id });
    core.put(user.acceptBytes, user.ip, user.port, user);
    return;
  }
  // A throwaway link: the client's own link keeps its sequence state.
  const link = core.newLink(from.ip, from.port, { user: null });
  link.receive(m, { byState: true });
  reject(core, link, m.username ?? "", from, 1, "address already connected");
}

function reject(
  core: ServerCore,
  link: ReturnType<ServerCore["newLink"]>,
  name: string,
  from: Address,
  error: 0 | 1,
  reason: string,
): void {
  if (error === 0) core.counters.rejects.full++;
  else core.counters.rejects.username++;
  core.emit({ event: "rejected", name, ip: from.ip, port: from.port, error, reason });
  link.sendOnce({ type: T.connReject, src: 0, group: 0, error }, { asResponse: true });
  link.close();
}

function allocateId(core: ServerCore): number | null {
  if (core.options.idAllocation === "lowest") return core.state.lowestFreeId();
  const free = core.state.freeIds();
  if (free.length === 0) return null;
  return free[Math.floor(core.random() * free.length)]!;
}

/** The client acknowledged its Connection Accept: the others learn of it. */
export function onEstablished(core: ServerCore, user: User): void {
  if (user.established) return;
  user.established = true;
  core.emit({ event: "established", id: user.id });
  core.updateList([user]);
}

/** User List Request: the list (every established client and the requester) as the implicit answer. */
export function onListRequest(core: ServerCore, user: User): void {
  const entry = [];
  for (const u of core.state.users.values()) if (u.established || u === user) entry.push(core.entryOf(u));
  user.hasList = true;
  core.emit({ event: "list", id: user.id, entries: entry.length });
  core.send(user, { type: T.listResponse, src: user.id, group: PUBLIC_GROUP, entry }, true);
}

/** Disconnection Request: ACK, remember the departure for the retransmission window, remove. */
export function onDisconnectionRequest(core: ServerCore, user: User, m: ImpMessage): void {
  core.ack(user, m);
  const ackBytes = core.lastOut!;
  const key = addressKey(user.ip, user.port);
  const window = (1 + core.options.retries) * core.options.rto;
  const timer = core.clock.setTimer(window, () => {
    if (core.departures.get(key)?.timer === timer) core.departures.delete(key);
  });
  const old = core.departures.get(key);
  if (old) core.clock.clearTimer(old.timer);
  core.departures.set(key, { id: user.id, seq: m.seq, ackBytes, timer });
  removeUser(core, user, "request");
}

/** A datagram from an address with no session: a retransmitted Disconnection Request is ACKed again. */
export function onDepartedRetransmission(core: ServerCore, m: ImpMessage, from: Address): boolean {
  if (m.ack !== 0 || m.type !== T.disconnect || core.departures.size === 0) return false;
  const dep = core.departures.get(addressKey(from.ip, from.port));
  if (!dep || dep.id !== m.src || dep.seq !== m.seq) return false;
  core.counters.duplicates++;
  core.emit({ event: "disconnection-reacked", id: dep.id, ip: from.ip, port: from.port });
  core.put(dep.ackBytes, from.ip, from.port);
  return true;
}

/**
 * Drops a half-open connection (its Accept not acknowledged by the assigned ID): no one else
 * knew of it, so nobody is told; its ID and name are free again.
 */
export function dropHalfOpen(core: ServerCore, user: User, reason: string, cancelled = false): void {
  if (cancelled) core.counters.halfOpenCancelled++;
  else core.counters.halfOpenEvicted++;
  if (core.logs("half-open-dropped"))
    core.write({ event: "half-open-dropped", id: user.id, name: user.name, ip: user.ip, port: user.port, reason });
  removeUser(core, user, "half-open");
}

/**
 * Removes a client: on its request, forced (never acknowledged), evicted as if forced (its queue
 * passed a cap; `reason` says which), or a half-open connection dropped (not counted as a
 * disconnection). Update Disconnection follows when others knew of it; groups shrink or dissolve.
 */
export function removeUser(
  core: ServerCore,
  user: User,
  how: "request" | "forced" | "evicted" | "half-open",
  unacked?: number,
  reason?: string,
): void {
  if (core.state.users.get(user.id) !== user) return;
  core.retransmissionsOfClosedLinks += user.link.retransmissions;
  user.link.close();
  core.halfOpen.delete(user.id);
  onUserLeaving(core, user);
  const group = user.group;
  core.state.removeUser(user);
  core.transport.release?.({ ip: user.ip, port: user.port });
  if (how === "half-open") {
    core.updateList(shrink(core, group));
    return;
  }
  const forced = how !== "request";
  if (forced) core.counters.forcedDisconnections++;
  else core.counters.disconnections++;
  if (core.logs("disconnected")) {
    core.write({
      event: "disconnected",
      id: user.id,
      name: user.name,
      forced,
      ...(unacked === undefined ? {} : { unacked }),
      ...(reason === undefined ? {} : { reason }),
    });
  }
  if (user.established) core.updateDisconnection(user.id);
  core.updateList(shrink(core, group));
}
