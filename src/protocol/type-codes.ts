/**
 * The 17 assigned type codes with their names (WIRE.md section 3): the one place a type code is
 * written as a number, and a type's name is written at all. `MSG` (codes by key), `TYPE_NAMES`
 * (the Type field's value names) and the message table (messages.ts) are derived from it.
 */

export const MESSAGE_TYPES = {
  connRequest: { code: 0x00, name: "Connection Request", short: "ConnReq" },
  connAccept: { code: 0x01, name: "Connection Accept", short: "ConnAccept" },
  connReject: { code: 0x02, name: "Connection Reject", short: "ConnReject" },
  listRequest: { code: 0x03, name: "User List Request", short: "ListReq" },
  listResponse: { code: 0x04, name: "User List Response", short: "ListResp" },
  data: { code: 0x05, name: "Data Message", short: "Data" },
  createRequest: { code: 0x06, name: "Group Creation Request", short: "CreateReq" },
  createAccept: { code: 0x07, name: "Group Creation Accept", short: "CreateAccept" },
  createReject: { code: 0x08, name: "Group Creation Reject", short: "CreateReject" },
  inviteRequest: { code: 0x09, name: "Group Invitation Request", short: "InviteReq" },
  inviteAccept: { code: 0x0a, name: "Group Invitation Accept", short: "InviteAccept" },
  inviteReject: { code: 0x0b, name: "Group Invitation Reject", short: "InviteReject" },
  disjoint: { code: 0x0c, name: "Group Disjoint Request", short: "Disjoint" },
  dissolution: { code: 0x0d, name: "Group Dissolution", short: "Dissolution" },
  updateList: { code: 0x0e, name: "Update List", short: "Update" },
  updateDisconnection: { code: 0x0f, name: "Update Disconnection", short: "UpdateDisc" },
  disconnect: { code: 0x10, name: "Disconnection Request", short: "DiscReq" },
} as const;

export type MessageKey = keyof typeof MESSAGE_TYPES;

/** Type codes by key, e.g. `MSG.data` (0x05). */
export const MSG: { readonly [K in MessageKey]: number } = mapTable(MESSAGE_TYPES, (t) => t.code);

/** Value names of the 5-bit Type field; codes without a name are reserved. */
export const TYPE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.values(MESSAGE_TYPES).map((t) => [t.code, t.name]));

/** Type name, or "Reserved (0x15)" for an unassigned code. */
export function typeName(code: number): string {
  return TYPE_NAMES[code] ?? `Reserved (0x${code.toString(16).padStart(2, "0")})`;
}

/**
 * A table with every entry mapped, under the same keys. The one place a derived table is
 * asserted to have its source's keys (Object.fromEntries cannot say so to the type checker).
 */
export function mapTable<T extends Record<string, unknown>, R>(
  table: T,
  f: (entry: T[keyof T], key: keyof T & string) => R,
): { readonly [K in keyof T]: R } {
  const out: Record<string, R> = {};
  for (const key of keysOf(table)) out[key] = f(table[key], key);
  return out as { readonly [K in keyof T]: R };
}

/** The keys of a table, typed as its keys (Object.keys says string[]). */
export function keysOf<T extends object>(table: T): (keyof T & string)[] {
  return Object.keys(table) as (keyof T & string)[];
}
