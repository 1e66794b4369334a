/**
 * Name resolution over a capture: client ID ↔ username ↔ address, learned from Connection
 * Request + Accept and from list entries (User List Response, Update List), and kept time-aware:
 * the 2017 server picks client IDs at random and reuses them after a departure, so a name is
 * looked up "as of" a frame. Every binding is one small record; a capture has few of them.
 */
import { DEFAULT_PORT } from "../../src/protocol/fields.js";
import { SMALL_CHUNK_BITS, int32, uint16 } from "./columns.js";
import { NumberIndex } from "./number-index.js";
import { formatIpv4, parseIpv4 } from "../../src/codec/ipv4.js";

/** A UDP endpoint, as the capture gives it. */
export interface Endpoint {
  readonly ip: string;
  readonly port: number;
}

/** One binding of a client ID, valid from frame `from` until the next binding of that ID. */
interface Binding {
  readonly from: number;
  readonly name: string | undefined;
  readonly ep: number;
  /** Learned from a list entry (the client was connected before), not from a Connection Accept. */
  readonly fromList: boolean;
  /** Frame at which the client left (0: still there as far as the capture shows). */
  left: number;
  /** The name learned later for this same client, when this binding has none (final view only). */
  laterName?: string;
}

interface EndpointClient {
  readonly from: number;
  readonly client: number;
}

/** Bindings kept per client ID. */
const MAX_BINDINGS = 256;

export type BindResult = "same" | "new" | "replaced";

/** An IPv4 dotted quad as a 32-bit number, or -1 when it is not one. */
export const parseIPv4: (ip: string) => number = parseIpv4;

export class NameBook {
  /** IPv4 endpoints by (address << 16 | port) as a number; other addresses by text. */
  private readonly v4 = new NumberIndex();
  private readonly other = new Map<string, number>();
  private lastIp = "";
  private lastIpNum = -1;
  private prevIp = "";
  private prevIpNum = -1;
  private count = 0;
  /** Per endpoint id: IPv4 address, port, server flag (compact columns). */
  private readonly epIp = int32(0, SMALL_CHUNK_BITS);
  private readonly epPort = uint16(SMALL_CHUNK_BITS);
  /** Frame from which the endpoint is known as the server (1 for the server port), 0: not. */
  private readonly epServer = int32(0, SMALL_CHUNK_BITS);
  /** Addresses that are not IPv4, by endpoint id. */
  private readonly otherIp = new Map<number, string>();
  /** Client IDs an endpoint held, in frame order (only endpoints of clients). */
  private readonly epClients = new Map<number, EndpointClient[]>();
  /** Username a Connection Request from this endpoint asked for, until the Accept. */
  readonly pendingName = new Map<number, string>();
  /** Per client ID 0..255. */
  private readonly clients: (Binding[] | undefined)[] = new Array(256).fill(undefined);
  /** Client IDs bound anew since the last drainBound() (1 = bound). */
  private readonly bound = new Uint8Array(256);
  private boundCount = 0;

  constructor(private readonly serverPort: number = DEFAULT_PORT) {}

  private ipNumber(ip: string): number {
    if (ip === this.lastIp) return this.lastIpNum;
    if (ip === this.prevIp) return this.prevIpNum;
    const n = parseIPv4(ip);
    this.prevIp = this.lastIp;
    this.prevIpNum = this.lastIpNum;
    this.lastIp = ip;
    this.lastIpNum = n;
    return n;
  }

  /** Dense id of an endpoint (allocated on first sight). */
  endpoint(ip: string, port: number): number {
    const n = this.ipNumber(ip);
    const p = port & 0xffff;
    if (n >= 0) {
      const key = n * 65536 + p;
      let id = this.v4.get(key);
      if (id < 0) {
        id = this.alloc(p);
        this.v4.set(key, id);
        this.epIp.set(id, n | 0);
      }
      return id;
    }
    const key = `${ip}|${p}`;
    let id = this.other.get(key);
    if (id === undefined) {
      id = this.alloc(p);
      this.other.set(key, id);
      this.otherIp.set(id, ip);
    }
    return id;
  }

  /** Ids of forgotten endpoints, taken again before new ones. */
  private readonly freeIds: number[] = [];

  private alloc(port: number): number {
    const id = this.freeIds.pop() ?? this.count++;
    this.epPort.set(id, port);
    if (port === this.serverPort) this.epServer.set(id, 1);
    return id;
  }

  /** Endpoints in use. */
  get liveEndpoints(): number {
    return this.count - this.freeIds.length;
  }

