/**
 * The server's state: users, groups and pending invitations, as plain data structures with
 * their invariants. No I/O here: handlers decide, this module keeps the indexes consistent.
 * Lookups by client ID, by username and by address are O(1).
 */
import type { ArqLink, TimerHandle } from "../arq/index.js";
import type { MessageInput } from "../codec/index.js";
import { FIRST_PRIVATE_GROUP, LAST_PRIVATE_GROUP, PUBLIC_GROUP } from "../protocol/index.js";

export type Mode = 0 | 1;

export interface User {
  readonly id: number;
  readonly name: string;
  readonly ip: string;
  readonly port: number;
  /** Current group: 1 (Public Group) or a created private group. */
  group: number;
  readonly link: ArqLink;
  /** The Connection Accept was acknowledged: other clients know of this user. */
  established: boolean;
  /** A User List Response was queued: Update List and Update Disconnection may follow it. */
  hasList: boolean;
  /** The Connection Accept message (settling it establishes the user). */
  readonly accept: MessageInput;
  /** Bytes of the first Connection Accept, sent again for a retransmitted Connection Request. */
  acceptBytes: Uint8Array | null;
  /**
   * The address proved that it receives what the server sends there: a datagram from it carried
   * the assigned (random) client ID. Until then it is half-open and under the amplification limit.
   */
  validated: boolean;
  /** Bytes received from the address / sent to it while it was not validated. */
  bytesIn: number;
  bytesOut: number;
}

/** A private group whose creation is still collecting answers. */
export interface Creation {
  readonly creator: number;
  /** Invitees whose answer is still awaited. */
  readonly pending: Set<number>;
}

export interface Group {
  readonly id: number;
  readonly mode: Mode;
  readonly members: Set<number>;
  /** False while a private group is only reserved (no invitee has accepted yet). */
  created: boolean;
  creation: Creation | null;
}

export interface Invitation {
  readonly invitee: number;
  readonly inviter: number;
  readonly group: number;
  readonly mode: Mode;
  /** "create": part of a Group Creation Request; "join": into an existing group. */
  readonly kind: "create" | "join";
  /** The Group Invitation Request sent to the invitee (its ACK starts the timer). */
  readonly request: MessageInput;
  /** Answer timer, running once the invitee acknowledged the request. */
  timer: TimerHandle | null;
}

export interface UserSnapshot {
  id: number;
  name: string;
  ip: string;
  port: number;
  group: number;
  established: boolean;
  hasList: boolean;
  /** Type of the message awaiting acknowledgement on this client's link, or null. */
  outstanding: number | null;
  /** Messages queued behind it. */
  queued: number;
  /** Encoded bytes the link holds (outstanding + queued). */
  heldBytes: number;
  /** The address proved it receives the server's datagrams (see User.validated). */
  validated: boolean;
}

export interface GroupSnapshot {
  id: number;
  mode: Mode;
  members: number[];
  created: boolean;
  creator: number | null;
  pendingInvitees: number[];
}

export interface InvitationSnapshot {
  invitee: number;
  inviter: number;
  group: number;
  mode: Mode;
  kind: "create" | "join";
  timerRunning: boolean;
  /** Waiting behind another invitation of the same invitee (not sent yet). */
  queued: boolean;
}

export interface DepartureSnapshot {
  ip: string;
  port: number;
  id: number;
}

export interface StateSnapshot {
  users: UserSnapshot[];
  groups: GroupSnapshot[];
  invitations: InvitationSnapshot[];
}

export class ServerState {
  readonly users = new Map<number, User>();
  private readonly byName = new Map<string, User>();
  private readonly byAddress = new Map<string, Map<number, User>>();
  /** Every group, the Public Group (id 1) included; private groups also while reserved. */
  readonly groups = new Map<number, Group>();
  /** Invitations sent and not settled, by invitee (at most one each). */
  readonly invitations = new Map<number, Invitation>();
  /** Invitations waiting behind the one sent, by invitee, oldest first (never an empty array). */
  readonly waiting = new Map<number, Invitation[]>();

  constructor(readonly maxUsers: number) {
    this.groups.set(PUBLIC_GROUP, { id: PUBLIC_GROUP, mode: 0, members: new Set(), created: true, creation: null });
  }

  get size(): number {
    return this.users.size;
  }

  userAt(ip: string, port: number): User | undefined {
    return this.byAddress.get(ip)?.get(port);
  }

  userNamed(name: string): User | undefined {
    return this.byName.get(name);
  }

  /** The invitation of `invitee` into `group`, sent or waiting. */
  invitationOf(invitee: number, group: number): Invitation | undefined {
    const sent = this.invitations.get(invitee);
    if (sent?.group === group) return sent;
    return this.waiting.get(invitee)?.find((i) => i.group === group);
  }

