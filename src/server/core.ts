/**
 * What every handler works with: the state, the counters, the options, the logger, and the
 * ways to put datagrams on the wire (per-client ARQ links, or direct sends for rejects and
 * re-sent answers). Update List and Update Disconnection fan-out lives here too, and the bounds
 * of docs/PROTOCOL.md section 5.1: the amplification limit on every datagram to an unvalidated
 * address, the caps of each link and the budget of all (`afterTurn` disconnects who passed them),
 * and the log's rate limit.
 */
import { ArqLink, SendBudget, SharedMessage, type Clock, type LinkLimits, type TimerHandle } from "../arq/index.js";
import type { ImpMessage, ListEntry, MessageInput } from "../codec/index.js";
import { BROADCAST_GROUP } from "../protocol/index.js";
import type { DatagramTransport } from "../transport/index.js";
import { MSG as T } from "../protocol/messages.js";
import { newCounters, type Counters } from "./counters.js";
import { FloodGuard } from "./flood-guard.js";
import { LogLimiter } from "./log-limit.js";
import type { ServerEvent, ServerLogger } from "./log.js";
import { halfOpenLimit, type ResolvedOptions } from "./options.js";
import { ServerState, type User } from "./state.js";

/** A client that sent a Disconnection Request, remembered for the retransmission window. */
export interface Departure {
  readonly id: number;
  readonly seq: number;
  readonly ackBytes: Uint8Array;
  readonly timer: TimerHandle;
}

export interface LinkHooks {
  onGone(user: User, unacked: MessageInput): void;
  onSettled(user: User, message: MessageInput): void;
  /** Disconnects a client as if forced, without a time-out (its link passed a cap). */
  evict(user: User, reason: string): void;
}

export class ServerCore {
  readonly state: ServerState;
  readonly counters: Counters = newCounters();
  readonly clock: Clock;
  /** Retransmissions of links already closed (live links are summed when counters are read). */
  retransmissionsOfClosedLinks = 0;
  /** Recent departures by "ip:port". */
  readonly departures = new Map<string, Departure>();
  /** The last datagram handed to the transport (lets a handler keep the bytes of an answer). */
  lastOut: Uint8Array | null = null;
  hooks: LinkHooks = { onGone: () => {}, onSettled: () => {}, evict: () => {} };
  /** What all links hold together. */
  readonly budget: SendBudget;
  /** Half-open connections (Accept not acknowledged by the assigned ID), oldest first. */
  readonly halfOpen = new Map<number, User>();
  readonly halfOpenMax: number;
  /** Clients whose link refused a message during this turn (disconnected by `afterTurn`). */
  private readonly overflowed = new Set<User>();
  private readonly limits: LinkLimits;
  private readonly limiter: LogLimiter | null;
  /** Flood mode: validated clients get sockets of their own while datagrams are dropped fast (null: the transport has none). */
  readonly flood: FloodGuard | null;

  constructor(
    readonly options: ResolvedOptions,
    readonly transport: DatagramTransport,
    readonly log: ServerLogger | undefined,
    readonly random: () => number,
  ) {
    this.state = new ServerState(options.maxUsers);
    this.clock = options.clock;
    this.budget = new SendBudget(options.queueBudgetBytes);
    this.limits = { maxMessages: options.maxQueuedMessages, maxBytes: options.maxQueuedBytes, budget: this.budget };
    this.halfOpenMax = halfOpenLimit(options);
    this.limiter =
      log && options.logRate > 0 ? new LogLimiter(options.logRate, this.clock, (counts) => log({ event: "suppressed", counts })) : null;
    this.flood =
      options.peerSockets && transport.dedicate
        ? new FloodGuard(options.floodThreshold, this.clock, { start: () => this.floodStarted(), end: () => this.floodEnded() })
        : null;
  }

  private validatedAddresses(): { ip: string; port: number }[] {
    const out: { ip: string; port: number }[] = [];
    for (const u of this.state.users.values()) if (u.validated) out.push({ ip: u.ip, port: u.port });
    return out;
  }

  private floodStarted(): void {
    this.counters.floods++;
    const all = this.validatedAddresses();
    for (const a of all) void this.transport.dedicate?.(a);
    this.emit({ event: "flood", state: "started", clients: all.length });
  }

  private floodEnded(): void {
    const all = this.validatedAddresses();
    for (const a of all) this.transport.release?.(a);
    this.emit({ event: "flood", state: "ended", clients: all.length });
  }

  /**
   * True when an event of this kind is to be written now: a logger is set and the rate limit
   * lets it through (held back, it is counted). Build the event only then.
   */
  logs(kind: ServerEvent["event"]): boolean {
    if (!this.log) return false;
    if (!this.limiter || this.limiter.admit(kind)) return true;
    this.counters.logSuppressed++;
    return false;
  }

  /** Writes an event through the rate limit. */
  emit(e: ServerEvent): void {
    if (this.logs(e.event)) this.log!(e);
  }

  /** Writes an event `logs` let through. */
  write(e: ServerEvent): void {
    this.log?.(e);
  }

  /** Reports what the rate limit held back and stops its timer (server closing). */
  flushLog(): void {
    this.limiter?.flush();
  }