  /**
   * Forgets every endpoint `keep` does not hold, but the server's, those a connected client holds
   * and those awaiting an Accept: their ids are taken again by new addresses, and the bindings
   * that name them (clients that left) go. Returns how many were forgotten.
   */
  forgetEndpoints(keep: (ep: number) => boolean): number {
    const held = new Set<number>(this.pendingName.keys());
    for (let id = 1; id < 256; id++) {
      const list = this.clients[id];
      const cur = list?.[list.length - 1];
      if (cur && cur.left === 0) held.add(cur.ep);
    }
    const gone = new Set<number>();
    const used = new Set(this.freeIds);
    for (let ep = 0; ep < this.count; ep++) {
      if (used.has(ep) || held.has(ep) || this.epServer.get(ep) !== 0 || keep(ep)) continue;
      const n = this.epIp.get(ep);
      const ip = this.otherIp.get(ep);
      if (ip === undefined) this.v4.delete((n >>> 0) * 65536 + this.epPort.get(ep));
      else {
        this.other.delete(`${ip}|${this.epPort.get(ep)}`);
        this.otherIp.delete(ep);
      }
      this.epIp.set(ep, 0);
      this.epPort.set(ep, 0);
      this.epClients.delete(ep);
      this.freeIds.push(ep);
      gone.add(ep);
    }
    if (gone.size > 0) {
      for (let id = 1; id < 256; id++) {
        const list = this.clients[id];
        if (!list) continue;
        const kept = list.filter((b) => !gone.has(b.ep));
        this.clients[id] = kept.length > 0 ? kept : undefined;
      }
    }
    return gone.size;
  }

  /** Existing id of an endpoint, or -1. */
  findEndpoint(addr: Endpoint): number {
    const n = parseIPv4(addr.ip);
    const p = addr.port & 0xffff;
    return n >= 0 ? this.v4.get(n * 65536 + p) : (this.other.get(`${addr.ip}|${p}`) ?? -1);
  }

  get endpointCount(): number {
    return this.count;
  }

  private ipText(ep: number): string {
    if (ep < 0 || ep >= this.count) return "?";
    return this.otherIp.get(ep) ?? formatIpv4(this.epIp.get(ep) >>> 0);
  }

  address(ep: number): Endpoint {
    return { ip: this.ipText(ep), port: ep < 0 ? 0 : this.epPort.get(ep) };
  }

  addressText(ep: number): string {
    const ip = this.ipText(ep);
    const port = ep < 0 ? 0 : this.epPort.get(ep);
    return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
  }

  /** The endpoint showed itself as the server at `frame`. */
  markServer(ep: number, frame: number): void {
    const since = this.epServer.get(ep);
    if (since === 0 || since > frame) this.epServer.set(ep, Math.max(1, frame));
  }

  /** Whether the endpoint is the server (`strict`: known as such by frame `at`). */
  isServer(ep: number, at = Number.MAX_SAFE_INTEGER, strict = false): boolean {
    if (ep < 0) return false;
    const since = this.epServer.get(ep);
    return since !== 0 && (!strict || since <= at);
  }

  /**
   * Binds a client ID to a username and an endpoint from `frame` on. Returns "same" when nothing
   * changed, "new" for a first binding or a rebinding after a departure, "replaced" when the ID
   * was still held by another name or address (a departure the capture did not show).
   */
  bind(frame: number, id: number, name: string | undefined, ep: number, fromList: boolean): BindResult {
    if (id <= 0 || id > 255) return "same";
    if (this.bound[id] === 0) {
      this.bound[id] = 1;
      this.boundCount++;
    }
    let list = this.clients[id];
    const cur = list?.[list.length - 1];
    if (cur && cur.left === 0 && cur.ep === ep) {
      if (cur.name === name || name === undefined) return "same";
      if (cur.name === undefined) {
        // The same client, whose name was unknown until now (seen by its Source ID only).
        cur.laterName = name;
        list!.push({ from: frame, name, ep, fromList: cur.fromList, left: 0 });
        return "same";
      }
    }
    const result: BindResult = cur && cur.left === 0 ? "replaced" : "new";
    const keepName = name ?? (cur && cur.ep === ep && cur.left === 0 ? cur.name : undefined);
    if (!list) list = this.clients[id] = [];
    list.push({ from: frame, name: keepName, ep, fromList, left: 0 });
    // Bounded history (a fuzzed capture can rebind an ID in every list entry): the oldest go.
    if (list.length > MAX_BINDINGS) list.splice(0, list.length - MAX_BINDINGS / 2);
    let eps = this.epClients.get(ep);
    if (!eps) this.epClients.set(ep, (eps = []));
    const last = eps[eps.length - 1];
    if (!last || last.client !== id) eps.push({ from: frame, client: id });
    return result;
  }

