/**
 * Link-layer header types (tcpdump.org LINKTYPE_ / DLT_ numbers) that impkit can read.
 * One table: the names here are the only place these numbers are written.
 */
export const LinkType = {
  /** BSD loopback: 4-byte address family in the writer's byte order. */
  NULL: 0,
  ETHERNET: 1,
  /** Raw IP on some BSDs (DLT_RAW 12). */
  RAW_12: 12,
  /** Raw IP on some BSDs (DLT_RAW 14). */
  RAW_14: 14,
  RAW: 101,
  /** OpenBSD loopback: like NULL but the family is always big-endian. */
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

/** A link-layer type number; any number may appear in a file, these are the known ones. */
export type LinkType = number;

const NAMES = new Map<number, string>(Object.entries(LinkType).map(([name, value]) => [value, name]));

/** Name of a link type for messages ("ETHERNET", "LINUX_SLL2", or "LINKTYPE 147"). */
export function linkTypeName(linkType: number): string {
  return NAMES.get(linkType) ?? `LINKTYPE ${linkType}`;
}
