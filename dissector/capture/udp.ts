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
  const header: UdpHeader = { srcPort: 0, dstPort: 0, length: 0, checksum: 0, payloadOffset: 0, payloadEnd: 0, truncated: false };
  return readUdpHeader(header, bytes, at, end) ? header : null;
}

/** parseUdpHeader into `out` (a frame parser reuses one header for every packet); false if malformed. */
export function readUdpHeader(out: UdpHeader, bytes: Uint8Array, at: number, end = bytes.length): boolean {
  if (end > bytes.length || end - at < 8) return false;
  const length = (bytes[at + 4]! << 8) | bytes[at + 5]!;
  if (length < 8) return false;
  const truncated = at + length > end;
  out.srcPort = (bytes[at]! << 8) | bytes[at + 1]!;
  out.dstPort = (bytes[at + 2]! << 8) | bytes[at + 3]!;
  out.length = length;
  out.checksum = (bytes[at + 6]! << 8) | bytes[at + 7]!;
  out.payloadOffset = at + 8;
  out.payloadEnd = truncated ? end : at + length;
  out.truncated = truncated;
  return true;
}
