/**
 * Micro-benchmark of compiled display filters over synthetic IMP packets.
 *
 *   npx tsx dissector/filter/bench-filter.ts [evaluations]
 *
 * Packets are Map-backed `FilterPacket`s, as a dissector would build them, built before timing:
 * the figures are the filter's own cost per packet.
 */
import { pathToFileURL } from "node:url";
import { MSG } from "../../src/protocol/messages.js";
import { compileFilter } from "./compile.js";
import type { FilterPacket, FilterValue } from "./packet.js";

export interface BenchResult {
  readonly filter: string;
  readonly evaluations: number;
  readonly matched: number;
  readonly perSecond: number;
  readonly nsPerEvaluation: number;
}

export const BENCH_FILTERS: readonly string[] = [
  "imp",
  "imp.type == 5",
  'imp.type == "Data Message" && imp.ack == 0',
  "ip.src == 127.0.0.1",
  "ip.addr == 127.0.0.0/8 and udp.port == 1313",
  "imp.type in {0..4 16} || imp.src > 10",
  'imp.entry.username == "bob" or imp.username contains "ali"',
  "imp.analysis.ack_rtt > 0.25 and not imp.analysis.retransmission",
  'imp.data matches "(?i)hello"',
  "imp.src != 1",
];

const NAMES = ["alice", "bob", "carol", "dave", "eve", "mallory"];

/** A deterministic mix of IMP packets (requests, data, ACKs, lists, retransmissions). */
export function benchPackets(count = 1024): FilterPacket[] {
  const out: FilterPacket[] = [];
  for (let i = 0; i < count; i++) {
    const m = new Map<string, FilterValue[]>();
    const type = [
      MSG.connRequest,
      MSG.connAccept,
      MSG.listRequest,
      MSG.listResponse,
      MSG.data,
      MSG.data,
      MSG.data,
      MSG.createRequest,
      MSG.inviteRequest,
      MSG.disconnect,
    ][i % 10]!;
    const ack = i % 3 === 0 ? 1 : 0;
    m.set("frame", [true]);
    m.set("frame.number", [i + 1]);
    m.set("frame.time_relative", [i * 0.01]);
    m.set("ip", [true]);
    m.set("ip.src", [i % 2 ? "127.0.0.1" : "10.0.0.2"]);
    m.set("ip.dst", ["127.0.0.1"]);
    m.set("udp", [true]);
    m.set("udp.srcport", [40000 + (i % 7)]);
    m.set("udp.dstport", [1313]);
    m.set("imp", [true]);
    m.set("imp.type", [type]);
    m.set("imp.ack", [ack]);
    m.set("imp.seq", [i & 1]);
    m.set("imp.src", [i % 12]);
    m.set("imp.group", [1]);
    m.set("imp.hlen", [5]);
    if (type === MSG.connRequest) m.set("imp.username", [NAMES[i % NAMES.length]!]);
    if (type === MSG.data && !ack) m.set("imp.data", [`Hello number ${i}`]);
    if (type === MSG.listResponse) {
      m.set("imp.entry", [true, true, true]);
      m.set("imp.entry.username", [NAMES[i % 6]!, NAMES[(i + 1) % 6]!, NAMES[(i + 2) % 6]!]);
    }
    if (ack) m.set("imp.analysis.ack_rtt", [(i % 50) / 100]);
    if (i % 17 === 0) m.set("imp.analysis.retransmission", [i]);
    out.push({ values: (f) => m.get(f) });
  }
  return out;
}

export function benchFilter(filters: readonly string[] = BENCH_FILTERS, evaluations = 2_000_000): BenchResult[] {
  const packets = benchPackets();
  const mask = packets.length - 1;
  const results: BenchResult[] = [];
  for (const text of filters) {
    const c = compileFilter(text);
    if (!c.ok) throw new Error(`bench filter does not compile: ${text}: ${c.error.message}`);
    const f = c.filter.matches;
    for (let i = 0; i < 200_000; i++) f(packets[i & mask]!); // warm-up
    let matched = 0;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < evaluations; i++) if (f(packets[i & mask]!)) matched++;
    const ns = Number(process.hrtime.bigint() - t0);
    results.push({
      filter: text,
      evaluations,
      matched,
      perSecond: Math.round((evaluations * 1e9) / ns),
      nsPerEvaluation: ns / evaluations,
    });
  }
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = Number(process.argv[2] ?? 2_000_000);
  for (const r of benchFilter(BENCH_FILTERS, n)) {
    console.log(`${(r.perSecond / 1e6).toFixed(1).padStart(6)} M evals/s ${r.nsPerEvaluation.toFixed(1).padStart(6)} ns  ${r.filter}`);
  }
}
