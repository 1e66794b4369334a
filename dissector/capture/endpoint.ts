/**
 * An (IP, port) pair found in a frame. The IPv4 text is made only when asked for: most packets
 * of a large capture are filtered or counted without ever printing an address.
 */
import { formatIpv4 } from "./ip-address.js";

export class Endpoint {
  readonly port: number;
  private address: number | string;

  /** `address`: an IPv4 address as a 32-bit number, or IPv6 text. */
  constructor(address: number | string, port: number) {
    this.address = address;
    this.port = port;
  }

  /** IP address text: dotted quad or RFC 5952 IPv6. */
  get ip(): string {
    if (typeof this.address === "number") this.address = formatIpv4(this.address);
    return this.address;
  }

  toString(): string {
    const ip = this.ip;
    return ip.includes(":") ? `[${ip}]:${this.port}` : `${ip}:${this.port}`;
  }

  toJSON(): { ip: string; port: number } {
    return { ip: this.ip, port: this.port };
  }
}