  /**
   * Calls `visit` with each client ID bound (to a name, or anew) since the last call, once each.
   * As frames are added in order, these are the only IDs whose latest name (the first-pass
   * name of the frames to come) may have changed.
   */
  drainBound(visit: (id: number) => void): void {
    if (this.boundCount === 0) return;
    for (let id = 1; id < 256; id++) {
      if (this.bound[id] === 1) {
        this.bound[id] = 0;
        visit(id);
      }
    }
    this.boundCount = 0;
  }

  /** The client left at `frame` (its name stays resolvable for frames about the departure). */
  markLeft(frame: number, id: number): void {
    const list = this.clients[id];
    if (!list) return;
    for (let i = list.length - 1; i >= 0; i--) {
      const b = list[i]!;
      if (b.from <= frame) {
        if (b.left === 0) b.left = frame;
        return;
      }
    }
  }

  /** Whether the ID is held by a connected client now. */
  isConnected(id: number): boolean {
    const list = this.clients[id];
    const cur = list?.[list.length - 1];
    return cur !== undefined && cur.left === 0;
  }

  private bindingAt(id: number, at: number, strict: boolean): Binding | undefined {
    const list = this.clients[id];
    if (!list) return undefined;
    for (let i = list.length - 1; i >= 0; i--) if (list[i]!.from <= at) return list[i];
    // Before the first binding: a client first seen in a list was connected before it, so its
    // name also holds for earlier frames (as tshark -2 would show); one first seen being
    // accepted was not there yet. The first-pass view never looks ahead.
    const first = list[0]!;
    return !strict && first.fromList ? first : undefined;
  }

  /** Username of a client ID as of a frame (default: the latest). */
  nameOf(id: number, at = Number.MAX_SAFE_INTEGER, strict = false): string | undefined {
    const b = this.bindingAt(id, at, strict);
    return strict ? b?.name : (b?.name ?? b?.laterName);
  }

  /** Endpoint of a client ID as of a frame, or -1. */
  endpointOf(id: number, at = Number.MAX_SAFE_INTEGER, strict = false): number {
    return this.bindingAt(id, at, strict)?.ep ?? -1;
  }

  /** Client ID bound to an endpoint as of a frame, or 0. */
  clientAt(ep: number, at = Number.MAX_SAFE_INTEGER, strict = false): number {
    const eps = this.epClients.get(ep);
    if (!eps) return 0;
    for (let i = eps.length - 1; i >= 0; i--) if (eps[i]!.from <= at) return eps[i]!.client;
    if (strict) return 0;
    const first = eps[0]!;
    const b = this.bindingAt(first.client, first.from, true);
    return b?.fromList ? first.client : 0;
  }

  /** "server", a username, or undefined when the endpoint is not known by name at that frame. */
  endpointName(ep: number, at = Number.MAX_SAFE_INTEGER, strict = false): string | undefined {
    if (ep < 0) return undefined;
    if (this.isServer(ep, at, strict)) return "server";
    const id = this.clientAt(ep, at, strict);
    if (id === 0) return undefined;
    const b = this.bindingAt(id, at, strict);
    return b && b.ep === ep ? (strict ? b.name : (b.name ?? b.laterName)) : undefined;
  }

  /** `alice(1)`, `1` when the name is unknown, `server` for 0. */
  clientText(id: number, at = Number.MAX_SAFE_INTEGER, strict = false): string {
    if (id === 0) return "server";
    const name = this.nameOf(id, at, strict);
    return name === undefined ? String(id) : `${name}(${id})`;
  }

  /** Every binding, in order (for reports). */
  *bindings(): Generator<{ client: number; name: string | undefined; address: Endpoint; from: number; left: number }> {
    for (let id = 1; id < 256; id++) {
      for (const b of this.clients[id] ?? []) yield { client: id, name: b.name, address: this.address(b.ep), from: b.from, left: b.left };
    }
  }

  /** Rough bytes held (for the memory report). */
  get bytes(): number {
    let n = this.v4.bytes + this.other.size * 60 + this.epIp.bytes + this.epPort.bytes + this.epServer.bytes;
    for (const l of this.clients) n += (l?.length ?? 0) * 64;
    for (const l of this.epClients.values()) n += l.length * 32 + 40;
    return n;
  }
}
