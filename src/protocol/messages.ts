/**
 * The 17 IMP message types and the acknowledgement form, as one table (WIRE.md section 3).
 *
 * Each entry says who sends it to whom, which phase of a session it belongs to, what a
 * conforming sender puts in Source ID and Group ID, which option fields follow the header in
 * which order (the first layout is the sender's form, later ones are variants receivers accept),
 * and what acknowledges the message. Codes and names come from MESSAGE_TYPES (type-codes.ts);
 * whether a payload follows is derived from the layout (a field that holds its length).
 */
import { OPTION_FIELDS, container, type FieldSpec, type OptionFieldName, type Slot } from "./fields.js";
import type { IdClass } from "./ids.js";
import { layoutHeaderLength, repeatSize, type Layout } from "./layout.js";
import { MESSAGE_TYPES, MSG, type MessageKey } from "./type-codes.js";

export { MSG, MESSAGE_TYPES, type MessageKey } from "./type-codes.js";
export type { Slot } from "./fields.js";
export { fixedOptionBytes, layoutHeaderLength, repeatSize, type Layout, type RepeatFieldName } from "./layout.js";

export type Direction = "C→S" | "S→C" | "C→C";

export type AckedBy = { readonly kind: "ack" } | { readonly kind: "implicit"; readonly by: readonly number[] } | { readonly kind: "none" };

/**
 * The part of a client's session a message belongs to: `connect` (Connection Request, Accept,
 * Reject: recognised by state whatever their Sequence, WIRE.md section 4) or the `session` that
 * follows, where every message flips its link's Sequence.
 */
export type Phase = "connect" | "session";

export interface MessageSpec {
  /** Key in MESSAGE_TYPES and MSG. */
  readonly key: MessageKey;
  readonly code: number;
  readonly name: string;
  /** Short name for Info columns and logs. */
  readonly short: string;
  readonly directions: readonly Direction[];
  readonly phase: Phase;
  /** Accepted Source ID classes; the first is the sender's form. */
  readonly src: readonly IdClass[];
  readonly srcText: string;
  /** Accepted Group ID classes; the first is the sender's form. */
  readonly group: readonly IdClass[];
  readonly groupText: string;
  readonly layouts: readonly Layout[];
  /** A payload follows the header (derived: the layout holds a field with `lengthOf`). */
  readonly payload: boolean;
  readonly ackedBy: AckedBy;
  /** Request types this message acknowledges implicitly. */
  readonly answers: readonly number[];
  /**
   * Info column template after the message name: `{field}` is replaced by the field's display
   * (client IDs as `alice(1)` when the name is known, lists by their count or members).
   */
  readonly info: string;
  readonly blurb: string;
}

/** The option fields as plain specs (every property readable on every field). */
const OPTIONS: Readonly<Record<OptionFieldName, FieldSpec>> = OPTION_FIELDS;
const slot = (...fields: OptionFieldName[]): Slot => container(OPTION_FIELDS, ...fields);
const MODE = slot("mode", "padding");
const ACK: AckedBy = { kind: "ack" };
const fixed = (...slots: Slot[]): Layout => ({ slots });

type Declared = Omit<MessageSpec, "key" | "code" | "name" | "short" | "payload" | "answers" | "phase"> & {
  answers?: readonly number[];
  phase?: Phase;
};

/** A message type's entry: its code and names from MESSAGE_TYPES, the rest as declared. */
function spec(key: MessageKey, s: Declared): MessageSpec {
  const { code, name, short } = MESSAGE_TYPES[key];
  const payload = s.layouts[0]!.slots.some((sl) => sl.fields.some((f) => OPTIONS[f].lengthOf !== undefined));
  return { key, code, name, short, phase: "session", answers: [], payload, ...s };
}

