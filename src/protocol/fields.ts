/**
 * Every field of the IMP wire format, declared once (WIRE.md sections 2, 3 and 7).
 *
 * A field is plain data in the manner of Wireshark's hf arrays: its display label, its dotted
 * filter name, its wire kind, its width, its bitmask inside its container, its value names and a
 * one-line blurb. Codec, dissector tree, display filters, Lua export and fuzzer all read these.
 */
import type { IdClass } from "./ids.js";
import type { ProblemKey } from "./problems.js";

/** How a field's bits are held on the wire. */
export type FieldKind =
  | "uint" // unsigned integer of `size` bytes, big-endian, optionally under `mask`
  | "username" // 8 ASCII bytes, left-aligned, padded (spaces or NULs)
  | "ipv4" // 4 bytes, dotted quad
  | "text" // UTF-8 payload of variable length
  | "list"; // repeated structure (list entries, invitees)

export type FieldBase = "dec" | "hex" | "none";

export interface FieldSpec {
  /** Key in decoded messages and vectors (`imp.` + name is the filter name). */
  readonly name: string;
  /** Dotted filter name, WIRE.md section 7. */
  readonly abbrev: string;
  /** Display label, as in a Wireshark tree. */
  readonly label: string;
  readonly kind: FieldKind;
  /** Width in bytes of the container the field lives in (0 for variable length). */
  readonly size: number;
  /** Bitmask inside the container; 0 means the whole container. */
  readonly mask: number;
  readonly base: FieldBase;
  /** Names for values, as Wireshark's value_string. */
  readonly values?: Readonly<Record<number, string>>;
  readonly blurb: string;
  /** Values a conforming sender may put there (checked by the codec as a protocol problem). */
  readonly valid?: readonly IdClass[];
  /** Byte a sender pads a short username with. */
  readonly pad?: number;
  /** The problem reported when the value is not `valid`. */
  readonly problem?: ProblemKey;
}

function uint8(name: string, label: string, blurb: string, extra: Partial<FieldSpec> = {}): FieldSpec {
  return { name, abbrev: `imp.${name}`, label, kind: "uint", size: 1, mask: 0, base: "dec", blurb, ...extra };
}

/** Value names of the 5-bit Type field; codes without a name are reserved. */
export const TYPE_NAMES: Readonly<Record<number, string>> = {
  0x00: "Connection Request",
  0x01: "Connection Accept",
  0x02: "Connection Reject",
  0x03: "User List Request",
  0x04: "User List Response",
  0x05: "Data Message",
  0x06: "Group Creation Request",
  0x07: "Group Creation Accept",
  0x08: "Group Creation Reject",
  0x09: "Group Invitation Request",
  0x0a: "Group Invitation Accept",
  0x0b: "Group Invitation Reject",
  0x0c: "Group Disjoint Request",
  0x0d: "Group Dissolution",
  0x0e: "Update List",
  0x0f: "Update Disconnection",
  0x10: "Disconnection Request",
};

export const MODE_NAMES: Readonly<Record<number, string>> = { 0: "Centralized", 1: "Decentralized" };
export const REJECT_ERROR_NAMES: Readonly<Record<number, string>> = {
  0: "Maximum number of users reached",
  1: "Username taken or invalid",
};
export const FLAG_NAMES: Readonly<Record<number, string>> = { 0: "Not set", 1: "Set" };

/** Special values of 8-bit group IDs (2..254 are private groups). */
export const GROUP_NAMES: Readonly<Record<number, string>> = { 0: "None", 1: "Public Group", 255: "Broadcast" };
/** Special values of 8-bit client IDs (1..255 are clients). */
export const CLIENT_NAMES: Readonly<Record<number, string>> = { 0: "Server / none" };

export const PUBLIC_GROUP = 1;
export const BROADCAST_GROUP = 255;
export const FIRST_PRIVATE_GROUP = 2;
export const LAST_PRIVATE_GROUP = 254;
export const HEADER_LENGTH = 5;
export const USERNAME_LENGTH = 8;
export const LIST_ENTRY_LENGTH = 16;
export const DEFAULT_PORT = 1313;

/** The header: 5 bytes, always present (WIRE.md section 2). Offsets are from the datagram start. */
export const HEADER_FIELDS = {
  type: { ...uint8("type", "Type", "Message type (5 bits); 0x11..0x1F are reserved"), mask: 0xf8, base: "hex", values: TYPE_NAMES },
  reserved: { ...uint8("reserved", "Reserved", "Reserved bit: senders set 0, receivers ignore it"), mask: 0x04, values: FLAG_NAMES, valid: ["zero"], problem: "reservedSet" },
  seq: { ...uint8("seq", "Sequence", "Alternating bit of stop-and-wait ARQ"), mask: 0x02 },
  ack: { ...uint8("ack", "Acknowledgement", "1: acknowledges the message of this Type and Sequence"), mask: 0x01, values: FLAG_NAMES },
  src: { ...uint8("src", "Source ID", "Sender's client ID; 0 = server or no ID yet"), values: CLIENT_NAMES },
  group: { ...uint8("group", "Group ID", "Destination group: 0 none, 1 public, 2..254 private, 255 broadcast"), values: GROUP_NAMES },
  hlen: { ...uint8("hlen", "Header Length", "Header plus options in bytes, never the payload; minimum 5"), size: 2 },
} as const satisfies Record<string, FieldSpec>;

