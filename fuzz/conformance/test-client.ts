/**
 * A scripted IMP client for conformance cases: its own UDP socket, stop-and-wait state towards
 * the server under test, every datagram both ways recorded in the case's exchange (with times),
 * and helpers that send one message and wait for what answers it. It acknowledges every message
 * the server sends it (A=0) unless `autoAck` is off (cases about retransmissions), including
 * retransmissions, as a conforming client does.
 */
import dgram from "node:dgram";
import { decode, encode, type ImpMessage, type ListEntry, type MessageInput } from "../../src/codec/index.js";
import { MSG, PUBLIC_GROUP } from "../../src/protocol/index.js";
import type { Address } from "../../src/transport/index.js";
import type { Datagram } from "../targets/target.js";

export interface Received {
  /** Milliseconds since the case started. */
  at: number;
  bytes: Uint8Array;
  /** Null for a datagram shorter than a header. */
  msg: ImpMessage | null;
  /** The decoder found a length rule broken. */
  malformed: boolean;
}

export type Match = (m: ImpMessage) => boolean;

/** Where a case records its exchange. */
export interface ExchangeLog {
  record(d: Omit<Datagram, "at">): void;
  now(): number;
}

export class TestClient {
  id = 0;
  lastSent = 0;
  lastReceived = 0;
  autoAck = true;
  readonly inbox: Received[] = [];
  private waiters: { from: number; match: Match; resolve: (r: Received | null) => void }[] = [];
  private closed = false;

  private constructor(
    private readonly socket: dgram.Socket,
    readonly server: Address,
    readonly name: string,
    readonly index: number,
    private readonly log: ExchangeLog,
  ) {
    socket.on("message", (bytes, rinfo) => {
      if (rinfo.port !== server.port || rinfo.address !== server.ip) return;
      this.log.record({ dir: "in", socket: index, local: this.local, bytes });
      const d = decode(bytes);
      const r: Received = {
        at: this.log.now(),
        bytes: new Uint8Array(bytes),
        msg: d.message,
        malformed: d.problems.some((p) => p.category === "malformed"),
      };
      this.inbox.push(r);
      const m = d.message;
      if (m && m.ack === 0 && this.autoAck && m.type !== MSG.connReject && !r.malformed) {
        if (m.type === MSG.connAccept) this.id = m.client_id ?? this.id;
        this.lastReceived = m.seq;
        this.raw(encode({ type: m.type, seq: m.seq, ack: 1, src: this.id, group: 0 }));
      }
      for (const w of [...this.waiters]) {
        if (this.inbox.length - 1 >= w.from && m && w.match(m)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(r);
        }
      }
    });
    socket.on("error", () => {});
  }

  local: Address = { ip: "127.0.0.1", port: 0 };

  static async open(server: Address, name: string, index: number, log: ExchangeLog): Promise<TestClient> {
    const s = dgram.createSocket({ type: "udp4" });
    await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
    const c = new TestClient(s, server, name, index, log);
    const a = s.address();
    c.local = { ip: a.address, port: a.port };
    return c;
  }

  /** Sends bytes as they are (recorded). */
  raw(bytes: Uint8Array): void {
    if (this.closed) return;
    this.log.record({ dir: "out", socket: this.index, local: this.local, bytes });
    this.socket.send(bytes, this.server.port, this.server.ip);
  }

  /**
   * Sends a message: Source ID defaults to this client's ID, Group ID to 0, and a new message
   * (A=0) flips the Sequence first unless `seq` is given. Returns the bytes sent.
   */
  send(m: MessageInput): Uint8Array {
    let seq = m.seq;
    if (seq === undefined && (m.ack ?? 0) === 0) {
      this.lastSent ^= 1;
      seq = this.lastSent;
    }
    const bytes = encode({ src: this.id, group: 0, ...m, seq: seq ?? 0 });
    this.raw(bytes);
    return bytes;
  }

  /** Index of the next datagram to arrive (for waits that only look at what comes after). */
  mark(): number {
    return this.inbox.length;
  }

  /** The first message at or after `from` that matches, waiting up to `timeoutMs`; null when none came. */
  waitFor(match: Match, timeoutMs: number, from = 0): Promise<Received | null> {
    for (let i = from; i < this.inbox.length; i++) {
      const r = this.inbox[i]!;
      if (r.msg && match(r.msg)) return Promise.resolve(r);
    }
    return new Promise((resolve) => {
      const w = {
        from,
        match,
        resolve: (r: Received | null) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(null);
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Sends `m` and waits for what matches after it. */
  async request(m: MessageInput, match: Match, timeoutMs: number): Promise<Received | null> {
    const from = this.mark();
    this.send(m);
    return this.waitFor(match, timeoutMs, from);
  }

  /** Everything received at or after `from` (messages only). */
  since(from: number): ImpMessage[] {
    return this.inbox.slice(from).flatMap((r) => (r.msg ? [r.msg] : []));
  }

  /** Connection Request; the Accept or Reject that answers it. */
  async connect(timeoutMs: number, username = this.name): Promise<ImpMessage | null> {
    this.lastSent = 0;
    const r = await this.request(
      { type: MSG.connRequest, src: 0, group: 0, username },
      (m) => m.ack === 0 && (m.type === MSG.connAccept || m.type === MSG.connReject),
      timeoutMs,
    );
    if (r?.msg?.type === MSG.connAccept) this.id = r.msg.client_id ?? 0;
    return r?.msg ?? null;
  }

  /** User List Request; the entries of the response, or null. */
  async list(timeoutMs: number): Promise<ListEntry[] | null> {
    const r = await this.request(
      { type: MSG.listRequest, group: PUBLIC_GROUP },
      (m) => m.ack === 0 && m.type === MSG.listResponse,
      timeoutMs,
    );
    return r?.msg ? (r.msg.entry ?? []) : null;
  }

  /** A request the server acknowledges explicitly; true when the ACK came. */
  async acked(m: MessageInput, timeoutMs: number): Promise<boolean> {
    const from = this.mark();
    const bytes = this.send(m);
    const seq = (bytes[0]! >> 1) & 1;
    return (await this.waitFor((x) => x.ack === 1 && x.type === m.type && x.seq === seq, timeoutMs, from)) !== null;
  }

  async disconnect(timeoutMs: number): Promise<boolean> {
    const ok = await this.acked({ type: MSG.disconnect }, timeoutMs);
    this.id = 0;
    return ok;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.resolve(null);
    try {
      this.socket.close();
    } catch {
      /* closed */
    }
  }
}
