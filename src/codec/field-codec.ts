/**
 * Reading and writing one field by its kind (fields.ts). Each kind knows its own conversion;
 * the message codec only walks the layouts of the spec table and calls these.
 */
import { Buffer } from "node:buffer";
import { maskShift, type FieldSpec } from "../protocol/fields.js";
import { USERNAME_LENGTH } from "../protocol/layout.js";
import { parseIpv4 } from "./ipv4.js";

/** Unsigned value of a field of `size` bytes (big-endian) under its mask. */
export function readUint(bytes: Uint8Array, offset: number, field: FieldSpec): number {
  const size = field.size;
  let raw = bytes[offset]!;
  if (size === 2) raw = (raw << 8) | bytes[offset + 1]!;
  else for (let i = 1; i < size; i++) raw = raw * 256 + bytes[offset + i]!;
  return field.mask === 0 ? raw : (raw & field.mask) >>> maskShift(field.mask);
}

/** ORs a value into its container under the field's mask (the container must start zeroed). */
export function writeUint(buf: Uint8Array, offset: number, field: FieldSpec, value: number): void {
  const size = field.size;
  const max = field.mask !== 0 ? field.mask >>> maskShift(field.mask) : size === 1 ? 0xff : size === 2 ? 0xffff : 2 ** (8 * size) - 1;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${field.abbrev} must be an integer from 0 to ${max}, got ${String(value)}`);
  }
  let shifted = field.mask === 0 ? value : (value << maskShift(field.mask)) & field.mask;
  if (size === 1) {
    buf[offset] = (buf[offset]! | shifted) & 0xff;
    return;
  }
  if (size === 2) {
    buf[offset] = (buf[offset]! | (shifted >>> 8)) & 0xff;
    buf[offset + 1] = (buf[offset + 1]! | shifted) & 0xff;
    return;
  }
  for (let i = size - 1; i >= 0; i--) {
    buf[offset + i] = (buf[offset + i]! | shifted) & 0xff;
    shifted = Math.floor(shifted / 256);
  }
}

export interface UsernameRead {
  /** Username with trailing spaces and NULs stripped; bytes outside printable ASCII as `\xNN`. */
  text: string;
  /** 1..8 bytes, all in 0x21..0x7E. */
  valid: boolean;
  /** The first padding byte, or -1 when the name fills all 8 bytes. */
  pad: number;
}

/** Reads a username field of `size` (8) bytes, stripping either padding (WIRE.md section 2, erratum E8). */
export function readUsername(bytes: Uint8Array, offset: number, size = USERNAME_LENGTH): UsernameRead {
  let end = offset + size;
  while (end > offset && (bytes[end - 1] === 0x20 || bytes[end - 1] === 0x00)) end--;
  const pad = end < offset + size ? bytes[end]! : -1;
  let plain = end > offset;
  for (let i = offset; i < end && plain; i++) {
    const b = bytes[i]!;
    if (b < 0x21 || b > 0x7e || b === 0x5c) plain = false;
  }
  // Fast path: a valid name of printable ASCII, the common case.
  if (plain) {
    let text = "";
    for (let i = offset; i < end; i++) text += String.fromCharCode(bytes[i]!);
    return { text, valid: true, pad };
  }
  let text = "";
  let valid = end > offset;
  for (let i = offset; i < end; i++) {
    const b = bytes[i]!;
    if (b >= 0x20 && b <= 0x7e && b !== 0x5c) text += String.fromCharCode(b);
    else text += b === 0x5c ? "\\\\" : `\\x${b.toString(16).padStart(2, "0")}`;
    if (b < 0x21 || b > 0x7e) valid = false;
  }
  return { text, valid, pad };
}

const VALID_USERNAME = new RegExp(`^[\\x21-\\x7e]{1,${USERNAME_LENGTH}}$`);

/** True when `name` is a valid username: 1..8 characters in 0x21..0x7E. */
export function isValidUsername(name: string): boolean {
  return VALID_USERNAME.test(name);
}

/** Writes a username of `size` (8) bytes, left-aligned and padded with `pad`. */
export function writeUsername(buf: Uint8Array, offset: number, value: string | Uint8Array, pad: number, size = USERNAME_LENGTH): void {
  const bytes = typeof value === "string" ? usernameBytes(value) : value;
  if (bytes.length > size) {
    throw new RangeError(`a username holds at most ${size} bytes, got ${bytes.length}`);
  }
  buf.set(bytes, offset);
  buf.fill(pad, offset + bytes.length, offset + size);
}

function usernameBytes(value: string): Uint8Array {
  // Inverse of readUsername's escapes, so a decoded username re-encodes to the same bytes.
  const out: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x5c && value[i + 1] === "\\") {
      out.push(0x5c);
      i++;
    } else if (c === 0x5c && value[i + 1] === "x" && /^[0-9a-f]{2}$/i.test(value.slice(i + 2, i + 4))) {
      out.push(parseInt(value.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (c > 0x7f) {
      throw new RangeError(`a username is ASCII; character U+${c.toString(16).padStart(4, "0")} is not`);
    } else {
      out.push(c);
    }
  }
  return Uint8Array.from(out);
}

export function readIpv4(bytes: Uint8Array, offset: number): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

export function writeIpv4(buf: Uint8Array, offset: number, ip: string): void {
  const n = parseIpv4(ip);
  if (n < 0) throw new RangeError(`not an IPv4 address: ${JSON.stringify(ip)}`);
  buf[offset] = n >>> 24;
  buf[offset + 1] = (n >>> 16) & 0xff;
  buf[offset + 2] = (n >>> 8) & 0xff;
  buf[offset + 3] = n & 0xff;
}

type Utf8Slice = (this: Uint8Array, start: number, end: number) => string;
// Buffer's native slice decoder works on any Uint8Array and allocates no view; TextDecoder is the fallback.
const nativeUtf8Slice = (Buffer.prototype as unknown as { utf8Slice?: Utf8Slice }).utf8Slice;
const textDecoder = new TextDecoder();

/** UTF-8 text of bytes[start, end) (invalid sequences become U+FFFD), without copying the bytes. */
export function utf8Text(bytes: Uint8Array, start: number, end: number): string {
  return nativeUtf8Slice ? nativeUtf8Slice.call(bytes, start, end) : textDecoder.decode(bytes.subarray(start, end));
}

/** True when bytes[start, end) are all below 0x80 (then they are valid UTF-8 too). */
export function isAscii(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i]! > 0x7f) return false;
  return true;
}

/** A Buffer view of the same memory (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
