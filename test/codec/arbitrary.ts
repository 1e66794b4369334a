/** fast-check generators of IMP messages, derived from the spec table (every type, every layout). */
import fc from "fast-check";
import type { ImpMessage } from "../../src/codec/index.js";
import { ENTRY_FIELDS, maskShift, OPTION_FIELDS, type FieldSpec } from "../../src/protocol/fields.js";
import { MESSAGES, type Layout, type MessageSpec } from "../../src/protocol/messages.js";

const username = fc
  .array(fc.integer({ min: 0x21, max: 0x7e }), { minLength: 1, maxLength: 8 })
  .map((codes) => String.fromCharCode(...codes).replace(/\\/g, "/"));

function fieldArb(f: FieldSpec): fc.Arbitrary<unknown> {
  switch (f.kind) {
    case "username":
      return username;
    case "ipv4":
      return fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join("."));
    case "text":
      return fc.string({ unit: "grapheme", maxLength: 200 });
    default: {
      const max = f.mask ? f.mask >>> maskShift(f.mask) : f.size === 2 ? 0xffff : 0xff;
      return fc.integer({ min: 0, max });
    }
  }
}

const entryArb = fc.record(
  Object.fromEntries(Object.entries(ENTRY_FIELDS).map(([k, f]) => [k, fieldArb(f)])) as Record<string, fc.Arbitrary<unknown>>,
);

function layoutArb(spec: MessageSpec, layout: Layout): fc.Arbitrary<ImpMessage> {
  const parts: Record<string, fc.Arbitrary<unknown>> = {
    type: fc.constant(spec.code),
    reserved: fc.nat(1),
    seq: fc.nat(1),
    ack: fc.constant(0),
    src: fc.nat(255),
    group: fc.nat(255),
  };
  for (const slot of layout.slots) {
    for (const name of slot.fields) if (name !== "data_len") parts[name] = fieldArb(OPTION_FIELDS[name]);
  }
  if (layout.repeat?.field === "invitees") parts.invitees = fc.array(fc.nat(255), { minLength: layout.repeat.min, maxLength: 40 });
  if (layout.repeat?.field === "entry") parts.entry = fc.array(entryArb, { minLength: layout.repeat.min, maxLength: 20 });
  if (spec.payload) parts.data = fieldArb(OPTION_FIELDS.data);
  return fc.record(parts) as unknown as fc.Arbitrary<ImpMessage>;
}

/** Any message of any assigned type in any accepted layout, or an acknowledgement of any type. */
export const messageArb: fc.Arbitrary<ImpMessage> = fc.oneof(
  ...MESSAGES.flatMap((spec) => spec.layouts.map((l) => layoutArb(spec, l))),
  fc.record({
    type: fc.nat(31),
    reserved: fc.nat(1),
    seq: fc.nat(1),
    ack: fc.constant(1),
    src: fc.nat(255),
    group: fc.nat(255),
  }) as unknown as fc.Arbitrary<ImpMessage>,
);
