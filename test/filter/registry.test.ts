import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ANALYSIS_FILTER_FIELDS,
  DEFAULT_REGISTRY,
  FieldMap,
  FieldRegistry,
  compileFilter,
  recordPacket,
} from "../../dissector/filter/index.js";
import { ANALYSIS_EXPERTS, ANALYSIS_FIELDS } from "../../dissector/analysis/fields.js";
import { FIELDS_BY_ABBREV } from "../../src/protocol/fields.js";
import { PROBLEMS } from "../../src/protocol/problems.js";

describe("field registry", () => {
  it("holds every field of the spec table with its value names", () => {
    expect(FIELDS_BY_ABBREV.size).toBeGreaterThan(20);
    for (const [abbrev, spec] of FIELDS_BY_ABBREV) {
      const f = DEFAULT_REGISTRY.get(abbrev);
      expect(f, abbrev).toBeDefined();
      expect(f!.values, abbrev).toBe(spec.values);
      const expected = { uint: "uint", username: "string", text: "string", ipv4: "ipv4", list: spec.base === "none" ? "none" : "uint" }[
        spec.kind
      ];
      expect(f!.type, abbrev).toBe(expected);
    }
  });

  it("derives integer limits from width and mask", () => {
    expect(DEFAULT_REGISTRY.get("imp.type")!.max).toBe(31);
    expect(DEFAULT_REGISTRY.get("imp.ack")!.max).toBe(1);
    expect(DEFAULT_REGISTRY.get("imp.padding")!.max).toBe(127);
    expect(DEFAULT_REGISTRY.get("imp.hlen")!.max).toBe(65535);
    expect(DEFAULT_REGISTRY.get("imp.invitees")!.max).toBe(255);
  });

  it("knows every name of docs/PROTOCOL.md section 8 (WIRE.md section 7's list)", () => {
    const doc = readFileSync(new URL("../../docs/PROTOCOL.md", import.meta.url), "utf8");
    const start = doc.indexOf("\n## 8. Dissector field names");
    expect(start, "docs/PROTOCOL.md has a section 8 with the field names").toBeGreaterThan(0);
    const end = doc.indexOf("\n## ", start + 1);
    const section = doc.slice(start, end < 0 ? undefined : end);
    const names = [...section.matchAll(/`(imp[a-z_.]*)`/g)].map((m) => m[1]!).filter((n) => !n.endsWith("."));
    expect(names.length).toBeGreaterThan(20);
    for (const n of names) {
      const c = compileFilter(n);
      expect(c.ok, `${n}: ${c.ok ? "" : c.error.message}`).toBe(true);
    }
  });

  it("knows the capture, analysis and expert fields the issue asks for", () => {
    const want: Record<string, string> = {
      "frame.number": "framenum",
      "frame.time_relative": "float",
      "ip.src": "ipv4",
      "ip.dst": "ipv4",
      "ip.addr": "ipv4",
      "udp.srcport": "uint",
      "udp.dstport": "uint",
      "udp.port": "uint",
      "expert.severity": "uint",
      "imp.analysis.retransmission": "framenum",
      "imp.analysis.duplicate_ack": "framenum",
      "imp.analysis.stale_ack": "none",
      "imp.analysis.unacked": "none",
      "imp.analysis.acked_in": "framenum",
      "imp.analysis.ack_to": "framenum",
      "imp.analysis.ack_rtt": "float",
      "imp.analysis.response_in": "framenum",
      "imp.analysis.response_to": "framenum",
      "imp.analysis.forced_disconnection": "uint",
      "imp.analysis.invitation_timeout": "float",
    };
    for (const [name, type] of Object.entries(want)) expect(DEFAULT_REGISTRY.get(name)?.type, name).toBe(type);
    for (const p of Object.values(PROBLEMS)) expect(DEFAULT_REGISTRY.get(p.id)?.type, p.id).toBe("none");
  });

  it("holds every field and expert id of the analysis table, typed from it", () => {
    const mapped: Record<string, string> = {
      framenum: "framenum",
      uint: "uint",
      client: "uint",
      group: "uint",
      time: "float",
      string: "string",
      none: "none",
    };
    for (const spec of Object.values(ANALYSIS_FIELDS)) expect(DEFAULT_REGISTRY.get(spec.abbrev)?.type, spec.abbrev).toBe(mapped[spec.type]);
    for (const e of Object.values(ANALYSIS_EXPERTS)) expect(DEFAULT_REGISTRY.get(e.id), e.id).toBeDefined();
  });

  it("compiles a presence test for every registered field", () => {
    for (const f of DEFAULT_REGISTRY.all()) expect(compileFilter(f.abbrev).ok, f.abbrev).toBe(true);
  });

  it("completes names", () => {
    expect(DEFAULT_REGISTRY.complete("imp.analysis.")).toEqual(ANALYSIS_FILTER_FIELDS.map((f) => f.abbrev).sort());
    expect(DEFAULT_REGISTRY.complete("udp.")).toEqual(["udp.dstport", "udp.port", "udp.srcport"]);
  });

  it("can be extended, and compileFilter takes it", () => {
    const reg = DEFAULT_REGISTRY.extend([{ abbrev: "imp.analysis.retransmission_count", label: "Retransmissions", type: "uint", max: 5 }]);
    expect(compileFilter("imp.analysis.retransmission_count >= 2").ok).toBe(false);
    const c = compileFilter("imp.analysis.retransmission_count >= 2", reg);
    expect(c.ok && c.filter.matches(recordPacket({ "imp.analysis.retransmission_count": 3 }))).toBe(true);
    expect(compileFilter("imp.analysis.retransmission_count == 6", reg).ok).toBe(false);
  });

  it("refuses a field declared twice", () => {
    expect(
      () =>
        new FieldRegistry([
          { abbrev: "a.b", label: "A", type: "uint" },
          { abbrev: "a.b", label: "B", type: "uint" },
        ]),
    ).toThrow(/twice/);
  });

  it("value names are ASCII case-insensitive", () => {
    const f = DEFAULT_REGISTRY.get("imp.type")!;
    expect(DEFAULT_REGISTRY.valueOfName(f, "DATA MESSAGE")).toBe(5);
    expect(DEFAULT_REGISTRY.valueOfName(f, "Data  Message")).toBeUndefined();
  });
});

describe("recordPacket", () => {
  it("turns single values into one occurrence and keeps arrays", () => {
    const p = recordPacket({ "imp.type": 5, "imp.entry.username": ["a", "b"], "imp.data": undefined });
    expect(p.values("imp.type")).toEqual([5]);
    expect(p.values("imp.entry.username")).toEqual(["a", "b"]);
    expect(p.values("imp.data")).toBeUndefined();
  });
});

describe("FieldMap", () => {
  it("collects occurrences in order and clears for the next packet", () => {
    const m = new FieldMap().add("imp", true).add("imp.entry.username", "alice").add("imp.entry.username", "bob");
    expect(m.values("imp.entry.username")).toEqual(["alice", "bob"]);
    expect([...m.names()]).toEqual(["imp", "imp.entry.username"]);
    const c = compileFilter('imp.entry.username == "bob"');
    expect(c.ok && c.filter.matches(m)).toBe(true);
    m.clear();
    expect(m.values("imp")).toBeUndefined();
    expect(c.ok && c.filter.matches(m)).toBe(false);
  });
});
