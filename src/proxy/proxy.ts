/**
 * The IMP proxy: a listen socket for clients, and per client address one upstream socket toward
 * the server, so the server sees one distinct address per client. Replies come back on the
 * client's upstream socket and go out through the listen socket.
 *
 * User lists: the server writes into User List Response and Update List the addresses it sees,
 * i.e. the proxy's upstream sockets. The proxy rewrites those entries to the clients' real
 * addresses (decode, change ip/port, encode with the codec), so clients of a decentralized
 * group send their Data Messages to each other directly: that traffic is out of the proxy's path
 * (a "decentralized" event says so once). Entries of clients that do not come through the proxy
 * are left as they are.
 *
 * Faults (faults.ts) apply per direction after the rewrite; `onDatagram` sees every datagram as
 * it is delivered (after faults: a lost datagram is not there, a corrupted one is), with the real
 * client and server addresses, which is what `imp proxy`'s live view and `-w` show.
 */
import dgram from "node:dgram";
import { decode, encode, headerValue } from "../codec/index.js";
import { MSG as T } from "../protocol/messages.js";
import type { Address } from "../transport/index.js";
import { FaultEngine, emptyFaults, type FaultDecision, type FaultSpec, type ProxyDirection } from "./faults.js";

/** A datagram the proxy delivered, with the addresses of its real ends. */
export interface ProxiedDatagram {
  dir: ProxyDirection;
  src: Address;
  dst: Address;
  bytes: Uint8Array;
  /** Wall-clock time of delivery. */
  tsSec: number;
  tsNsec: number;
}

export type ProxyEvent =
  | { event: "listening"; listen: Address; upstream: Address }
  | { event: "client"; client: Address; via: Address }
  | { event: "identified"; client: Address; name?: string; id?: number }
  | { event: "expired"; client: Address; name?: string }
  | { event: "decentralized"; group: number }
  | { event: "fault"; dir: ProxyDirection; client: Address; name?: string; applied: string[]; type: number };

export interface ProxyOptions {
  /** Where clients send (port 0: any free port). */
  listen: Address;
  /** The IMP server. */
  upstream: Address;
  faults?: FaultSpec;
  /** Rewrite user-list entries to the clients' real addresses (default true). */
  rewriteLists?: boolean;
  /** A client silent this long loses its upstream socket (default 300 s). */
  idleTimeoutMs?: number;
  /** Most clients at once; datagrams from further addresses are dropped (default 4096). */
  maxClients?: number;
  /**
   * Most datagrams held back by --delay/--jitter at once, and their bytes (default 10 000 and
   * 16 MiB): a copy that would pass either is dropped and counted as the fault "overflow".
   */
  maxDelayed?: number;
  maxDelayedBytes?: number;
  /** Every delivered datagram (after faults). */
  onDatagram?: (d: ProxiedDatagram) => void;
  /** Events (new client, names learned, faults applied, the decentralized note). */
  log?: (e: ProxyEvent) => void;
}

export interface DirectionStats {
  /** Datagrams received in this direction. */
  received: number;
  /** Datagrams sent on (duplicates included). */
  forwarded: number;
  /** Datagrams not forwarded (loss, blackhole, rule drop). */
  dropped: number;
  bytesIn: number;
  bytesOut: number;
}

export interface ProxyStats {
  c2s: DirectionStats;
  s2c: DirectionStats;
  /** Clients with an upstream socket now. */
  clients: number;
  /** Clients seen since the start. */
  clientsSeen: number;
  /** Datagrams from new addresses dropped because maxClients were connected. */
  refused: number;
  /** User-list datagrams whose entries were rewritten. */
  rewritten: number;
  /** Faults applied, by kind ("loss", "dup", "delay", "reorder", "corrupt", "blackhole", "rule:drop"..., and "overflow": a delayed copy dropped because maxDelayed or maxDelayedBytes was reached). */
  faults: Record<string, number>;
  /** Datagrams held back by a delay now, and their bytes. */
  delayed: number;
  delayedBytes: number;
}

export interface ImpProxy {
  readonly address: Address;
  readonly upstream: Address;
  readonly faults: FaultEngine;
  readonly stats: ProxyStats;
  /** The clients now: real address, upstream socket address, name and ID when learned. */
  clients(): { client: Address; via: Address; name?: string; id?: number }[];
  close(): Promise<void>;
}

interface Session {
  readonly key: string;
  readonly client: Address;
  readonly socket: dgram.Socket;
  via: Address | null;
  name?: string;
  id?: number;
  lastSeen: number;
}

const REORDER_HOLD_MS = 50;

function newDirectionStats(): DirectionStats {
  return { received: 0, forwarded: 0, dropped: 0, bytesIn: 0, bytesOut: 0 };
}

function bindSocket(socket: dgram.Socket, a: Address): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(a.port, a.ip, () => {
      socket.off("error", reject);
      resolve();
    });
  });
}