  /** The invitation is sent or waiting (not settled yet). */
  isPending(inv: Invitation): boolean {
    return this.invitations.get(inv.invitee) === inv || (this.waiting.get(inv.invitee)?.includes(inv) ?? false);
  }

  /** Every invitation of `invitee`: the one sent first, then those waiting. */
  invitationsOf(invitee: number): Invitation[] {
    const sent = this.invitations.get(invitee);
    return sent ? [sent, ...(this.waiting.get(invitee) ?? [])] : [...(this.waiting.get(invitee) ?? [])];
  }

  /** Number of users connected from this IP address. */
  usersFrom(ip: string): number {
    return this.byAddress.get(ip)?.size ?? 0;
  }

  /** Client IDs not in use, ascending. */
  freeIds(): number[] {
    const free: number[] = [];
    for (let id = 1; id <= 255; id++) if (!this.users.has(id)) free.push(id);
    return free;
  }

  lowestFreeId(): number | null {
    for (let id = 1; id <= 255; id++) if (!this.users.has(id)) return id;
    return null;
  }

  /** Adds a user to the indexes and to the Public Group. */
  addUser(user: User): void {
    if (this.users.has(user.id) || this.byName.has(user.name) || this.userAt(user.ip, user.port)) {
      throw new Error(`user ${user.id} (${user.name}) clashes with a connected user`);
    }
    this.users.set(user.id, user);
    this.byName.set(user.name, user);
    let ports = this.byAddress.get(user.ip);
    if (!ports) this.byAddress.set(user.ip, (ports = new Map()));
    ports.set(user.port, user);
    user.group = PUBLIC_GROUP;
    this.groups.get(PUBLIC_GROUP)!.members.add(user.id);
  }

  /** Removes a user from the indexes and from its group (the group is left as it is). */
  removeUser(user: User): void {
    this.users.delete(user.id);
    this.byName.delete(user.name);
    const ports = this.byAddress.get(user.ip);
    ports?.delete(user.port);
    if (ports?.size === 0) this.byAddress.delete(user.ip);
    this.groups.get(user.group)?.members.delete(user.id);
  }

  /** Moves a user from its group into another (existing) one; the old group is left as it is. */
  setGroup(user: User, group: number): void {
    const to = this.groups.get(group);
    if (!to) throw new Error(`group ${group} does not exist`);
    this.groups.get(user.group)?.members.delete(user.id);
    user.group = group;
    to.members.add(user.id);
  }

  /** Reserves the lowest free private group ID for a creation; null when all 253 are taken. */
  reserveGroup(mode: Mode, creator: number): Group | null {
    for (let id = FIRST_PRIVATE_GROUP; id <= LAST_PRIVATE_GROUP; id++) {
      if (this.groups.has(id)) continue;
      const g: Group = { id, mode, members: new Set(), created: false, creation: { creator, pending: new Set() } };
      this.groups.set(id, g);
      return g;
    }
    return null;
  }

  /** Frees a private group ID; its members must have left. */
  deleteGroup(id: number): void {
    if (id === PUBLIC_GROUP) throw new Error("the Public Group cannot be deleted");
    this.groups.delete(id);
  }

  snapshot(): StateSnapshot {
    const users: UserSnapshot[] = [];
    for (const u of this.users.values()) {
      users.push({
        id: u.id,
        name: u.name,
        ip: u.ip,
        port: u.port,
        group: u.group,
        established: u.established,
        hasList: u.hasList,
        outstanding: u.link.pending?.type ?? null,
        queued: u.link.queued,
        heldBytes: u.link.heldBytes,
        validated: u.validated,
      });
    }
    const groups: GroupSnapshot[] = [];
    for (const g of this.groups.values()) {
      groups.push({
        id: g.id,
        mode: g.mode,
        members: [...g.members].sort((a, b) => a - b),
        created: g.created,
        creator: g.creation?.creator ?? null,
        pendingInvitees: g.creation ? [...g.creation.pending].sort((a, b) => a - b) : [],
      });
    }
    groups.sort((a, b) => a.id - b.id);
    const invitations: InvitationSnapshot[] = [];
    for (const i of this.invitations.values()) {
      invitations.push({
        invitee: i.invitee,
        inviter: i.inviter,
        group: i.group,
        mode: i.mode,
        kind: i.kind,
        timerRunning: i.timer !== null,
        queued: false,
      });
    }
    for (const list of this.waiting.values()) {
      for (const i of list)
        invitations.push({
          invitee: i.invitee,
          inviter: i.inviter,
          group: i.group,
          mode: i.mode,
          kind: i.kind,
          timerRunning: false,
          queued: true,
        });
    }
    return { users, groups, invitations };
  }

