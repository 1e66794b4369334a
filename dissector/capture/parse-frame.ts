/**
 * From a frame of any known link type to its UDP datagram: addresses, ports, payload view,
 * IP id and fragmentation. Separate from file parsing: works on any frame bytes.
 */
import { endpointOf, type Endpoint } from "./endpoint.js";
import { emptyHeader, parseIpv6, readIpv4 } from "./ip.js";
import { locateIpPacked } from "./link-layer.js";
import { readUdpHeader, type UdpHeader } from "./udp.js";

export const IP_PROTOCOL_UDP = 17;

/** Fragmentation of the IP packet (IPv4 flags/offset, or an IPv6 fragment header). */
export interface FragmentInfo {
  moreFragments: boolean;
  /** Offset of this fragment's data in the original IP payload, in bytes. */
  offset: number;
  /** IPv4 identification or IPv6 fragment id. */
  id: number;
  /** IP protocol of the reassembled payload (17). */
  protocol: number;
}

export interface UdpFrame {
  ipVersion: 4 | 6;
  /** Source address and port (port 0 in a non-first fragment, which has no UDP header). */
  src: Endpoint;
  dst: Endpoint;
  /** Offset of the IP header in the frame. */
  ipOffset: number;
  /** IPv4 identification (IPv6: fragment id, or 0). */
  ipId: number;
  /** Offset of the UDP header in the frame; -1 in a non-first fragment. */
  udpOffset: number;
  /** UDP length field (0 in a non-first fragment). */
  udpLength: number;
  /**
   * Zero-copy view, valid as long as the frame bytes are. Not fragmented: the UDP payload.
   * A fragment: its share of the IP payload (the first fragment's share starts with the UDP
   * header); feed it to an Ipv4Reassembler.
   */
  payload: Uint8Array;
  /** Null unless the packet is a fragment (more-fragments set or a non-zero offset). */
  fragment: FragmentInfo | null;
  /** The frame holds fewer bytes than the IP or UDP length says. */
  truncated: boolean;
  /** VLAN tags crossed on the way to the IP header. */
  vlanTags: number;
}

/** Scratch headers: parseFrame runs to completion on one packet at a time and keeps neither. */
const IPV4 = emptyHeader();
const UDP: UdpHeader = { srcPort: 0, dstPort: 0, length: 0, checksum: 0, payloadOffset: 0, payloadEnd: 0, truncated: false };

/**
 * The UDP datagram (or UDP fragment) in a frame; null for frames that are not IP, not UDP, or
 * too damaged to say. Never throws.
 */
export function parseFrame(linkType: number, data: Uint8Array): UdpFrame | null {
  const location = locateIpPacked(linkType, data);
  if (location < 0) return null;
  const offset = location & 0xfffff;
  const vlanTags = location >>> 24;
  const ip = ((location >>> 20) & 0xf) === 4 ? (readIpv4(IPV4, data, offset) ? IPV4 : null) : parseIpv6(data, offset);
  if (ip === null || ip.protocol !== IP_PROTOCOL_UDP) return null;
  const isFragment = ip.moreFragments || ip.fragmentOffset > 0;
  if (isFragment) {
    const first = ip.fragmentOffset === 0 && ip.payloadEnd - ip.payloadOffset >= 8;
    const udp = first && readUdpHeader(UDP, data, ip.payloadOffset, ip.payloadEnd) ? UDP : null;
    return {
      ipVersion: ip.version,
      src: endpointOf(ip.src, udp ? udp.srcPort : 0),
      dst: endpointOf(ip.dst, udp ? udp.dstPort : 0),
      ipOffset: ip.headerOffset,
      ipId: ip.id,
      udpOffset: first ? ip.payloadOffset : -1,
      udpLength: udp ? udp.length : 0,
      payload: data.subarray(ip.payloadOffset, ip.payloadEnd),
      fragment: { moreFragments: ip.moreFragments, offset: ip.fragmentOffset, id: ip.id, protocol: ip.protocol },
      truncated: ip.truncated,
      vlanTags,
    };
  }
  if (!readUdpHeader(UDP, data, ip.payloadOffset, ip.payloadEnd)) return null;
  const udp = UDP;
  return {
    ipVersion: ip.version,
    src: endpointOf(ip.src, udp.srcPort),
    dst: endpointOf(ip.dst, udp.dstPort),
    ipOffset: ip.headerOffset,
    ipId: ip.id,
    udpOffset: ip.payloadOffset,
    udpLength: udp.length,
    payload: data.subarray(udp.payloadOffset, udp.payloadEnd),
    fragment: null,
    truncated: ip.truncated || udp.truncated,
    vlanTags,
  };
}
