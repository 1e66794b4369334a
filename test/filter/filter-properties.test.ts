import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileFilter, type FilterPacket } from "../../dissector/filter/index.js";
import { ALL, PACKETS } from "./packets.js";

function frames(text: string): number[] {
  const c = compileFilter(text);
  if (!c.ok) throw new Error(`${text}: ${c.error.message}`);
  return PACKETS.filter((p: FilterPacket & { number: number }) => c.filter.matches(p)).map((p) => p.number);
}

/** Filters with different match sets, to combine. */
const BASE = [
  "imp",
  "imp.type == 5",
  "imp.ack == 1",
  "imp.analysis.retransmission",
  "ip.addr == 10.0.0.0/8",
  'imp.entry.username == "bob"',
  "imp.src > 0",
  "frame.time_relative < 1",
  "expert.severity >= note",
  "imp.type in {0..3}",
  'imp.data contains "ell"',
  "udp.port == 53",
];

const arbBase = fc.constantFrom(...BASE);
const set = (xs: number[]) => new Set(xs);

describe("logical operators are set operations on the matched frames", () => {
  it("the base filters are not trivial (each matches some frames, not all)", () => {
    for (const b of BASE) {
      const m = frames(b);
      expect(m.length, b).toBeGreaterThan(0);
      expect(m.length, b).toBeLessThan(ALL.length);
    }
  });

  it("not X is the complement of X", () => {
    fc.assert(
      fc.property(arbBase, (x) => {
        const m = set(frames(x));
        expect(frames(`not ${x}`)).toEqual(ALL.filter((n) => !m.has(n)));
        expect(frames(`!(${x})`)).toEqual(ALL.filter((n) => !m.has(n)));
      }),
    );
  });

  it("X or Y is the union, X and Y the intersection, X xor Y the symmetric difference", () => {
    fc.assert(
      fc.property(arbBase, arbBase, (x, y) => {
        const a = set(frames(x));
        const b = set(frames(y));
        expect(frames(`${x} or ${y}`)).toEqual(ALL.filter((n) => a.has(n) || b.has(n)));
        expect(frames(`${x} || ${y}`)).toEqual(ALL.filter((n) => a.has(n) || b.has(n)));
        expect(frames(`${x} and ${y}`)).toEqual(ALL.filter((n) => a.has(n) && b.has(n)));
        expect(frames(`${x} && ${y}`)).toEqual(ALL.filter((n) => a.has(n) && b.has(n)));
        expect(frames(`${x} xor ${y}`)).toEqual(ALL.filter((n) => a.has(n) !== b.has(n)));
      }),
      { numRuns: 200 },
    );
  });

  it("and binds tighter than or, not tighter than and", () => {
    fc.assert(
      fc.property(arbBase, arbBase, arbBase, (x, y, z) => {
        expect(frames(`${x} or ${y} and ${z}`)).toEqual(frames(`(${x}) or ((${y}) and (${z}))`));
        expect(frames(`${x} and ${y} or ${z}`)).toEqual(frames(`((${x}) and (${y})) or (${z})`));
        expect(frames(`not ${x} and ${y}`)).toEqual(frames(`(not (${x})) and (${y})`));
      }),
      { numRuns: 200 },
    );
  });

  it("De Morgan", () => {
    fc.assert(
      fc.property(arbBase, arbBase, (x, y) => {
        expect(frames(`not (${x} or ${y})`)).toEqual(frames(`not ${x} and not ${y}`));
      }),
      { numRuns: 100 },
    );
  });
});

describe("comparison semantics (Wireshark 4)", () => {
  const present = (f: string) => set(frames(f));

  it("for a field with one occurrence, a != v is the complement of a == v among packets that have a", () => {
    for (const [field, value] of [
      ["imp.type", "5"],
      ["imp.src", "1"],
      ["ip.src", "10.0.0.2"],
      ["imp.username", '"alice"'],
    ] as const) {
      const has = present(field);
      const eq = set(frames(`${field} == ${value}`));
      expect(frames(`${field} != ${value}`), field).toEqual(ALL.filter((n) => has.has(n) && !eq.has(n)));
    }
  });

  it("a comparison on an absent field is false, whatever the operator", () => {
    for (const op of ["==", "!=", "===", "!==", "<", ">", "<=", ">="]) {
      expect(frames(`imp.client_id ${op} 7`), op).toEqual(op === "!=" || op === "!==" || op === "<" || op === "<=" ? [2] : []);
    }
  });

  it("== is any, != is all, === is all, !== is any over several occurrences", () => {
    // frame 8 has imp.entry.client_id 1 and 2
    expect(frames("imp.entry.client_id == 1")).toEqual([8]);
    expect(frames("imp.entry.client_id != 1")).toEqual([]);
    expect(frames("imp.entry.client_id != 3")).toEqual([8]);
    expect(frames("imp.entry.client_id === 1")).toEqual([]);
    expect(frames("imp.entry.client_id === 1 or imp.entry.client_id all_eq 2")).toEqual([]);
    expect(frames("imp.entry.client_id !== 1")).toEqual([8]);
    expect(frames("imp.entry.client_id !== 3")).toEqual([8]);
  });

  it("symbol and word operators agree", () => {
    const pairs = [
      ["==", "eq"],
      ["!=", "ne"],
      ["<", "lt"],
      [">", "gt"],
      ["<=", "le"],
      [">=", "ge"],
      ["!==", "any_ne"],
      ["===", "all_eq"],
      ["!=", "all_ne"],
      ["==", "any_eq"],
    ];
    for (const [sym, word] of pairs) expect(frames(`imp.src ${word} 1`), word).toEqual(frames(`imp.src ${sym} 1`));
  });
});
