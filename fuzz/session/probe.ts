/**
 * A minimal, well-behaved IMP client for probing any server: connect (the Accept is ACKed),
 * list (the response is ACKed), disconnect. Every message the server sends it is ACKed, so its
 * stop-and-wait stays in step. Used as the liveness probe ("a fresh client must connect and get
 * its list within a bound") and, kept connected, as the barrier of targets without a debug channel.
 */
import dgram from "node:dgram";
import { decode, encode, type ImpMessage, type ListEntry } from "../../src/codec/index.js";
import { MSG, PUBLIC_GROUP } from "../../src/protocol/index.js";
import type { Address } from "../../src/transport/index.js";

export class ProbeClient {
  id = 0;
  private lastSent = 0;
  private lastReceived = 0;
  private waiter: { match: (m: ImpMessage) => boolean; resolve: (m: ImpMessage | null) => void } | null = null;
  /** Datagrams received (all types). */
  received = 0;
  gone = false;

  private constructor(
    private readonly socket: dgram.Socket,
    readonly target: Address,
    readonly name: string,
  ) {
    socket.on("message", (bytes, rinfo) => {
      if (rinfo.port !== target.port || rinfo.address !== target.ip) return;
      this.received++;
      const m = decode(bytes).message;
      if (!m) return;
      if (m.ack === 0 && m.type !== MSG.connReject) {
        const fresh = m.seq !== this.lastReceived || m.type === MSG.connAccept;
        this.lastReceived = m.seq;
        this.put(encode({ type: m.type, seq: m.seq, ack: 1, src: m.type === MSG.connAccept ? (m.client_id ?? 0) : this.id, group: 0 }));
        if (!fresh) return;
      }
      const w = this.waiter;
      if (w?.match(m)) {
        this.waiter = null;
        w.resolve(m);
      }
    });
    socket.on("error", () => {});
  }

  static async open(target: Address, name: string): Promise<ProbeClient> {
    const s = dgram.createSocket({ type: "udp4" });
    await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
    return new ProbeClient(s, target, name);
  }

  get local(): Address {
    const a = this.socket.address();
    return { ip: a.address, port: a.port };
  }

  private put(bytes: Uint8Array): void {
    this.socket.send(bytes, this.target.port, this.target.ip);
  }

  private request(m: Parameters<typeof encode>[0], match: (m: ImpMessage) => boolean, timeoutMs: number): Promise<ImpMessage | null> {
    this.lastSent ^= 1;
    const bytes = encode({ ...m, seq: this.lastSent });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        resolve(null);
      }, timeoutMs);
      this.waiter = {
        match,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      this.put(bytes);
    });
  }

  /** Connection Request; true once accepted (and ACKed). */
  async connect(timeoutMs: number): Promise<boolean> {
    this.lastSent = 0;
    this.lastReceived = 0;
    const r = await this.request(
      { type: MSG.connRequest, src: 0, group: 0, username: this.name },
      (m) => m.ack === 0 && (m.type === MSG.connAccept || m.type === MSG.connReject),
      timeoutMs,
    );
    if (!r || r.type !== MSG.connAccept) return false;
    this.id = r.client_id ?? 0;
    this.gone = false;
    return true;
  }

  /** User List Request; the entries, or null without an answer in time. */
  async list(timeoutMs: number): Promise<ListEntry[] | null> {
    const r = await this.request(
      { type: MSG.listRequest, src: this.id, group: PUBLIC_GROUP },
      (m) => m.ack === 0 && m.type === MSG.listResponse,
      timeoutMs,
    );
    return r ? (r.entry ?? []) : null;
  }

  async disconnect(timeoutMs: number): Promise<boolean> {
    const r = await this.request(
      { type: MSG.disconnect, src: this.id, group: 0 },
      (m) => m.ack === 1 && m.type === MSG.disconnect,
      timeoutMs,
    );
    this.id = 0;
    return r !== null;
  }

  /** The full liveness probe: connect, list, disconnect, each within `timeoutMs`; the list length or null. */
  async roundTrip(timeoutMs: number): Promise<{ ok: boolean; users: number; step: string }> {
    if (!(await this.connect(timeoutMs))) return { ok: false, users: 0, step: "connect" };
    const users = await this.list(timeoutMs);
    if (!users) return { ok: false, users: 0, step: "list" };
    if (!(await this.disconnect(timeoutMs))) return { ok: false, users: users.length, step: "disconnect" };
    return { ok: true, users: users.length, step: "done" };
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      /* closed */
    }
  }
}
