/**
 * UDP header: ports and length, the length checked against the bytes there are.
 */

export interface UdpHeader {
  srcPort: number;
  dstPort: number;
  /** The UDP length field. */
  length: number;
  checksum: number;
  /** Payload is bytes[payloadOffset, payloadEnd). */
  payloadOffset: number;
  payloadEnd: number;
  /** Fewer bytes than the UDP length says (snaplen, or a length larger than the IP payload). */
  truncated: boolean;
}

/** Parses the UDP header at bytes[at] whose datagram may extend to `end`; null if malformed. */
export function parseUdpHeader(bytes: Uint8Array, at: number, end = bytes.length): UdpHeader | null {
  if (end > bytes.length || end - at < 8) return null;
  const length = (bytes[at + 4]! << 8) | bytes[at + 5]!;
  if (length < 8) return null;
  const truncated = at + length > end;
  return {
    srcPort: (bytes[at]! << 8) | bytes[at + 1]!,
    dstPort: (bytes[at + 2]! << 8) | bytes[at + 3]!,
    length,
    checksum: (bytes[at + 6]! << 8) | bytes[at + 7]!,
    payloadOffset: at + 8,
    payloadEnd: truncated ? end : at + length,
    truncated,
  };
}
