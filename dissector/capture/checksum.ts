/**
 * Internet checksum (RFC 1071) for IPv4 headers and UDP over IPv4 or IPv6 (pseudo-header).
 */

/** Adds the 16-bit big-endian words of bytes[start, end) to `sum` (odd tail padded with 0). */
export function addWords(bytes: Uint8Array, start: number, end: number, sum = 0): number {
  let i = start;
  for (; i + 1 < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  return sum;
}

/** Folds a word sum to 16 bits and complements it. */
export function finishChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
  return ~sum & 0xffff;
}

/** Checksum of an IPv4 header at bytes[offset, offset + length) with its checksum field zeroed. */
export function ipv4HeaderChecksum(bytes: Uint8Array, offset: number, length: number): number {
  const sum = addWords(bytes, offset, offset + length) - ((bytes[offset + 10]! << 8) | bytes[offset + 11]!);
  return finishChecksum(sum);
}

/**
 * UDP checksum of `udp` (header + payload; its checksum field is ignored) between two addresses
 * of 4 or 16 bytes. Returns 0xffff instead of 0, as a sender must.
 */
export function udpChecksum(srcAddr: Uint8Array, dstAddr: Uint8Array, udp: Uint8Array, start = 0, end = udp.length): number {
  const length = end - start;
  let sum = addWords(srcAddr, 0, srcAddr.length);
  sum = addWords(dstAddr, 0, dstAddr.length, sum);
  sum += 17 + (length & 0xffff) + Math.floor(length / 65536);
  sum = addWords(udp, start, end, sum) - ((udp[start + 6]! << 8) | udp[start + 7]!);
  const result = finishChecksum(sum);
  return result === 0 ? 0xffff : result;
}
