/**
 * The fuzzer's side of one fuzz client (server targets) or of the server it plays (client
 * targets): its ID, its stop-and-wait state towards the target, what it has outstanding, and
 * what the target told it (group, pending invitation). It acknowledges every message the target
 * sends it (unless the case drops that ACK), so stop-and-wait stays in step whatever the case did.
 */
import { decode, encode, headerValue, type Decoded } from "../../src/codec/index.js";
import { MSG, messageSpec, PUBLIC_GROUP } from "../../src/protocol/index.js";
import type { Role } from "../case.js";

export class FuzzPeer {
  id = 0;
  lastSent = 0;
  lastReceived = 0;
  group = PUBLIC_GROUP;
  connected = false;
  departed = false;
  hasList = false;
  invitation: { group: number; mode: number } | null = null;
  /** Type and Sequence of the last message sent that awaits its acknowledgement. */
  outstanding: { type: number; seq: number } | null = null;
  settled = false;
  /** Do not acknowledge what arrives (a case's dropAck, or the wait of a retransmission). */
  noAck = false;

  constructor(
    readonly role: Role,
    readonly socket: number,
    readonly name: string,
  ) {}

  reset(): void {
    this.id = 0;
    this.lastSent = 0;
    this.lastReceived = 0;
    this.group = PUBLIC_GROUP;
    this.connected = false;
    this.departed = false;
    this.hasList = false;
    this.invitation = null;
    this.outstanding = null;
    this.settled = false;
    this.noAck = false;
  }

  /** Records a datagram about to be sent (its Type and Sequence, when it awaits an answer). */
  sending(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (headerValue(bytes, "ack") !== 0) return;
    this.outstanding = { type: headerValue(bytes, "type"), seq: headerValue(bytes, "seq") };
    this.settled = false;
  }

  /**
   * Handles one datagram from the target; returns the ACK to send back, if any.
   * `serverSide`: this peer plays the server (client targets).
   */
  onReceive(bytes: Uint8Array, serverSide = false): { decoded: Decoded; reply: Uint8Array | null } {
    const d = decode(bytes);
    const m = d.message;
    if (!m || d.problems.some((p) => p.category === "malformed")) return { decoded: d, reply: null };
    const out = this.outstanding;
    if (m.ack === 1) {
      if (out && out.type === m.type && out.seq === m.seq) this.settled = true;
      return { decoded: d, reply: null };
    }
    const spec = messageSpec(m.type);
    if (out && spec?.answers.includes(out.type)) this.settled = true;
    if (!serverSide) {
      if (m.type === MSG.connAccept) {
        this.id = m.client_id ?? 0;
        this.connected = true;
        this.departed = false;
      }
      if (m.type === MSG.connReject) return { decoded: d, reply: null };
      if (m.type === MSG.listResponse) this.hasList = true;
      if (m.type === MSG.createAccept) this.group = m.new_group ?? this.group;
      if (m.type === MSG.dissolution) this.group = PUBLIC_GROUP;
      if (m.type === MSG.inviteRequest) this.invitation = { group: m.invite_group ?? 0, mode: m.mode ?? 0 };
    }
    this.lastReceived = m.seq;
    if (this.noAck) return { decoded: d, reply: null };
    const src = serverSide ? 0 : m.type === MSG.connAccept ? (m.client_id ?? 0) : this.id;
    return { decoded: d, reply: encode({ type: m.type, seq: m.seq, ack: 1, src, group: 0 }) };
  }
}
