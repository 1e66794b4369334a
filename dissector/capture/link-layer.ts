/**
 * Finds the IP header inside a frame of a given link type: Ethernet (stacked 802.1Q / 802.1ad
 * tags), Linux SLL and SLL2, BSD NULL (either byte order) and LOOP (big-endian), raw IP.
 * Every length is checked; nothing throws.
 */
import { LinkType } from "./link-type.js";

export interface IpLocation {
  /** Offset of the IP header in the frame. */
  offset: number;
  /** 4 or 6. */
  version: 4 | 6;
  /** Number of VLAN tags crossed (Ethernet, SLL). */
  vlanTags: number;
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const MAX_TAGS = 8;

function u16(data: Uint8Array, at: number): number {
  return (data[at]! << 8) | data[at + 1]!;
}

function isTag(etherType: number): boolean {
  return etherType === 0x8100 || etherType === 0x88a8 || etherType === 0x9100;
}

/**
 * A location packed in one number (the frame parser asks for one per packet): the offset in
 * the low 20 bits, the version from bit 20, the VLAN tags from bit 24; NOWHERE when none.
 */
const NOWHERE = -1;
const pack = (offset: number, version: 4 | 6, tags: number): number => offset | (version << 20) | (tags << 24);

function byEtherType(data: Uint8Array, typeAt: number, offset: number): number {
  let etherType = u16(data, typeAt);
  let tags = 0;
  while (isTag(etherType)) {
    if (tags === MAX_TAGS || data.length < offset + 4) return NOWHERE;
    etherType = u16(data, offset + 2);
    offset += 4;
    tags += 1;
  }
  if (etherType === ETHERTYPE_IPV4) return pack(offset, 4, tags);
  if (etherType === ETHERTYPE_IPV6) return pack(offset, 6, tags);
  return NOWHERE;
}

function byVersionNibble(data: Uint8Array, offset: number): number {
  if (data.length <= offset) return NOWHERE;
  const version = data[offset]! >> 4;
  return version === 4 || version === 6 ? pack(offset, version, 0) : NOWHERE;
}

function byFamily(family: number): 4 | 6 | 0 {
  if (family === 2) return 4;
  if (family === 24 || family === 28 || family === 30) return 6;
  return 0;
}

/** Where the IP header of `data` starts, or null for frames that do not carry IPv4/IPv6. */
export function locateIp(linkType: number, data: Uint8Array): IpLocation | null {
  const at = locateIpPacked(linkType, data);
  return at === NOWHERE ? null : { offset: at & 0xfffff, version: ((at >>> 20) & 0xf) === 6 ? 6 : 4, vlanTags: at >>> 24 };
}

/** locateIp as one number: offset | version << 20 | tags << 24, or -1 (see `pack`). */
export function locateIpPacked(linkType: number, data: Uint8Array): number {
  switch (linkType) {
    case LinkType.ETHERNET:
      return data.length < 14 ? NOWHERE : byEtherType(data, 12, 14);
    case LinkType.LINUX_SLL:
      return data.length < 16 ? NOWHERE : byEtherType(data, 14, 16);
    case LinkType.LINUX_SLL2:
      return data.length < 20 ? NOWHERE : byEtherType(data, 0, 20);
    case LinkType.NULL:
    case LinkType.LOOP: {
      if (data.length < 4) return NOWHERE;
      let family = ((data[0]! << 24) | (data[1]! << 16) | (data[2]! << 8) | data[3]!) >>> 0;
      // NULL is in the writer's byte order: a family fits 16 bits, so set high bits mean swapped.
      if (linkType === LinkType.NULL && family & 0xffff0000)
        family = ((data[3]! << 24) | (data[2]! << 16) | (data[1]! << 8) | data[0]!) >>> 0;
      const version = byFamily(family);
      return version === 0 ? NOWHERE : pack(4, version, 0);
    }
    case LinkType.RAW:
    case LinkType.RAW_12:
    case LinkType.RAW_14:
      return byVersionNibble(data, 0);
    case LinkType.IPV4:
      return data.length > 0 ? pack(0, 4, 0) : NOWHERE;
    case LinkType.IPV6:
      return data.length > 0 ? pack(0, 6, 0) : NOWHERE;
    default:
      return NOWHERE;
  }
}
