/**
 * Why the server drops a datagram, from the codec's problems (`dropReason`), and the same verdict
 * for the commonest junk without decoding it (`isReservedTypeJunk`): a flood of reserved-type
 * datagrams is shed with a table lookup and a few comparisons, no allocation (docs/PROTOCOL.md
 * 5.1). Both are derived from the tables: the reserved types are the codes with no message spec,
 * the length rules are the decoder's (Header Length at least the header, within the datagram; an
 * ACK is the header alone). test/server/triage.test.ts holds the shortcut equal to the decoder.
 */
import type { Decoded } from "../codec/index.js";
import { headerPlace } from "../codec/header.js";
import { maskShift } from "../protocol/fields.js";
import { HEADER_LENGTH, messageSpec, PROBLEMS } from "../protocol/index.js";
import type { DropReason } from "./counters.js";

/** Reason a receiver drops a datagram with this problem id, if any (derived from PROBLEMS). */
const DROP_BY_PROBLEM: ReadonlyMap<string, DropReason> = new Map(
  Object.values(PROBLEMS)
    .filter((p) => p.dropped)
    .map((p) => [p.id, p.category === "malformed" ? "malformed" : p.id === PROBLEMS.unknownType.id ? "reservedType" : "protocol"] as const),
);
const RANK: Readonly<Record<string, number>> = { malformed: 3, reservedType: 2, protocol: 1 };

/** The reason the server drops a decoded datagram (the gravest of its dropped problems), or null. */
export function dropReason(d: Decoded): DropReason | null {
  let reason: DropReason | null = null;
  for (const p of d.problems) {
    const r = DROP_BY_PROBLEM.get(p.id);
    if (r && (reason === null || RANK[r]! > RANK[reason]!)) reason = r;
  }
  return reason;
}

const TYPE = headerPlace("type");
const ACK = headerPlace("ack");
const HLEN = headerPlace("hlen");
if (TYPE.field.size !== 1 || ACK.field.size !== 1 || HLEN.field.size > 4) {
  throw new Error("triage: Type and Acknowledgement must sit in one byte each, Header Length in at most 4");
}

/** By the value of Type's byte: 1 when its Type has no message spec (reserved), else 0. */
const RESERVED_BY_BYTE: Uint8Array = Uint8Array.from({ length: 256 }, (_, b) =>
  messageSpec((b & TYPE.field.mask) >>> maskShift(TYPE.field.mask)) === undefined ? 1 : 0,
);

/**
 * True exactly when the decoder would give this datagram the drop reason "reservedType": its Type
 * is reserved and no length rule is broken (Header Length from the header's size to the datagram's,
 * and an ACK is the header alone). Reads three header fields; allocates nothing.
 */
export function isReservedTypeJunk(bytes: Uint8Array): boolean {
  const length = bytes.length;
  if (length < HEADER_LENGTH || RESERVED_BY_BYTE[bytes[TYPE.offset]!] === 0) return false;
  let hlen = 0;
  for (let i = 0; i < HLEN.field.size; i++) hlen = hlen * 256 + bytes[HLEN.offset + i]!;
  if (HLEN.field.mask !== 0) hlen = (hlen & HLEN.field.mask) >>> maskShift(HLEN.field.mask);
  if (hlen < HEADER_LENGTH || hlen > length) return false;
  if ((bytes[ACK.offset]! & ACK.field.mask) !== 0) return hlen === HEADER_LENGTH && length === HEADER_LENGTH;
  return true;
}
