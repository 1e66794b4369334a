/**
 * A realistic IMP capture for the read benchmark (issue 15, section 4): a server and many clients
 * on several /24 networks, simulated event by event and captured at the server, so that what
 * the capture holds is what a tcpdump on the server's host would see.
 *
 * - Clients join one by one (request, accept, ACK, list request, list response, Update List to
 *   the others), chat in the Public Group and in private groups they create (creation request,
 *   invitations, accepts and rejects, Update List to everyone), leave their groups (disjoint,
 *   dissolution of a group left with one member), disconnect and come back on a new port.
 * - Every message text is distinct (2 to 20 words drawn from a vocabulary of a few thousand
 *   made-up words): nothing repeats beyond what the protocol itself repeats (a group message
 *   relayed to each member, ACKs).
 * - Coherent ARQ, stop and wait per link and direction: a sender sends its next message only
 *   once the previous one was acknowledged; datagrams are lost at random on the way (both ways),
 *   the sender sends the same bytes again after the RTO (500 ms), a receiver that gets a copy it
 *   already has acknowledges it again. A client's datagram lost on its way does not appear in
 *   the capture (it never reached the server); the server's datagrams always do.
 *
 * Deterministic for a seed. IPv6 clients are left out: a list entry carries an IPv4 address.
 */
import { existsSync } from "node:fs";
import { createCaptureWriter, type CaptureWriter } from "../dissector/capture/index.js";
import { encode } from "../src/codec/encode.js";
import type { MessageInput } from "../src/codec/message.js";
import { MSG } from "../src/protocol/messages.js";
import { seededRandom } from "../src/util/random.js";
import { EventQueue } from "./event-queue.js";
import { TextMaker } from "./chat-text.js";

/** Part of the names of the captures kept between runs: a change of the generator changes it. */
export const REALISTIC_VERSION = 2;

export interface RealisticOptions {
  format?: "pcap" | "pcapng";
  /** Clients (default 96; at most 250, the client ID space). */
  clients?: number;
  seed?: number;
  /** Probability that a datagram is lost on its way (default 0.01). */
  loss?: number;
}

/** `${prefix}-realistic-${n}-v${REALISTIC_VERSION}.pcap`, written first unless a previous run left it. */
export async function realisticCapture(prefix: string, n: number, log: (line: string) => void = () => {}): Promise<string> {
  const file = `${prefix}-realistic-${n}-v${REALISTIC_VERSION}.pcap`;
  if (!existsSync(file)) {
    log(`generating ${file} (${n} datagrams of simulated chat: distinct texts, many clients, loss)...`);
    await generateRealisticCapture(file, n);
  }
  return file;
}

const RTO_US = 500_000;
/** Attempts of one message before the sender gives up on it (and goes on with the next). */
const MAX_ATTEMPTS = 8;
const SERVER = { ip: "10.0.0.1", port: 1313 };
/** The clients' networks and their one-way latency to the server (µs). */
const NETWORKS = [
  { prefix: "10.0.0", latency: 150 },
  { prefix: "10.1.7", latency: 900 },
  { prefix: "172.16.20", latency: 4_000 },
  { prefix: "192.168.1", latency: 12_000 },
  { prefix: "100.64.33", latency: 35_000 },
  { prefix: "198.51.100", latency: 80_000 },
];

interface Addr {
  ip: string;
  port: number;
}

interface Outgoing {
  msg: MessageInput;
  /** Called at the receiver when it gets the message for the first time. */
  deliver: () => void;
  /** No ACK: answered by a response (requests of the connection phase). */
  implicit?: boolean;
}

/** One direction of the ARQ between a client and the server: stop and wait. */
class Link {
  /** Sequence bit of the next message. */
  seq = 1;
  /** Sequence bit the receiving end expects next. */
  expect = 1;
  pending: { out: Outgoing; bytes: Uint8Array; attempts: number; seq: number } | null = null;
  readonly queue: Outgoing[] = [];
}

interface Client {
  index: number;
  name: string;
  addr: Addr;
  latency: number;
  id: number;
  group: number;
  online: boolean;
  /** Creating a group or answering an invitation: takes no other part in group changes. */
  busy: boolean;
  /** Sent its Disconnection Request: says nothing more until it connects again. */
  leaving: boolean;
  /** When the last datagram on the way up (to the server) and down arrives (µs). */
  upArrival: number;
  downArrival: number;
  up: Link;
  down: Link;
}

