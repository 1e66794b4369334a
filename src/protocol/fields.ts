/**
 * Every field of the IMP wire format, declared once (WIRE.md sections 2, 3 and 7).
 *
 * A field is plain data in the manner of Wireshark's hf arrays: its display label, its dotted
 * filter name, its wire kind, its width, its bitmask inside its container, its value names and a
 * one-line blurb; what its value refers to (a client, a group), which field's length it holds and
 * what a sender puts when a message leaves it out, in the manner of Scapy's fields. Codec,
 * dissector tree, Info column, display filters, Lua export and fuzzer all read these; where a
 * field sits is derived from the containers below and the message layouts (layout.ts).
 */
import type { IdClass } from "./ids.js";
import type { ProblemKey } from "./problems.js";
import { TYPE_NAMES } from "./type-codes.js";

export { TYPE_NAMES, typeName } from "./type-codes.js";

/** How a field's bits are held on the wire. */
export type FieldKind =
  | "uint" // unsigned integer of `size` bytes, big-endian, optionally under `mask`
  | "username" // `size` (8) ASCII bytes, left-aligned, padded (spaces or NULs)
  | "ipv4" // 4 bytes, dotted quad
  | "text" // UTF-8 payload of variable length
  | "list"; // repeated items: one uint each (`item: "uint"`) or a list entry (`item: "entry"`)

export type FieldBase = "dec" | "hex" | "none";

export interface FieldSpec {
  /** Key in decoded messages and vectors (`imp.` + name is the filter name). */
  readonly name: string;
  /** Dotted filter name, WIRE.md section 7. */
  readonly abbrev: string;
  /** Display label, as in a Wireshark tree. */
  readonly label: string;
  readonly kind: FieldKind;
  /** Width in bytes of the container the field lives in (0 for variable length; one item of a list). */
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
  /** What the value names: a client ID (shown as `alice(1)` when the name is known) or a group ID. */
  readonly refers?: "client" | "group";
  /**
   * This field holds the length in bytes of that field, or with "header" of the header and its
   * options (Scapy's FieldLenField(length_of=...)); senders compute it.
   */
  readonly lengthOf?: string;
  /** Value a sender puts when the message leaves the field out (padding bits). */
  readonly default?: number;
  /** A list's items: one uint of `size` bytes each, or a list entry (ENTRY_FIELDS). */
  readonly item?: "uint" | "entry";
  /** Label of one item of a uint list in a protocol tree. */
  readonly itemLabel?: string;
  /** The problem reported for an item that repeats an earlier one of the same list. */
  readonly unique?: ProblemKey;
  /** How a tree shows one entry of a list: a template of its fields (`{username}`). */
  readonly itemText?: string;
  /** How the Info column shows one entry of a list: a template of its fields. */
  readonly itemInfo?: string;
  /** The Info column shows this field's value names in lower case. */
  readonly infoLowercase?: boolean;
}

/** Fields that share one container, in wire order (mode + padding), or a single field. */
export interface Slot<N extends string = OptionFieldName> {
  readonly fields: readonly N[];
  /** Width in bytes of the container: the widest of its fields. */
  readonly size: number;
}

/** A container of fields of `table`. */
export function container<T extends Readonly<Record<string, FieldSpec>>, N extends keyof T & string>(table: T, ...fields: N[]): Slot<N> {
  return { fields, size: Math.max(...fields.map((f) => table[f]!.size)) };
}

/** Bytes of a record whose fields follow each other in declaration order (a list entry). */
export function recordSize(table: Readonly<Record<string, FieldSpec>>): number {
  let n = 0;
  for (const f of Object.values(table)) n += f.size;
  return n;
}

type UintSpec = FieldSpec & { readonly kind: "uint" };

function uint8(name: string, label: string, blurb: string, extra: Partial<Omit<FieldSpec, "kind">> = {}): UintSpec {
  return { name, abbrev: `imp.${name}`, label, kind: "uint", size: 1, mask: 0, base: "dec", blurb, ...extra };
}

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
export const DEFAULT_PORT = 1313;

/** The header: 5 bytes, always present (WIRE.md section 2); its containers are HEADER_LAYOUT. */
export const HEADER_FIELDS = {
  type: { ...uint8("type", "Type", "Message type (5 bits); 0x11..0x1F are reserved"), mask: 0xf8, base: "hex", values: TYPE_NAMES },
  reserved: {
    ...uint8("reserved", "Reserved", "Reserved bit: senders set 0, receivers ignore it"),
    mask: 0x04,
    values: FLAG_NAMES,
    valid: ["zero"],
    problem: "reservedSet",
  },
  seq: { ...uint8("seq", "Sequence", "Alternating bit of stop-and-wait ARQ"), mask: 0x02 },
  ack: { ...uint8("ack", "Acknowledgement", "1: acknowledges the message of this Type and Sequence"), mask: 0x01, values: FLAG_NAMES },
  src: { ...uint8("src", "Source ID", "Sender's client ID; 0 = server or no ID yet"), values: CLIENT_NAMES, refers: "client" },
  group: {
    ...uint8("group", "Group ID", "Destination group: 0 none, 1 public, 2..254 private, 255 broadcast"),
    values: GROUP_NAMES,
    refers: "group",
  },
  hlen: { ...uint8("hlen", "Header Length", "Header plus options in bytes, never the payload; minimum 5"), size: 2, lengthOf: "header" },
} as const satisfies Record<string, FieldSpec>;

