/**
 * A scripted stand-in for an IMP server (or a decentralized peer) in client tests: a UDP socket on
 * 127.0.0.1 that records every datagram it receives and sends whatever the test tells it to.
 * `auto` answers the basics (Accept, list, ACKs) so REPL tests need no script.
 */
import { decode, encode, type ImpMessage, type ListEntry, type MessageInput } from "../../src/codec/index.js";
import { openUdp, type Address, type DatagramTransport } from "../../src/transport/index.js";

export interface Received {
  m: ImpMessage;
  bytes: Buffer;
  hex: string;
  from: Address;
}

export interface FakeEndpoint {
  readonly address: Address;
  readonly transport: DatagramTransport;
  /** Every datagram received, in order. */
  readonly inbox: Received[];
  send(to: Address, message: MessageInput): Buffer;
  sendRaw(to: Address, bytes: Uint8Array): void;
  /** The first datagram not yet taken that matches; waits up to `timeoutMs`. */
  take(match: (m: ImpMessage) => boolean, timeoutMs?: number): Promise<Received>;
  /** Resolves after `ms` with the datagrams that arrived meanwhile. */
  quiet(ms: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function fakeEndpoint(): Promise<FakeEndpoint> {
  const transport = await openUdp({ host: "127.0.0.1", port: 0 });
  const inbox: Received[] = [];
  const taken = new Set<Received>();
  const watchers = new Set<() => void>();
  transport.onDatagram((bytes, from) => {
    inbox.push({ m: decode(bytes).message!, bytes, hex: bytes.toString("hex"), from });
    for (const w of [...watchers]) w();
  });
  const find = (match: (m: ImpMessage) => boolean) => inbox.find((r) => !taken.has(r) && r.m && match(r.m));
  return {
    address: transport.local,
    transport,
    inbox,
    send(to, message) {
      const bytes = encode(message);
      transport.send(bytes, to);
      return bytes;
    },
    sendRaw(to, bytes) {
      transport.send(bytes, to);
    },
    take(match, timeoutMs = 3000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const r = find(match);
          if (!r) return false;
          taken.add(r);
          watchers.delete(check);
          clearTimeout(timer);
          resolve(r);
          return true;
        };
        const timer = setTimeout(() => {
          watchers.delete(check);
          reject(new Error(`fake endpoint: nothing matching within ${timeoutMs} ms; inbox: ${inbox.map((r) => r.hex).join(" ")}`));
        }, timeoutMs);
        if (!check()) watchers.add(check);
      });
    },
    async quiet(ms) {
      const start = inbox.length;
      await new Promise((r) => setTimeout(r, ms));
      return inbox.slice(start);
    },
    close: () => transport.close(),
  };
}

export const entry = (client_id: number, username: string, group: number, a: Address): ListEntry => ({
  client_id,
  username,
  group,
  ip: a.ip,
  port: a.port,
});

/** Plays the server's side of a successful connection; returns the client's address. */
export async function acceptConnection(
  server: FakeEndpoint,
  opts: { id: number; others?: ListEntry[]; name?: string; listSrc?: number },
): Promise<{ client: Address; request: Received }> {
  const request = await server.take((m) => m.type === 0 && m.ack === 0);
  const client = request.from;
  server.send(client, { type: 1, seq: 1, src: 0, group: 0, client_id: opts.id });
  await server.take((m) => m.type === 1 && m.ack === 1);
  await server.take((m) => m.type === 3 && m.ack === 0);
  const self = entry(opts.id, opts.name ?? request.m.username ?? "?", 1, client);
  server.send(client, { type: 4, seq: 0, src: opts.listSrc ?? opts.id, group: 1, entry: [self, ...(opts.others ?? [])] });
  await server.take((m) => m.type === 4 && m.ack === 1);
  return { client, request };
}

export interface AutoServer {
  /** Sends a reliable message to a client with the next sequence bit of that client's link (not retransmitted). */
  push(to: Address, message: MessageInput): void;
  /** Addresses of the clients that connected, by username. */
  clients: Map<string, Address>;
}

/**
 * A server that answers on its own: Accept (IDs from `ids`), the list (plus `extra` users), an
 * ACK for everything else, and `onMessage` for the test's own reactions. Per-client sequence
 * numbers start at S=1 as WIRE.md section 4 says.
 */
export function autoServer(
  server: FakeEndpoint,
  opts: { ids?: number[]; extra?: ListEntry[]; reject?: number; onMessage?: (m: ImpMessage, from: Address, auto: AutoServer) => void } = {},
): AutoServer {
  const ids = opts.ids ?? [42, 43, 44];
  const lastSeq = new Map<string, number>();
  const users: ListEntry[] = [...(opts.extra ?? [])];
  let connected = 0;
  const auto: AutoServer = {
    clients: new Map(),
    push(to, message) {
      const key = `${to.ip}:${to.port}`;
      const s = (lastSeq.get(key) ?? 0) ^ 1;
      lastSeq.set(key, s);
      server.send(to, { ...message, seq: s, ack: 0 });
    },
  };
  server.transport.onDatagram((bytes, from) => {
    const m = decode(bytes).message;
    server.inbox.push({ m: m!, bytes, hex: bytes.toString("hex"), from });
    if (!m || m.ack === 1) return;
    if (m.type === 0) {
      if (opts.reject !== undefined) {
        server.send(from, { type: 2, seq: 1, src: 0, group: 0, error: opts.reject });
        return;
      }
      const id = ids[connected++] ?? 100 + connected;
      users.push(entry(id, m.username ?? "?", 1, from));
      auto.clients.set(m.username ?? "?", from);
      auto.push(from, { type: 1, src: 0, group: 0, client_id: id });
    } else if (m.type === 3) {
      auto.push(from, { type: 4, src: m.src, group: 1, entry: users });
    } else {
      server.send(from, { type: m.type, seq: m.seq, ack: 1, src: 0, group: 0 });
    }
    opts.onMessage?.(m, from, auto);
  });
  return auto;
}
