import { describe, expect, it } from "vitest";
import { compileFilter, type FilterPacket } from "../../dissector/filter/index.js";
import { ALL, PACKETS } from "./packets.js";

function run(text: string, packets: readonly (FilterPacket & { number: number })[] = PACKETS): number[] {
  const c = compileFilter(text);
  if (!c.ok) throw new Error(`${text}: ${c.error.message} (column ${c.error.column})`);
  return packets.filter((p) => c.filter.matches(p)).map((p) => p.number);
}

const except = (...frames: number[]) => ALL.filter((n) => !frames.includes(n));

/** Expression -> frame numbers it must match, over test/filter/packets.ts. */
const TABLE: readonly (readonly [string, readonly number[]])[] = [
  // empty filter
  ["", ALL],
  ["   ", ALL],
  // protocol and field presence (a bare field tests presence, whatever its value)
  ["frame", ALL],
  ["ip", ALL],
  ["udp", ALL],
  ["imp", except(11)],
  ["!imp", [11]],
  ["imp.ack", except(9, 11)],
  ["imp.username", [1]],
  ["imp.data", [4, 5]],
  ["imp.entry", [8]],
  ["imp.analysis.retransmission", [5]],
  ["!imp.analysis.retransmission", except(5)],
  ["imp.analysis.ack_rtt", [3, 6]],
  ["imp.analysis.response_to", [2, 8]],
  ["imp.analysis.stale_ack", [13]],
  ["imp.analysis.unacked", [8]],
  ["imp.analysis.forced_disconnection", [10]],
  ["imp.analysis.forced_disconnection == 2", [10]],
  ['imp.analysis.forced_disconnection == "Server / none"', []],
  ["imp.analysis", [1, 2, 3, 4, 5, 6, 7, 8, 10, 13]],
  ["expert", [9, 10, 12]],
  ["imp.malformed", [9]],
  ["imp.malformed.short", [9]],
  ["imp.protocol", [10, 12]],
  // integers, value names (case-insensitive), hex and octal
  ["imp.type == 5", [4, 5, 6]],
  ['imp.type == "Data Message"', [4, 5, 6]],
  ['imp.type == "data message"', [4, 5, 6]],
  ["imp.type eq 0x05", [4, 5, 6]],
  ["imp.type == 05", [4, 5, 6]],
  ["imp.type == 0b101", [4, 5, 6]],
  ["imp.mode == Decentralized", [10]],
  ["imp.mode == 0", []],
  ["imp.ack == 1", [3, 6, 13]],
  ["imp.ack == 0", [1, 2, 4, 5, 7, 8, 10, 12]],
  ["imp.ack == true", [3, 6, 13]],
  ["imp.reserved == Set", [12]],
  ['imp.error == "Username taken or invalid"', [12]],
  ["imp.client_id == 1", [2]],
  ['imp.type == "Data Message" && imp.ack == 0', [4, 5]],
  ["imp.type != 5", [1, 2, 3, 7, 8, 10, 12, 13]],
  ["imp.type ne 5", [1, 2, 3, 7, 8, 10, 12, 13]],
  ["!(imp.type == 5)", except(4, 5, 6)],
  ["imp.src > 0", [3, 4, 5, 7, 8, 10]],
  ["imp.src gt 0", [3, 4, 5, 7, 8, 10]],
  ["imp.src >= 2", [4, 5]],
  ["imp.src ge 2", [4, 5]],
  ["imp.src < 1", [1, 2, 6, 12, 13]],
  ["imp.src lt 1", [1, 2, 6, 12, 13]],
  ["imp.src <= 1", [1, 2, 3, 6, 7, 8, 10, 12, 13]],
  ["imp.src le 1", [1, 2, 3, 6, 7, 8, 10, 12, 13]],
  ["2 == imp.src", [4, 5]],
  ["1 < imp.src", [4, 5]],
  ["imp.group == Broadcast", []],
  ['imp.group == "Public Group"', [4, 5, 7, 8]],
  // sets and ranges
  ["imp.type in {0..3 16}", [1, 2, 3, 7, 12, 13]],
  ["imp.type in {0..3, 16}", [1, 2, 3, 7, 12, 13]],
  ['imp.type in {"Connection Request", "User List Request"}', [1, 7]],
  ['imp.type in {"Connection Request".."Connection Reject"}', [1, 2, 3, 12, 13]],
  ["imp.type not in {5}", except(4, 5, 6)],
  ["frame.number in {1 3..4, 13}", [1, 3, 4, 13]],
  ['imp.entry.username in {"carol" "bob"}', [8]],
  ["frame.time_relative in {0.5..1.0}", [5, 6, 7]],
  // IPv4 addresses, CIDR, ip.addr = src or dst
  ["ip.src == 10.0.0.2", [4, 5, 9]],
  ["ip.addr == 10.0.0.2", [4, 5, 6, 9]],
  ["ip.addr == 10.0.0.0/8", [4, 5, 6, 9, 12, 13]],
  ['ip.addr == "10.0.0.0/8"', [4, 5, 6, 9, 12, 13]],
  ["ip.addr == 10.255.1.2/8", [4, 5, 6, 9, 12, 13]],
  ["ip.src == 127.0.0.1/32", [1, 2, 3, 6, 7, 8, 10, 11, 12]],
  ["ip.addr == 0.0.0.0/0", ALL],
  ["ip.dst == 10.0.0.2/31", [6, 12]],
  ["ip.dst == 10.0.0.3/32", [12]],
  ["ip.addr == 127.0.0.0/8", ALL],
  ["ip.addr != 127.0.0.1", []],
  ["ip.addr ~= 127.0.0.1", [4, 5, 6, 9, 12, 13]],
  ["ip.addr !== 127.0.0.1", [4, 5, 6, 9, 12, 13]],
  ["ip.addr any_ne 127.0.0.1", [4, 5, 6, 9, 12, 13]],
  ["ip.src != 127.0.0.1", [4, 5, 9, 13]],
  ["ip.addr != 10.0.0.0/8", [1, 2, 3, 7, 8, 10, 11]],
  ["ip.dst in {10.0.0.2 10.0.0.3}", [6, 12]],
  ["ip.src in {10.0.0.1..10.0.0.2}", [4, 5, 9]],
  ["ip.src > 10.0.0.2", [1, 2, 3, 6, 7, 8, 10, 11, 12, 13]],
  ["imp.entry.ip == 10.0.0.2", [8]],
  // UDP ports, udp.port = src or dst
  ["udp.port == 1313", except(11)],
  ["udp.srcport == 1313", [2, 6, 8, 12]],
  ["udp.dstport == 53", [11]],
  ["udp.port in {40001 40002}", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]],
  ["imp.entry.port == 40002", [8]],
  // frame
  ["frame.number <= 3", [1, 2, 3]],
  ["frame.time_relative >= 1", [7, 8, 9, 10, 11, 12, 13]],
  ["frame.time_relative < 0.5", [1, 2, 3, 4]],
  ["frame.len > 50", [1, 4, 5, 8, 11]],
  // strings: equality, ordering, contains, matches (case-sensitive unless (?i))
  ['imp.username == "alice"', [1]],
  ["imp.username == alice", [1]],
  ['imp.username == "\\x61lice"', [1]],
  ['imp.username > "a"', [1]],
  ['imp.entry.username == "bob"', [8]],
  ['imp.entry.username != "bob"', []],
  ['imp.entry.username !== "bob"', [8]],
  ['imp.entry.username contains "li"', [8]],
  ['imp.username contains "li"', [1]],
  ['imp.data contains "ell"', [4, 5]],
  ['imp.data contains "ELL"', []],
  ['imp.data matches "^H.l+o$"', [4, 5]],
  ['imp.data matches "hello"', []],
  ['imp.data matches "(?i)hello"', [4, 5]],
  ['imp.data ~ "lo$"', [4, 5]],
  ['expert.message contains "Reserved"', [12]],
  // several occurrences: any by default; all with ===, all_eq or the `all` quantifier
  ["imp.entry.client_id == 2", [8]],
  ["imp.entry.client_id === 1", []],
  ["imp.entry.group all_eq 1", [8]],
  ["all imp.entry.group == 1", [8]],
  ["all imp.entry.client_id in {1..2}", [8]],
  ["any imp.entry.client_id != 1", [8]],
  ["imp.invitees == 2", [10]],
  // functions
  ["count(imp.invitees) == 2", [10]],
  ["count(imp.entry) == 2", [8]],
  ["count(imp.entry) == 0", except(8)],
  ["count(ip.addr) == 2", ALL],
  ["len(imp.username) == 5", [1]],
  ["len(imp.entry.username) < 4", [8]],
  // analysis
  ["imp.analysis.ack_rtt > 0.1", [6]],
  ["imp.analysis.ack_rtt > 100e-3", [6]],
  ["imp.analysis.acked_in == 6", [4, 5]],
  ["imp.analysis.retransmission == 4", [5]],
  ["imp.analysis.ack_to == 4", [6]],
  // expert severity by name
  ["expert.severity >= warning", [9]],
  ["expert.severity == note", [10, 12]],
  ["expert.severity == Error", [9]],
  // logic and precedence: not > and > xor > or
  ["imp.type == 5 or imp.type == 1", [2, 3, 4, 5, 6]],
  ["imp.type == 5 || imp.type == 1 && imp.ack == 0", [2, 4, 5, 6]],
  ["(imp.type == 5 || imp.type == 1) && imp.ack == 0", [2, 4, 5]],
  ["not imp.ack == 1 and imp", [1, 2, 4, 5, 7, 8, 9, 10, 12]],
  ["imp.type == 5 xor imp.ack == 1", [3, 4, 5, 13]],
  ["imp.type == 5 ^^ imp.ack == 1", [3, 4, 5, 13]],
  ["!!imp.data", [4, 5]],
  ["imp.type == 5 AND imp.src == 2", [4, 5]],
  ["((imp.type==5))&&!imp.analysis.retransmission", [4, 6]],
  // field against field
  ["ip.src == ip.dst", [1, 2, 3, 7, 8, 10, 11]],
  ["udp.srcport < udp.dstport", [2, 6, 8, 12]],
];

