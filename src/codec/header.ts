/**
 * Reading and writing the header, walked from the table (HEADER_PLACES: every header field with
 * the offset of its container, its width and its mask).
 *
 * Every datagram starts with a header read, so besides the generic walk (`readHeaderWalk`) the
 * codec uses a reader generated once from the same places: one object literal whose properties
 * are the fields' shifts and masks, as a hand-written reader would be (`compileHeaderReader`; a
 * test holds it equal to the walk for every byte 0 and random headers, also for altered tables).
 */
import { maskShift, type HeaderFieldName } from "../protocol/fields.js";
import { HEADER_PLACES, type FieldPlace } from "../protocol/layout.js";
import { readUint, writeUint } from "./field-codec.js";
import { setField, type ImpHeader, type MessageInput } from "./message.js";

/** Reads the header fields of `bytes` (at least the header's length) by walking the places. */
export function readHeaderWalk(bytes: Uint8Array, places: readonly FieldPlace<HeaderFieldName>[] = HEADER_PLACES): ImpHeader {
  const h: Partial<ImpHeader> = {};
  for (const p of places) setField(h, p.name, readUint(bytes, p.offset, p.field));
  return h as ImpHeader;
}

/** A JavaScript expression for a uint field read from the byte array `b`. */
function readExpression(p: FieldPlace): string {
  const { offset, field } = p;
  let raw = "";
  for (let i = 0; i < field.size; i++) raw = i === 0 ? `b[${offset}]` : `((${raw} << 8) | b[${offset + i}])`;
  if (field.mask === 0) return raw;
  const shift = maskShift(field.mask);
  return shift === 0 ? `(${raw} & ${field.mask})` : `((${raw} & ${field.mask}) >>> ${shift})`;
}

/**
 * A header reader generated from the places: `(b) => ({ type: (b[0] & 248) >>> 3, ... })`.
 * Only numbers from the table and the fields' names (as JSON strings) go into the source.
 */
export function compileHeaderReader(places: readonly FieldPlace<HeaderFieldName>[]): (bytes: Uint8Array) => ImpHeader {
  for (const p of places) {
    if (p.field.kind !== "uint" || !Number.isInteger(p.offset) || !Number.isInteger(p.field.mask) || !Number.isInteger(p.field.size)) {
      throw new Error(`header field ${p.name} is not a uint at an integer offset`);
    }
  }
  const props = places.map((p) => `${JSON.stringify(p.name)}: ${readExpression(p)}`).join(", ");
  return new Function("b", `"use strict"; return { ${props} };`) as (bytes: Uint8Array) => ImpHeader;
}

/** Reads the header of `bytes` (at least the header's length). */
export const readHeader: (bytes: Uint8Array) => ImpHeader = compileHeaderReader(HEADER_PLACES);

/** Writes the header fields of `m` (defaults 0) into a zeroed `buf`, with Header Length `hlen`. */
export function writeHeader(buf: Uint8Array, m: MessageInput, hlen: number): void {
  for (const p of HEADER_PLACES) writeUint(buf, p.offset, p.field, p.name === "hlen" ? hlen : (m[p.name] ?? 0));
}

/** The place of one header field. */
export function headerPlace(name: HeaderFieldName): FieldPlace<HeaderFieldName> {
  return HEADER_PLACES.find((p) => p.name === name)!;
}

/** A reader of one header field per name, made once from its place. */
const FIELD_READERS = new Map<string, (bytes: Uint8Array) => number>(
  HEADER_PLACES.map((p) => {
    const { offset, field } = p;
    const end = offset + field.size;
    const shift = maskShift(field.mask);
    const read = (b: Uint8Array): number => {
      if (b.length < end) return -1;
      let raw = 0;
      for (let i = offset; i < end; i++) raw = raw * 256 + b[i]!;
      return field.mask === 0 ? raw : (raw & field.mask) >>> shift;
    };
    return [p.name, read];
  }),
);

/**
 * One header field of a datagram (proxies and fuzzers that look at a datagram's Type, Sequence
 * or A bit without decoding it), or -1 when the datagram is too short to hold the field.
 */
export function headerValue(bytes: Uint8Array, name: HeaderFieldName): number {
  return FIELD_READERS.get(name)!(bytes);
}
