/**
 * Encoding, derived from the spec table: the exact bytes WIRE.md prescribes for a sender
 * (space-padded username in a Connection Request, NUL-padded list entries, HL computed).
 * Length fields are computed unless the caller overrides them (the fuzzer lies on purpose).
 */
import { Buffer } from "node:buffer";
import {
  ENTRY_FIELDS,
  HEADER_FIELDS,
  HEADER_LENGTH,
  LIST_ENTRY_LENGTH,
  OPTION_FIELDS,
  type FieldSpec,
} from "../protocol/fields.js";
import { layoutHeaderLength, messageSpec, type Layout, type MessageSpec } from "../protocol/messages.js";
import { writeIpv4, writeUint, writeUsername } from "./field-codec.js";
import type { MessageInput } from "./message.js";

export interface LengthOverrides {
  /** Header Length to put on the wire instead of the computed one. */
  hlen?: number;
  /** Data Length to put on the wire instead of the payload's length. */
  data_len?: number;
}

/** Encodes a message; throws RangeError/TypeError for values the wire cannot carry. */
export function encode(message: MessageInput, overrides: LengthOverrides = {}): Buffer {
  const spec = message.ack ? undefined : messageSpec(message.type);
  const layout = spec ? chooseLayout(spec, message) : undefined;
  const count = layout?.repeat ? repeatItems(message, layout).length : 0;
  const payload = payloadBytes(message, spec);
  const hlen = layout ? layoutHeaderLength(layout, count) : HEADER_LENGTH;
  const buf = Buffer.alloc(hlen + payload.length);

  writeUint(buf, 0, HEADER_FIELDS.type, message.type);
  writeUint(buf, 0, HEADER_FIELDS.reserved, message.reserved ?? 0);
  writeUint(buf, 0, HEADER_FIELDS.seq, message.seq ?? 0);
  writeUint(buf, 0, HEADER_FIELDS.ack, message.ack ?? 0);
  writeUint(buf, 1, HEADER_FIELDS.src, message.src ?? 0);
  writeUint(buf, 2, HEADER_FIELDS.group, message.group ?? 0);
  writeUint(buf, 3, HEADER_FIELDS.hlen, overrides.hlen ?? hlen);

  if (layout) {
    const values = message as unknown as Record<string, unknown>;
    let offset = HEADER_LENGTH;
    for (const slot of layout.slots) {
      for (const name of slot.fields) {
        const field = OPTION_FIELDS[name];
        const value = name === "data_len" ? (overrides.data_len ?? payload.length) : (values[name] ?? (name === "padding" ? 0 : undefined));
        writeField(buf, offset, field, value, message.pad);
      }
      offset += slot.size;
    }
    if (layout.repeat?.field === "invitees") {
      for (const id of message.invitees ?? []) writeUint(buf, offset++, OPTION_FIELDS.invitees, id);
    } else if (layout.repeat?.field === "entry") {
      for (const entry of message.entry ?? []) {
        let at = offset;
        for (const [name, field] of Object.entries(ENTRY_FIELDS) as [string, FieldSpec][]) {
          writeField(buf, at, field, (entry as unknown as Record<string, unknown>)[name], entry.pad);
          at += field.size;
        }
        offset += LIST_ENTRY_LENGTH;
      }
    }
  }
  buf.set(payload, hlen);
  return buf;
}

function writeField(buf: Buffer, offset: number, field: FieldSpec, value: unknown, pad?: number): void {
  if (value === undefined) throw new TypeError(`${field.abbrev} is required`);
  switch (field.kind) {
    case "username":
      if (typeof value !== "string" && !(value instanceof Uint8Array)) throw new TypeError(`${field.abbrev} must be a string`);
      writeUsername(buf, offset, value, pad ?? field.pad ?? 0);
      return;
    case "ipv4":
      writeIpv4(buf, offset, String(value));
      return;
    default:
      writeUint(buf, offset, field, Number(value));
  }
}

/** The sender's form, or the first variant whose extra fields the message carries. */
function chooseLayout(spec: MessageSpec, message: MessageInput): Layout {
  const values = message as unknown as Record<string, unknown>;
  const complete = (l: Layout) =>
    l.slots.every((s) => s.fields.every((f) => f === "padding" || f === "data_len" || values[f] !== undefined));
  // Prefer the largest layout the message fills, so a variant field that is set is not dropped.
  const candidates = spec.layouts.filter(complete);
  const chosen = candidates.sort((a, b) => b.slots.length - a.slots.length)[0] ?? spec.layouts[0]!;
  if (chosen.repeat) {
    const n = repeatItems(message, chosen).length;
    if (n < chosen.repeat.min) {
      throw new RangeError(`a ${spec.name} needs at least ${chosen.repeat.min} ${chosen.repeat.field === "entry" ? "entry" : "invitee"}`);
    }
  }
  return chosen;
}

function repeatItems(message: MessageInput, layout: Layout): readonly unknown[] {
  return (layout.repeat?.field === "invitees" ? message.invitees : message.entry) ?? [];
}

function payloadBytes(message: MessageInput, spec: MessageSpec | undefined): Uint8Array {
  if (message.payload) return message.payload;
  if (spec?.payload) return Buffer.from(message.data ?? "", "utf8");
  return new Uint8Array(0);
}