interface Creation {
  creator: Client;
  group: number;
  waiting: number;
  accepted: number;
}

/** Writes `n` datagrams to `path`; returns the number written. */
export async function generateRealisticCapture(path: string, n: number, opts: RealisticOptions = {}): Promise<number> {
  const writer = createCaptureWriter({ format: opts.format ?? "pcap", path });
  const sim = new ChatSimulation(writer, n, opts);
  sim.run();
  await writer.close();
  return sim.written;
}

class ChatSimulation {
  written = 0;
  private readonly random: () => number;
  private readonly events = new EventQueue();
  private readonly texts: TextMaker;
  private readonly loss: number;
  private readonly clients: Client[];
  /** Connected clients by ID; groups' members by group number. */
  private readonly byId = new Map<number, Client>();
  private readonly groups = new Map<number, Set<Client>>();
  private readonly creations = new Map<number, Creation>();

  constructor(
    private readonly writer: CaptureWriter,
    private readonly n: number,
    opts: RealisticOptions,
  ) {
    this.random = seededRandom(opts.seed ?? 15);
    this.texts = new TextMaker(this.random);
    this.loss = opts.loss ?? 0.01;
    const count = Math.min(opts.clients ?? 96, 250);
    this.clients = Array.from({ length: count }, (_, index) => {
      const net = NETWORKS[index % NETWORKS.length]!;
      return {
        index,
        name: `${this.texts.word().slice(0, 5)}${index}`,
        addr: { ip: `${net.prefix}.${10 + Math.floor(index / NETWORKS.length)}`, port: this.port() },
        latency: net.latency,
        id: 0,
        group: 1,
        online: false,
        busy: false,
        leaving: false,
        upArrival: 0,
        downArrival: 0,
        up: new Link(),
        down: new Link(),
      };
    });
    this.groups.set(1, new Set());
  }

  run(): void {
    let t = 0;
    for (const c of this.clients) {
      t += 20_000 + this.int(80_000);
      this.events.at(t, () => this.connect(c));
    }
    while (this.written < this.n && this.events.runNext()) {}
  }

  private int(below: number): number {
    return Math.floor(this.random() * below);
  }

  private port(): number {
    return 32768 + this.int(28000);
  }

  /** Writes a datagram as the server's host sees it, now. */
  private capture(src: Addr, dst: Addr, bytes: Uint8Array): void {
    if (this.written >= this.n) return;
    const t = 1_700_000_000_000_000 + this.events.now;
    this.writer.writeDatagram({ tsSec: Math.floor(t / 1e6), tsNsec: (t % 1e6) * 1000, src, dst, payload: bytes });
    this.written++;
  }

  /**
   * A datagram on its way from `c` (up) or to `c`; `arrive` runs at the far end unless it is
   * lost. One path keeps its order: a datagram never overtakes one sent before it.
   */
  private transmit(c: Client, up: boolean, bytes: Uint8Array, arrive: () => void): void {
    const lost = this.random() < this.loss;
    const now = this.events.now;
    const arrival = Math.max(now + c.latency + this.int((c.latency >> 3) + 1), (up ? c.upArrival : c.downArrival) + 1);
    const addr = c.addr;
    if (up) {
      if (lost) return;
      c.upArrival = arrival;
      this.events.at(arrival, () => {
        this.capture(addr, SERVER, bytes);
        arrive();
      });
    } else {
      this.capture(SERVER, addr, bytes);
      if (lost) return;
      c.downArrival = arrival;
      this.events.at(arrival, arrive);
    }
  }

  /** Queues `out` on `c`'s link in one direction; sent once the link is free. */
  private send(c: Client, up: boolean, out: Outgoing): void {
    const link = up ? c.up : c.down;
    link.queue.push(out);
    if (link.pending === null) this.next(c, up, link);
  }

  /** Whether `link` is still in use: a client that reconnects starts with new links. */
  private live(c: Client, up: boolean, link: Link): boolean {
    return up ? link === c.up : link === c.down && c.online;
  }

