/**
 * Encoders of pcapng blocks: SHB, IDB (with if_tsresol, if_name), EPB, SPB, the obsolete PB,
 * and any block from a type and body (for tests and unknown blocks). Either byte order.
 */
import { BlockType, BYTE_ORDER_MAGIC, OptionCode, unitsForTsresol } from "./pcapng-blocks.js";

export type ByteOrder = "little" | "big";

export interface PcapngOption {
  code: number;
  value: Uint8Array;
}

const pad4 = (n: number): number => (n + 3) & ~3;

/** Options list with its end-of-options marker (empty list: no bytes at all). */
export function encodeOptions(options: readonly PcapngOption[], byteOrder: ByteOrder = "little"): Uint8Array {
  if (options.length === 0) return new Uint8Array(0);
  const le = byteOrder === "little";
  const out = new Uint8Array(options.reduce((n, o) => n + 4 + pad4(o.value.length), 4));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const option of options) {
    view.setUint16(at, option.code, le);
    view.setUint16(at + 2, option.value.length, le);
    out.set(option.value, at + 4);
    at += 4 + pad4(option.value.length);
  }
  return out;
}

/** A whole block: type, total length, body padded to 4 bytes, total length again. */
export function encodeBlock(type: number, body: Uint8Array, byteOrder: ByteOrder = "little"): Uint8Array {
  const le = byteOrder === "little";
  const length = 12 + pad4(body.length);
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  view.setUint32(0, type, le);
  view.setUint32(4, length, le);
  out.set(body, 8);
  view.setUint32(length - 4, length, le);
  return out;
}

export function encodeShb(byteOrder: ByteOrder = "little", options: readonly PcapngOption[] = []): Uint8Array {
  const le = byteOrder === "little";
  const opts = encodeOptions(options, byteOrder);
  const body = new Uint8Array(16 + opts.length);
  const view = new DataView(body.buffer);
  view.setUint32(0, BYTE_ORDER_MAGIC, le);
  view.setUint16(4, 1, le);
  view.setUint16(6, 0, le);
  view.setInt32(8, -1, le);
  view.setInt32(12, -1, le);
  body.set(opts, 16);
  return encodeBlock(BlockType.SHB, body, byteOrder);
}

export interface InterfaceSpec {
  linkType: number;
  /** Snapshot length (default 262144). */
  snaplen?: number;
  /** if_tsresol byte: 6 = µs (default), 9 = ns, 0x80|n = 2^-n. */
  tsresol?: number;
  /** if_tsoffset in seconds. */
  tsOffset?: number;
  name?: string;
}

export function encodeIdb(spec: InterfaceSpec, byteOrder: ByteOrder = "little"): Uint8Array {
  const le = byteOrder === "little";
  const options: PcapngOption[] = [];
  if (spec.name !== undefined) options.push({ code: OptionCode.IF_NAME, value: new TextEncoder().encode(spec.name) });
  if (spec.tsresol !== undefined && spec.tsresol !== 6) options.push({ code: OptionCode.IF_TSRESOL, value: Uint8Array.of(spec.tsresol) });
  if (spec.tsOffset) {
    const value = new Uint8Array(8);
    new DataView(value.buffer).setBigInt64(0, BigInt(spec.tsOffset), le);
    options.push({ code: OptionCode.IF_TSOFFSET, value });
  }
  const opts = encodeOptions(options, byteOrder);
  const body = new Uint8Array(8 + opts.length);
  const view = new DataView(body.buffer);
  view.setUint16(0, spec.linkType, le);
  view.setUint32(4, spec.snaplen ?? 262144, le);
  body.set(opts, 8);
  return encodeBlock(BlockType.IDB, body, byteOrder);
}

/** The two 32-bit halves of sec * units + sub-second units, exactly, without bigint. */
export function joinTimestamp(tsSec: number, tsNsec: number, tsresol = 6): [number, number] {
  const units = unitsForTsresol(tsresol);
  const sub = Math.floor((tsNsec * units) / 1e9);
  const direct = tsSec * units + sub;
  if (direct <= Number.MAX_SAFE_INTEGER) return [Math.floor(direct / 4294967296), direct % 4294967296];
  const hi16 = Math.floor(tsSec / 65536);
  const p1 = (tsSec % 65536) * units + sub;
  const p2 = hi16 * units;
  const x = (p2 % 65536) * 65536 + p1;
  return [Math.floor(p2 / 65536) + Math.floor(x / 4294967296), x % 4294967296];
}

export interface PacketBlockInput {
  interfaceId: number;
  tsSec: number;
  tsNsec: number;
  /** if_tsresol of the interface (default 6). */
  tsresol?: number;
  data: Uint8Array;
  /** Default data.length. */
  originalLength?: number;
  options?: readonly PcapngOption[];
}

function timedBody(input: PacketBlockInput, byteOrder: ByteOrder, obsolete: boolean): Uint8Array {
  const le = byteOrder === "little";
  const opts = encodeOptions(input.options ?? [], byteOrder);
  const dataLength = pad4(input.data.length);
  const body = new Uint8Array(20 + dataLength + opts.length);
  const view = new DataView(body.buffer);
  if (obsolete) view.setUint16(0, input.interfaceId, le);
  else view.setUint32(0, input.interfaceId, le);
  const [high, low] = joinTimestamp(input.tsSec, input.tsNsec, input.tsresol);
  view.setUint32(4, high, le);
  view.setUint32(8, low, le);
  view.setUint32(12, input.data.length, le);
  view.setUint32(16, input.originalLength ?? input.data.length, le);
  body.set(input.data, 20);
  body.set(opts, 20 + dataLength);
  return body;
}

export function encodeEpb(input: PacketBlockInput, byteOrder: ByteOrder = "little"): Uint8Array {
  return encodeBlock(BlockType.EPB, timedBody(input, byteOrder, false), byteOrder);
}

/** Obsolete Packet Block (type 2): 16-bit interface id and drops count, then as EPB. */
export function encodePb(input: PacketBlockInput, byteOrder: ByteOrder = "little"): Uint8Array {
  return encodeBlock(BlockType.PB, timedBody(input, byteOrder, true), byteOrder);
}

/** Simple Packet Block: original length and data only (interface 0, no timestamp). */
export function encodeSpb(data: Uint8Array, originalLength = data.length, byteOrder: ByteOrder = "little"): Uint8Array {
  const body = new Uint8Array(4 + data.length);
  new DataView(body.buffer).setUint32(0, originalLength, byteOrder === "little");
  body.set(data, 4);
  return encodeBlock(BlockType.SPB, body, byteOrder);
}