describe("display filter matches", () => {
  for (const [text, frames] of TABLE) {
    it(JSON.stringify(text), () => {
      expect(run(text)).toEqual(frames);
    });
  }
});

describe("compiled filter", () => {
  it("lists the fields it reads, computed fields and groups expanded", () => {
    const c = compileFilter("ip.addr == 10.0.0.0/8 and imp.analysis and imp.type == 5");
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    expect(c.filter.fields).toContain("ip.src");
    expect(c.filter.fields).toContain("ip.dst");
    expect(c.filter.fields).not.toContain("ip.addr");
    expect(c.filter.fields).toContain("imp.analysis.retransmission");
    expect(c.filter.fields).toContain("imp.type");
    expect(c.filter.empty).toBe(false);
  });

  it("an empty filter says so", () => {
    const c = compileFilter("");
    expect(c.ok && c.filter.empty).toBe(true);
  });

  it("never asks the packet for a computed field", () => {
    const asked = new Set<string>();
    const c = compileFilter("ip.addr == 127.0.0.1 or udp.port == 1");
    if (!c.ok) throw new Error(c.error.message);
    c.filter.matches({
      values: (f) => {
        asked.add(f);
        return undefined;
      },
    });
    expect([...asked].sort()).toEqual(["ip.dst", "ip.src", "udp.dstport", "udp.srcport"]);
  });

  it("matches is a plain function", () => {
    const c = compileFilter("imp.type == 5");
    if (!c.ok) throw new Error(c.error.message);
    const { matches } = c.filter;
    expect(PACKETS.filter(matches).map((p) => p.number)).toEqual([4, 5, 6]);
  });

  it("reads IPv4 addresses given as numbers", () => {
    const p = { values: (f: string) => (f === "ip.src" ? [0x7f000001] : undefined) };
    const c = compileFilter("ip.src == 127.0.0.1 && ip.src == 127.0.0.0/8");
    expect(c.ok && c.filter.matches(p)).toBe(true);
  });

  it("evaluates a simple filter well under a microsecond", () => {
    const c = compileFilter("imp.type == 5 && imp.ack == 0");
    if (!c.ok) throw new Error(c.error.message);
    const f = c.filter.matches;
    const n = 200_000;
    let hits = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) if (f(PACKETS[i % PACKETS.length]!)) hits++;
    const usPerEval = ((performance.now() - t0) * 1000) / n;
    expect(hits).toBeGreaterThan(0);
    expect(usPerEval).toBeLessThan(1);
  });
});
