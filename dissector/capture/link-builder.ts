/**
 * Puts a link-layer header in front of an IP packet, for every link type the reader knows:
 * Ethernet (with stacked 802.1Q / 802.1ad tags), Linux SLL and SLL2, BSD NULL and LOOP, raw IP.
 * MAC addresses default to locally administered ones derived from the IP addresses.
 */
import { LinkType, linkTypeName } from "./link-type.js";

export const EtherType = {
  IPV4: 0x0800,
  IPV6: 0x86dd,
  VLAN: 0x8100,
  QINQ: 0x88a8,
  QINQ_OLD: 0x9100,
} as const;

export interface VlanTag {
  /** VLAN id, 0..4095. */
  id: number;
  /** Priority code point, 0..7 (default 0). */
  priority?: number;
  /** Tag protocol id: 0x8100 (802.1Q, default) or 0x88a8 (802.1ad). */
  tpid?: number;
}

export interface LinkOptions {
  srcMac?: Uint8Array;
  dstMac?: Uint8Array;
  /** Ethernet tags, outermost first. */
  vlans?: readonly VlanTag[];
  /** Byte order of the NULL family field (default little, as written by x86 hosts). */
  byteOrder?: "little" | "big";
  /** SLL/SLL2 packet type (0 = to us, 4 = outgoing; default 0). */
  packetType?: number;
  /** SLL2 interface index (default 1). */
  ifIndex?: number;
}

/** Locally administered MAC 02:00:a:b:c:d for an IPv4 address (last four bytes for IPv6). */
export function macFromIp(ip: Uint8Array): Uint8Array {
  const mac = new Uint8Array(6);
  mac[0] = 0x02;
  mac.set(ip.subarray(ip.length - 4), 2);
  return mac;
}

function ipVersion(ip: Uint8Array): number {
  return ip.length > 0 ? ip[0]! >> 4 : 0;
}

function etherTypeOf(ip: Uint8Array): number {
  return ipVersion(ip) === 6 ? EtherType.IPV6 : EtherType.IPV4;
}

function addresses(ip: Uint8Array): { src: Uint8Array; dst: Uint8Array } {
  const v6 = ipVersion(ip) === 6;
  const src = v6 ? ip.subarray(8, 24) : ip.subarray(12, 16);
  const dst = v6 ? ip.subarray(24, 40) : ip.subarray(16, 20);
  return { src, dst };
}

function frame(headerLength: number, ip: Uint8Array): { out: Uint8Array; view: DataView } {
  const out = new Uint8Array(headerLength + ip.length);
  out.set(ip, headerLength);
  return { out, view: new DataView(out.buffer) };
}

/** Ethernet II frame (no FCS) carrying an IP packet, with optional VLAN tags. */
export function wrapEthernet(ip: Uint8Array, options: LinkOptions = {}): Uint8Array {
  const tags = options.vlans ?? [];
  const { src, dst } = addresses(ip);
  const { out, view } = frame(14 + 4 * tags.length, ip);
  out.set(options.dstMac ?? macFromIp(dst), 0);
  out.set(options.srcMac ?? macFromIp(src), 6);
  let at = 12;
  for (const tag of tags) {
    view.setUint16(at, tag.tpid ?? EtherType.VLAN);
    view.setUint16(at + 2, (((tag.priority ?? 0) & 7) << 13) | (tag.id & 0xfff));
    at += 4;
  }
  view.setUint16(at, etherTypeOf(ip));
  return out;
}

/** BSD address family of an IP packet in a NULL/LOOP header (IPv6: 30, as macOS writes). */
function family(ip: Uint8Array): number {
  return ipVersion(ip) === 6 ? 30 : 2;
}

/** The frame carrying `ip` for a link type; throws RangeError for a link type it cannot build. */
export function wrapLink(linkType: number, ip: Uint8Array, options: LinkOptions = {}): Uint8Array {
  switch (linkType) {
    case LinkType.ETHERNET:
      return wrapEthernet(ip, options);
    case LinkType.RAW:
    case LinkType.RAW_12:
    case LinkType.RAW_14:
    case LinkType.IPV4:
    case LinkType.IPV6:
      return ip.slice();
    case LinkType.NULL: {
      const { out, view } = frame(4, ip);
      view.setUint32(0, family(ip), options.byteOrder !== "big");
      return out;
    }
    case LinkType.LOOP: {
      const { out, view } = frame(4, ip);
      view.setUint32(0, family(ip), false);
      return out;
    }
    case LinkType.LINUX_SLL: {
      const { out, view } = frame(16, ip);
      view.setUint16(0, options.packetType ?? 0);
      view.setUint16(2, 1);
      view.setUint16(4, 6);
      out.set(options.srcMac ?? macFromIp(addresses(ip).src), 6);
      view.setUint16(14, etherTypeOf(ip));
      return out;
    }
    case LinkType.LINUX_SLL2: {
      const { out, view } = frame(20, ip);
      view.setUint16(0, etherTypeOf(ip));
      view.setUint32(4, options.ifIndex ?? 1);
      view.setUint16(8, 1);
      view.setUint8(10, options.packetType ?? 0);
      view.setUint8(11, 6);
      out.set(options.srcMac ?? macFromIp(addresses(ip).src), 12);
      return out;
    }
    default:
      throw new RangeError(`cannot build frames for ${linkTypeName(linkType)}`);
  }
}
