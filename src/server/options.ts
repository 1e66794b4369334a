/** Server options and their defaults (WIRE.md sections 4 and 5). */
import { DEFAULT_ARQ, systemClock, type Clock } from "../arq/index.js";
import type { DatagramTransport } from "../transport/index.js";
import type { ServerLogger } from "./log.js";

export interface ServerOptions {
  /** Address to bind (IPv4). Default 127.0.0.1. Ignored with `transport`. */
  host?: string;
  /** UDP port; 0 picks a free one. Default 1313. Ignored with `transport`. */
  port?: number;
  /** Maximum connected clients, 1..255. Default 255. */
  maxUsers?: number;
  /** Maximum connected clients per IP address. Default unlimited. */
  maxPerAddress?: number;
  /** Retransmission timeout in ms. Default 500. */
  rto?: number;
  /** Retransmissions after the first transmission. Default 5. */
  retries?: number;
  /** Time an invitee has to answer, from its ACK of the Group Invitation Request. Default 15000 ms. */
  inviteTimeoutMs?: number;
  /** Time source for every timer. Default the system clock. */
  clock?: Clock;
  /** A datagram transport to use instead of binding one (e.g. with a tap). The server closes it on close(). */
  transport?: DatagramTransport;
  /** Called once per event; no event is built when this is not set. */
  log?: ServerLogger;
  /**
   * "random" free client ID (default, as the 2017 implementation does: an address proves that it
   * receives the server's datagrams by acknowledging the Accept with an ID it could not guess),
   * or "lowest" (deterministic; scenarios and tests).
   */
  idAllocation?: "lowest" | "random";
  /** Seed of the PRNG behind random ID allocation. */
  seed?: number;
  /** Most messages one client's link may hold (outstanding + queued). Default 1024. */
  maxQueuedMessages?: number;
  /** Most encoded bytes one client's link may hold. Default 4 MiB. */
  maxQueuedBytes?: number;
  /** Most encoded bytes all links together may hold (a relay shared by many counts once). Default 32 MiB. */
  queueBudgetBytes?: number;
  /**
   * Share of `maxUsers` that connections whose Accept is not acknowledged yet (half-open) may
   * hold; past it the oldest half-open connection is dropped. Default 0.25 (at least 1).
   */
  halfOpenShare?: number;
  /** Until an address is validated the server sends it at most this many times the bytes it received from it. Default 3. */
  amplificationFactor?: number;
  /** Log lines per second per kind of event (0: no limit, the library's default; `imp server` uses 20). */
  logRate?: number;
  /** Invitations an invitee may have waiting behind the one it was sent (at most one per inviter). Default 8. */
  maxQueuedInvitations?: number;
  /**
   * During a flood, a socket of its own for each validated client (connected to it, on the
   * server's port), so the flood does not fill the queue its datagrams wait in (docs/PROTOCOL.md
   * 5.1). Default true. With `transport`, what that transport offers (`dedicate`) is used.
   */
  peerSockets?: boolean;
  /** Datagrams dropped within one second that start flood mode (peer sockets). Default 1000. */
  floodThreshold?: number;
}

export interface ResolvedOptions {
  host: string;
  port: number;
  maxUsers: number;
  maxPerAddress: number;
  rto: number;
  retries: number;
  inviteTimeoutMs: number;
  clock: Clock;
  idAllocation: "lowest" | "random";
  seed: number;
  maxQueuedMessages: number;
  maxQueuedBytes: number;
  queueBudgetBytes: number;
  halfOpenShare: number;
  amplificationFactor: number;
  logRate: number;
  maxQueuedInvitations: number;
  peerSockets: boolean;
  floodThreshold: number;
}

export const SERVER_DEFAULTS = {
  host: "127.0.0.1",
  port: 1313,
  maxUsers: 255,
  maxPerAddress: Infinity,
  rto: DEFAULT_ARQ.rto,
  retries: DEFAULT_ARQ.retries,
  inviteTimeoutMs: 15_000,
  idAllocation: "random",
  maxQueuedMessages: 1024,
  maxQueuedBytes: 4 * 1024 * 1024,
  queueBudgetBytes: 32 * 1024 * 1024,
  halfOpenShare: 0.25,
  amplificationFactor: 3,
  logRate: 0,
  maxQueuedInvitations: 8,
  peerSockets: true,
  floodThreshold: 1000,
} as const;

