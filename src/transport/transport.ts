/**
 * The datagram transport under server and client. The UDP implementation is the real one; a
 * tap sees every datagram in both directions (the scenario runner records through it, and may
 * drop datagrams to inject loss).
 */
import dgram from "node:dgram";

export interface Address {
  ip: string;
  port: number;
}

export function addressKey(a: Address): string {
  return `${a.ip}:${a.port}`;
}

export type Direction = "in" | "out";

/** Sees every datagram; returning false drops it (an "out" datagram is then never sent, an "in" one never delivered). */
// biome-ignore lint/suspicious/noConfusingVoidType: a tap that returns nothing keeps the datagram; `undefined` would refuse taps written as plain `void` functions.
export type Tap = (dir: Direction, local: Address, remote: Address, bytes: Uint8Array) => boolean | void;

export interface DatagramTransport {
  readonly local: Address;
  send(bytes: Uint8Array, to: Address): void;
  onDatagram(handler: (bytes: Buffer, from: Address) => void): void;
  close(): Promise<void>;
}

export interface UdpOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  tap?: Tap;
}

/** Binds a UDP socket (IPv4) and resolves once it listens. */
export async function openUdp(options: UdpOptions = {}): Promise<DatagramTransport> {
  const socket = dgram.createSocket({ type: "udp4" });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      socket.off("error", reject);
      resolve();
    });
  });
  const bound = socket.address();
  const local: Address = { ip: bound.address, port: bound.port };
  const tap = options.tap;
  let handler: ((bytes: Buffer, from: Address) => void) | null = null;
  socket.on("message", (msg, rinfo) => {
    const from = { ip: rinfo.address, port: rinfo.port };
    if (tap && tap("in", local, from, msg) === false) return;
    handler?.(msg, from);
  });
  // A send to a vanished peer can raise ICMP errors on some systems; a datagram service ignores them.
  socket.on("error", () => {});
  let closed = false;
  return {
    local,
    send(bytes, to) {
      if (closed) return;
      if (tap && tap("out", local, to, bytes) === false) return;
      socket.send(bytes, to.port, to.ip);
    },
    onDatagram(h) {
      handler = h;
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}
