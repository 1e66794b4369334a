/**
 * A 32-bit fingerprint of a datagram (FNV-1a), to tell a byte-identical retransmission from a new
 * message with the same Type and Sequence without keeping any bytes. From the raw bytes when the
 * caller has them; otherwise from every decoded field, which determines the bytes but for the
 * Sequence bit (compared apart) and padding.
 */
import type { Decoded } from "../../src/codec/message.js";

const OFFSET = 0x811c9dc5;
const PRIME = 16777619;

function mixBytes(h: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, PRIME);
  return h;
}

function mixString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), PRIME);
  return Math.imul(h ^ 0xff, PRIME);
}

const mix = (h: number, v: number): number => Math.imul(h ^ (v & 0xffff), PRIME);

export function fingerprint(d: Decoded, bytes?: Uint8Array): number {
  if (bytes) return mixBytes(OFFSET, bytes) >>> 0;
  const m = d.message;
  if (!m) return 0;
  let h = mix(mix(mix(mix(mix(OFFSET, d.length), m.src), m.group), m.hlen), m.reserved);
  if (m.username !== undefined) h = mixString(h, m.username);
  if (m.client_id !== undefined) h = mix(h, m.client_id);
  if (m.error !== undefined) h = mix(h, m.error);
  if (m.mode !== undefined) h = mix(h, m.mode);
  if (m.padding !== undefined) h = mix(h, m.padding);
  if (m.new_group !== undefined) h = mix(h, m.new_group);
  if (m.invite_group !== undefined) h = mix(h, m.invite_group);
  if (m.invitee !== undefined) h = mix(h, m.invitee);
  if (m.invitees) for (const id of m.invitees) h = mix(h, id);
  if (m.entry) {
    for (const e of m.entry) h = mixString(mix(mix(mix(mixString(h, e.username), e.client_id), e.group), e.port), e.ip);
  }
  if (m.payload) h = mixBytes(h, m.payload);
  return h >>> 0;
}