export const MESSAGES: readonly MessageSpec[] = [
  spec("connRequest", {
    phase: "connect",
    directions: ["C→S"],
    src: ["zero"],
    srcText: "0",
    group: ["zero"],
    groupText: "0",
    layouts: [fixed(slot("username"))],
    ackedBy: { kind: "implicit", by: [MSG.connAccept, MSG.connReject] },
    info: '"{username}"',
    blurb: "A client asks to join with a username",
  }),
  spec("connAccept", {
    phase: "connect",
    directions: ["S→C"],
    src: ["zero"],
    srcText: "0",
    group: ["zero"],
    groupText: "0",
    layouts: [fixed(slot("client_id"))],
    ackedBy: ACK,
    answers: [MSG.connRequest],
    info: "id={client_id}",
    blurb: "The server accepts a connection and assigns a client ID",
  }),
  spec("connReject", {
    phase: "connect",
    directions: ["S→C"],
    src: ["zero"],
    srcText: "0",
    group: ["zero"],
    groupText: "0",
    layouts: [fixed(slot("error", "padding"))],
    ackedBy: { kind: "none" },
    answers: [MSG.connRequest],
    info: "{error}",
    blurb: "The server refuses a connection (never retransmitted; a client may still ACK it)",
  }),
  spec("listRequest", {
    directions: ["C→S"],
    src: ["client"],
    srcText: "the client",
    group: ["public"],
    groupText: "1",
    layouts: [fixed()],
    ackedBy: { kind: "implicit", by: [MSG.listResponse] },
    info: "from {src}",
    blurb: "A client asks for the list of connected users",
  }),
  spec("listResponse", {
    directions: ["S→C"],
    src: ["client", "zero"],
    srcText: "the requesting client (variant: 0)",
    group: ["public"],
    groupText: "1",
    layouts: [{ slots: [], repeat: { field: "entry", min: 0 } }],
    ackedBy: ACK,
    answers: [MSG.listRequest],
    info: "{entry} to {src}",
    blurb: "Every connected client, requester included",
  }),
  spec("data", {
    directions: ["C→S", "S→C", "C→C"],
    src: ["client"],
    srcText: "the originating client",
    group: ["public", "private"],
    groupText: "the destination group (1..254)",
    layouts: [fixed(slot("data_len"))],
    ackedBy: ACK,
    info: "{src} → group {group} {data}",
    blurb: "Text for every member of a group",
  }),
  spec("createRequest", {
    directions: ["C→S"],
    src: ["client"],
    srcText: "the creator",
    group: ["zero"],
    groupText: "0",
    layouts: [{ slots: [MODE], repeat: { field: "invitees", min: 1 } }],
    ackedBy: ACK,
    info: "by {src} {mode}, inviting {invitees}",
    blurb: "A client asks for a private group with these invitees",
  }),
  spec("createAccept", {
    directions: ["S→C"],
    src: ["zero", "client"],
    srcText: "0 (variant: the creator)",
    group: ["zero"],
    groupText: "0",
    layouts: [fixed(MODE, slot("new_group"))],
    ackedBy: ACK,
    info: "group {new_group} {mode}",
    blurb: "The group exists: at least one invitee accepted",
  }),
  spec("createReject", {
    directions: ["S→C"],
    src: ["zero"],
    srcText: "0",
    group: ["zero"],
    groupText: "0",
    layouts: [fixed()],
    ackedBy: ACK,
    info: "",
    blurb: "No invitee accepted, or no group could be made",
  }),
  spec("inviteRequest", {
    directions: ["C→S", "S→C"],
    src: ["client"],
    srcText: "the inviter",
    group: ["zero"],
    groupText: "0",
    layouts: [fixed(MODE, slot("invite_group"), slot("invitee"))],
    ackedBy: ACK,
    info: "{src} invites {invitee} to group {invite_group} {mode}",
    blurb: "An invitation into a group, from a member or forwarded by the server",
  }),
  spec("inviteAccept", {
    directions: ["C→S", "S→C"],
    src: ["client"],
    srcText: "the invitee",
    group: ["zero"],
    groupText: "0",
    layouts: [
      fixed(MODE, slot("invite_group")),
      { slots: [MODE, slot("invite_group"), slot("invitee")], variant: "HL 8 with the invitee's client ID" },
    ],
    ackedBy: ACK,
    info: "by {src}, group {invite_group}",
    blurb: "The invitee joins the group",
  }),
  spec("inviteReject", {
    directions: ["C→S", "S→C"],
    src: ["client"],
    srcText: "the invitee",
    group: ["zero"],
    groupText: "0",
    layouts: [
      fixed(MODE, slot("invite_group")),
      { slots: [MODE, slot("invite_group"), slot("invitee")], variant: "HL 8 with the invitee's client ID" },
    ],
    ackedBy: ACK,
    info: "by {src}, group {invite_group}",
    blurb: "The invitee declines, or the invitation timed out or was invalid",
  }),
  spec("disjoint", {
    directions: ["C→S"],
    src: ["client"],
    srcText: "the client",
    group: ["zero"],
    groupText: "0",
    layouts: [fixed()],
    ackedBy: ACK,
    info: "by {src}",
    blurb: "A client leaves its private group for the Public Group",
  }),
  spec("dissolution", {
    directions: ["S→C"],
    src: ["zero"],
    srcText: "0",
    group: ["private", "public"],
    groupText: "the dissolved group (variant: 1)",
    layouts: [fixed()],
    ackedBy: ACK,
    info: "group {group}",
    blurb: "The last member's group is dissolved; it goes back to the Public Group",
  }),
  spec("updateList", {
    directions: ["S→C"],
    src: ["zero"],
    srcText: "0",
    group: ["broadcast"],
    groupText: "255",
    layouts: [{ slots: [], repeat: { field: "entry", min: 1 } }],
    ackedBy: ACK,
    info: "{entry}",
    blurb: "List entries that changed",
  }),
  spec("updateDisconnection", {
    directions: ["S→C"],
    src: ["zero"],
    srcText: "0",
    group: ["broadcast"],
    groupText: "255",
    layouts: [fixed(slot("client_id"))],
    ackedBy: ACK,
    info: "client {client_id}",
    blurb: "A client left the system",
  }),
  spec("disconnect", {
    directions: ["C→S"],
    src: ["client"],
    srcText: "the client",
    group: ["zero"],
    groupText: "0",
    layouts: [fixed()],
    ackedBy: ACK,
    info: "by {src}",
    blurb: "A client leaves the system",
  }),
];

