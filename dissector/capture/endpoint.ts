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

function cached(cache: Map<number, string>, key: number, make: () => string): string {
  let text = cache.get(key);
  if (text === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    text = make();
    cache.set(key, text);
  }
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

  /** IP address text: dotted quad or RFC 5952 IPv6. */
  get ip(): string {
    const address = this.address;
    return typeof address === "number" ? cached(ipTexts, address, () => formatIpv4(address)) : address;
  }

  /** "ip:port", or "[ipv6]:port". */
  toString(): string {
    const address = this.address;
    if (typeof address === "number") return cached(endpointTexts, address * 65536 + this.port, () => `${this.ip}:${this.port}`);
    return `[${address}]:${this.port}`;
  }

  toJSON(): { ip: string; port: number } {
    return { ip: this.ip, port: this.port };
  }
}