export function resolveOptions(o: ServerOptions): ResolvedOptions {
  const r: ResolvedOptions = {
    host: o.host ?? SERVER_DEFAULTS.host,
    port: o.port ?? SERVER_DEFAULTS.port,
    maxUsers: o.maxUsers ?? SERVER_DEFAULTS.maxUsers,
    maxPerAddress: o.maxPerAddress ?? SERVER_DEFAULTS.maxPerAddress,
    rto: o.rto ?? SERVER_DEFAULTS.rto,
    retries: o.retries ?? SERVER_DEFAULTS.retries,
    inviteTimeoutMs: o.inviteTimeoutMs ?? SERVER_DEFAULTS.inviteTimeoutMs,
    clock: o.clock ?? systemClock,
    idAllocation: o.idAllocation ?? SERVER_DEFAULTS.idAllocation,
    seed: o.seed ?? Date.now() >>> 0,
    maxQueuedMessages: o.maxQueuedMessages ?? SERVER_DEFAULTS.maxQueuedMessages,
    maxQueuedBytes: o.maxQueuedBytes ?? SERVER_DEFAULTS.maxQueuedBytes,
    queueBudgetBytes: o.queueBudgetBytes ?? SERVER_DEFAULTS.queueBudgetBytes,
    halfOpenShare: o.halfOpenShare ?? SERVER_DEFAULTS.halfOpenShare,
    amplificationFactor: o.amplificationFactor ?? SERVER_DEFAULTS.amplificationFactor,
    logRate: o.logRate ?? SERVER_DEFAULTS.logRate,
    maxQueuedInvitations: o.maxQueuedInvitations ?? SERVER_DEFAULTS.maxQueuedInvitations,
    peerSockets: o.peerSockets ?? SERVER_DEFAULTS.peerSockets,
    floodThreshold: o.floodThreshold ?? SERVER_DEFAULTS.floodThreshold,
  };
  const bad = (what: string) => {
    throw new RangeError(`server option ${what}`);
  };
  if (!Number.isInteger(r.port) || r.port < 0 || r.port > 65535) bad(`port must be 0..65535, got ${r.port}`);
  if (!Number.isInteger(r.maxUsers) || r.maxUsers < 1 || r.maxUsers > 255) bad(`maxUsers must be 1..255, got ${r.maxUsers}`);
  if (!(r.maxPerAddress >= 1)) bad(`maxPerAddress must be at least 1, got ${r.maxPerAddress}`);
  if (!(r.rto > 0)) bad(`rto must be above 0, got ${r.rto}`);
  if (!Number.isInteger(r.retries) || r.retries < 0) bad(`retries must be a whole number >= 0, got ${r.retries}`);
  if (!(r.inviteTimeoutMs > 0)) bad(`inviteTimeoutMs must be above 0, got ${r.inviteTimeoutMs}`);
  if (!Number.isInteger(r.maxQueuedMessages) || r.maxQueuedMessages < 1)
    bad(`maxQueuedMessages must be a whole number >= 1, got ${r.maxQueuedMessages}`);
  // The largest message is a 65 507-byte datagram; a smaller cap could never hold one.
  if (!(r.maxQueuedBytes >= 65_507)) bad(`maxQueuedBytes must be at least 65507, got ${r.maxQueuedBytes}`);
  if (!(r.queueBudgetBytes >= r.maxQueuedBytes))
    bad(`queueBudgetBytes must be at least maxQueuedBytes (${r.maxQueuedBytes}), got ${r.queueBudgetBytes}`);
  if (!(r.halfOpenShare > 0 && r.halfOpenShare <= 1)) bad(`halfOpenShare must be above 0 and at most 1, got ${r.halfOpenShare}`);
  if (!(r.amplificationFactor >= 1)) bad(`amplificationFactor must be at least 1, got ${r.amplificationFactor}`);
  if (!Number.isInteger(r.floodThreshold) || r.floodThreshold < 1)
    bad(`floodThreshold must be a whole number >= 1, got ${r.floodThreshold}`);
  if (!(r.logRate >= 0)) bad(`logRate must be 0 (no limit) or above, got ${r.logRate}`);
  if (!Number.isInteger(r.maxQueuedInvitations) || r.maxQueuedInvitations < 0)
    bad(`maxQueuedInvitations must be a whole number >= 0, got ${r.maxQueuedInvitations}`);
  return r;
}

/** Most half-open connections at once: `halfOpenShare` of `maxUsers`, at least 1. */
export function halfOpenLimit(r: ResolvedOptions): number {
  return Math.max(1, Math.floor(r.maxUsers * r.halfOpenShare));
}

export { seededRandom } from "../util/random.js";