/** The acknowledgement form (A=1): any Type, header only. */
export const ACK_SPEC = {
  name: "Acknowledgement",
  short: "ACK",
  src: ["zero", "client"] as readonly IdClass[],
  srcText: "the acknowledger's ID, 0 from the server",
  group: ["zero"] as readonly IdClass[],
  groupText: "0",
  layout: fixed() as Layout,
  blurb: "Copies Type and Sequence of the message it acknowledges",
} as const;

const BY_CODE: readonly (MessageSpec | undefined)[] = Array.from({ length: 32 }, (_, code) => MESSAGES.find((m) => m.code === code));

/** The spec of an assigned type code, or undefined for a reserved one. */
export function messageSpec(code: number): MessageSpec | undefined {
  return BY_CODE[code];
}

export const TYPE_CODES: Readonly<Record<string, number>> = Object.fromEntries(MESSAGES.map((m) => [m.name, m.code]));

/** The layout whose header-length rule `hlen` satisfies, with its repeat count. */
export function layoutForHeaderLength(spec: MessageSpec, hlen: number): { layout: Layout; count: number } | undefined {
  for (const layout of spec.layouts) {
    const base = layoutHeaderLength(layout);
    if (!layout.repeat) {
      if (hlen === base) return { layout, count: 0 };
      continue;
    }
    const size = repeatSize(layout.repeat.field);
    const extra = hlen - base;
    if (extra >= 0 && extra % size === 0 && extra / size >= layout.repeat.min) return { layout, count: extra / size };
  }
  return undefined;
}

/** Human description of a type's header-length rule, e.g. "6 + n (n ≥ 1)" or "7 (variant: 8)". */
export function headerLengthRule(spec: MessageSpec): string {
  return spec.layouts
    .map((l, i) => {
      const base = layoutHeaderLength(l);
      const text = l.repeat
        ? `${base} + ${repeatSize(l.repeat.field) === 1 ? "" : repeatSize(l.repeat.field)}n${l.repeat.min > 0 ? ` (n ≥ ${l.repeat.min})` : ""}`
        : `${base}`;
      return i === 0 ? text : `variant: ${text}`;
    })
    .join(", ");
}
