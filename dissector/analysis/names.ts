/**
 * Name resolution over a capture: client ID ↔ username ↔ address, learned from Connection
 * Request + Accept and from list entries (User List Response, Update List), and kept time-aware:
 * the 2017 server picks client IDs at random and reuses them after a departure, so a name is
 * looked up "as of" a frame. Every binding is one small record; a capture has few of them.
 */
import { DEFAULT_PORT } from "../../src/protocol/fields.js";

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

export type BindResult = "same" | "new" | "replaced";

export class NameBook {
  private readonly byIp = new Map<string, Map<number, number>>();
  private lastIp = "";
  private lastPorts: Map<number, number> | undefined;
  /** Per endpoint id. */
  readonly ips: string[] = [];
  readonly ports: number[] = [];
  private readonly server: number[] = [];
  private readonly epClients: (EndpointClient[] | undefined)[] = [];
  /** Username a Connection Request from this endpoint asked for, until the Accept. */
  readonly pendingName: (string | undefined)[] = [];
  /** Per client ID 0..255. */
  private readonly clients: (Binding[] | undefined)[] = new Array(256).fill(undefined);

  constructor(private readonly serverPort: number = DEFAULT_PORT) {}

  /** Dense id of an endpoint (allocated on first sight). */
  endpoint(ip: string, port: number): number {
    let ports = ip === this.lastIp ? this.lastPorts : undefined;
    if (ports === undefined) {
      ports = this.byIp.get(ip);
      if (ports === undefined) {
        ports = new Map();
        this.byIp.set(ip, ports);
      }
      this.lastIp = ip;
      this.lastPorts = ports;
    }
    let id = ports.get(port);
    if (id === undefined) {
      id = this.ips.length;
      ports.set(port, id);
      this.ips.push(ip);
      this.ports.push(port);
      this.server.push(port === this.serverPort ? 1 : 0);
      this.epClients.push(undefined);
      this.pendingName.push(undefined);
    }
    return id;
  }

  /** Existing id of an endpoint, or -1. */
  findEndpoint(addr: Endpoint): number {
    return this.byIp.get(addr.ip)?.get(addr.port) ?? -1;
  }

  get endpointCount(): number {
    return this.ips.length;
  }

  address(ep: number): Endpoint {
    return { ip: this.ips[ep] ?? "?", port: this.ports[ep] ?? 0 };
  }

  addressText(ep: number): string {
    return `${this.ips[ep] ?? "?"}:${this.ports[ep] ?? 0}`;
  }

  markServer(ep: number): void {
    this.server[ep] = 1;
  }

  isServer(ep: number): boolean {
    return this.server[ep] === 1;
  }

  /**
   * Binds a client ID to a username and an endpoint from `frame` on. Returns "same" when nothing
   * changed, "new" for a first binding or a rebinding after a departure, "replaced" when the ID
   * was still held by another name or address (a departure the capture did not show).
   */
  bind(frame: number, id: number, name: string | undefined, ep: number, fromList: boolean): BindResult {
    if (id <= 0 || id > 255) return "same";
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
    const eps = (this.epClients[ep] ??= []);
    const last = eps[eps.length - 1];
    if (!last || last.client !== id) eps.push({ from: frame, client: id });
    return result;
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
    const eps = this.epClients[ep];
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
    if (this.isServer(ep)) return "server";
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
    let n = this.ips.length * 120;
    for (const l of this.clients) n += (l?.length ?? 0) * 64;
    for (const l of this.epClients) n += (l?.length ?? 0) * 32;
    return n;
  }
}
