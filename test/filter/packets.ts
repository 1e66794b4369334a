/**
 * Synthetic packets for filter tests: plain objects implementing FilterPacket, written out by
 * hand (no dissector involved), one small capture of a session.
 */
import type { FilterPacket, FilterValue } from "../../dissector/filter/index.js";

type Fields = Record<string, FilterValue | FilterValue[]>;

interface Endpoints {
  src: string;
  sport: number;
  dst: string;
  dport: number;
}

function frame(n: number, t: number, len: number, e: Endpoints, fields: Fields): FilterPacket & { number: number } {
  const all: Record<string, FilterValue[]> = {};
  const put = (k: string, v: FilterValue | FilterValue[]) => (all[k] = Array.isArray(v) ? v : [v]);
  put("frame", true);
  put("frame.number", n);
  put("frame.time_relative", t);
  put("frame.len", len);
  put("ip", true);
  put("ip.src", e.src);
  put("ip.dst", e.dst);
  put("udp", true);
  put("udp.srcport", e.sport);
  put("udp.dstport", e.dport);
  for (const [k, v] of Object.entries(fields)) put(k, v);
  return { number: n, values: (f: string) => all[f] };
}

const header = (type: number, seq: number, ack: number, src: number, group: number, hlen: number, reserved = 0): Fields => ({
  imp: true,
  "imp.type": type,
  "imp.reserved": reserved,
  "imp.seq": seq,
  "imp.ack": ack,
  "imp.src": src,
  "imp.group": group,
  "imp.hlen": hlen,
});

const ALICE = { src: "127.0.0.1", sport: 40001, dst: "127.0.0.1", dport: 1313 };
const TO_ALICE = { src: "127.0.0.1", sport: 1313, dst: "127.0.0.1", dport: 40001 };
const BOB = { src: "10.0.0.2", sport: 40002, dst: "127.0.0.1", dport: 1313 };
const TO_BOB = { src: "127.0.0.1", sport: 1313, dst: "10.0.0.2", dport: 40002 };
const TO_CAROL = { src: "127.0.0.1", sport: 1313, dst: "10.0.0.3", dport: 40003 };
const CAROL = { src: "10.0.0.3", sport: 40003, dst: "127.0.0.1", dport: 1313 };

export const PACKETS = [
  // 1 Connection Request from alice
  frame(1, 0, 55, ALICE, { ...header(0, 1, 0, 0, 0, 13), "imp.username": "alice", "imp.analysis.response_in": 2 }),
  // 2 Connection Accept, client_id 1
  frame(2, 0.001, 48, TO_ALICE, {
    ...header(1, 1, 0, 0, 0, 6),
    "imp.client_id": 1,
    "imp.analysis.response_to": 1,
    "imp.analysis.acked_in": 3,
  }),
  // 3 ACK of the Accept
  frame(3, 0.003, 47, ALICE, { ...header(1, 1, 1, 1, 0, 5), "imp.analysis.ack_to": 2, "imp.analysis.ack_rtt": 0.002 }),
  // 4 Data Message from bob
  frame(4, 0.1, 54, BOB, { ...header(5, 1, 0, 2, 1, 7), "imp.data_len": 5, "imp.data": "Hello", "imp.analysis.acked_in": 6 }),
  // 5 its retransmission
  frame(5, 0.6, 54, BOB, {
    ...header(5, 1, 0, 2, 1, 7),
    "imp.data_len": 5,
    "imp.data": "Hello",
    "imp.analysis.retransmission": 4,
    "imp.analysis.acked_in": 6,
  }),
  // 6 the server's ACK, 0.51 s after the first transmission
  frame(6, 0.61, 47, TO_BOB, { ...header(5, 1, 1, 0, 0, 5), "imp.analysis.ack_to": 4, "imp.analysis.ack_rtt": 0.51 }),
  // 7 User List Request from alice
  frame(7, 1, 47, ALICE, { ...header(3, 0, 0, 1, 1, 5), "imp.analysis.response_in": 8 }),
  // 8 User List Response with 2 entries, never acknowledged
  frame(8, 1.001, 79, TO_ALICE, {
    ...header(4, 1, 0, 1, 1, 37),
    "imp.entry": [true, true],
    "imp.entry.client_id": [1, 2],
    "imp.entry.group": [1, 1],
    "imp.entry.username": ["alice", "bob"],
    "imp.entry.ip": ["127.0.0.1", "10.0.0.2"],
    "imp.entry.port": [40001, 40002],
    "imp.analysis.response_to": 7,
    "imp.analysis.unacked": true,
  }),
  // 9 a 3-byte datagram: IMP, malformed, no header fields
  frame(9, 1.5, 45, BOB, {
    imp: true,
    "imp.malformed.short": true,
    "expert.severity": 3,
    "expert.message": "Datagram shorter than the 5-byte header",
  }),
  // 10 Group Creation Request, decentralized, bob invited twice; bob then vanished
  frame(10, 2, 50, ALICE, {
    ...header(6, 1, 0, 1, 0, 8),
    "imp.mode": 1,
    "imp.padding": 0,
    "imp.invitees": [2, 2],
    "imp.protocol.duplicate_invitee": true,
    "expert.severity": 1,
    "expert.message": "Client 2 invited twice",
    "imp.analysis.forced_disconnection": 2,
  }),
  // 11 not IMP: a DNS query
  frame(11, 2.5, 60, { src: "127.0.0.1", sport: 5353, dst: "127.0.0.1", dport: 53 }, {}),
  // 12 Connection Reject (username taken) with the reserved bit set
  frame(12, 3, 48, TO_CAROL, {
    ...header(2, 1, 0, 0, 0, 6, 1),
    "imp.error": 1,
    "imp.padding": 0,
    "imp.protocol.reserved_set": true,
    "expert.severity": 1,
    "expert.message": "Reserved bit set",
  }),
  // 13 carol's ACK with the wrong sequence: stale
  frame(13, 3.2, 47, CAROL, { ...header(2, 0, 1, 0, 0, 5), "imp.analysis.stale_ack": true }),
];

export const ALL = PACKETS.map((p) => p.number);