function wallClock(): { tsSec: number; tsNsec: number } {
  const ms = performance.timeOrigin + performance.now();
  const tsSec = Math.floor(ms / 1000);
  return { tsSec, tsNsec: Math.min(999_999_999, Math.round((ms - tsSec * 1000) * 1e6)) };
}

export async function startProxy(options: ProxyOptions): Promise<ImpProxy> {
  const upstream = { ...options.upstream };
  const listen = dgram.createSocket({ type: "udp4" });
  await bindSocket(listen, options.listen);
  listen.on("error", () => {});
  const bound = listen.address();
  const address: Address = { ip: bound.address, port: bound.port };
  const faults = new FaultEngine(options.faults ?? emptyFaults());
  const rewrite = options.rewriteLists ?? true;
  const idleTimeoutMs = options.idleTimeoutMs ?? 300_000;
  const maxClients = options.maxClients ?? 4096;
  const maxDelayed = options.maxDelayed ?? 10_000;
  const maxDelayedBytes = options.maxDelayedBytes ?? 16 * 1024 * 1024;
  const onDatagram = options.onDatagram;
  const log = options.log;
  const upstreamHost = upstream.ip.startsWith("127.") ? "127.0.0.1" : "0.0.0.0";

  const sessions = new Map<string, Session>();
  /** Sessions by the port of their upstream socket (what the server writes in its lists). */
  const byUpstreamPort = new Map<number, Session>();
  const timers = new Set<NodeJS.Timeout>();
  const held: Record<ProxyDirection, { release: () => void; timer: NodeJS.Timeout } | null> = { c2s: null, s2c: null };
  const stats: ProxyStats = {
    c2s: newDirectionStats(),
    s2c: newDirectionStats(),
    clients: 0,
    clientsSeen: 0,
    refused: 0,
    rewritten: 0,
    faults: {},
    delayed: 0,
    delayedBytes: 0,
  };
  let decentralizedSaid = false;
  let closed = false;

  const deliver = (dir: ProxyDirection, s: Session, bytes: Uint8Array): void => {
    if (closed) return;
    const st = stats[dir];
    st.forwarded++;
    st.bytesOut += bytes.length;
    if (dir === "c2s") s.socket.send(bytes, upstream.port, upstream.ip);
    else listen.send(bytes, s.client.port, s.client.ip);
    if (onDatagram) {
      const ts = wallClock();
      const client = s.client;
      onDatagram(dir === "c2s" ? { dir, src: client, dst: upstream, bytes, ...ts } : { dir, src: upstream, dst: client, bytes, ...ts });
    }
  };

  const releaseHeld = (dir: ProxyDirection): void => {
    const h = held[dir];
    if (!h) return;
    held[dir] = null;
    clearTimeout(h.timer);
    h.release();
  };

  const applyFaults = (dir: ProxyDirection, s: Session, bytes: Uint8Array): void => {
    const d: FaultDecision = faults.decide(dir, bytes, {
      ...(s.name !== undefined ? { name: s.name } : {}),
      ...(s.id !== undefined ? { id: s.id } : {}),
    });
    if (d.applied.length > 0) {
      for (const a of d.applied) stats.faults[a] = (stats.faults[a] ?? 0) + 1;
      log?.({
        event: "fault",
        dir,
        client: s.client,
        ...(s.name !== undefined ? { name: s.name } : {}),
        applied: d.applied,
        type: headerValue(bytes, "type"),
      });
    }
    if (d.out.length === 0) {
      stats[dir].dropped++;
      return;
    }
    const send = () => {
      for (const copy of d.out) {
        if (copy.delayMs > 0) {
          const n = copy.bytes.length;
          if (stats.delayed + 1 > maxDelayed || stats.delayedBytes + n > maxDelayedBytes) {
            stats.faults.overflow = (stats.faults.overflow ?? 0) + 1;
            stats[dir].dropped++;
            continue;
          }
          stats.delayed++;
          stats.delayedBytes += n;
          const timer = setTimeout(() => {
            timers.delete(timer);
            stats.delayed--;
            stats.delayedBytes -= n;
            deliver(dir, s, copy.bytes);
          }, copy.delayMs);
          timers.add(timer);
        } else deliver(dir, s, copy.bytes);
      }
    };
    if (d.hold && !held[dir]) {
      const timer = setTimeout(() => releaseHeld(dir), REORDER_HOLD_MS);
      held[dir] = { release: send, timer };
      return;
    }
    send();
    releaseHeld(dir);
  };

  const forward = (dir: ProxyDirection, s: Session, bytes: Uint8Array): void => {
    const st = stats[dir];
    st.received++;
    st.bytesIn += bytes.length;
    s.lastSeen = performance.now();
    if (bytes.length >= 1) {
      const type = headerValue(bytes, "type");
      const ack = headerValue(bytes, "ack");
      if (dir === "c2s" && type === T.connRequest && ack === 0 && s.name === undefined) learnName(s, bytes);
      if (dir === "s2c" && ack === 0) {
        if (type === T.connAccept) learnId(s, bytes);
        else if ((type === T.listResponse || type === T.updateList) && rewrite) bytes = rewriteList(bytes);
        else if ((type === T.createAccept || type === T.inviteRequest) && !decentralizedSaid) noteMode(bytes);
      }
    }
    if (faults.active) applyFaults(dir, s, bytes);
    else deliver(dir, s, bytes);
  };

  const learnName = (s: Session, bytes: Uint8Array): void => {
    const m = decode(bytes).message;
    if (m?.username === undefined) return;
    s.name = m.username;
    log?.({ event: "identified", client: s.client, name: s.name });
  };
  const learnId = (s: Session, bytes: Uint8Array): void => {
    const m = decode(bytes).message;
    if (m?.client_id === undefined || s.id === m.client_id) return;
    s.id = m.client_id;
    log?.({ event: "identified", client: s.client, ...(s.name !== undefined ? { name: s.name } : {}), id: s.id });
  };
  const noteMode = (bytes: Uint8Array): void => {
    const m = decode(bytes).message;
    if (m?.mode !== 1) return;
    decentralizedSaid = true;
    log?.({ event: "decentralized", group: m.type === T.createAccept ? (m.new_group ?? 0) : (m.invite_group ?? 0) });
  };
  const rewriteList = (bytes: Uint8Array): Uint8Array => {
    const d = decode(bytes);
    const m = d.message;
    if (!m?.entry || d.problems.length > 0) return bytes;
    let changed = false;
    for (const e of m.entry) {
      const s = byUpstreamPort.get(e.port);
      if (!s?.via || (e.ip !== s.via.ip && s.via.ip !== "0.0.0.0")) continue;
      e.ip = s.client.ip;
      e.port = s.client.port;
      changed = true;
    }
    if (!changed) return bytes;
    stats.rewritten++;
    return encode(m);
  };

  const openSession = (client: Address, key: string): Session | null => {
    if (sessions.size >= maxClients) {
      stats.refused++;
      return null;
    }
    const socket = dgram.createSocket({ type: "udp4" });
    const s: Session = { key, client, socket, via: null, lastSeen: performance.now() };
    socket.on("error", () => {});
    socket.on("message", (msg, rinfo) => {
      if (rinfo.port !== upstream.port || (rinfo.address !== upstream.ip && upstream.ip !== "0.0.0.0")) return;
      forward("s2c", s, msg);
    });
    socket.on("listening", () => {
      const a = socket.address();
      s.via = { ip: a.address, port: a.port };
      byUpstreamPort.set(a.port, s);
      log?.({ event: "client", client, via: s.via });
    });
    // Sends issued before the bind completes are queued by dgram.
    socket.bind(0, upstreamHost);
    sessions.set(key, s);
    stats.clients = sessions.size;
    stats.clientsSeen++;
    return s;
  };

  const closeSession = (s: Session): void => {
    sessions.delete(s.key);
    if (s.via && byUpstreamPort.get(s.via.port) === s) byUpstreamPort.delete(s.via.port);
    stats.clients = sessions.size;
    try {
      s.socket.close();
    } catch {
      // already closed
    }
  };

  listen.on("message", (msg, rinfo) => {
    const key = `${rinfo.address}:${rinfo.port}`;
    const s = sessions.get(key) ?? openSession({ ip: rinfo.address, port: rinfo.port }, key);
    if (s) forward("c2s", s, msg);
  });

  const sweep = setInterval(
    () => {
      const limit = performance.now() - idleTimeoutMs;
      for (const s of [...sessions.values()]) {
        if (s.lastSeen >= limit) continue;
        log?.({ event: "expired", client: s.client, ...(s.name !== undefined ? { name: s.name } : {}) });
        closeSession(s);
      }
    },
    Math.max(10, Math.min(idleTimeoutMs / 4, 10_000)),
  );
  sweep.unref();

  log?.({ event: "listening", listen: address, upstream });

  return {
    address,
    upstream,
    faults,
    stats,
    clients: () =>
      [...sessions.values()].map((s) => ({
        client: s.client,
        via: s.via ?? { ip: upstreamHost, port: 0 },
        ...(s.name !== undefined ? { name: s.name } : {}),
        ...(s.id !== undefined ? { id: s.id } : {}),
      })),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(sweep);
      for (const t of timers) clearTimeout(t);
      timers.clear();
      stats.delayed = 0;
      stats.delayedBytes = 0;
      for (const dir of ["c2s", "s2c"] as const) {
        const h = held[dir];
        if (h) clearTimeout(h.timer);
        held[dir] = null;
      }
      for (const s of [...sessions.values()]) closeSession(s);
      await new Promise<void>((resolve) => listen.close(() => resolve()));
    },
  };
}
