/**
 * IPv4 and IPv6 headers: addresses, protocol, fragmentation, where the payload is. IPv4's total
 * length cuts Ethernet padding; IPv6 extension headers (hop-by-hop, routing, fragment,
 * destination options, AH) are walked. Every length is checked; nothing throws.
 */
import { formatIpv6 } from "./ip-address.js";

export interface IpHeader {
  version: 4 | 6;
  /** IPv4 address as a 32-bit number, or IPv6 text. */
  src: number | string;
  dst: number | string;
  /** Protocol of the payload (after IPv6 extension headers). */
  protocol: number;
  /** IPv4 identification; IPv6 fragment-header id; 0 when absent. */
  id: number;
  moreFragments: boolean;
  /** Fragment offset in bytes. */
  fragmentOffset: number;
  /** Offset of the IP header in the frame. */
  headerOffset: number;
  /** Payload (or this fragment's share of it) is data[payloadOffset, payloadEnd). */
  payloadOffset: number;
  payloadEnd: number;
  /** The frame holds fewer bytes than the IP length says. */
  truncated: boolean;
}

const MAX_EXTENSIONS = 16;

function u16(data: Uint8Array, at: number): number {
  return (data[at]! << 8) | data[at + 1]!;
}

function u32(data: Uint8Array, at: number): number {
  return ((data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!) >>> 0;
}

export function parseIpv4(data: Uint8Array, at: number): IpHeader | null {
  const header = emptyHeader();
  return readIpv4(header, data, at) ? header : null;
}

/** A header to fill (readIpv4). */
export function emptyHeader(): IpHeader {
  return {
    version: 4,
    src: 0,
    dst: 0,
    protocol: 0,
    id: 0,
    moreFragments: false,
    fragmentOffset: 0,
    headerOffset: 0,
    payloadOffset: 0,
    payloadEnd: 0,
    truncated: false,
  };
}

/** parseIpv4 into `out` (a frame parser reuses one header for every packet); false when not IPv4. */
export function readIpv4(out: IpHeader, data: Uint8Array, at: number): boolean {
  if (data.length - at < 20) return false;
  const first = data[at]!;
  const headerLength = (first & 0x0f) * 4;
  if (first >> 4 !== 4 || headerLength < 20 || data.length - at < headerLength) return false;
  // A total length of 0 is what TCP segmentation offload leaves in captured outgoing packets:
  // use what was captured, as Wireshark does.
  const totalLength = u16(data, at + 2) || data.length - at;
  if (totalLength < headerLength) return false;
  let end = at + totalLength;
  let truncated = false;
  if (end > data.length) {
    end = data.length;
    truncated = true;
  }
  const flags = u16(data, at + 6);
  out.version = 4;
  out.src = u32(data, at + 12);
  out.dst = u32(data, at + 16);
  out.protocol = data[at + 9]!;
  out.id = u16(data, at + 4);
  out.moreFragments = (flags & 0x2000) !== 0;
  out.fragmentOffset = (flags & 0x1fff) * 8;
  out.headerOffset = at;
  out.payloadOffset = at + headerLength;
  out.payloadEnd = end;
  out.truncated = truncated;
  return true;
}

export function parseIpv6(data: Uint8Array, at: number): IpHeader | null {
  if (data.length - at < 40 || data[at]! >> 4 !== 6) return null;
  const payloadLength = u16(data, at + 4);
  let end = payloadLength === 0 ? data.length : at + 40 + payloadLength;
  let truncated = false;
  if (end > data.length) {
    end = data.length;
    truncated = true;
  }
  let next = data[at + 6]!;
  let pos = at + 40;
  let id = 0;
  let moreFragments = false;
  let fragmentOffset = 0;
  for (let i = 0; i <= MAX_EXTENSIONS; i++) {
    if (next === 0 || next === 43 || next === 60 || next === 51) {
      if (end - pos < 8) return null;
      const length = next === 51 ? (data[pos + 1]! + 2) * 4 : (data[pos + 1]! + 1) * 8;
      if (end - pos < length) return null;
      next = data[pos]!;
      pos += length;
    } else if (next === 44) {
      if (end - pos < 8) return null;
      const field = u16(data, pos + 2);
      fragmentOffset = field & 0xfff8;
      moreFragments = (field & 1) !== 0;
      id = u32(data, pos + 4);
      next = data[pos]!;
      pos += 8;
    } else {
      return {
        version: 6,
        src: formatIpv6(data, at + 8),
        dst: formatIpv6(data, at + 24),
        protocol: next,
        id,
        moreFragments,
        fragmentOffset,
        headerOffset: at,
        payloadOffset: pos,
        payloadEnd: end,
        truncated,
      };
    }
  }
  return null;
}