  private next(c: Client, up: boolean, link: Link): void {
    const out = link.queue.shift();
    if (!out) return;
    const seq = link.seq;
    const bytes = encode({ ...out.msg, seq });
    const pending = { out, bytes, attempts: 0, seq };
    link.pending = pending;
    this.attempt(c, up, link, pending);
  }

  private attempt(c: Client, up: boolean, link: Link, pending: NonNullable<Link["pending"]>): void {
    if (!this.live(c, up, link)) return;
    pending.attempts++;
    this.transmit(c, up, pending.bytes, () => this.receive(c, up, link, pending));
    if (pending.out.implicit) {
      // Answered by a response: the link moves on at once.
      this.done(c, up, link);
      return;
    }
    this.events.after(RTO_US, () => {
      if (link.pending !== pending) return;
      if (pending.attempts >= MAX_ATTEMPTS) this.done(c, up, link);
      else this.attempt(c, up, link, pending);
    });
  }

  /** The receiving end answers after a moment of processing (the server is quicker). */
  private receive(c: Client, up: boolean, link: Link, pending: NonNullable<Link["pending"]>): void {
    this.events.after(up ? 15 + this.int(60) : 40 + this.int(400), () => this.process(c, up, link, pending));
  }

  private process(c: Client, up: boolean, link: Link, pending: NonNullable<Link["pending"]>): void {
    const fresh = pending.seq === link.expect;
    if (fresh) link.expect ^= 1;
    if (!pending.out.implicit) {
      const type = pending.out.msg.type;
      const ack: MessageInput = up ? { type, seq: pending.seq, ack: 1 } : { type, seq: pending.seq, ack: 1, src: c.id };
      this.transmit(c, !up, encode(ack), () => {
        if (link.pending === pending) this.done(c, up, link);
      });
    }
    if (fresh) pending.out.deliver();
  }

  private done(c: Client, up: boolean, link: Link): void {
    link.pending = null;
    link.seq ^= 1;
    this.next(c, up, link);
  }

  private toServer(c: Client, msg: MessageInput, deliver: () => void, implicit = false): void {
    this.send(c, true, { msg: { src: c.id, ...msg }, deliver, ...(implicit ? { implicit } : {}) });
  }

  private toClient(c: Client, msg: MessageInput, deliver: () => void = () => {}): void {
    if (c.online) this.send(c, false, { msg, deliver });
  }

  private entry(c: Client) {
    return { client_id: c.id, group: c.group, username: c.name, ip: c.addr.ip, port: c.addr.port };
  }

  private online(): Client[] {
    return [...this.byId.values()];
  }

  /** Update List with `changed` to every connected client but `except`. */
  private update(changed: readonly Client[], except?: Client): void {
    const entry = changed.map((c) => this.entry(c));
    for (const to of this.online()) if (to !== except) this.toClient(to, { type: MSG.updateList, group: 255, entry });
  }

  private connect(c: Client): void {
    c.up = new Link();
    c.down = new Link();
    c.id = 0;
    this.toServer(c, { type: MSG.connRequest, username: c.name }, () => this.accept(c), true);
  }

  private accept(c: Client): void {
    let id = 1;
    while (this.byId.has(id)) id++;
    c.id = id;
    c.group = 1;
    c.online = true;
    c.busy = false;
    c.leaving = false;
    this.byId.set(id, c);
    this.groups.get(1)!.add(c);
    this.toClient(c, { type: MSG.connAccept, client_id: id }, () =>
      this.toServer(c, { type: MSG.listRequest, group: 1 }, () => this.listed(c), true),
    );
  }

  private listed(c: Client): void {
    this.update([c], c);
    const entry = this.online().map((o) => this.entry(o));
    this.toClient(c, { type: MSG.listResponse, src: c.id, group: 1, entry }, () => this.later(c));
  }

  /** The client's next action, a few seconds from now. */
  private later(c: Client): void {
    this.events.after(200_000 + this.int(6_000_000), () => this.act(c));
  }

  private act(c: Client): void {
    if (!c.online || c.leaving) return;
    // Most talk happens in private groups; the Public Group is mostly read.
    const r = this.random();
    if (c.group === 1 && !c.busy) {
      if (r < 0.004) this.disconnect(c);
      else if (r < 0.05) this.create(c);
      else if (r < 0.4) this.chat(c);
    } else if (c.group !== 1 && !c.busy && !this.creations.has(c.group) && r < 0.005) this.disjoint(c);
    else this.chat(c);
    this.later(c);
  }

