/**
 * The reference IMP client (WIRE.md sections 4 to 6, and the client's view of the source's
 * sections 3 and 6): one socket, one ARQ channel to the server, one per decentralized peer,
 * a roster, and typed events for everything received.
 *
 * Interoperability with the 2017 implementation: the first message on every link carries S=1;
 * the Connection Request's username is space-padded (by the codec); the Accept is ACKed with the
 * new ID and a Reject with ID 0; any client ID is taken as assigned; User List Response with
 * Source ID 0, Group Invitation Accept/Reject of HL 7 or 8 and Group Dissolution with Group 1 are
 * accepted. Peer links live while both ends share a decentralized group: they start fresh when
 * either end joins it and are dropped when either leaves, as the 2017 client does.
 */
import { lookup } from "node:dns/promises";
import { isIPv4 } from "node:net";
import type { ArqOptions } from "../arq/link.js";
import { DEFAULT_ARQ } from "../arq/link.js";
import { systemClock, type Clock, type TimerHandle } from "../arq/clock.js";
import { decode } from "../codec/decode.js";
import { encode } from "../codec/encode.js";
import { isValidUsername } from "../codec/field-codec.js";
import type { ImpMessage, MessageInput } from "../codec/message.js";
import { FIRST_PRIVATE_GROUP, PUBLIC_GROUP } from "../protocol/fields.js";
import { MSG as T } from "../protocol/messages.js";
import { PROBLEMS } from "../protocol/problems.js";
import { addressKey, openUdp, type Address, type DatagramTransport, type Tap } from "../transport/transport.js";
import { Channel, type Outcome } from "./channel.js";
import { ClientError } from "./errors.js";
import { TypedEmitter, type ClientEvents, type GroupMode, type Invitation } from "./events.js";
import { Roster, type RosterEntry } from "./roster.js";

/** Types a server may send once the client is connected (Accept/Reject are handled by state). */
const FROM_SERVER: ReadonlySet<number> = new Set([
  T.listResponse,
  T.data,
  T.createAccept,
  T.createReject,
  T.inviteRequest,
  T.inviteAccept,
  T.inviteReject,
  T.dissolution,
  T.updateList,
  T.updateDisconnection,
]);

/** Problem ids that make a receiver drop a datagram without answering. */
const DROP: ReadonlySet<string> = new Set(
  Object.values(PROBLEMS)
    .filter((p) => p.dropped || p.category === "malformed")
    .map((p) => p.id),
);

/** Largest text that fits one datagram (65 507-byte UDP payload minus the 7-byte header). */
export const MAX_TEXT_BYTES = 65_500;

export const DEFAULT_INVITE_TIMEOUT_MS = 15_000;

export interface ClientOptions {
  name: string;
  server: Address;
  /** Retransmission timeout in ms (default 500). */
  rto?: number;
  /** Retransmissions after the first transmission (default 5). */
  retries?: number;
  clock?: Clock;
  /** A transport to use instead of opening a UDP socket (it is closed with the client). */
  transport?: DatagramTransport;
  /** Local address to bind (default 127.0.0.1 for a loopback server, else 0.0.0.0). */
  host?: string;
  /** Local port to bind (default: any). */
  port?: number;
  /** Tap on the client's socket (recording, loss injection). */
  tap?: Tap;
  /** How long an unanswered invitation stays pending (default 15 s, as the server's timer; 0: forever). */
  inviteTimeoutMs?: number;
  /** Most messages waiting on one link (to the server or a peer) before a request is refused with a ClientError. Default 1024. */
  maxQueuedMessages?: number;
  /** Most encoded bytes waiting on one link. Default 8 MiB. */
  maxQueuedBytes?: number;
}

export const CLIENT_QUEUE_DEFAULTS = { maxQueuedMessages: 1024, maxQueuedBytes: 8 * 1024 * 1024 } as const;

export type ConnectFailure = "server-full" | "name-taken" | "unreachable" | "invalid-name";

