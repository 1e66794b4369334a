/**
 * An (IP, port) pair found in a frame. Text is made only when asked for, and IPv4 texts are
 * cached (a capture has few distinct addresses): listing a million packets formats each address
 * once, not twice per packet.
 */
import { formatIpv4 } from "./ip-address.js";

/** Bounded caches of IPv4 texts: by address, and by address * 65536 + port for "ip:port". */
const CACHE_LIMIT = 65536;
const ipTexts = new Map<number, string>();
const endpointTexts = new Map<number, string>();

function remember(cache: Map<number, string>, key: number, text: string): string {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, text);
  return text;
}

export class Endpoint {
  readonly port: number;
  private readonly address: number | string;

  /** `address`: an IPv4 address as a 32-bit number, or IPv6 text. */
  constructor(address: number | string, port: number) {
    this.address = address;
    this.port = port;
  }

  /** The address as parsed: an IPv4 address as a 32-bit number, or IPv6 text. */
  get rawAddress(): number | string {
    return this.address;
  }

  /** IP address text: dotted quad or RFC 5952 IPv6. */
  get ip(): string {
    const address = this.address;
    if (typeof address !== "number") return address;
    return ipTexts.get(address) ?? remember(ipTexts, address, formatIpv4(address));
  }

  /** "ip:port", or "[ipv6]:port". */
  toString(): string {
    const address = this.address;
    if (typeof address === "number") {
      const key = address * 65536 + this.port;
      return endpointTexts.get(key) ?? remember(endpointTexts, key, `${this.ip}:${this.port}`);
    }
    return `[${address}]:${this.port}`;
  }

  toJSON(): { ip: string; port: number } {
    return { ip: this.ip, port: this.port };
  }
}

const endpoints = new Map<number, Endpoint>();

/**
 * The Endpoint for an address and port. IPv4 endpoints are immutable and shared (a capture has
 * few distinct ones), so a million packets do not allocate two million of them.
 */
export function endpointOf(address: number | string, port: number): Endpoint {
  if (typeof address !== "number") return new Endpoint(address, port);
  const key = address * 65536 + port;
  let e = endpoints.get(key);
  if (e === undefined) {
    if (endpoints.size >= CACHE_LIMIT) endpoints.clear();
    e = new Endpoint(address, port);
    endpoints.set(key, e);
  }
  return e;
}
