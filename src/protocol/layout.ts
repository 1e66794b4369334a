/**
 * Where every field sits, derived from the tables and nothing else: one walk from containers to
 * byte offsets serves the header (HEADER_LAYOUT), a list entry (ENTRY_FIELDS in order) and the
 * options of every message layout. Codec, tree, fuzzer and Lua export all read offsets here.
 */
import {
  ENTRY_FIELDS,
  HEADER_FIELDS,
  HEADER_LAYOUT,
  OPTION_FIELDS,
  container,
  maskShift,
  type EntryFieldName,
  type FieldSpec,
  type HeaderFieldName,
  type OptionFieldName,
  type Slot,
} from "./fields.js";
import { idClassTable } from "./ids.js";
import { keysOf, mapTable } from "./type-codes.js";

/** The list fields (entries, invitees): what a layout may repeat. */
export type RepeatFieldName = { [K in OptionFieldName]: (typeof OPTION_FIELDS)[K]["kind"] extends "list" ? K : never }[OptionFieldName];

/** One accepted arrangement of the options; HL = header + fixed + n * repeat size. */
export interface Layout {
  readonly slots: readonly Slot[];
  readonly repeat?: { readonly field: RepeatFieldName; readonly min: number };
  /** Set on forms that receivers accept but senders do not use. */
  readonly variant?: string;
}

/** A field at its place: the byte offset of its container (under `field.mask` when it shares it). */
export interface FieldPlace<N extends string = string> {
  readonly name: N;
  readonly field: FieldSpec;
  readonly offset: number;
  /** The field's `valid` values as a lookup table of 0..255 (1: allowed), when it has a value rule. */
  readonly allowed: Uint8Array | undefined;
}

/** The fields of `slots` at their offsets, the first container at `start`. */
export function placeSlots<N extends string>(
  slots: readonly Slot<N>[],
  table: Readonly<Record<N, FieldSpec>>,
  start: number,
): FieldPlace<N>[] {
  const out: FieldPlace<N>[] = [];
  let offset = start;
  for (const slot of slots) {
    for (const name of slot.fields) {
      const field = table[name];
      out.push({ name, field, offset, allowed: field.valid ? idClassTable(field.valid) : undefined });
    }
    offset += slot.size;
  }
  return out;
}

function endOf(places: readonly FieldPlace[]): number {
  let end = 0;
  for (const p of places) end = Math.max(end, p.offset + p.field.size);
  return end;
}

/** The header fields at their offsets from the datagram start. */
export const HEADER_PLACES: readonly FieldPlace<HeaderFieldName>[] = placeSlots(HEADER_LAYOUT, HEADER_FIELDS, 0);
/** Bytes of the header (5). */
export const HEADER_LENGTH = endOf(HEADER_PLACES);
/** Byte offset of each header field's container. */
export const HEADER_OFFSETS: { readonly [K in HeaderFieldName]: number } = mapTable(
  HEADER_FIELDS,
  (_, name) => HEADER_PLACES.find((p) => p.name === name)!.offset,
);

/** The fields of a list entry at their offsets from the entry's start, one container each. */
export const ENTRY_PLACES: readonly FieldPlace<EntryFieldName>[] = placeSlots(
  keysOf(ENTRY_FIELDS).map((name) => container(ENTRY_FIELDS, name)),
  ENTRY_FIELDS,
  0,
);
/** Bytes of a list entry (16). */
export const LIST_ENTRY_LENGTH = endOf(ENTRY_PLACES);
/** Bytes of a username field (8). */
export const USERNAME_LENGTH: number = OPTION_FIELDS.username.size;

/** Size of one repeated item. */
export function repeatSize(field: RepeatFieldName): number {
  return OPTION_FIELDS[field].size;
}

/** Where the options of a layout sit. */
export interface LayoutPlaces {
  /** The fixed option fields at their offsets from the datagram start. */
  readonly options: readonly FieldPlace<OptionFieldName>[];
  /** Offset of the first repeated item: the end of the fixed options. */
  readonly repeatOffset: number;
  /** The repeated field and the size of one item, when the layout has one. */
  readonly repeat:
    | { readonly name: RepeatFieldName; readonly field: FieldSpec; readonly itemSize: number; readonly allowed: Uint8Array | undefined }
    | undefined;
  /**
   * The field that holds the length of the payload after the header (Data Length, `lengthOf`)
   * and the payload field it names, when the layout has one.
   */
  readonly payload: { readonly length: FieldPlace<OptionFieldName>; readonly name: OptionFieldName; readonly field: FieldSpec } | undefined;
}

const placesCache = new WeakMap<Layout, LayoutPlaces>();

/** The places of a layout's options (computed once per layout). */
export function layoutOffsets(layout: Layout): LayoutPlaces {
  let hit = placesCache.get(layout);
  if (!hit) {
    const options = placeSlots(layout.slots, OPTION_FIELDS, HEADER_LENGTH);
    const r = layout.repeat;
    const length = options.find((p) => p.field.lengthOf !== undefined);
    const payloadName = keysOf(OPTION_FIELDS).find((k) => k === length?.field.lengthOf);
    hit = {
      options,
      repeatOffset: HEADER_LENGTH + fixedOptionBytes(layout),
      repeat: r ? repeatPlace(r.field) : undefined,
      payload: length && payloadName ? { length, name: payloadName, field: OPTION_FIELDS[payloadName] } : undefined,
    };
    placesCache.set(layout, hit);
  }
  return hit;
}

function repeatPlace(name: RepeatFieldName): NonNullable<LayoutPlaces["repeat"]> {
  const field: FieldSpec = OPTION_FIELDS[name];
  return { name, field, itemSize: repeatSize(name), allowed: field.valid ? idClassTable(field.valid) : undefined };
}

/** Bytes of options in a layout before its repeated part. */
export function fixedOptionBytes(layout: Layout): number {
  let n = 0;
  for (const s of layout.slots) n += s.size;
  return n;
}

/** Header length of a layout with `count` repeated items. */
export function layoutHeaderLength(layout: Layout, count = 0): number {
  return HEADER_LENGTH + fixedOptionBytes(layout) + (layout.repeat ? count * repeatSize(layout.repeat.field) : 0);
}

/** Largest value of a uint field (from its width and bitmask). */
export function fieldMax(field: FieldSpec): number {
  return field.mask !== 0 ? field.mask >>> maskShift(field.mask) : 2 ** (8 * field.size) - 1;
}
