/**
 * Encoders of classic pcap: the 24-byte file header and 16-byte-headed packet records,
 * microsecond or nanosecond, either byte order.
 */

export interface PcapHeaderOptions {
  linkType: number;
  snaplen?: number;
  nanosecond?: boolean;
  /** Default little. */
  byteOrder?: "little" | "big";
}

export const DEFAULT_SNAPLEN = 262144;

export function encodePcapHeader(options: PcapHeaderOptions): Uint8Array {
  const le = options.byteOrder !== "big";
  const out = new Uint8Array(24);
  const view = new DataView(out.buffer);
  view.setUint32(0, options.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, le);
  view.setUint16(4, 2, le);
  view.setUint16(6, 4, le);
  view.setUint32(16, options.snaplen ?? DEFAULT_SNAPLEN, le);
  view.setUint32(20, options.linkType, le);
  return out;
}

export interface RecordOptions {
  nanosecond?: boolean;
  byteOrder?: "little" | "big";
}

/** A packet record: header (time, captured and original lengths) followed by the frame. */
export function encodePcapRecord(
  tsSec: number,
  tsNsec: number,
  frame: Uint8Array,
  originalLength: number,
  options: RecordOptions = {},
): Uint8Array {
  const le = options.byteOrder !== "big";
  const out = new Uint8Array(16 + frame.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, tsSec, le);
  view.setUint32(4, options.nanosecond ? tsNsec : Math.floor(tsNsec / 1000), le);
  view.setUint32(8, frame.length, le);
  view.setUint32(12, originalLength, le);
  out.set(frame, 16);
  return out;
}