/** Byte offset of each header field's container. */
export const HEADER_OFFSETS = { type: 0, reserved: 0, seq: 0, ack: 0, src: 1, group: 2, hlen: 3 } as const;

/** Fields of a list entry (16 bytes; WIRE.md section 2, diagram order, erratum E12). */
export const ENTRY_FIELDS = {
  client_id: uint8("client_id", "Client ID", "Client ID of this user", { abbrev: "imp.entry.client_id", values: CLIENT_NAMES, valid: ["client"], problem: "clientId" }),
  group: uint8("group", "Group ID", "Group this user is in", { abbrev: "imp.entry.group", values: GROUP_NAMES, valid: ["public", "private"], problem: "groupId" }),
  username: {
    name: "username", abbrev: "imp.entry.username", label: "Username", kind: "username", size: 8, mask: 0, base: "none",
    blurb: "Username, 8 bytes, NUL-padded", problem: "username", pad: 0x00,
  },
  ip: { name: "ip", abbrev: "imp.entry.ip", label: "IP address", kind: "ipv4", size: 4, mask: 0, base: "none", blurb: "IPv4 address of this user" },
  port: { ...uint8("port", "Port", "UDP port of this user", { abbrev: "imp.entry.port" }), size: 2 },
} as const satisfies Record<string, FieldSpec>;

/** Option fields; each message type's layout (messages.ts) names which ones it carries, in order. */
export const OPTION_FIELDS = {
  username: {
    name: "username", abbrev: "imp.username", label: "Username", kind: "username", size: 8, mask: 0, base: "none",
    blurb: "Requested username, 8 bytes, space-padded by senders", problem: "username", pad: 0x20,
  },
  client_id: uint8("client_id", "Client ID", "Client ID assigned by the server, or the client that left", { values: CLIENT_NAMES, valid: ["client"], problem: "target" }),
  error: { ...uint8("error", "Error", "Why the connection was rejected"), mask: 0x80, values: REJECT_ERROR_NAMES },
  mode: { ...uint8("mode", "Mode", "Group mode: 0 centralized, 1 decentralized"), mask: 0x80, values: MODE_NAMES },
  padding: { ...uint8("padding", "Padding", "Seven padding bits, sent as 0 and ignored"), mask: 0x7f, base: "hex", valid: ["zero"], problem: "padding" },
  new_group: uint8("new_group", "New Group ID", "Group ID the server assigned to the new group", { values: GROUP_NAMES, valid: ["private"], problem: "groupId" }),
  invite_group: uint8("invite_group", "Group ID", "Group the invitation is for", { values: GROUP_NAMES, valid: ["private"], problem: "groupId" }),
  invitee: uint8("invitee", "Invitee", "Client ID of the invited client", { valid: ["client"], problem: "target" }),
  invitees: {
    name: "invitees", abbrev: "imp.invitees", label: "Invitees", kind: "list", size: 1, mask: 0, base: "dec",
    blurb: "Client IDs invited to the new group, one byte each",
    valid: ["client"],
    problem: "target",
  },
  data_len: { ...uint8("data_len", "Data Length", "Length of the payload that follows the header"), size: 2 },
  data: { name: "data", abbrev: "imp.data", label: "Data", kind: "text", size: 0, mask: 0, base: "none", blurb: "Payload, UTF-8 text", problem: "utf8" },
  entry: {
    name: "entry", abbrev: "imp.entry", label: "Entry", kind: "list", size: LIST_ENTRY_LENGTH, mask: 0, base: "none",
    blurb: "User list entry: client ID, group ID, username, IPv4 address, UDP port",
  },
} as const satisfies Record<string, FieldSpec>;

export type HeaderFieldName = keyof typeof HEADER_FIELDS;
export type OptionFieldName = keyof typeof OPTION_FIELDS;
export type EntryFieldName = keyof typeof ENTRY_FIELDS;

/** Every field spec by its filter name (`imp.type`, `imp.entry.ip`, ...). */
export const FIELDS_BY_ABBREV: ReadonlyMap<string, FieldSpec> = new Map(
  [...Object.values(HEADER_FIELDS), ...Object.values(OPTION_FIELDS), ...Object.values(ENTRY_FIELDS)].map((f) => [f.abbrev, f]),
);

/** Number of bits a mask shifts its value by (0x80 -> 7, 0xF8 -> 3). */
export function maskShift(mask: number): number {
  if (mask === 0) return 0;
  let shift = 0;
  while (((mask >> shift) & 1) === 0) shift++;
  return shift;
}

/** Type name, or "Reserved (0x15)" for an unassigned code. */
export function typeName(code: number): string {
  return TYPE_NAMES[code] ?? `Reserved (0x${code.toString(16).padStart(2, "0")})`;
}
