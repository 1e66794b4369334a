/**
 * pcapng block type numbers and option codes (draft-ietf-opsawg-pcapng), written once for the
 * reader and the writer.
 */
export const BlockType = {
  /** Obsolete Packet Block. */
  PB: 0x00000002,
  SHB: 0x0a0d0d0a,
  IDB: 0x00000001,
  SPB: 0x00000003,
  NRB: 0x00000004,
  ISB: 0x00000005,
  EPB: 0x00000006,
} as const;

/** Byte-order magic of a Section Header Block, as read in the section's own order. */
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

export const OptionCode = {
  END: 0,
  COMMENT: 1,
  IF_NAME: 2,
  IF_TSRESOL: 9,
  IF_TSOFFSET: 14,
} as const;

/** Fixed sizes (bytes) of each block, trailing length included, without data and options. */
export const BlockSize = {
  SHB: 28,
  IDB: 20,
  EPB: 32,
  SPB: 16,
  PB: 32,
} as const;

/** Units per second for an if_tsresol value: 10^-v, or 2^-(v & 0x7f) when the top bit is set. */
export function unitsForTsresol(value: number): number {
  return value & 0x80 ? 2 ** (value & 0x7f) : 10 ** value;
}
