/**
 * The datagram transport under server and client. The UDP implementation is the real one; a
 * tap sees every datagram in both directions (the scenario runner records through it, and may
 * drop datagrams to inject loss).
 *
 * Peer sockets (`peerSockets`, the server's): a peer given a socket of its own (`dedicate`) has
 * its datagrams delivered there by the kernel (a socket connected to it on the same address and
 * port wins over the unconnected one), so a flood from elsewhere, which fills the main socket's
 * receive queue, neither drops nor delays them; the event loop reads every ready socket in turn.
 * What arrives on either socket goes to the one handler, with its source address.
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
  /**
   * Gives a peer a receive queue of its own, when the transport has peer sockets (at most
   * `maxPeerSockets`); resolves once that socket is connected (or could not be).
   */
  dedicate?(peer: Address): Promise<void>;
  /** Closes the peer's own socket, if it has one; its datagrams go to the main socket again. */
  release?(peer: Address): void;
  /** Peers that have a socket of their own. */
  readonly dedicated?: number;
  /** Bytes the main socket's receive queue holds (the kernel's accounting, SO_RCVBUF). */
  readonly receiveBufferSize?: number;
  close(): Promise<void>;
}

export interface UdpOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  tap?: Tap;
  /**
   * Lets `dedicate` give peers sockets of their own (the server's). The main socket then shares
   * its port (SO_REUSEADDR) with those sockets; it is bound only after a plain bind of the same
   * address and port succeeded, so a port in use is still an error (EADDRINUSE).
   */
  peerSockets?: boolean;
  /** Most peers with a socket of their own at once (file descriptors); beyond it `dedicate` does nothing. Default 256. */
  maxPeerSockets?: number;
}

/** Default bound of the peer sockets of one transport. */
export const MAX_PEER_SOCKETS = 256;

function bindSocket(socket: dgram.Socket, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, host, () => {
      socket.off("error", reject);
      resolve();
    });
  });
}

/** Binds a plain (exclusive) socket to host:port, then frees it: the port, or the error a plain bind meets. */
async function probePort(host: string, port: number): Promise<number> {
  const probe = dgram.createSocket({ type: "udp4" });
  try {
    await bindSocket(probe, port, host);
    return probe.address().port;
  } finally {
    await new Promise<void>((resolve) => {
      try {
        probe.close(() => resolve());
      } catch {
        resolve(); // never bound
      }
    });
  }
}

/** Binds a UDP socket (IPv4) and resolves once it listens. */
export async function openUdp(options: UdpOptions = {}): Promise<DatagramTransport> {
  const host = options.host ?? "127.0.0.1";
  const shared = options.peerSockets === true;
  const socket = dgram.createSocket({ type: "udp4", reuseAddr: shared });
  await bindSocket(socket, shared ? await probePort(host, options.port ?? 0) : (options.port ?? 0), host);
  const bound = socket.address();
  const local: Address = { ip: bound.address, port: bound.port };
  const tap = options.tap;
  let handler: ((bytes: Buffer, from: Address) => void) | null = null;
  const onMessage = (msg: Buffer, rinfo: dgram.RemoteInfo) => {
    const from = { ip: rinfo.address, port: rinfo.port };
    if (tap && tap("in", local, from, msg) === false) return;
    handler?.(msg, from);
  };
  socket.on("message", onMessage);
  // A send to a vanished peer can raise ICMP errors on some systems; a datagram service ignores them.
  socket.on("error", () => {});
  let closed = false;
  const peers = new Map<string, dgram.Socket>();
  const maxPeers = options.maxPeerSockets ?? MAX_PEER_SOCKETS;
  const closeSocket = (s: dgram.Socket) =>
    new Promise<void>((resolve) => {
      try {
        s.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
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
    dedicate(peer) {
      const key = addressKey(peer);
      if (!shared || closed || peers.has(key) || peers.size >= maxPeers) return Promise.resolve();
      const own = dgram.createSocket({ type: "udp4", reuseAddr: true });
      peers.set(key, own);
      // Until it is connected it may get anyone's datagrams: they are handled as on the main socket.
      own.on("message", onMessage);
      return new Promise<void>((resolve) => {
        // A failed bind or connect leaves the peer on the main socket; later errors are the ICMP
        // errors of the peer's address (a vanished peer): a datagram service ignores them.
        own.on("error", () => resolve());
        own.once("close", () => resolve());
        own.bind(local.port, local.ip, () => {
          if (peers.get(key) !== own) return resolve();
          own.connect(peer.port, peer.ip, () => resolve());
        });
      });
    },
    release(peer) {
      const key = addressKey(peer);
      const own = peers.get(key);
      if (!own) return;
      peers.delete(key);
      void closeSocket(own);
    },
    get dedicated() {
      return peers.size;
    },
    get receiveBufferSize() {
      return closed ? 0 : socket.getRecvBufferSize();
    },
    async close() {
      if (closed) return;
      closed = true;
      const all = [...peers.values()];
      peers.clear();
      await Promise.all([...all.map(closeSocket), closeSocket(socket)]);
    },
  };
}
