/**
 * IPv4 addresses as text and as numbers: the one dotted-quad parser of impkit (list entries,
 * display filters, the analysis's address book and the capture writer all use it).
 */

/**
 * A dotted quad (`192.0.2.1`: four parts of 1 to 3 decimal digits, each at most 255) as an
 * unsigned 32-bit number; -1 when the text is not one. Allocates nothing.
 */
export function parseIpv4(text: string): number {
  let addr = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else if (c === 46 && digits > 0 && dots < 3) {
      addr = addr * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return addr * 256 + part;
}

/** Dotted quad of an unsigned 32-bit address number. */
export function formatIpv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 0xff}.${(value >>> 8) & 0xff}.${value & 0xff}`;
}
