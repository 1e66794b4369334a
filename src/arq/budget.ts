/**
 * What the messages waiting in ARQ links cost: the encoded size of a message before it is
 * encoded, and a budget that sums what many links hold (a message shared by many links, a relay
 * to every member of a group, counts once: its bytes exist once).
 */
import type { MessageInput } from "../codec/message.js";

const HEADER = 5;
const ENTRY = 16;

/**
 * Encoded size of a message in bytes (header, options, payload), from the fields it carries,
 * without encoding it. It equals `encode(m).length` for every message that names only the
 * fields of its layout, as the server and client build them (test/arq/budget.test.ts).
 */
export function messageSize(m: MessageInput): number {
  let n = HEADER;
  if (m.username !== undefined) n += 8;
  if (m.client_id !== undefined) n += 1;
  if (m.error !== undefined || m.mode !== undefined) n += 1;
  if (m.new_group !== undefined) n += 1;
  if (m.invite_group !== undefined) n += 1;
  if (m.invitee !== undefined) n += 1;
  if (m.invitees !== undefined) n += m.invitees.length;
  if (m.entry !== undefined) n += ENTRY * m.entry.length;
  if (m.payload !== undefined) n += 2 + m.payload.length;
  else if (m.data !== undefined) n += 2 + Buffer.byteLength(m.data, "utf8");
  return n;
}

/** Bytes held by a set of links; `add`/`remove` are called by the links themselves. */
export class SendBudget {
  /** Encoded bytes held now. */
  bytes = 0;
  /** Largest value `bytes` reached. */
  peak = 0;

  constructor(
    /** What the owner allows in all; the links do not enforce it (see ServerCore.enforceBudget). */
    readonly maxBytes: number,
  ) {}

  get over(): boolean {
    return this.bytes > this.maxBytes;
  }

  add(n: number): void {
    this.bytes += n;
    if (this.bytes > this.peak) this.peak = this.bytes;
  }

  remove(n: number): void {
    this.bytes -= n;
  }
}
