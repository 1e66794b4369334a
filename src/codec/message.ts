/**
 * The decoded form of an IMP datagram: the header fields plus whichever option fields its
 * layout carries, keyed by the names of WIRE.md section 7 (without the `imp.` prefix).
 */
import type { Layout, MessageSpec } from "../protocol/messages.js";
import type { Problem } from "../protocol/problems.js";

export interface ListEntry {
  client_id: number;
  group: number;
  username: string;
  /** Dotted-quad IPv4 address. */
  ip: string;
  port: number;
  /** Padding byte of the username when it was not the sender's default (NUL); kept for re-encoding. */
  pad?: number;
}

export interface ImpHeader {
  type: number;
  reserved: number;
  seq: number;
  ack: number;
  src: number;
  group: number;
  hlen: number;
}

export interface ImpOptions {
  username?: string;
  /** Padding byte of `username` when it was not the sender's default (space); kept for re-encoding. */
  pad?: number;
  client_id?: number;
  error?: number;
  mode?: number;
  padding?: number;
  new_group?: number;
  invite_group?: number;
  invitee?: number;
  invitees?: number[];
  data_len?: number;
  /** Payload as text (invalid UTF-8 replaced by U+FFFD; the bytes are in `payload`). */
  data?: string;
  entry?: ListEntry[];
}

export interface ImpMessage extends ImpHeader, ImpOptions {
  /** Raw payload bytes of a Data Message (exactly what was on the wire after the header). */
  payload?: Uint8Array;
}

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