  /**
   * Sends bytes to an address outside any link's sequencing; `to`, when the address belongs to
   * a client, puts the datagram under the amplification limit.
   */
  put(bytes: Uint8Array, ip: string, port: number, to?: User): void {
    if (to && !this.mayAmplify(to, bytes.length)) return;
    this.counters.sent++;
    this.lastOut = bytes;
    this.transport.send(bytes, { ip, port });
  }

  /**
   * The amplification limit (docs/PROTOCOL.md 5.1, after RFC 9000 section 8.1): until its address
   * is validated, a client is sent at most `amplificationFactor` times the bytes received from
   * it. A datagram over the limit is not sent (the ARQ retransmits it later, as after a loss).
   */
  mayAmplify(user: User, n: number): boolean {
    if (user.validated) return true;
    if (user.bytesOut + n > this.options.amplificationFactor * user.bytesIn) {
      this.counters.amplificationLimited++;
      return false;
    }
    user.bytesOut += n;
    return true;
  }

  /** A fresh ARQ link to an address; `user` is filled in once the client is accepted. */
  newLink(ip: string, port: number, owner: { user: User | null }): ArqLink {
    const to = { ip, port };
    return new ArqLink(
      { rto: this.options.rto, retries: this.options.retries, clock: this.clock, limits: this.limits },
      {
        transmit: (bytes) => {
          const user = owner.user;
          if (user && !this.mayAmplify(user, bytes.length)) return;
          this.counters.sent++;
          this.lastOut = bytes;
          this.transport.send(bytes, to);
        },
        onGone: (unacked) => {
          if (owner.user) this.hooks.onGone(owner.user, unacked);
        },
        onSettled: (m) => {
          if (owner.user) this.hooks.onSettled(owner.user, m);
        },
      },
    );
  }

  /** Acknowledges a message from a client (Source ID 0). */
  ack(user: User, m: ImpMessage): void {
    user.link.ack(m, 0);
  }

  /**
   * Sends a reliable message to a client (queued behind what is outstanding). A link at its cap
   * refuses it: the client is disconnected as if forced at the end of this turn.
   */
  send(user: User, m: MessageInput | SharedMessage, asResponse = false): void {
    if (!user.link.send(m, { asResponse }) && !user.link.isClosed) this.overflowed.add(user);
  }

  /**
   * Run after every datagram and timer that may have sent: disconnects, as if forced, each client
   * whose link refused a message, then, while all links together hold more than the budget, the
   * client that holds the most. Their departures send Update Disconnection, which may overflow
   * others: repeated until nothing is left (each round removes a client, so it ends).
   */
  afterTurn(): void {
    while (this.overflowed.size > 0 || this.budget.over) {
      const next = this.overflowed.values().next();
      if (!next.done) {
        const user = next.value;
        this.overflowed.delete(user);
        if (this.state.users.get(user.id) !== user) continue;
        const link = user.link;
        this.counters.queueOverflows++;
        this.hooks.evict(user, `queue full (${link.held} messages, ${link.heldBytes} bytes held)`);
        continue;
      }
      let largest: User | null = null;
      for (const u of this.state.users.values()) if (!largest || u.link.heldBytes > largest.link.heldBytes) largest = u;
      if (!largest || largest.link.heldBytes === 0) break;
      this.counters.budgetEvictions++;
      this.hooks.evict(largest, `queue budget passed (${this.budget.bytes} bytes held by all; this client ${largest.link.heldBytes})`);
    }
  }

  entryOf(u: User): ListEntry {
    return { client_id: u.id, group: u.group, username: u.name, ip: u.ip, port: u.port };
  }

  /**
   * Update List with the entries of `changed` to every client that has its list, except a client
   * whose own entry would be the only one (it knows its own change).
   */
  updateList(changed: readonly User[]): void {
    const live = [...new Set(changed)].filter((u) => this.state.users.get(u.id) === u && u.established);
    if (live.length === 0) return;
    const msg = new SharedMessage({ type: T.updateList, src: 0, group: BROADCAST_GROUP, entry: live.map((u) => this.entryOf(u)) });
    for (const to of this.state.users.values()) {
      if (!to.hasList) continue;
      if (live.length === 1 && live[0] === to) continue;
      this.send(to, msg);
    }
  }

  /** Update Disconnection to every client that has its list. */
  updateDisconnection(id: number): void {
    const msg = new SharedMessage({ type: T.updateDisconnection, src: 0, group: BROADCAST_GROUP, client_id: id });
    for (const to of this.state.users.values()) if (to.hasList && to.id !== id) this.send(to, msg);
  }

  /**
   * Marks a client's address as validated: it proved it receives what the server sends there.
   * During a flood it gets a socket of its own at once (docs/PROTOCOL.md 5.1).
   */
  validate(user: User): void {
    if (user.validated) return;
    user.validated = true;
    this.halfOpen.delete(user.id);
    if (this.flood?.active) void this.transport.dedicate?.({ ip: user.ip, port: user.port });
  }
}

export function addressKey(ip: string, port: number): string {
  return `${ip}:${port}`;
}
