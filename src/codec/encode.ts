/**
 * Encoding, derived from the spec table: the exact bytes WIRE.md prescribes for a sender
 * (space-padded username in a Connection Request, NUL-padded list entries, HL computed).
 * Fields that hold a length (`lengthOf`) are computed unless the caller overrides them (the
 * fuzzer lies on purpose); fields with a `default` (padding) may be left out.
 */
import { Buffer } from "node:buffer";
import type { HEADER_FIELDS, OPTION_FIELDS, FieldSpec } from "../protocol/fields.js";
import {
  ENTRY_PLACES,
  HEADER_LENGTH,
  HEADER_PLACES,
  layoutHeaderLength,
  layoutOffsets,
  type Layout,
  type LayoutPlaces,
} from "../protocol/layout.js";
import { messageSpec, type MessageSpec } from "../protocol/messages.js";
import { writeIpv4, writeUint, writeUsername } from "./field-codec.js";
import type { ListEntry, MessageInput } from "./message.js";

type LengthFieldsOf<T> = { [K in keyof T]: T[K] extends { readonly lengthOf: string } ? K : never }[keyof T];

/**
 * Values to put on the wire instead of the computed ones, for the fields that hold a length
 * (Header Length, Data Length).
 */
export type LengthOverrides = { [K in LengthFieldsOf<typeof HEADER_FIELDS> | LengthFieldsOf<typeof OPTION_FIELDS>]?: number };

/** Encodes a message; throws RangeError/TypeError for values the wire cannot carry. */
export function encode(message: MessageInput, overrides: LengthOverrides = {}): Buffer {
  const spec = message.ack ? undefined : messageSpec(message.type);
  const layout = spec ? chooseLayout(spec, message) : undefined;
  const places = layout ? layoutOffsets(layout) : undefined;
  const items = places?.repeat ? (message[places.repeat.name] ?? []) : [];
  const payload = payloadBytes(message, places);
  const hlen = layout ? layoutHeaderLength(layout, items.length) : HEADER_LENGTH;
  const buf = Buffer.alloc(hlen + payload.length);
  /** The lengths a length field may hold, by what it is the length of. */
  const lengthOf = (f: FieldSpec): number | undefined =>
    f.lengthOf === "header" ? hlen : f.lengthOf === places?.payload?.name ? payload.length : undefined;
  const byName: Readonly<Partial<Record<string, number>>> = overrides;
  const override = (name: string): number | undefined => byName[name];

  for (const p of HEADER_PLACES) {
    const value = p.field.lengthOf ? (override(p.name) ?? lengthOf(p.field)) : (message[p.name] ?? 0);
    writeField(buf, p.offset, p.field, value);
  }
  if (places) {
    for (const p of places.options) {
      const f = p.field;
      const value = f.lengthOf ? (override(p.name) ?? lengthOf(f)) : (message[p.name] ?? f.default);
      writeField(buf, p.offset, f, value, message.pad);
    }
    if (places.repeat) {
      let offset = places.repeatOffset;
      for (const item of items) {
        writeItem(buf, offset, places.repeat.field, item);
        offset += places.repeat.itemSize;
      }
    }
  }
  buf.set(payload, hlen);
  return buf;
}

/** One item of a list: a uint of the item's size, or a list entry's fields at their places. */
function writeItem(buf: Buffer, offset: number, list: FieldSpec, item: number | ListEntry): void {
  if (list.item !== "entry") {
    writeField(buf, offset, list, item);
    return;
  }
  const entry = typeof item === "object" ? item : undefined;
  for (const p of ENTRY_PLACES) writeField(buf, offset + p.offset, p.field, entry?.[p.name], entry?.pad);
}

function writeField(buf: Buffer, offset: number, field: FieldSpec, value: unknown, pad?: number): void {
  if (value === undefined) throw new TypeError(`${field.abbrev} is required`);
  switch (field.kind) {
    case "username":
      if (typeof value !== "string" && !(value instanceof Uint8Array)) throw new TypeError(`${field.abbrev} must be a string`);
      writeUsername(buf, offset, value, pad ?? field.pad ?? 0, field.size);
      return;
    case "ipv4":
      writeIpv4(buf, offset, String(value));
      return;
    default:
      writeUint(buf, offset, field, Number(value));
  }
}

/** True when the message gives every field of the layout that a sender cannot compute or default. */
function fills(layout: Layout, message: MessageInput): boolean {
  for (const p of layoutOffsets(layout).options) {
    if (p.field.default === undefined && p.field.lengthOf === undefined && message[p.name] === undefined) return false;
  }
  return true;
}

/** The sender's form, or the first variant whose extra fields the message carries. */
function chooseLayout(spec: MessageSpec, message: MessageInput): Layout {
  // Prefer the largest layout the message fills, so a variant field that is set is not dropped.
  const candidates = spec.layouts.filter((l) => fills(l, message));
  const chosen = candidates.sort((a, b) => b.slots.length - a.slots.length)[0] ?? spec.layouts[0]!;
  const repeat = layoutOffsets(chosen).repeat;
  if (chosen.repeat && repeat) {
    const n = (message[repeat.name] ?? []).length;
    if (n < chosen.repeat.min) {
      throw new RangeError(
        `a ${spec.name} needs at least ${chosen.repeat.min} ${(repeat.field.itemLabel ?? repeat.field.label).toLowerCase()}`,
      );
    }
  }
  return chosen;
}

function payloadBytes(message: MessageInput, places: LayoutPlaces | undefined): Uint8Array {
  if (message.payload) return message.payload;
  if (places?.payload) {
    const text = message[places.payload.name];
    return Buffer.from(typeof text === "string" ? text : "", "utf8");
  }
  return new Uint8Array(0);
}
