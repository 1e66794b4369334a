/**
 * What an ImpClient tells its application: one typed event per thing received or decided, and a
 * small typed emitter (no `any`) to subscribe to them. The core never prints; the REPL listens.
 */
import type { Address } from "../transport/transport.js";
import type { RosterEntry } from "./roster.js";

export type GroupMode = "centralized" | "decentralized";

export interface Invitation {
  /** Client ID of the inviter (the Source ID of the forwarded Group Invitation Request). */
  from: number;
  fromName: string;
  group: number;
  mode: GroupMode;
}

export interface ClientEvents {
  /** Connection accepted and user list received. */
  connected: { id: number; name: string };
  /** A full user list (User List Response). */
  users: { users: readonly RosterEntry[] };
  /** An Update List entry for a client not in the list. */
  userJoined: { user: RosterEntry };
  /** An Update List entry for a known client (usually a group change). */
  userChanged: { user: RosterEntry; previous: RosterEntry };
  /** Update Disconnection; `user` is undefined when the ID was not in the list. */
  userLeft: { id: number; user: RosterEntry | undefined };
  /** A Data Message: relayed by the server (`direct: false`) or from a decentralized peer (`direct: true`). */
  message: { from: number; fromName: string; group: number; text: string; direct: boolean };
  invitation: Invitation;
  /** An invitation nobody answered within the invitation time-out; it is no longer pending. */
  invitationExpired: Invitation;
  /** Group Creation Accept: this client is now in `group`. */
  groupCreated: { group: number; mode: GroupMode };
  groupCreateRejected: Record<string, never>;
  /** This client joined a group by accepting an invitation. */
  joined: { group: number; mode: GroupMode };
  /** This client left its private group (Group Disjoint Request sent). */
  left: { group: number };
  /** Someone accepted an invitation this client sent (or a later invitee of a group it created). */
  invitationAccepted: { by: number; byName: string; group: number; mode: GroupMode };
  invitationRejected: { by: number; byName: string; group: number; mode: GroupMode };
  /** Group Dissolution: back in the Public Group. `group` is the group this client was in. */
  dissolved: { group: number };
  /** The server left a message unacknowledged after every retransmission (forced disconnection). */
  serverGone: { unackedType: number };
  /** A decentralized peer left a Data Message unacknowledged; it is removed from the local list. */
  peerGone: { id: number; name: string };
  /** The session is over. */
  disconnected: { reason: "request" | "server-gone" | "closed" };
  /** A datagram was dropped without an answer (diagnostics). */
  dropped: { from: Address; reason: string };
}

type Listener<T> = (payload: T) => void;

/** A minimal typed event emitter: listeners run synchronously in subscription order. */
export class TypedEmitter<E extends object> {
  private readonly listeners = new Map<keyof E, Set<Listener<never>>>();

  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof E>(event: K, fn: Listener<E[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn as Listener<never>);
    return () => this.off(event, fn);
  }

  off<K extends keyof E>(event: K, fn: Listener<E[K]>): void {
    this.listeners.get(event)?.delete(fn as Listener<never>);
  }

  once<K extends keyof E>(event: K, fn: Listener<E[K]>): () => void {
    const off = this.on(event, (p) => {
      off();
      fn(p);
    });
    return off;
  }

  emit<K extends keyof E>(event: K, payload: E[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const fn of [...set]) (fn as Listener<E[K]>)(payload);
  }

  /** Resolves with the next `event` whose payload satisfies `match`. */
  next<K extends keyof E>(event: K, match: (p: E[K]) => boolean = () => true): Promise<E[K]> {
    return new Promise((resolve) => {
      const off = this.on(event, (p) => {
        if (!match(p)) return;
        off();
        resolve(p);
      });
    });
  }
}