/** Why `connectClient` failed. */
export class ConnectError extends Error {
  constructor(
    readonly reason: ConnectFailure,
    message: string,
  ) {
    super(message);
    this.name = "ConnectError";
  }
}

export { ClientError };

export type ClientState = "connecting" | "listing" | "connected" | "disconnecting" | "closed";

export const modeOf = (bit: number | undefined): GroupMode => (bit === 1 ? "decentralized" : "centralized");
export const modeBit = (mode: GroupMode): number => (mode === "decentralized" ? 1 : 0);

/** Connects, ACKs the Accept, fetches the user list; resolves once the list has arrived. */
export async function connectClient(options: ClientOptions): Promise<ImpClient> {
  if (!isValidUsername(options.name)) {
    throw new ConnectError("invalid-name", `invalid username "${options.name}" (1 to 8 printable ASCII characters, no spaces)`);
  }
  const server = { ip: await toIPv4(options.server.ip), port: options.server.port };
  const transport =
    options.transport ??
    (await openUdp({
      host: options.host ?? (server.ip.startsWith("127.") ? "127.0.0.1" : "0.0.0.0"),
      port: options.port ?? 0,
      tap: options.tap,
    }));
  const client = new ImpClient(options, server, transport);
  await client.start();
  return client;
}

async function toIPv4(host: string): Promise<string> {
  if (isIPv4(host)) return host;
  try {
    return (await lookup(host, { family: 4 })).address;
  } catch {
    throw new ConnectError("unreachable", `cannot resolve server host "${host}"`);
  }
}

export class ImpClient extends TypedEmitter<ClientEvents> {
  /** Client ID assigned by the server (0 until connected). */
  id = 0;
  readonly name: string;
  /** Current group: 1 is the Public Group. */
  group = PUBLIC_GROUP;
  /** Mode of the current group (the Public Group is centralized). */
  mode: GroupMode = "centralized";
  readonly roster = new Roster();
  readonly server: Address;
  state: ClientState = "connecting";

  private readonly arq: ArqOptions;
  private readonly serverChannel: Channel;
  private readonly peers = new Map<number, Channel>();
  private readonly invitations: Invitation[] = [];
  private readonly inviteTimers = new Map<Invitation, TimerHandle>();
  private readonly inviteTimeoutMs: number;
  private readonly listWaiters: ((users: RosterEntry[]) => void)[] = [];
  private connectSettle: { resolve: () => void; reject: (e: ConnectError) => void } | null = null;
  private rejectGrace: TimerHandle | null = null;
  private ended = false;
  /** Group Creation Requests sent whose answer (Accept or Reject) has not come. */
  private creationsAwaited = 0;
  /**
   * Invitees this client invited whose answer may still be forwarded: invitee ID -> group (0 while
   * the group of a creation is not known yet). Answers from anyone else are not for this client.
   */
  private readonly invited = new Map<number, number>();

  /** Use `connectClient`. */
  constructor(
    options: ClientOptions,
    server: Address,
    private readonly transport: DatagramTransport,
  ) {
    super();
    this.name = options.name;
    this.server = server;
    this.arq = {
      rto: options.rto ?? DEFAULT_ARQ.rto,
      retries: options.retries ?? DEFAULT_ARQ.retries,
      clock: options.clock ?? systemClock,
      limits: {
        maxMessages: options.maxQueuedMessages ?? CLIENT_QUEUE_DEFAULTS.maxQueuedMessages,
        maxBytes: options.maxQueuedBytes ?? CLIENT_QUEUE_DEFAULTS.maxQueuedBytes,
      },
    };
    this.inviteTimeoutMs = options.inviteTimeoutMs ?? DEFAULT_INVITE_TIMEOUT_MS;
    this.serverChannel = new Channel(this.arq, server, transport, (m) => this.onServerGone(m));
    transport.onDatagram((bytes, from) => this.onDatagram(bytes, from));
  }

  /** Local address of the client's socket. */
  get local(): Address {
    return this.transport.local;
  }

