/**
 * Codec throughput: decode and encode over a realistic mix of datagrams, beside a baseline that
 * only reads the 5 header bytes of the same datagrams (the floor of any decoder).
 */
import { decode } from "../src/codec/decode.js";
import { encode } from "../src/codec/encode.js";
import type { MessageInput } from "../src/codec/message.js";
import { MSG } from "../src/protocol/messages.js";
import { infoText } from "../dissector/summary/info.js";
import { printRows, timeIt, type BenchRow } from "./report.js";

/** A session-like mix: mostly data and ACKs, some control and lists. */
export function sampleMessages(): MessageInput[] {
  const entries = Array.from({ length: 6 }, (_, i) => ({
    client_id: i + 1,
    group: 1,
    username: `user${i}`,
    ip: "127.0.0.1",
    port: 40000 + i,
  }));
  return [
    { type: MSG.data, seq: 1, src: 2, group: 1, data: "hello everyone, how are you today?" },
    { type: MSG.data, seq: 1, ack: 1, src: 0, group: 0 },
    { type: MSG.data, seq: 0, src: 3, group: 2, data: "short" },
    { type: MSG.data, seq: 0, ack: 1, src: 3, group: 0 },
    { type: MSG.connRequest, seq: 1, username: "alice" },
    { type: MSG.connAccept, seq: 1, client_id: 7 },
    { type: MSG.listResponse, seq: 1, src: 7, group: 1, entry: entries },
    { type: MSG.updateList, seq: 0, group: 255, entry: entries.slice(0, 1) },
    { type: MSG.createRequest, seq: 1, src: 2, mode: 1, invitees: [3, 4] },
    { type: MSG.inviteRequest, seq: 0, src: 2, mode: 0, invite_group: 2, invitee: 3 },
  ];
}

export function benchCodec(n: number): BenchRow[] {
  const pool = sampleMessages().map((m) => encode(m));
  const mask = pool.length;
  let sink = 0;
  const base = timeIt(() => {
    for (let i = 0; i < n; i++) {
      const b = pool[i % mask]!;
      sink += (b[0]! >> 3) + b[1]! + b[2]! + ((b[3]! << 8) | b[4]!);
    }
    return n;
  });
  const dec = timeIt(() => {
    for (let i = 0; i < n; i++) sink += decode(pool[i % mask]!).problems.length;
    return n;
  });
  const info = timeIt(() => {
    for (let i = 0; i < n; i++) {
      const d = decode(pool[i % mask]!);
      if (d.message) sink += infoText(d.message).length;
    }
    return n;
  });
  const msgs = sampleMessages();
  const enc = timeIt(() => {
    for (let i = 0; i < n; i++) sink += encode(msgs[i % msgs.length]!).length;
    return n;
  });
  if (sink === -1) console.log("");
  const baseRate = base.items / base.seconds;
  return [
    { name: "baseline: read the 5 header bytes", rate: baseRate, unit: "datagrams" },
    { name: "decode (table-driven, with checks)", rate: dec.items / dec.seconds, unit: "datagrams", baseline: baseRate },
    { name: "decode + Info column", rate: info.items / info.seconds, unit: "datagrams", baseline: baseRate },
    { name: "encode", rate: enc.items / enc.seconds, unit: "datagrams", baseline: baseRate },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printRows("codec", benchCodec(Number(process.argv[2] ?? 1_000_000)));
}
