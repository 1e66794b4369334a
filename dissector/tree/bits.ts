/**
 * Wireshark's way of showing a bit field: the container's bits with the field's own bits as
 * digits and the others as dots, grouped by four (`.... ..1. = Sequence: 1`).
 */
export function bitPattern(value: number, mask: number, sizeBytes: number): string {
  const bits = sizeBytes * 8;
  let shift = 0;
  while (mask !== 0 && ((mask >>> shift) & 1) === 0) shift++;
  const raw = (value << shift) & mask;
  let out = "";
  for (let i = bits - 1; i >= 0; i--) {
    const bit = 1 << i;
    out += mask & bit ? (raw & bit ? "1" : "0") : ".";
    if (i % 4 === 0 && i > 0) out += " ";
  }
  return out;
}