/** The header's containers in wire order: Type, R, S and A share byte 0 under their masks. */
export const HEADER_LAYOUT: readonly Slot<HeaderFieldName>[] = [
  container(HEADER_FIELDS, "type", "reserved", "seq", "ack"),
  container(HEADER_FIELDS, "src"),
  container(HEADER_FIELDS, "group"),
  container(HEADER_FIELDS, "hlen"),
];

/** Fields of a list entry, in wire order (16 bytes; WIRE.md section 2, diagram order, erratum E12). */
export const ENTRY_FIELDS = {
  client_id: uint8("client_id", "Client ID", "Client ID of this user", {
    abbrev: "imp.entry.client_id",
    values: CLIENT_NAMES,
    valid: ["client"],
    problem: "clientId",
    refers: "client",
  }),
  group: uint8("group", "Group ID", "Group this user is in", {
    abbrev: "imp.entry.group",
    values: GROUP_NAMES,
    valid: ["public", "private"],
    problem: "groupId",
    refers: "group",
  }),
  username: {
    name: "username",
    abbrev: "imp.entry.username",
    label: "Username",
    kind: "username",
    size: 8,
    mask: 0,
    base: "none",
    blurb: "Username, 8 bytes, NUL-padded",
    problem: "username",
    pad: 0x00,
  },
  ip: {
    name: "ip",
    abbrev: "imp.entry.ip",
    label: "IP address",
    kind: "ipv4",
    size: 4,
    mask: 0,
    base: "none",
    blurb: "IPv4 address of this user",
  },
  port: { ...uint8("port", "Port", "UDP port of this user", { abbrev: "imp.entry.port" }), size: 2 },
} as const satisfies Record<string, FieldSpec>;

/** Option fields; each message type's layout (messages.ts) names which ones it carries, in order. */
export const OPTION_FIELDS = {
  username: {
    name: "username",
    abbrev: "imp.username",
    label: "Username",
    kind: "username",
    size: 8,
    mask: 0,
    base: "none",
    blurb: "Requested username, 8 bytes, space-padded by senders",
    problem: "username",
    pad: 0x20,
  },
  client_id: uint8("client_id", "Client ID", "Client ID assigned by the server, or the client that left", {
    values: CLIENT_NAMES,
    valid: ["client"],
    problem: "target",
    refers: "client",
  }),
  error: { ...uint8("error", "Error", "Why the connection was rejected"), mask: 0x80, values: REJECT_ERROR_NAMES },
  mode: { ...uint8("mode", "Mode", "Group mode: 0 centralized, 1 decentralized"), mask: 0x80, values: MODE_NAMES, infoLowercase: true },
  padding: {
    ...uint8("padding", "Padding", "Seven padding bits, sent as 0 and ignored"),
    mask: 0x7f,
    base: "hex",
    valid: ["zero"],
    problem: "padding",
    default: 0,
  },
  new_group: uint8("new_group", "New Group ID", "Group ID the server assigned to the new group", {
    values: GROUP_NAMES,
    valid: ["private"],
    problem: "groupId",
    refers: "group",
  }),
  invite_group: uint8("invite_group", "Group ID", "Group the invitation is for", {
    values: GROUP_NAMES,
    valid: ["private"],
    problem: "groupId",
    refers: "group",
  }),
  invitee: uint8("invitee", "Invitee", "Client ID of the invited client", { valid: ["client"], problem: "target", refers: "client" }),
  invitees: {
    name: "invitees",
    abbrev: "imp.invitees",
    label: "Invitees",
    kind: "list",
    item: "uint",
    size: 1,
    mask: 0,
    base: "dec",
    blurb: "Client IDs invited to the new group, one byte each",
    valid: ["client"],
    problem: "target",
    refers: "client",
    itemLabel: "Invitee",
    unique: "duplicateInvitee",
  },
  data_len: { ...uint8("data_len", "Data Length", "Length of the payload that follows the header"), size: 2, lengthOf: "data" },
  /** Payload as text (invalid UTF-8 replaced by U+FFFD; decoded messages keep the bytes in `payload`). */
  data: {
    name: "data",
    abbrev: "imp.data",
    label: "Data",
    kind: "text",
    size: 0,
    mask: 0,
    base: "none",
    blurb: "Payload, UTF-8 text",
    problem: "utf8",
  },
  entry: {
    name: "entry",
    abbrev: "imp.entry",
    label: "Entry",
    kind: "list",
    item: "entry",
    size: recordSize(ENTRY_FIELDS),
    mask: 0,
    base: "none",
    blurb: "User list entry: client ID, group ID, username, IPv4 address, UDP port",
    itemText: "{username} ({client_id}), group {group}, {ip}:{port}",
    itemInfo: "{username}({client_id}) group {group}",
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
