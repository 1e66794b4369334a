/**
 * The 17 IMP message types and the acknowledgement form, as one table (WIRE.md section 3).
 *
 * Each entry says what a conforming sender puts in Source ID and Group ID, which option fields
 * follow the header in which order (the first layout is the sender's form, later ones are
 * variants receivers accept), whether a payload follows, and what acknowledges the message.
 */
import { HEADER_LENGTH, LIST_ENTRY_LENGTH, OPTION_FIELDS, type OptionFieldName } from "./fields.js";
import type { IdClass } from "./ids.js";

/** Fields that share one container byte (mode + padding) or a single multi-byte field. */
export interface Slot {
  readonly fields: readonly OptionFieldName[];
  readonly size: number;
}

/** One accepted arrangement of the options; HL = 5 + fixed + n * repeat size. */
export interface Layout {
  readonly slots: readonly Slot[];
  readonly repeat?: { readonly field: "entry" | "invitees"; readonly min: number };
  /** Set on forms that receivers accept but senders do not use. */
  readonly variant?: string;
}

export type Direction = "C→S" | "S→C" | "C→C";

export type AckedBy =
  | { readonly kind: "ack" }
  | { readonly kind: "implicit"; readonly by: readonly number[] }
  | { readonly kind: "none" };

export interface MessageSpec {
  readonly code: number;
  readonly name: string;
  /** Short name for Info columns and logs. */
  readonly short: string;
  readonly directions: readonly Direction[];
  /** Accepted Source ID classes; the first is the sender's form. */
  readonly src: readonly IdClass[];
  readonly srcText: string;
  /** Accepted Group ID classes; the first is the sender's form. */
  readonly group: readonly IdClass[];
  readonly groupText: string;
  readonly layouts: readonly Layout[];
  /** A payload of `data_len` bytes follows the header. */
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

/** Type codes by name (WIRE.md section 3): the one place a code is written as a number. */
export const MSG = {
  connRequest: 0x00,
  connAccept: 0x01,
  connReject: 0x02,
  listRequest: 0x03,
  listResponse: 0x04,
  data: 0x05,
  createRequest: 0x06,
  createAccept: 0x07,
  createReject: 0x08,
  inviteRequest: 0x09,
  inviteAccept: 0x0a,
  inviteReject: 0x0b,
  disjoint: 0x0c,
  dissolution: 0x0d,
  updateList: 0x0e,
  updateDisconnection: 0x0f,
  disconnect: 0x10,
} as const;

const slot = (...fields: OptionFieldName[]): Slot => ({
  fields,
  size: Math.max(...fields.map((f) => OPTION_FIELDS[f].size)),
});
const MODE = slot("mode", "padding");
const ACK: AckedBy = { kind: "ack" };
const fixed = (...slots: Slot[]): Layout => ({ slots });

function spec(s: Omit<MessageSpec, "answers"> & { answers?: readonly number[] }): MessageSpec {
  return { answers: [], ...s };
}

export const MESSAGES: readonly MessageSpec[] = [
  spec({
    code: MSG.connRequest, name: "Connection Request", short: "ConnReq", directions: ["C→S"],
    src: ["zero"], srcText: "0", group: ["zero"], groupText: "0",
    layouts: [fixed(slot("username"))], payload: false, ackedBy: { kind: "implicit", by: [MSG.connAccept, MSG.connReject] },
    info: '"{username}"',
    blurb: "A client asks to join with a username",
  }),
  spec({
    code: MSG.connAccept, name: "Connection Accept", short: "ConnAccept", directions: ["S→C"],
    src: ["zero"], srcText: "0", group: ["zero"], groupText: "0",
    layouts: [fixed(slot("client_id"))], payload: false, ackedBy: ACK, answers: [MSG.connRequest],
    info: "id={client_id}",
    blurb: "The server accepts a connection and assigns a client ID",
  }),
  spec({
    code: MSG.connReject, name: "Connection Reject", short: "ConnReject", directions: ["S→C"],
    src: ["zero"], srcText: "0", group: ["zero"], groupText: "0",
    layouts: [fixed(slot("error", "padding"))], payload: false, ackedBy: { kind: "none" }, answers: [MSG.connRequest],
    info: "{error}",
    blurb: "The server refuses a connection (never retransmitted; a client may still ACK it)",
  }),
  spec({
    code: MSG.listRequest, name: "User List Request", short: "ListReq", directions: ["C→S"],
    src: ["client"], srcText: "the client", group: ["public"], groupText: "1",
    layouts: [fixed()], payload: false, ackedBy: { kind: "implicit", by: [MSG.listResponse] },
    info: "from {src}",
    blurb: "A client asks for the list of connected users",
  }),
  spec({
    code: MSG.listResponse, name: "User List Response", short: "ListResp", directions: ["S→C"],
    src: ["client", "zero"], srcText: "the requesting client (variant: 0)", group: ["public"], groupText: "1",
    layouts: [{ slots: [], repeat: { field: "entry", min: 0 } }], payload: false, ackedBy: ACK, answers: [MSG.listRequest],
    info: "{entry} to {src}",
    blurb: "Every connected client, requester included",
  }),
  spec({
    code: MSG.data, name: "Data Message", short: "Data", directions: ["C→S", "S→C", "C→C"],
    src: ["client"], srcText: "the originating client", group: ["public", "private"], groupText: "the destination group (1..254)",
    layouts: [fixed(slot("data_len"))], payload: true, ackedBy: ACK,
    info: "{src} → group {group} {data}",
    blurb: "Text for every member of a group",
  }),
  spec({
    code: MSG.createRequest, name: "Group Creation Request", short: "CreateReq", directions: ["C→S"],
    src: ["client"], srcText: "the creator", group: ["zero"], groupText: "0",
    layouts: [{ slots: [MODE], repeat: { field: "invitees", min: 1 } }], payload: false, ackedBy: ACK,
    info: "by {src} {mode}, inviting {invitees}",
    blurb: "A client asks for a private group with these invitees",
  }),
  spec({
    code: MSG.createAccept, name: "Group Creation Accept", short: "CreateAccept", directions: ["S→C"],
    src: ["zero", "client"], srcText: "0 (variant: the creator)", group: ["zero"], groupText: "0",
    layouts: [fixed(MODE, slot("new_group"))], payload: false, ackedBy: ACK,
    info: "group {new_group} {mode}",
    blurb: "The group exists: at least one invitee accepted",
  }),
  spec({
    code: MSG.createReject, name: "Group Creation Reject", short: "CreateReject", directions: ["S→C"],
    src: ["zero"], srcText: "0", group: ["zero"], groupText: "0",
    layouts: [fixed()], payload: false, ackedBy: ACK,
    info: "",
    blurb: "No invitee accepted, or no group could be made",
  }),
  spec({
    code: MSG.inviteRequest, name: "Group Invitation Request", short: "InviteReq", directions: ["C→S", "S→C"],
    src: ["client"], srcText: "the inviter", group: ["zero"], groupText: "0",
    layouts: [fixed(MODE, slot("invite_group"), slot("invitee"))], payload: false, ackedBy: ACK,
    info: "{src} invites {invitee} to group {invite_group} {mode}",
    blurb: "An invitation into a group, from a member or forwarded by the server",
  }),
  spec({
    code: MSG.inviteAccept, name: "Group Invitation Accept", short: "InviteAccept", directions: ["C→S", "S→C"],
    src: ["client"], srcText: "the invitee", group: ["zero"], groupText: "0",
    layouts: [
      fixed(MODE, slot("invite_group")),
      { slots: [MODE, slot("invite_group"), slot("invitee")], variant: "HL 8 with the invitee's client ID" },
    ],
    payload: false, ackedBy: ACK,
    info: "by {src}, group {invite_group}",
    blurb: "The invitee joins the group",
  }),
  spec({
    code: MSG.inviteReject, name: "Group Invitation Reject", short: "InviteReject", directions: ["C→S", "S→C"],
    src: ["client"], srcText: "the invitee", group: ["zero"], groupText: "0",
    layouts: [
      fixed(MODE, slot("invite_group")),
      { slots: [MODE, slot("invite_group"), slot("invitee")], variant: "HL 8 with the invitee's client ID" },
    ],
    payload: false, ackedBy: ACK,
    info: "by {src}, group {invite_group}",
    blurb: "The invitee declines, or the invitation timed out or was invalid",
  }),
  spec({
    code: MSG.disjoint, name: "Group Disjoint Request", short: "Disjoint", directions: ["C→S"],
    src: ["client"], srcText: "the client", group: ["zero"], groupText: "0",
    layouts: [fixed()], payload: false, ackedBy: ACK,
    info: "by {src}",
    blurb: "A client leaves its private group for the Public Group",
  }),
  spec({
    code: MSG.dissolution, name: "Group Dissolution", short: "Dissolution", directions: ["S→C"],
    src: ["zero"], srcText: "0", group: ["private", "public"], groupText: "the dissolved group (variant: 1)",
    layouts: [fixed()], payload: false, ackedBy: ACK,
    info: "group {group}",
    blurb: "The last member's group is dissolved; it goes back to the Public Group",
  }),
  spec({
    code: MSG.updateList, name: "Update List", short: "Update", directions: ["S→C"],
    src: ["zero"], srcText: "0", group: ["broadcast"], groupText: "255",
    layouts: [{ slots: [], repeat: { field: "entry", min: 1 } }], payload: false, ackedBy: ACK,
    info: "{entry}",
    blurb: "List entries that changed",
  }),
  spec({
    code: MSG.updateDisconnection, name: "Update Disconnection", short: "UpdateDisc", directions: ["S→C"],
    src: ["zero"], srcText: "0", group: ["broadcast"], groupText: "255",
    layouts: [fixed(slot("client_id"))], payload: false, ackedBy: ACK,
    info: "client {client_id}",
    blurb: "A client left the system",
  }),
  spec({
    code: MSG.disconnect, name: "Disconnection Request", short: "DiscReq", directions: ["C→S"],
    src: ["client"], srcText: "the client", group: ["zero"], groupText: "0",
    layouts: [fixed()], payload: false, ackedBy: ACK,
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

const BY_CODE: readonly (MessageSpec | undefined)[] = Array.from({ length: 32 }, (_, code) =>
  MESSAGES.find((m) => m.code === code),
);

/** The spec of an assigned type code, or undefined for a reserved one. */
export function messageSpec(code: number): MessageSpec | undefined {
  return BY_CODE[code];
}

export const TYPE_CODES: Readonly<Record<string, number>> = Object.fromEntries(MESSAGES.map((m) => [m.name, m.code]));

/** Size of one repeated item. */
export function repeatSize(field: "entry" | "invitees"): number {
  return field === "entry" ? LIST_ENTRY_LENGTH : OPTION_FIELDS.invitees.size;
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
