/**
 * What every handler works with: the state, the counters, the options, the logger, and the
 * ways to put datagrams on the wire (per-client ARQ links, or direct sends for rejects and
 * re-sent answers). Update List and Update Disconnection fan-out lives here too.
 */
import { ArqLink, SharedMessage, type Clock, type TimerHandle } from "../arq/index.js";
import type { ImpMessage, ListEntry, MessageInput } from "../codec/index.js";
import { BROADCAST_GROUP } from "../protocol/index.js";
import type { DatagramTransport } from "../transport/index.js";
import { MSG as T } from "../protocol/messages.js";
import { newCounters, type Counters } from "./counters.js";
import type { ServerEvent, ServerLogger } from "./log.js";
import type { ResolvedOptions } from "./options.js";
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
  hooks: LinkHooks = { onGone: () => {}, onSettled: () => {} };

  constructor(
    readonly options: ResolvedOptions,
    readonly transport: DatagramTransport,
    readonly log: ServerLogger | undefined,
    readonly random: () => number,
  ) {
    this.state = new ServerState(options.maxUsers);
    this.clock = options.clock;
  }

  emit(e: ServerEvent): void {
    this.log?.(e);
  }

  /** Sends bytes to an address outside any link's sequencing. */
  put(bytes: Uint8Array, ip: string, port: number): void {
    this.counters.sent++;
    this.lastOut = bytes;
    this.transport.send(bytes, { ip, port });
  }

  /** A fresh ARQ link to an address; `user` is filled in once the client is accepted. */
  newLink(ip: string, port: number, owner: { user: User | null }): ArqLink {
    const to = { ip, port };
    return new ArqLink(
      { rto: this.options.rto, retries: this.options.retries, clock: this.clock },
      {
        transmit: (bytes) => {
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

  /** Sends a reliable message to a client (queued behind what is outstanding). */
  send(user: User, m: MessageInput | SharedMessage, asResponse = false): void {
    user.link.send(m, { asResponse });
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
}

export function addressKey(ip: string, port: number): string {
  return `${ip}:${port}`;
}
