/**
 * Builds IP/UDP packets the way a host stack would: IPv4 with header checksum, total length,
 * an id, and fragments when the packet exceeds the MTU; IPv6, with a fragment header on each
 * fragment when the packet exceeds the MTU; UDP with its length and pseudo-header checksum.
 */
import { ipv4HeaderChecksum, udpChecksum } from "./checksum.js";
import { parseIpv4, parseIpv6 } from "./ip-address.js";

export interface UdpEndpoint {
  /** IPv4 dotted quad or IPv6 text. */
  ip: string;
  port: number;
}

/** One IMP datagram as it was sent: one UDP datagram. */
export interface ImpDatagram {
  tsSec: number;
  /** Nanoseconds within the second (default 0). */
  tsNsec?: number;
  src: UdpEndpoint;
  dst: UdpEndpoint;
  payload: Uint8Array;
}

export interface IpPacketOptions {
  /** IPv4 identification (0..65535); IPv6 fragment identification (0..2^32-1). */
  id?: number;
  /**
   * Fragment packets larger than this many bytes (IPv4: at least 68; IPv6: at least 56, a
   * fragment header and 8 bytes of data; a real IPv6 link has at least 1280); default: none.
   */
  mtu?: number;
  /** IPv4 TTL / IPv6 hop limit (default 64). */
  ttl?: number;
}

const IPV4_HEADER = 20;
const IPV6_HEADER = 40;
const IPV6_FRAGMENT_HEADER = 8;
const IPV6_NEXT_FRAGMENT = 44;
const UDP_HEADER = 8;
export const IP_PROTO_UDP = 17;

/** Parsed addresses (a capture has few distinct ones); cleared when full. Never mutated. */
const addressCache = new Map<string, Uint8Array>();
const ADDRESS_CACHE_SIZE = 4096;

/** Address bytes of `ip` (4 or 16; do not modify them); throws TypeError for text that is no address. */
export function addressBytes(ip: string): Uint8Array {
  let bytes = addressCache.get(ip);
  if (bytes !== undefined) return bytes;
  bytes = ip.includes(":") ? parseIpv6(ip) : parseIpv4(ip);
  if (!bytes) throw new TypeError(`not an IP address: ${JSON.stringify(ip)}`);
  if (addressCache.size >= ADDRESS_CACHE_SIZE) addressCache.clear();
  addressCache.set(ip, bytes);
  return bytes;
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new RangeError(`bad UDP port ${port}`);
}

/** UDP header + payload with the checksum computed for the two addresses. */
export function buildUdp(src: Uint8Array, srcPort: number, dst: Uint8Array, dstPort: number, payload: Uint8Array): Uint8Array {
  checkPort(srcPort);
  checkPort(dstPort);
  const length = UDP_HEADER + payload.length;
  if (length > 0xffff) throw new RangeError(`UDP payload of ${payload.length} bytes does not fit a UDP datagram`);
  const udp = new Uint8Array(length);
  const view = new DataView(udp.buffer);
  view.setUint16(0, srcPort);
  view.setUint16(2, dstPort);
  view.setUint16(4, length);
  udp.set(payload, UDP_HEADER);
  view.setUint16(6, udpChecksum(src, dst, udp));
  return udp;
}

function ipv4Header(
  out: Uint8Array,
  length: number,
  id: number,
  flagsOffset: number,
  ttl: number,
  protocol: number,
  src: Uint8Array,
  dst: Uint8Array,
): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint8(0, 0x45);
  view.setUint16(2, length);
  view.setUint16(4, id & 0xffff);
  view.setUint16(6, flagsOffset);
  view.setUint8(8, ttl);
  view.setUint8(9, protocol);
  out.set(src, 12);
  out.set(dst, 16);
  view.setUint16(10, ipv4HeaderChecksum(out, 0, IPV4_HEADER));
}

/**
 * IPv4 packets carrying `ipPayload` (for UDP: header + data): one packet, or fragments of at most
 * `mtu` bytes with MF set on all but the last, in order.
 */
