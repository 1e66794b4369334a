/**
 * Display filters through `imp read -Y`: a table of expressions with the frames they must show
 * on the packet-loss capture (frame numbers are stable; see captures/README.md), and bad filters
 * with their error (exit 2, the caret under the column).
 */
import { describe, expect, it } from "vitest";
import { bundled, frameNumbers, imp } from "./helpers.js";

const LOSS = bundled("packet-loss.pcapng");

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

const TABLE: [string, number[]][] = [
  ["frame.number <= 3", [1, 2, 3]],
  ["imp.type == 0", [1, 7]],
  ['imp.type == "Connection Accept" && imp.ack == 0', [2, 8]],
  ["imp.type == 1 && imp.ack", [2, 3, 8, 9]], // imp.ack alone tests presence, as in Wireshark
  ["imp.type == 1 && imp.ack == 1", [3, 9]],
  ["udp.srcport == 1313 && imp.type in {1 4}", [2, 5, 8, 12]],
  ['imp.username == "bob"', [7]],
  ['imp.data contains "bob"', [35, ...range(37, 42)]],
  ['imp.data matches "(?i)^LET ME"', [28, 30, 32, 33]],
  ['imp.entry.username == "bob"', [11, 12]],
  ["count(imp.entry) == 2", [12]],
  ["imp.analysis.retransmission", [20, 38, 39, 40, 41, 42]],
  ["imp.analysis.retransmission == 37", [38, 39, 40, 41, 42]],
  ["imp.analysis.spurious_retransmission", [24, 25, 26, 32, 33]],
  ["imp.analysis.transmission == 6", [42]],
  ["imp.analysis.duplicate_ack", [27, 34]],
  ["imp.analysis.ack_rtt > 0.4", [21]],
  ['imp.analysis.src_name == "bob" && imp.type == 5 && imp.ack == 0', [19, 20, 24, 25, 26]],
  ["imp.analysis.ack_to == 19", [21]],
  // Known only from later frames: read twice automatically.
  ["imp.analysis.forced_disconnection", [42]],
  ["imp.analysis.forced_disconnection == 2", [42]],
  ["imp.analysis.unacked", [37]],
  ["imp.analysis.acked_in == 21", [19]],
  ["imp.analysis.response_in", [1, 4, 7, 10]],
  ["imp.malformed || imp.protocol", []],
  ["ip.addr == 127.0.0.1 && frame.number == 44", [44]],
  ["ip.src == 10.0.0.0/8", []],
];

describe("imp read -Y: expressions and the frames they show (packet-loss.pcapng)", () => {
  it.each(TABLE)("%s", async (filter, frames) => {
    const r = await imp("read", LOSS, "-Y", filter);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(frameNumbers(r.out)).toEqual(frames);
  });

  it("expert.severity sees the analysis experts of the view in use (-2: the final view)", async () => {
    expect(frameNumbers((await imp("read", LOSS, "-Y", "expert.severity == Error")).out)).toEqual([]);
    expect(frameNumbers((await imp("read", LOSS, "-2", "-Y", "expert.severity == Error")).out)).toEqual([42]);
    expect(frameNumbers((await imp("read", LOSS, "-2", "-Y", 'expert.message contains "never acknowledged"')).out)).toEqual([37]);
  });
});

describe("imp read -Y: bad filters", () => {
  it.each([
    ["imp.foo == 1", 1, '"imp.foo" is neither a field nor a protocol name'],
    ["imp.type == ", 13, ""],
    ['imp.type == "Nope"', 13, ""],
    ["imp.src == 256", 13, ""],
    ["(imp.type == 5", 1, ""],
    ["imp.type = 5", 10, ""],
    ["imp.analysis.forced_disconnection == bob", 38, ""],
  ])("%j: exit 2, the message and a caret under column %i", async (filter, column, message) => {
    const r = await imp("read", LOSS, "-Y", filter);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    const ls = r.err.split("\n");
    expect(ls[0]).toMatch(/^imp: invalid display filter \(-Y\), column (\d+):$/);
    const col = Number(/column (\d+)/.exec(ls[0]!)![1]);
    if (column > 1) expect(col).toBeGreaterThanOrEqual(Math.min(column, filter.length) - 2);
    else expect(col).toBe(1);
    expect(ls[1]).toBe(filter);
    expect(ls[2]).toMatch(new RegExp(`^ {${col - 1}}\\^~* \\S`));
    if (message) expect(ls[2]).toContain(message);
  });
});