  private chat(c: Client): void {
    const group = c.group;
    const data = this.texts.sentence();
    this.toServer(c, { type: MSG.data, group, data }, () => {
      for (const to of this.groups.get(group) ?? []) if (to !== c) this.toClient(to, { type: MSG.data, src: c.id, group, data });
    });
  }

  private disconnect(c: Client): void {
    c.busy = true;
    c.leaving = true;
    this.toServer(c, { type: MSG.disconnect }, () => {
      // The server forgets the client at once (and what it had still to send it).
      this.byId.delete(c.id);
      this.groups.get(c.group)?.delete(c);
      c.online = false;
      c.down.queue.length = 0;
      for (const to of this.online()) this.toClient(to, { type: MSG.updateDisconnection, group: 255, client_id: c.id });
      // The client comes back later from another port, once its own retransmissions are over.
      this.events.after(RTO_US * MAX_ATTEMPTS + 5_000_000 + this.int(20_000_000), () => {
        c.addr = { ip: c.addr.ip, port: this.port() };
        this.connect(c);
      });
    });
  }

  private create(c: Client): void {
    const free = this.online().filter((o) => o !== c && o.group === 1 && !o.busy);
    if (free.length === 0) return this.chat(c);
    const invitees: Client[] = [];
    for (let k = 1 + this.int(4); k > 0 && free.length > 0; k--) invitees.push(free.splice(this.int(free.length), 1)[0]!);
    c.busy = true;
    for (const i of invitees) i.busy = true;
    this.toServer(c, { type: MSG.createRequest, mode: 0, invitees: invitees.map((i) => i.id) }, () => {
      let group = 2;
      while (this.groups.has(group) || this.creations.has(group)) group++;
      const creation: Creation = { creator: c, group, waiting: invitees.length, accepted: 0 };
      this.creations.set(group, creation);
      for (const i of invitees) {
        this.toClient(i, { type: MSG.inviteRequest, src: c.id, mode: 0, invite_group: group, invitee: i.id }, () =>
          this.events.after(300_000 + this.int(3_000_000), () => this.answer(i, creation)),
        );
      }
    });
  }

  private answer(i: Client, creation: Creation): void {
    const yes = this.random() < 0.85;
    const type = yes ? MSG.inviteAccept : MSG.inviteReject;
    this.toServer(i, { type, mode: 0, invite_group: creation.group }, () => {
      const { creator, group } = creation;
      creation.waiting--;
      i.busy = false;
      if (yes) {
        const members = this.groups.get(group) ?? new Set<Client>();
        this.groups.set(group, members);
        this.groups.get(1)!.delete(i);
        i.group = group;
        members.add(i);
        if (creation.accepted++ === 0) {
          this.groups.get(1)!.delete(creator);
          creator.group = group;
          members.add(creator);
          this.toClient(creator, { type: MSG.createAccept, mode: 0, new_group: group });
          this.update([creator, i]);
        } else {
          this.toClient(creator, { type: MSG.inviteAccept, src: i.id, mode: 0, invite_group: group });
          this.update([i], i);
        }
      } else this.toClient(creator, { type: MSG.inviteReject, src: i.id, mode: 0, invite_group: group });
      if (creation.waiting === 0) {
        this.creations.delete(group);
        creator.busy = false;
        if (creation.accepted === 0) this.toClient(creator, { type: MSG.createReject });
      }
    });
  }

  private disjoint(c: Client): void {
    c.busy = true;
    this.toServer(c, { type: MSG.disjoint }, () => {
      c.busy = false;
      const group = c.group;
      const members = this.groups.get(group);
      if (!members) return;
      members.delete(c);
      c.group = 1;
      this.groups.get(1)!.add(c);
      if (members.size > 1) return this.update([c]);
      this.groups.delete(group);
      const changed = [c];
      for (const last of members) {
        last.group = 1;
        this.groups.get(1)!.add(last);
        this.toClient(last, { type: MSG.dissolution, group });
        changed.push(last);
      }
      this.update(changed);
    });
  }
}
