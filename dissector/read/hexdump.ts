/** Hex and ASCII dump of bytes, as `tshark -x` prints it after each packet. */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Lines of 16 bytes: `0000  45 00 ...   E.......`, each ending with a newline. */
export function hexDump(bytes: Uint8Array): string {
  let out = "";
  for (let off = 0; off < bytes.length; off += 16) {
    const end = Math.min(off + 16, bytes.length);
    let hex = "";
    let ascii = "";
    for (let i = off; i < off + 16; i++) {
      if (i < end) {
        const b = bytes[i]!;
        hex += `${HEX[b]} `;
        ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".";
      } else hex += "   ";
    }
    out += `${off.toString(16).padStart(4, "0")}  ${hex}  ${ascii}\n`;
  }
  return out;
}
