/**
 * The decoded form of an IMP datagram: the header fields plus whichever option fields its
 * layout carries, keyed by the names of WIRE.md section 7 (without the `imp.` prefix). The types
 * are derived from the field tables (a field's kind gives its value's type), so that a field added
 * to a table is a property here without a second declaration.
 */
import type { ENTRY_FIELDS, EntryFieldName, HEADER_FIELDS, HeaderFieldName, OPTION_FIELDS, OptionFieldName } from "../protocol/fields.js";
import type { Layout } from "../protocol/layout.js";
import type { MessageSpec } from "../protocol/messages.js";
import type { Problem } from "../protocol/problems.js";

/** The value a field of this spec holds in a decoded message. */
export type FieldValueOf<F> = F extends { readonly kind: "uint" }
  ? number
  : F extends { readonly kind: "list"; readonly item: "entry" }
    ? ListEntry[]
    : F extends { readonly kind: "list" }
      ? number[]
      : string;

export type ListEntry = { -readonly [K in EntryFieldName]: FieldValueOf<(typeof ENTRY_FIELDS)[K]> } & {
  /** Padding byte of the username when it was not the sender's default (NUL); kept for re-encoding. */
  pad?: number;
};

export type ImpHeader = { -readonly [K in HeaderFieldName]: FieldValueOf<(typeof HEADER_FIELDS)[K]> };

export type ImpOptions = { -readonly [K in OptionFieldName]?: FieldValueOf<(typeof OPTION_FIELDS)[K]> } & {
  /** Padding byte of `username` when it was not the sender's default (space); kept for re-encoding. */
  pad?: number;
};

export type ImpMessage = ImpHeader &
  ImpOptions & {
    /** Raw payload bytes of a Data Message (exactly what was on the wire after the header). */
    payload?: Uint8Array;
  };

/** What `decode` returns; never thrown, whatever the bytes. */
export interface Decoded {
  /** Datagram length in bytes. */
  length: number;
  /** Null only when the datagram is shorter than the 5-byte header. */
  message: ImpMessage | null;
  /** Spec of an assigned type (undefined for reserved types and short datagrams). */
  spec: MessageSpec | undefined;
  /** Layout the options were read with; null when the options were not read (length rule broken). */
  layout: Layout | null;
  /** Number of repeated items (list entries, invitees) in the layout. */
  count: number;
  /** What the datagram breaks; a shared frozen empty array when it is clean. */
  problems: readonly Problem[];
}

/** Message to encode: header fields that have defaults may be left out. */
export type MessageInput = Partial<ImpHeader> & { type: number } & ImpOptions & { payload?: Uint8Array };

/**
 * Sets a field of a message or entry by name. The value's type follows from the field's kind,
 * which the reader of the table knows and the type checker cannot relate to a name it is given
 * at run time; this is the one place such a write is made.
 */
export function setField<T, K extends keyof T>(target: T, name: K, value: T[K]): void {
  target[name] = value;
}

/**
 * A list entry with every field of the table at its kind's zero value, in table order, so that
 * all entries share one shape. The type checker cannot see that a walk of ENTRY_FIELDS names
 * every key of ListEntry: this is the one place that says so.
 */
export function blankEntry(fields: Readonly<Record<EntryFieldName, { readonly kind: string }>>): ListEntry {
  const e: Record<string, number | string> = {};
  for (const [name, f] of Object.entries(fields)) e[name] = f.kind === "uint" ? 0 : "";
  return e as ListEntry;
}
