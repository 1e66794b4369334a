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
  /** "lowest" free client ID (default) or "random" (as the 2017 implementation does). */
  idAllocation?: "lowest" | "random";
  /** Seed of the PRNG behind random ID allocation. */
  seed?: number;
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
}

export const SERVER_DEFAULTS = {
  host: "127.0.0.1",
  port: 1313,
  maxUsers: 255,
  maxPerAddress: Infinity,
  rto: DEFAULT_ARQ.rto,
  retries: DEFAULT_ARQ.retries,
  inviteTimeoutMs: 15_000,
  idAllocation: "lowest",
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
  return r;
}

export { seededRandom } from "../util/random.js";