export function buildIpv4(
  src: Uint8Array,
  dst: Uint8Array,
  protocol: number,
  ipPayload: Uint8Array,
  options: IpPacketOptions = {},
): Uint8Array[] {
  const id = options.id ?? 0;
  const ttl = options.ttl ?? 64;
  const mtu = options.mtu ?? Infinity;
  if (mtu < 68) throw new RangeError(`MTU ${mtu} is below the IPv4 minimum of 68`);
  if (IPV4_HEADER + ipPayload.length > 0xffff) throw new RangeError(`IPv4 payload of ${ipPayload.length} bytes is too large`);
  if (IPV4_HEADER + ipPayload.length <= mtu) {
    const packet = new Uint8Array(IPV4_HEADER + ipPayload.length);
    ipv4Header(packet, packet.length, id, 0, ttl, protocol, src, dst);
    packet.set(ipPayload, IPV4_HEADER);
    return [packet];
  }
  const step = Math.floor((mtu - IPV4_HEADER) / 8) * 8;
  const fragments: Uint8Array[] = [];
  for (let at = 0; at < ipPayload.length; at += step) {
    const size = Math.min(step, ipPayload.length - at);
    const more = at + size < ipPayload.length;
    const packet = new Uint8Array(IPV4_HEADER + size);
    ipv4Header(packet, packet.length, id, (more ? 0x2000 : 0) | (at / 8), ttl, protocol, src, dst);
    packet.set(ipPayload.subarray(at, at + size), IPV4_HEADER);
    fragments.push(packet);
  }
  return fragments;
}

/** An IPv6 packet (no extension headers) carrying `ipPayload`. */
export function buildIpv6(src: Uint8Array, dst: Uint8Array, nextHeader: number, ipPayload: Uint8Array, hopLimit = 64): Uint8Array {
  if (ipPayload.length > 0xffff) throw new RangeError(`IPv6 payload of ${ipPayload.length} bytes needs a jumbogram`);
  const packet = new Uint8Array(IPV6_HEADER + ipPayload.length);
  const view = new DataView(packet.buffer);
  view.setUint32(0, 0x60000000);
  view.setUint16(4, ipPayload.length);
  view.setUint8(6, nextHeader);
  view.setUint8(7, hopLimit);
  packet.set(src, 8);
  packet.set(dst, 24);
  packet.set(ipPayload, IPV6_HEADER);
  return packet;
}

/**
 * IPv6 packets carrying `ipPayload`: one packet without extension headers when it fits `mtu`,
 * else fragments of at most `mtu` bytes, each with a fragment header (id, offset, M flag set
 * on all but the last), in order, as a source host fragments (RFC 8200 4.5).
 */
export function buildIpv6Packets(
  src: Uint8Array,
  dst: Uint8Array,
  nextHeader: number,
  ipPayload: Uint8Array,
  options: IpPacketOptions = {},
): Uint8Array[] {
  const mtu = options.mtu ?? Infinity;
  const hopLimit = options.ttl ?? 64;
  if (mtu < IPV6_HEADER + IPV6_FRAGMENT_HEADER + 8) throw new RangeError(`MTU ${mtu} leaves no room for an IPv6 fragment`);
  if (IPV6_HEADER + ipPayload.length <= mtu) return [buildIpv6(src, dst, nextHeader, ipPayload, hopLimit)];
  const id = (options.id ?? 0) >>> 0;
  const step = Math.floor((mtu - IPV6_HEADER - IPV6_FRAGMENT_HEADER) / 8) * 8;
  const fragments: Uint8Array[] = [];
  for (let at = 0; at < ipPayload.length; at += step) {
    const size = Math.min(step, ipPayload.length - at);
    const more = at + size < ipPayload.length;
    const body = new Uint8Array(IPV6_FRAGMENT_HEADER + size);
    const view = new DataView(body.buffer);
    view.setUint8(0, nextHeader);
    view.setUint16(2, at | (more ? 1 : 0));
    view.setUint32(4, id);
    body.set(ipPayload.subarray(at, at + size), IPV6_FRAGMENT_HEADER);
    fragments.push(buildIpv6(src, dst, IPV6_NEXT_FRAGMENT, body, hopLimit));
  }
  return fragments;
}

/**
 * IP packets of one UDP datagram between two endpoints of the same IP version, fragmented
 * beyond `mtu` (IPv4 fragments, or IPv6 fragment headers). Throws TypeError/RangeError on bad input.
 */
export function buildUdpPackets(src: UdpEndpoint, dst: UdpEndpoint, payload: Uint8Array, options: IpPacketOptions = {}): Uint8Array[] {
  const srcAddr = addressBytes(src.ip);
  const dstAddr = addressBytes(dst.ip);
  if (srcAddr.length !== dstAddr.length) throw new TypeError(`mixed IP versions: ${src.ip} -> ${dst.ip}`);
  const udp = buildUdp(srcAddr, src.port, dstAddr, dst.port, payload);
  if (srcAddr.length === 16) return buildIpv6Packets(srcAddr, dstAddr, IP_PROTO_UDP, udp, options);
  return buildIpv4(srcAddr, dstAddr, IP_PROTO_UDP, udp, options);
}
