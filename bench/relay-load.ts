/**
 * A lean IMP load generator for the relay benchmark: each client is a UDP socket that speaks the
 * protocol with precomputed datagrams (connect, list, data with alternating S, ACK of everything
 * the server sends), so that generating load costs about what the echo ceiling's ping-pong
 * clients cost, and the server, not the generator, is what is measured.
 */
import dgram from "node:dgram";
import { decode } from "../src/codec/decode.js";
import { encode } from "../src/codec/encode.js";
import { MSG } from "../src/protocol/messages.js";

export interface LoadStats {
  sent: number;
  delivered: number;
  latencies: number[];
}

class RawClient {
  id = 0;
  private lastSent = 0;
  private lastReceived = 0;
  private outstanding: Buffer | null = null;
  private timer: NodeJS.Timeout | null = null;
  private ackBytes: Buffer[] = [];
  /** Own messages sent, and copies of them delivered to the other members. */
  sentCount = 0;
  deliveredCopies = 0;
  sending = false;
  onReady: (() => void) | null = null;
  onSettled: (() => void) | null = null;

  constructor(
    readonly socket: dgram.Socket,
    private readonly port: number,
    private readonly stats: LoadStats,
    private readonly onData: (from: number, text: string) => void,
  ) {
    socket.on("message", (msg) => this.onMessage(msg));
  }

  private put(b: Buffer): void {
    this.socket.send(b, this.port, "127.0.0.1");
  }

  /** Sends a reliable message: one outstanding, resent every 500 ms until acknowledged. */
  send(b: Buffer): void {
    this.outstanding = b;
    this.put(b);
    this.timer = setInterval(() => this.outstanding && this.put(this.outstanding), 500);
  }

  private settle(): void {
    this.outstanding = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.onSettled?.();
  }

  connect(name: string): void {
    this.lastSent ^= 1;
    this.send(encode({ type: MSG.connRequest, seq: this.lastSent, username: name }));
  }

  sendData(text: string): void {
    this.lastSent ^= 1;
    this.send(encode({ type: MSG.data, seq: this.lastSent, src: this.id, group: 1, data: text }));
  }

  private ack(type: number, seq: number): void {
    let b = this.ackBytes[type * 2 + seq];
    if (!b) b = this.ackBytes[type * 2 + seq] = encode({ type, seq, ack: 1, src: this.id });
    this.put(b);
  }

  private onMessage(msg: Buffer): void {
    if (msg.length < 5) return;
    // The hot path reads the header by hand: only connection set-up needs the full decoder.
    const type = msg[0]! >> 3;
    const seq = (msg[0]! >> 1) & 1;
    if (msg[0]! & 1) {
      if (this.outstanding && type === this.outstanding[0]! >> 3 && seq === this.lastSent) this.settle();
      return;
    }
    if (type === MSG.data) {
      const isNew = seq !== this.lastReceived;
      this.lastReceived = seq;
      this.ack(type, seq);
      if (isNew) {
        this.stats.delivered++;
        const hlen = (msg[3]! << 8) | msg[4]!;
        // Sampled messages start with "!"; only those are decoded to text for the latency.
        this.onData(msg[1]!, msg[hlen] === 0x21 ? msg.toString("latin1", hlen) : "");
      }
      return;
    }
    const m = decode(msg).message;
    if (!m) return;
    if (m.type === MSG.connAccept) {
      this.id = m.client_id ?? 0;
      this.lastReceived = m.seq;
      this.settle();
      this.ack(m.type, m.seq);
      this.lastSent ^= 1;
      this.send(encode({ type: MSG.listRequest, seq: this.lastSent, src: this.id, group: 1 }));
      return;
    }
    const isNew = m.seq !== this.lastReceived;
    this.lastReceived = m.seq;
    if (m.type === MSG.listResponse && this.outstanding && this.outstanding[0]! >> 3 === MSG.listRequest) {
      this.settle();
      this.ack(m.type, m.seq);
      this.onReady?.();
      return;
    }
    this.ack(m.type, m.seq);
    if (isNew && m.type === MSG.data) {
      this.stats.delivered++;
      this.onData(m.src, m.data ?? "");
    }
  }

  close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    return new Promise((r) => this.socket.close(() => r()));
  }
}

/**
 * K clients in the Public Group; each sends its next message once the server ACKed the last one
 * and no more than `window` of its messages are still on their way to the other members.
 */
export async function runLoad(
  port: number,
  k: number,
  seconds: number,
  window = 4,
): Promise<LoadStats & { seconds: number; busySeconds: number }> {
  const stats: LoadStats = { sent: 0, delivered: 0, latencies: [] };
  const clients: RawClient[] = [];
  const byId = new Map<number, RawClient>();
  const sentAt = new Map<string, number>();
  // Messages of a client still on their way to some member (copies are delivered per member in order).
  const inFlight = (c: RawClient) => c.sentCount - Math.floor(c.deliveredCopies / (k - 1));
  const onData = (from: number, text: string) => {
    const sender = byId.get(from);
    if (!sender) return;
    sender.deliveredCopies++;
    if (text) {
      const t = sentAt.get(text);
      if (t !== undefined) stats.latencies.push(performance.now() - t);
    }
    if (!sender.sending) pump(sender);
  };
  let deadline = 0;
  let counter = 0;
  const pump = (c: RawClient) => {
    if (performance.now() >= deadline || inFlight(c) >= window) return;
    c.sending = true;
    c.sentCount++;
    stats.sent++;
    const sampled = (counter & 15) === 0;
    const text = sampled ? `!${c.id}:${counter++}` : `${c.id}:${counter++}`;
    if (sampled) sentAt.set(text, performance.now());
    c.sendData(text);
  };
  for (let i = 0; i < k; i++) {
    const socket = dgram.createSocket("udp4");
    await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
    const c = new RawClient(socket, port, stats, onData);
    await new Promise<void>((resolve) => {
      c.onReady = resolve;
      c.connect(`u${i}`);
    });
    byId.set(c.id, c);
    clients.push(c);
  }
  // Let the Update Lists of the connections settle before measuring.
  await new Promise((r) => setTimeout(r, 300));
  for (const c of clients) {
    c.onSettled = () => {
      c.sending = false;
      pump(c);
    };
  }
  stats.delivered = 0;
  const t0 = performance.now();
  deadline = t0 + seconds * 1000;
  for (const c of clients) pump(c);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const elapsed = (performance.now() - t0) / 1000;
  // Drain: everything sent must arrive (bounded wait).
  const expected = () => stats.sent * (k - 1);
  const end = performance.now() + 10_000;
  while (stats.delivered < expected() && performance.now() < end) await new Promise((r) => setTimeout(r, 2));
  const busySeconds = (performance.now() - t0) / 1000;
  await Promise.all(clients.map((c) => c.close()));
  return { ...stats, seconds: elapsed, busySeconds };
}
