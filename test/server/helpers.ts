/**
 * Test helpers: a scripted raw peer (a UDP socket that sends encoded messages, records decoded
 * replies and ACKs what it should) and a test network (server on 127.0.0.1 with a ManualClock and
 * a counting tap) whose `settle()` waits until no datagram is in flight.
 */
import dgram from "node:dgram";
import { ManualClock } from "../../src/arq/index.js";
import { decode, encode, type ImpMessage, type MessageInput } from "../../src/codec/index.js";
import { startServer, type ImpServer, type ServerEvent, type ServerOptions } from "../../src/server/index.js";
import { openUdp, type Address, type Tap } from "../../src/transport/index.js";

/** Polls `cond` every few ms until it holds; throws after `timeoutMs`. */
export async function until(cond: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class RawPeer {
  id = 0;
  lastSent = 0;
  /** Every datagram received, decoded, in order. */
  readonly received: ImpMessage[] = [];
  /** Raw bytes of every datagram received. */
  readonly receivedBytes: Buffer[] = [];
  /** Datagrams sent (ACKs included). */
  sent = 0;
  /** ACK every reliable message from the server (all but Connection Reject and ACKs). */
  autoAck = true;
  private cursor = 0;

  private constructor(
    private readonly socket: dgram.Socket,
    readonly server: Address,
    readonly address: Address,
  ) {
    socket.on("message", (bytes) => {
      const m = decode(bytes).message!;
      this.received.push(m);
      this.receivedBytes.push(bytes);
      // The ACK of a Connection Accept carries the assigned ID, as the 2017 client's does.
      if (m.ack === 0 && m.type === 0x01 && this.id === 0) this.id = m.client_id ?? 0;
      if (this.autoAck && m.ack === 0 && m.type !== 0x02) this.ackOf(m);
    });
  }

  static async open(server: Address): Promise<RawPeer> {
    const socket = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
    const a = socket.address();
    return new RawPeer(socket, server, { ip: a.address, port: a.port });
  }

  /** Sends raw bytes to the server. */
  sendRaw(bytes: Uint8Array): void {
    this.sent++;
    this.socket.send(bytes, this.server.port, this.server.ip);
  }

  /** Sends a new message (flips S first) with this peer's Source ID unless given. */
  send(m: MessageInput): Buffer {
    this.lastSent ^= 1;
    const bytes = encode({ src: this.id, group: 0, ...m, seq: this.lastSent, ack: 0 });
    this.sendRaw(bytes);
    return bytes;
  }

  ackOf(m: ImpMessage): void {
    this.sendRaw(encode({ type: m.type, seq: m.seq, ack: 1, src: this.id, group: 0 }));
  }

  /** The next message not yet taken (waits for it, bounded). */
  async next(timeoutMs = 2000): Promise<ImpMessage> {
    await until(() => this.received.length > this.cursor, `a datagram at peer ${this.id || this.address.port}`, timeoutMs);
    return this.received[this.cursor++]!;
  }

  /** Every message received since the last take, after the network has settled. */
  take(): ImpMessage[] {
    const out = this.received.slice(this.cursor);
    this.cursor = this.received.length;
    return out;
  }

  /** Connection Request (S=1, space-padded), Accept, ACK; then optionally the user list. */
  async connect(name: string, list = true): Promise<number> {
    this.send({ type: 0x00, src: 0, group: 0, username: name });
    const accept = await this.next();
    if (accept.type !== 0x01) throw new Error(`expected a Connection Accept, got type ${accept.type}`);
    this.id = accept.client_id!;
    if (list) {
      this.send({ type: 0x03, group: 1 });
      const resp = await this.next();
      if (resp.type !== 0x04) throw new Error(`expected a User List Response, got type ${resp.type}`);
    }
    return this.id;
  }

  close(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }
}

export interface TestNet {
  server: ImpServer;
  clock: ManualClock;
  events: ServerEvent[];
  peers: RawPeer[];
  /** Datagrams dropped by the loss function, by direction. */
  lost: { in: number; out: number };
  peer(): Promise<RawPeer>;
  /** Connects `n` new peers named u1..un one after another, then clears what they received. */
  connectPeers(n: number): Promise<RawPeer[]>;
  /** Waits until every datagram sent has been received (nothing in flight). */
  settle(): Promise<void>;
  /** Advances the manual clock, then settles. */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A server on 127.0.0.1 with a ManualClock (unless `clock` is given), its events recorded, and a
 * tap that can drop datagrams (`loss` returns true to drop).
 */
export async function testNet(
  options: Partial<ServerOptions> = {},
  loss?: (dir: "in" | "out", bytes: Uint8Array, remote: Address) => boolean,
): Promise<TestNet> {
  const clock = (options.clock as ManualClock | undefined) ?? new ManualClock();
  const events: ServerEvent[] = [];
  const lost = { in: 0, out: 0 };
  const tap: Tap = (dir, _local, remote, bytes) => {
    if (loss?.(dir, bytes, remote)) {
      lost[dir]++;
      return false;
    }
    return true;
  };
  const transport = await openUdp({ host: "127.0.0.1", port: 0, tap });
  // Lowest free IDs unless a test asks for the default (random) allocation: sequences are asserted by ID.
  const server = await startServer({ log: (e) => events.push(e), idAllocation: "lowest", ...options, clock, transport });
  const peers: RawPeer[] = [];
  const net: TestNet = {
    server,
    clock,
    events,
    peers,
    lost,
    async peer() {
      const p = await RawPeer.open(server.address);
      peers.push(p);
      return p;
    },
    async connectPeers(n) {
      const fresh: RawPeer[] = [];
      for (let i = 0; i < n; i++) {
        const p = await net.peer();
        await p.connect(`u${i + 1}`);
        await net.settle();
        fresh.push(p);
      }
      for (const p of fresh) p.take();
      return fresh;
    },
    async settle() {
      const sentByPeers = () => peers.reduce((n, p) => n + p.sent, 0);
      const receivedByPeers = () => peers.reduce((n, p) => n + p.received.length, 0);
      let stable = 0;
      await until(() => {
        const c = server.counters;
        const quiet = c.received + lost.in === sentByPeers() && receivedByPeers() + lost.out === c.sent;
        stable = quiet ? stable + 1 : 0;
        return stable >= 3;
      }, "the network to settle").catch((e: Error) => {
        const c = server.counters;
        throw new Error(
          `${e.message}: server received ${c.received} (+${lost.in} lost) of ${sentByPeers()} sent by peers; peers received ${receivedByPeers()} (+${lost.out} lost) of ${c.sent} sent by the server`,
        );
      });
    },
    async advance(ms) {
      clock.advance(ms);
      await net.settle();
    },
    async close() {
      await server.close();
      await Promise.all(peers.map((p) => p.close()));
    },
  };
  return net;
}

/** Compact view of a message for sequence assertions. */
export function brief(m: ImpMessage): string {
  const names: Record<number, string> = {
    0: "ConnReq",
    1: "ConnAccept",
    2: "ConnReject",
    3: "ListReq",
    4: "ListResp",
    5: "Data",
    6: "CreateReq",
    7: "CreateAccept",
    8: "CreateReject",
    9: "InviteReq",
    10: "InviteAccept",
    11: "InviteReject",
    12: "Disjoint",
    13: "Dissolution",
    14: "Update",
    15: "UpdateDisc",
    16: "DiscReq",
  };
  const n = names[m.type] ?? `T${m.type}`;
  if (m.ack) return `ACK(${n})`;
  switch (m.type) {
    case 1:
      return `${n}(${m.client_id})`;
    case 2:
      return `${n}(${m.error})`;
    case 4:
    case 14:
      return `${n}(${(m.entry ?? []).map((e) => `${e.client_id}:${e.username}@${e.group}`).join(",")})`;
    case 5:
      return `${n}(${m.src}>${m.group}:${m.data})`;
    case 7:
      return `${n}(g${m.new_group},m${m.mode})`;
    case 9:
      return `${n}(${m.src}>${m.invitee},g${m.invite_group},m${m.mode})`;
    case 10:
    case 11:
      return `${n}(${m.src},g${m.invite_group})`;
    case 13:
      return `${n}(g${m.group})`;
    case 15:
      return `${n}(${m.client_id})`;
    default:
      return n;
  }
}

/** Messages from the server, briefly, ACKs included. */
export function briefs(ms: ImpMessage[]): string[] {
  return ms.map(brief);
}