  /**
   * Every invariant that does not hold, as sentences (empty when the state is consistent).
   * `linksOpen`: every user's link must be open (false once the server is closed).
   */
  checkInvariants(linksOpen = true): string[] {
    const v: string[] = [];
    if (this.users.size > this.maxUsers) v.push(`${this.users.size} users exceed the maximum of ${this.maxUsers}`);
    if (this.byName.size !== this.users.size)
      v.push(`${this.byName.size} usernames indexed for ${this.users.size} users (duplicate name?)`);
    let addresses = 0;
    for (const ports of this.byAddress.values()) addresses += ports.size;
    if (addresses !== this.users.size) v.push(`${addresses} addresses indexed for ${this.users.size} users (duplicate address?)`);
    for (const [id, u] of this.users) {
      if (id !== u.id || id < 1 || id > 255) v.push(`user indexed as ${id} has client ID ${u.id}`);
      if (this.byName.get(u.name) !== u) v.push(`user ${id}: name ${u.name} not indexed to it`);
      if (this.userAt(u.ip, u.port) !== u) v.push(`user ${id}: address ${u.ip}:${u.port} not indexed to it`);
      const g = this.groups.get(u.group);
      if (!g) v.push(`user ${id} is in group ${u.group}, which does not exist`);
      else if (!g.members.has(id)) v.push(`user ${id} is in group ${u.group}, which does not list it`);
      else if (!g.created) v.push(`user ${id} is in group ${u.group}, which is only reserved`);
      if (linksOpen && u.link.isClosed) v.push(`user ${id} has a closed link`);
    }
    const pub = this.groups.get(PUBLIC_GROUP);
    if (pub?.mode !== 0 || !pub.created) v.push("the Public Group is missing or not centralized");
    for (const g of this.groups.values()) {
      if (g.id !== PUBLIC_GROUP && (g.id < FIRST_PRIVATE_GROUP || g.id > LAST_PRIVATE_GROUP))
        v.push(`group ${g.id} is not a private group ID`);
      for (const m of g.members) {
        const u = this.users.get(m);
        if (!u) v.push(`group ${g.id} lists ${m}, who is not connected`);
        else if (u.group !== g.id) v.push(`group ${g.id} lists ${m}, who is in group ${u.group}`);
      }
      if (g.id === PUBLIC_GROUP) continue;
      if (g.created && g.members.size < 2) v.push(`private group ${g.id} has ${g.members.size} member(s)`);
      if (!g.created) {
        if (g.members.size !== 0) v.push(`reserved group ${g.id} has members`);
        if (!g.creation || g.creation.pending.size === 0) v.push(`reserved group ${g.id} awaits no answer`);
        else if (!this.users.has(g.creation.creator)) v.push(`reserved group ${g.id}: creator ${g.creation.creator} is not connected`);
      }
      for (const p of g.creation?.pending ?? []) {
        const inv = this.invitationOf(p, g.id);
        if (inv?.kind !== "create") v.push(`group ${g.id} awaits ${p}, who has no creation invitation for it`);
      }
    }
    for (const [invitee, list] of this.waiting) {
      if (list.length === 0) v.push(`invitee ${invitee} has an empty waiting list`);
      if (!this.invitations.has(invitee)) v.push(`invitee ${invitee} has invitations waiting but none sent`);
      const inviters = new Set(this.invitationsOf(invitee).map((i) => i.inviter));
      if (inviters.size !== list.length + 1) v.push(`invitee ${invitee} has two invitations from one inviter`);
    }
    const all = [...this.invitations].concat([...this.waiting].flatMap(([k, l]) => l.map((i) => [k, i] as [number, Invitation])));
    for (const [invitee, i] of all) {
      if (invitee !== i.invitee) v.push(`invitation indexed as ${invitee} is for ${i.invitee}`);
      if (!this.users.has(i.invitee)) v.push(`invitation for ${i.invitee}, who is not connected`);
      if (i.invitee === i.inviter) v.push(`client ${i.invitee} invited itself`);
      const g = this.groups.get(i.group);
      if (!g || g.id === PUBLIC_GROUP) v.push(`invitation of ${i.invitee} into group ${i.group}, which is not a private group`);
      else if (i.kind === "create" && !g.creation?.pending.has(i.invitee))
        v.push(`creation invitation of ${i.invitee} not awaited by group ${i.group}`);
      else if (i.kind === "join" && !g.created) v.push(`invitation of ${i.invitee} into group ${i.group}, which is only reserved`);
      if (g?.members.has(i.invitee)) v.push(`invitation of ${i.invitee} into group ${i.group}, which it is already in`);
    }
    return v;
  }
}