  /** Invitations received and not yet answered, oldest first. */
  get pendingInvitations(): readonly Invitation[] {
    return this.invitations;
  }

  /** Members of the current group other than this client (from the roster). */
  members(): RosterEntry[] {
    return this.roster.members(this.group, this.id);
  }

  /** Sends the Connection Request; resolves once the user list has arrived. Internal: see connectClient. */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.connectSettle = { resolve, reject };
      void this.serverChannel.send({ type: T.connRequest, src: 0, group: 0, username: this.name });
    });
  }

  // ---- requests -------------------------------------------------------------------------------

  /** Asks the server for the full user list; resolves with the roster once the response arrives. */
  async list(): Promise<RosterEntry[]> {
    this.requireConnected();
    const users = new Promise<RosterEntry[]>((resolve) => this.listWaiters.push(resolve));
    const outcome = await this.serverChannel.send({ type: T.listRequest, src: this.id, group: PUBLIC_GROUP });
    if (outcome !== "acked") return this.roster.all();
    return users;
  }

  /**
   * Sends text to the current group: to the server in a centralized group, directly to every
   * other member in a decentralized one. Resolves when every recipient has acknowledged (or gone).
   */
  async send(text: string): Promise<Outcome[]> {
    this.requireConnected();
    if (Buffer.byteLength(text, "utf8") > MAX_TEXT_BYTES) throw new ClientError(`message longer than ${MAX_TEXT_BYTES} bytes`);
    const message: MessageInput = { type: T.data, src: this.id, group: this.group, data: text };
    if (this.mode === "decentralized" && this.group !== PUBLIC_GROUP) {
      return Promise.all(this.members().map((peer) => this.peerChannel(peer).send(message)));
    }
    return [await this.serverChannel.send(message)];
  }

  /** Group Creation Request; resolves when the server has acknowledged it (the outcome is an event). */
  async createGroup(opts: { mode: GroupMode; invitees: readonly (string | number)[] }): Promise<Outcome> {
    this.requireConnected();
    // As the 2017 client: groups are created from the Public Group (the server refuses otherwise).
    if (this.group !== PUBLIC_GROUP) throw new ClientError(`already in group ${this.group}: /leave it first`);
    const ids: number[] = [];
    for (const who of opts.invitees) {
      const id = this.resolveUser(who).id;
      if (!ids.includes(id)) ids.push(id);
    }
    if (ids.length === 0) throw new ClientError("a group needs at least one invitee");
    const sent = this.serverChannel.send({ type: T.createRequest, src: this.id, group: 0, mode: modeBit(opts.mode), invitees: ids });
    this.creationsAwaited++;
    for (const id of ids) this.invited.set(id, 0);
    return sent;
  }

  /** Group Invitation Request into the current private group; the answer is an event. */
  async invite(who: string | number): Promise<Outcome> {
    this.requireConnected();
    if (this.group === PUBLIC_GROUP) throw new ClientError("not in a private group: /create one first");
    const invitee = this.resolveUser(who);
    const sent = this.serverChannel.send({
      type: T.inviteRequest,
      src: this.id,
      group: 0,
      mode: modeBit(this.mode),
      invite_group: this.group,
      invitee: invitee.id,
    });
    this.invited.set(invitee.id, this.group);
    return sent;
  }

  /** Accepts the pending invitation (the latest, or the one to `group`) and moves into its group. */
  async accept(group?: number): Promise<Outcome> {
    this.requireConnected();
    const inv = this.takeInvitation(group);
    this.enterGroup(inv.group, inv.mode);
    this.emit("joined", { group: inv.group, mode: inv.mode });
    return this.serverChannel.send({ type: T.inviteAccept, src: this.id, group: 0, mode: modeBit(inv.mode), invite_group: inv.group });
  }

  /** Rejects the pending invitation (the latest, or the one to `group`). */
  async reject(group?: number): Promise<Outcome> {
    this.requireConnected();
    const inv = this.takeInvitation(group);
    return this.serverChannel.send({ type: T.inviteReject, src: this.id, group: 0, mode: modeBit(inv.mode), invite_group: inv.group });
  }

  /** Group Disjoint Request: back to the Public Group at once; resolves when acknowledged. */
  async leave(): Promise<Outcome> {
    this.requireConnected();
    if (this.group === PUBLIC_GROUP) throw new ClientError("already in the public group");
    const old = this.group;
    this.enterGroup(PUBLIC_GROUP, "centralized");
    this.emit("left", { group: old });
    return this.serverChannel.send({ type: T.disjoint, src: this.id, group: 0 });
  }

  /**
   * Waits for outstanding peer messages, sends a Disconnection Request (queued behind anything
   * still unacknowledged by the server) and closes once it is acknowledged or given up on.
   */
  async disconnect(): Promise<Outcome> {
    if (this.state !== "connected") {
      await this.close();
      return "closed";
    }
    await Promise.all([...this.peers.values()].map((c) => c.idle()));
    if (this.state !== "connected") return "closed";
    this.state = "disconnecting";
    const outcome = await this.serverChannel.send({ type: T.disconnect, src: this.id, group: 0 });
    await this.shutdown(outcome === "acked" ? "request" : "server-gone");
    return outcome;
  }

  /** Closes the socket and every timer without telling the server. */
  async close(): Promise<void> {
    await this.shutdown("closed");
  }

  /** Resolves when everything sent so far (to the server and to peers) has been settled. */
  async idle(): Promise<void> {
    await Promise.all([this.serverChannel.idle(), ...[...this.peers.values()].map((c) => c.idle())]);
  }

  // ---- reception ------------------------------------------------------------------------------

  private onDatagram(bytes: Uint8Array, from: Address): void {
    if (this.state === "closed") return;
    const d = decode(bytes);
    const m = d.message;
    if (!m || d.problems.some((p) => DROP.has(p.id) && !this.tolerated(p.id, m)))
      return this.drop(from, d.problems[0]?.text ?? "malformed");
    if (addressKey(from) === addressKey(this.server)) return this.fromServer(m, from);
    const peer = this.roster.byAddress(from);
    if (!peer || peer.id === this.id || this.mode !== "decentralized" || peer.group !== this.group || this.group === PUBLIC_GROUP) {
      return this.drop(from, "not the server nor a member of the current decentralized group");
    }
    this.fromPeer(m, peer, from);
  }

  private fromServer(m: ImpMessage, from: Address): void {
    const link = this.serverChannel.link;
    if (m.ack === 1) {
      link.receive(m);
      return;
    }
    if (this.state === "connecting") {
      if (m.type === T.connAccept || m.type === T.connReject) return this.onConnectionAnswer(m);
      return this.drop(from, "not an answer to the Connection Request");
    }
    if (m.type === T.connAccept) {
      // A retransmitted Accept: our ACK was lost. ACK it again, outside the link's state.
      this.transport.send(encode({ type: m.type, seq: m.seq, ack: 1, src: this.id, group: 0 }), from);
      return;
    }
    if (!FROM_SERVER.has(m.type)) return this.drop(from, `type 0x${m.type.toString(16)} is not sent by a server`);
    // An answer to a request this client did not make is dropped before it touches the link: not
    // acknowledged, not applied (a forged User List Response cannot rewrite the roster). A
    // retransmission of an answer already taken is a duplicate and is acknowledged again.
    if (m.seq !== link.lastReceived) {
      const unasked = this.unsolicited(m);
      if (unasked) return this.drop(from, unasked);
    }
    if (link.receive(m) !== "new") return;
    link.ack(m, this.id);
    this.onServerMessage(m);
  }

  private onConnectionAnswer(m: ImpMessage): void {
    const link = this.serverChannel.link;
    const retransmitted = link.retransmissions > 0;
    link.receive(m, { byState: true });
    if (m.type === T.connReject) {
      // The 2017 client ACKs a Reject (with ID 0); the server ignores that ACK.
      link.ack(m, 0);
      if (this.rejectGrace) return;
      const full = m.error === 0;
      const error = new ConnectError(
        full ? "server-full" : "name-taken",
        full ? "connection rejected: maximum number of users reached" : `connection rejected: username "${this.name}" is taken or invalid`,
      );
      if (full || !retransmitted) return this.failConnect(error);
      // The 2017 server answers a retransmitted Connection Request with "username taken" (its
      // own session for us holds the name) while it retransmits the Accept that was lost: wait
      // one retransmission period for that Accept before believing the Reject.
      this.rejectGrace = this.arq.clock.setTimer(Math.max(this.arq.rto, DEFAULT_ARQ.rto) * 2, () => {
        this.rejectGrace = null;
        if (this.state === "connecting") this.failConnect(error);
      });
      return;
    }
    if (this.rejectGrace) this.arq.clock.clearTimer(this.rejectGrace);
    this.rejectGrace = null;
    this.id = m.client_id ?? 0;
    link.ack(m, this.id);
    this.state = "listing";
    void this.serverChannel.send({ type: T.listRequest, src: this.id, group: PUBLIC_GROUP });
  }

  /** Why `m` answers nothing this client asked (null: it does, or it is not an answer). */
  private unsolicited(m: ImpMessage): string | null {
    switch (m.type) {
      case T.listResponse:
        // Implicit answer: the request is the message outstanding on the link.
        return this.serverChannel.link.pending?.type === T.listRequest ? null : "User List Response to no User List Request";
      case T.createAccept:
      case T.createReject:
        return this.creationsAwaited > 0 ? null : "answer to no Group Creation Request";
      case T.inviteAccept:
      case T.inviteReject: {
        const by = m.src !== 0 ? m.src : (m.invitee ?? 0);
        const group = this.invited.get(by);
        return group !== undefined && (group === 0 || group === m.invite_group)
          ? null
          : `invitation answer from ${by}, who was not invited by this client`;
      }
      case T.dissolution:
        return this.group !== PUBLIC_GROUP && (m.group === this.group || m.group === PUBLIC_GROUP)
          ? null
          : `Group Dissolution of group ${m.group}, which this client is not in`;
      default:
        return null;
    }
  }

  private onServerMessage(m: ImpMessage): void {
    switch (m.type) {
      case T.listResponse: {
        let users = this.roster.replace(m.entry ?? []);
        // A list without this client still leaves it in its own list (found by imp fuzz).
        if (!this.roster.get(this.id)) {
          this.roster.upsert({ client_id: this.id, group: this.group, username: this.name, ip: this.local.ip, port: this.local.port });
          users = this.roster.all();
        }
        this.roster.setGroup(this.id, this.group);
        this.prunePeers();
        this.emit("users", { users });
        for (const w of this.listWaiters.splice(0)) w(users);
        if (this.state === "listing") {
          this.state = "connected";
          this.emit("connected", { id: this.id, name: this.name });
          this.connectSettle?.resolve();
          this.connectSettle = null;
        }
        return;
      }
      case T.data:
        this.emit("message", { from: m.src, fromName: this.roster.nameOf(m.src), group: m.group, text: m.data ?? "", direct: false });
        return;
      case T.createAccept: {
        const group = m.new_group ?? 0;
        const mode = modeOf(m.mode);
        // Only a private group can be created (2..254; 255 from the 2017 server). Found by imp fuzz.
        if (group < FIRST_PRIVATE_GROUP) return this.drop(this.server, `Group Creation Accept for group ${group}`);
        this.creationsAwaited--;
        // The other invitees of the creation may still accept: their answers name this group.
        for (const [id, g] of this.invited) if (g === 0) this.invited.set(id, group);
        this.enterGroup(group, mode);
        this.emit("groupCreated", { group, mode });
        return;
      }
      case T.createReject:
        this.creationsAwaited--;
        if (this.creationsAwaited === 0) for (const [id, g] of [...this.invited]) if (g === 0) this.invited.delete(id);
        this.emit("groupCreateRejected", {});
        return;
      case T.inviteRequest:
        if ((m.invite_group ?? 0) < FIRST_PRIVATE_GROUP) return this.drop(this.server, `invitation to group ${m.invite_group ?? 0}`);
        return this.onInvitation({ from: m.src, fromName: this.roster.nameOf(m.src), group: m.invite_group ?? 0, mode: modeOf(m.mode) });
      case T.inviteAccept:
      case T.inviteReject: {
        const by = m.src !== 0 ? m.src : (m.invitee ?? 0);
        this.invited.delete(by);
        const payload = { by, byName: this.roster.nameOf(by), group: m.invite_group ?? 0, mode: modeOf(m.mode) };
        this.emit(m.type === T.inviteAccept ? "invitationAccepted" : "invitationRejected", payload);
        return;
      }
      case T.dissolution: {
        const old = this.group;
        this.enterGroup(PUBLIC_GROUP, "centralized");
        this.emit("dissolved", { group: old });
        return;
      }
      case T.updateList:
        for (const e of m.entry ?? []) {
          const change = this.roster.upsert(e);
          if (e.client_id === this.id) {
            // The server's view of this client: keep the group this client knows it is in.
            this.roster.setGroup(this.id, this.group);
            continue;
          }
          if (change.kind === "joined") this.emit("userJoined", { user: change.entry });
          if (change.kind === "changed") {
            if (change.previous.group !== change.entry.group || addressKey(change.previous) !== addressKey(change.entry)) {
              this.closePeer(e.client_id);
            }
            this.emit("userChanged", { user: change.entry, previous: change.previous });
          }
        }
        return;
      case T.updateDisconnection: {
        const id = m.client_id ?? 0;
        // A client that is still connected stays in its own list (found by imp fuzz).
        if (id === this.id) return;
        const user = this.roster.remove(id);
        this.closePeer(id);
        this.invited.delete(id);
        this.emit("userLeft", { id, user });
        return;
      }
    }
  }

  private fromPeer(m: ImpMessage, peer: RosterEntry, from: Address): void {
    if (m.ack === 1) {
      const channel = this.peers.get(peer.id);
      if (!channel) return this.drop(from, "ACK from a peer with nothing outstanding");
      channel.link.receive(m);
      return;
    }
    if (m.type !== T.data || m.src !== peer.id || m.group !== this.group) {
      return this.drop(from, "a peer may only send Data Messages of the current group under its own ID");
    }
    const link = this.peerChannel(peer).link;
    if (link.receive(m) !== "new") return;
    link.ack(m, this.id);
    this.emit("message", { from: peer.id, fromName: peer.name, group: m.group, text: m.data ?? "", direct: true });
  }

  // ---- state ----------------------------------------------------------------------------------

  private onInvitation(inv: Invitation): void {
    const same = this.invitations.findIndex((i) => i.group === inv.group);
    if (same >= 0) this.forgetInvitation(this.invitations[same]!);
    this.invitations.push(inv);
    if (this.inviteTimeoutMs > 0) {
      this.inviteTimers.set(
        inv,
        this.arq.clock.setTimer(this.inviteTimeoutMs, () => {
          this.inviteTimers.delete(inv);
          if (!this.invitations.includes(inv)) return;
          this.forgetInvitation(inv);
          this.emit("invitationExpired", inv);
        }),
      );
    }
    this.emit("invitation", inv);
  }

  private takeInvitation(group?: number): Invitation {
    const inv = group === undefined ? this.invitations[this.invitations.length - 1] : this.invitations.find((i) => i.group === group);
    if (!inv) throw new ClientError(group === undefined ? "no pending invitation" : `no pending invitation to group ${group}`);
    this.forgetInvitation(inv);
    return inv;
  }

  private forgetInvitation(inv: Invitation): void {
    const i = this.invitations.indexOf(inv);
    if (i >= 0) this.invitations.splice(i, 1);
    const t = this.inviteTimers.get(inv);
    if (t) this.arq.clock.clearTimer(t);
    this.inviteTimers.delete(inv);
  }

  /** Moves this client into a group: peer links of the old group are dropped. */
  private enterGroup(group: number, mode: GroupMode): void {
    for (const id of [...this.peers.keys()]) this.closePeer(id);
    this.group = group;
    this.mode = group === PUBLIC_GROUP ? "centralized" : mode;
    this.roster.setGroup(this.id, group);
  }

  private peerChannel(peer: RosterEntry): Channel {
    let channel = this.peers.get(peer.id);
    if (!channel) {
      channel = new Channel(this.arq, { ip: peer.ip, port: peer.port }, this.transport, () => this.onPeerGone(peer.id));
      this.peers.set(peer.id, channel);
    }
    return channel;
  }

  /** Drops the links of peers that are no longer members of the current group at the same address. */
  private prunePeers(): void {
    for (const [id, channel] of [...this.peers]) {
      const e = this.roster.get(id);
      if (!e || e.group !== this.group || addressKey(e) !== addressKey(channel.address)) this.closePeer(id);
    }
  }

  private closePeer(id: number): void {
    this.peers.get(id)?.close();
    this.peers.delete(id);
  }

  private onPeerGone(id: number): void {
    this.peers.delete(id);
    // WIRE.md section 6: removed from the sender's local list (the server notices on its own).
    const user = this.roster.remove(id);
    this.emit("peerGone", { id, name: user?.name ?? `#${id}` });
  }

  private onServerGone(unacked: MessageInput): void {
    if (this.state === "connecting" || this.state === "listing") {
      this.failConnect(
        new ConnectError(
          "unreachable",
          `server ${addressKey(this.server)} did not answer (${1 + this.arq.retries} transmissions, ${this.arq.rto} ms apart)`,
        ),
      );
      return;
    }
    if (this.state === "disconnecting") return; // disconnect() settles with "gone"
    this.emit("serverGone", { unackedType: unacked.type });
    void this.shutdown("server-gone");
  }

  private failConnect(e: ConnectError): void {
    const settle = this.connectSettle;
    this.connectSettle = null;
    void this.shutdown(null).then(() => settle?.reject(e));
  }

  private async shutdown(reason: ClientEvents["disconnected"]["reason"] | null): Promise<void> {
    if (this.state === "closed") return;
    this.state = "closed";
    this.serverChannel.close();
    if (this.rejectGrace) this.arq.clock.clearTimer(this.rejectGrace);
    this.rejectGrace = null;
    for (const id of [...this.peers.keys()]) this.closePeer(id);
    for (const inv of [...this.invitations]) this.forgetInvitation(inv);
    for (const w of this.listWaiters.splice(0)) w(this.roster.all());
    // dgram sends complete on a later tick: let the last ACK leave before the socket closes.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await this.transport.close();
    if (reason && !this.ended) {
      this.ended = true;
      this.emit("disconnected", { reason });
    }
  }

  private requireConnected(): void {
    if (this.state !== "connected") throw new ClientError(this.state === "closed" ? "not connected" : `not connected (${this.state})`);
  }

  private resolveUser(who: string | number): RosterEntry {
    const user = this.roster.resolve(who);
    if (!user) throw new ClientError(`no user "${who}" in the list`);
    if (user.id === this.id) throw new ClientError("you cannot invite yourself");
    return user;
  }

  /**
   * The 2017 server draws private group IDs from 2..255, so it may put this client in group 255:
   * Data Messages of the client's own group are accepted whatever its number.
   */
  private tolerated(problemId: string, m: ImpMessage | null): boolean {
    return (
      problemId === PROBLEMS.group.id &&
      m !== null &&
      m.type === T.data &&
      m.ack === 0 &&
      m.group === this.group &&
      this.group !== PUBLIC_GROUP
    );
  }

  private drop(from: Address, reason: string): void {
    this.emit("dropped", { from, reason });
  }
}
