/** Byte counts as tshark's format_size writes them (SI prefixes from 10 of them on): "669 bytes", "12 kB". */
const PREFIXES = ["k", "M", "G", "T", "P", "E"];

export function sizeText(bytes: number): string {
  for (let i = PREFIXES.length - 1; i >= 0; i--) {
    const value = Math.floor(bytes / 1000 ** (i + 1));
    if (value >= 10) return `${value} ${PREFIXES[i]}B`;
  }
  return `${bytes} bytes`;
}
