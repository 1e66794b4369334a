/**
 * One table, said once: this file runs codec, protocol tree, display filters, fuzzer and Lua
 * export on an altered copy of the field table (vi.mock of src/protocol/fields.ts), the kind of
 * change a maintainer makes to the table alone:
 * - the header's Source ID and Group ID containers swap places (byte 2 and byte 1);
 * - the Sequence and Acknowledgement bits swap masks (0x01 and 0x02);
 * - the invitation's Group ID (`invite_group`) is 16 bits wide;
 * - the list entry's `port` is renamed `udp_port` and moves before `ip`.
 * Every consumer must follow: a consumer with its own copy of an offset, a width, a mask or a
 * name fails here. The expected places come from this file's own walk of the altered table.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createCaptureWriter } from "../../dissector/capture/index.js";
import { compileFilter } from "../../dissector/filter/index.js";
import { DEFAULT_REGISTRY } from "../../dissector/filter/registry.js";
import { generateLua, luaSpec } from "../../dissector/lua/generate.js";
import { runRead, stringSink } from "../../dissector/read/index.js";
import { fileSource } from "../../dissector/source.js";
import { infoText } from "../../dissector/summary/info.js";
import { buildTree, walk } from "../../dissector/tree/index.js";
import { build, fieldAt, optionOffsets, SHAPE_CONTEXT } from "../../fuzz/mutators/mutations.js";
import { templateFor } from "../../fuzz/mutators/template.js";
import { FLAG_FIELDS } from "../../fuzz/mutators/values.js";
import { decode, encode, type ImpMessage, type MessageInput } from "../../src/codec/index.js";
import { ENTRY_FIELDS, HEADER_FIELDS, HEADER_LAYOUT, OPTION_FIELDS, maskShift, type FieldSpec } from "../../src/protocol/fields.js";
import { MESSAGES, MSG, messageSpec, type Layout, type MessageSpec } from "../../src/protocol/messages.js";

vi.mock("../../src/protocol/fields.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/protocol/fields.js")>();
  const header = {
    ...real.HEADER_FIELDS,
    seq: { ...real.HEADER_FIELDS.seq, mask: 0x01 },
    ack: { ...real.HEADER_FIELDS.ack, mask: 0x02 },
  };
  const layout = [
    real.container(header, "type", "reserved", "seq", "ack"),
    real.container(header, "group"),
    real.container(header, "src"),
    real.container(header, "hlen"),
  ];
  const { port, ip, ...before } = real.ENTRY_FIELDS;
  const entry = { ...before, udp_port: { ...port, name: "udp_port", abbrev: "imp.entry.udp_port", label: "UDP Port" }, ip };
  const options = {
    ...real.OPTION_FIELDS,
    invite_group: { ...real.OPTION_FIELDS.invite_group, size: 2 },
    entry: {
      ...real.OPTION_FIELDS.entry,
      size: real.recordSize(entry),
      itemText: "{username} ({client_id}), group {group}, {ip}:{udp_port}",
    },
  };
  const all = [...Object.values(header), ...Object.values(options), ...Object.values(entry)] as FieldSpec[];
  return {
    ...real,
    HEADER_FIELDS: header,
    HEADER_LAYOUT: layout,
    ENTRY_FIELDS: entry,
    OPTION_FIELDS: options,
    FIELDS_BY_ABBREV: new Map(all.map((f) => [f.abbrev, f])),
  };
});

// ------------------------------------------------------------------ the test's own walk

interface Place {
  name: string;
  spec: FieldSpec;
  offset: number;
}

const header: Readonly<Record<string, FieldSpec>> = HEADER_FIELDS;
const options: Readonly<Record<string, FieldSpec>> = OPTION_FIELDS;
const entryFields: Readonly<Record<string, FieldSpec>> = ENTRY_FIELDS;

/** Containers one after the other; the fields of a container at its offset. */
function walkSlots(
  slots: readonly { fields: readonly string[]; size: number }[],
  table: Readonly<Record<string, FieldSpec>>,
  start: number,
): Place[] {
  const out: Place[] = [];
  let at = start;
  for (const s of slots) {
    for (const name of s.fields) out.push({ name, spec: table[name]!, offset: at });
    at += s.size;
  }
  return out;
}

const HEADER = walkSlots(HEADER_LAYOUT, header, 0);
const HL = Math.max(...HEADER.map((p) => p.offset + p.spec.size));
const ENTRY = walkSlots(
  Object.keys(entryFields).map((k) => ({ fields: [k], size: entryFields[k]!.size })),
  entryFields,
  0,
);
const ENTRY_SIZE = ENTRY.reduce((n, p) => n + p.spec.size, 0);

function optionPlaces(layout: Layout): { fixed: Place[]; repeatAt: number } {
  const fixed = walkSlots(layout.slots, options, HL);
  return { fixed, repeatAt: HL + layout.slots.reduce((n, s) => n + s.size, 0) };
}

/** The value of a uint field at its place, read from the bytes under its mask. */
function readAt(bytes: Uint8Array, offset: number, spec: FieldSpec): number {
  let raw = 0;
  for (let i = 0; i < spec.size; i++) raw = raw * 256 + bytes[offset + i]!;
  return spec.mask === 0 ? raw : (raw & spec.mask) >>> maskShift(spec.mask);
}

// ------------------------------------------------------------------ messages of the altered table

/** A value of a uint field that differs from field to field and fits its width. */
function valueFor(spec: FieldSpec, i: number): number {
  const max = spec.mask !== 0 ? spec.mask >>> maskShift(spec.mask) : 2 ** (8 * spec.size) - 1;
  if (max === 1) return 1;
  return spec.size === 2 ? 300 + i : 7 + i;
}

function entryAt(i: number): Record<string, unknown> {
  const e: Record<string, unknown> = {};
  for (const p of ENTRY) {
    e[p.name] =
      p.spec.kind === "username" ? `user${i}` : p.spec.kind === "ipv4" ? `10.0.${i}.${i + 1}` : p.spec.size === 2 ? 4000 + i : 2 + i;
  }
  return e;
}

interface Sample {
  spec: MessageSpec;
  layout: Layout;
  input: Record<string, unknown>;
  bytes: Uint8Array;
}

/** Every type in every layout (lists with 2 items), with distinct values; Sequence 1, A 0. */
function samples(): Sample[] {
  const out: Sample[] = [];
  for (const spec of MESSAGES) {
    for (const layout of spec.layouts) {
      const input: Record<string, unknown> = { type: spec.code, seq: 1, ack: 0, src: 7, group: 9 };
      optionPlaces(layout).fixed.forEach((p, i) => {
        if (p.spec.kind === "username") input[p.name] = "alice";
        else if (p.spec.kind === "uint" && p.spec.lengthOf === undefined) input[p.name] = valueFor(p.spec, i);
      });
      if (layout.repeat) input[layout.repeat.field] = options[layout.repeat.field]!.item === "entry" ? [entryAt(1), entryAt(2)] : [3, 4];
      if (spec.payload) input.data = "hello";
      out.push({ spec, layout, input, bytes: encode(input as MessageInput) });
    }
  }
  return out;
}

const SAMPLES = samples();
const INVITE = SAMPLES.find((s) => s.spec.code === MSG.inviteRequest)!;
const LIST = SAMPLES.find((s) => s.spec.code === MSG.listResponse)!;

const dir = mkdtempSync(join(tmpdir(), "impkit-table-change-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function captureOf(bytes: readonly Uint8Array[]): Promise<string> {
  const path = join(dir, `c${Math.random().toString(16).slice(2)}.pcap`);
  const w = createCaptureWriter({ format: "pcap", path });
  bytes.forEach((payload, i) => {
    w.writeDatagram({
      tsSec: 1_700_000_000 + i,
      tsNsec: 0,
      src: { ip: "10.0.0.2", port: 40000 },
      dst: { ip: "10.0.0.1", port: 1313 },
      payload,
    });
  });
  await w.close();
  return path;
}

describe("a changed field table (S/G swapped, S/A bits swapped, 16-bit invite_group, renamed entry port)", () => {
  it("is the table every module sees", () => {
    expect(HEADER.map((p) => `${p.name}@${p.offset}`)).toEqual(["type@0", "reserved@0", "seq@0", "ack@0", "group@1", "src@2", "hlen@3"]);
    expect(ENTRY.map((p) => `${p.name}@${p.offset}`)).toEqual(["client_id@0", "group@1", "username@2", "udp_port@10", "ip@12"]);
    expect(OPTION_FIELDS.invite_group.size).toBe(2);
    expect(messageSpec(MSG.inviteRequest)!.layouts[0]!.slots.map((s) => s.size)).toEqual([1, 2, 1]);
  });

  it("codec: each field of every layout of every type is written and read where the table says", () => {
    for (const s of SAMPLES) {
      const what = `${s.spec.name} ${s.layout.variant ?? ""}`;
      const { fixed, repeatAt } = optionPlaces(s.layout);
      for (const p of HEADER)
        if (p.spec.lengthOf === undefined) expect(readAt(s.bytes, p.offset, p.spec), `${what}: ${p.name}`).toBe(s.input[p.name] ?? 0);
      const hlenPlace = HEADER.find((p) => p.spec.lengthOf === "header")!;
      for (const p of fixed)
        if (p.spec.kind === "uint" && p.spec.lengthOf === undefined)
          expect(readAt(s.bytes, p.offset, p.spec), `${what}: ${p.name}`).toBe(s.input[p.name]);
      const items = s.layout.repeat ? (s.input[s.layout.repeat.field] as unknown[]) : [];
      const itemSize = s.layout.repeat
        ? options[s.layout.repeat.field]!.item === "entry"
          ? ENTRY_SIZE
          : options[s.layout.repeat.field]!.size
        : 0;
      expect(readAt(s.bytes, hlenPlace.offset, hlenPlace.spec), `${what}: Header Length`).toBe(repeatAt + items.length * itemSize);
      items.forEach((item, i) => {
        if (typeof item === "number") expect(s.bytes[repeatAt + i * itemSize]).toBe(item);
        else
          for (const p of ENTRY)
            if (p.spec.kind === "uint")
              expect(readAt(s.bytes, repeatAt + i * itemSize + p.offset, p.spec), `${what}: entry ${p.name}`).toBe(
                (item as Record<string, unknown>)[p.name],
              );
      });
      const m = decode(s.bytes).message!;
      for (const [k, v] of Object.entries(s.input))
        expect((m as unknown as Record<string, unknown>)[k], `${what}: decoded ${k}`).toEqual(v);
    }
  });

  it("protocol tree: every field node has the table's offset, width and mask", () => {
    for (const s of SAMPLES) {
      const tree = buildTree(decode(s.bytes), s.bytes);
      const nodes = [...walk(tree)].map((w) => w.node);
      const { fixed, repeatAt } = optionPlaces(s.layout);
      for (const p of [...HEADER, ...fixed]) {
        const n = nodes.find((x) => x.abbrev === p.spec.abbrev);
        expect(n, `${s.spec.name}: ${p.spec.abbrev}`).toMatchObject({ offset: p.offset, length: p.spec.size, mask: p.spec.mask });
      }
      if (s.layout.repeat && options[s.layout.repeat.field]!.item === "entry") {
        for (const p of ENTRY) {
          const n = nodes.filter((x) => x.abbrev === p.spec.abbrev);
          expect(
            n.map((x) => x.offset),
            `${s.spec.name}: ${p.spec.abbrev}`,
          ).toEqual([repeatAt + p.offset, repeatAt + ENTRY_SIZE + p.offset]);
        }
        expect(nodes.find((x) => x.abbrev === "imp.entry")!.text).toBe("Entry 1: user1 (3), group 3, 10.0.1.2:4001");
      }
    }
  });

  it("display filters: the registry has the table's names and widths, and `imp read -Y` finds frames by them", async () => {
    expect(DEFAULT_REGISTRY.get("imp.entry.udp_port")).toMatchObject({ type: "uint", max: 0xffff });
    expect(DEFAULT_REGISTRY.get("imp.entry.port")).toBeUndefined();
    expect(DEFAULT_REGISTRY.get("imp.invite_group")).toMatchObject({ max: 0xffff });
    const file = await captureOf(SAMPLES.map((s) => s.bytes));
    const filter = compileFilter(
      "imp.entry.udp_port == 4002 || (imp.invite_group == 302 && imp.src == 7 && imp.group == 9 && imp.seq == 1 && imp.ack == 0)",
    );
    if (!filter.ok) throw new Error(filter.error.message);
    const sink = stringSink();
    await runRead(
      fileSource(file),
      { format: "fields", fields: ["frame.number", "imp.type", "imp.src", "imp.group", "imp.entry.udp_port"], filter: filter.filter },
      sink,
    );
    const rows = sink
      .text()
      .trim()
      .split("\n")
      .map((l) => l.split("\t"));
    const expected = SAMPLES.flatMap((s, i) => (s.layout.repeat?.field === "entry" || s.input.invite_group === 302 ? [String(i + 1)] : []));
    expect(expected).toHaveLength(7); // two list types, five invitation layouts
    expect(rows.map((r) => r[0])).toEqual(expected);
    const list = rows.find((r) => Number(r[0]) === SAMPLES.indexOf(LIST) + 1)!;
    expect(list.slice(2)).toEqual(["7", "9", "4001,4002"]);
  });

  it("fuzzer: offsets, flags and patched fields follow the table", () => {
    expect(FLAG_FIELDS.map((f) => f.name)).toEqual(["reserved", "seq", "ack"]);
    for (const s of SAMPLES) {
      const offsets = optionOffsets(s.layout);
      const { fixed, repeatAt } = optionPlaces(s.layout);
      for (const p of fixed) expect(offsets.get(p.name)?.offset, `${s.spec.name}: ${p.name}`).toBe(p.offset);
      if (s.layout.repeat?.field === "entry")
        for (const p of ENTRY) expect(offsets.get(`entry.${p.name}`)?.offset).toBe(repeatAt + p.offset);
      const hlen = decode(s.bytes).message!.hlen;
      for (const p of HEADER) {
        const bit = p.spec.mask === 0 ? 7 : maskShift(p.spec.mask);
        expect(fieldAt(s.layout, hlen, p.offset, bit), `${s.spec.name}: header byte ${p.offset} bit ${bit}`).toBe(p.name);
      }
      // An option byte is named by the first field of its container.
      for (const p of fixed)
        expect(fieldAt(s.layout, hlen, p.offset), `${s.spec.name}: byte ${p.offset}`).toBe(fixed.find((q) => q.offset === p.offset)!.name);
    }
    const t = templateFor(INVITE.spec);
    const patched = build(t, 1, SHAPE_CONTEXT, [
      { kind: "field", field: "src", value: 42 },
      { kind: "field", field: "invite_group", value: 700 },
      { kind: "flags", field: "reserved+seq+ack", value: 0x01 },
    ]);
    const m = decode(patched).message!;
    expect([m.src, m.invite_group, m.ack, m.seq, m.group]).toEqual([42, 700, 0, 1, 0]);
    expect(patched[HEADER.find((p) => p.name === "src")!.offset]).toBe(42);
  });

  it("Lua export: the generated dissector reads every field where the table says (tshark)", async (ctx) => {
    const spec = luaSpec() as { header: { key: string; offset: number; mask: number }[]; entry: { key: string; offset: number }[] };
    expect(spec.header.map((h) => `${h.key}@${h.offset}/${h.mask}`)).toEqual(HEADER.map((p) => `${p.name}@${p.offset}/${p.spec.mask}`));
    expect(spec.entry.map((e) => `${e.key}@${e.offset}`)).toEqual(ENTRY.map((p) => `${p.name}@${p.offset}`));
    if (spawnSync("tshark", ["-v"]).status !== 0) {
      if (process.env.CI === "true") throw new Error("CI=true but tshark is not installed");
      ctx.skip();
    }
    const script = join(dir, "imp.lua");
    writeFileSync(script, generateLua());
    const file = await captureOf(SAMPLES.map((s) => s.bytes));
    const fields = [
      "imp.type",
      "imp.seq",
      "imp.ack",
      "imp.src",
      "imp.group",
      "imp.hlen",
      "imp.invite_group",
      "imp.invitee",
      "imp.entry.udp_port",
      "imp.entry.ip",
      "_ws.col.Info",
    ];
    const r = spawnSync(
      "tshark",
      ["-X", `lua_script:${script}`, "-r", file, "-T", "fields", "-E", "separator=|", ...fields.flatMap((f) => ["-e", f])],
      { encoding: "utf8" },
    );
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stdout
      .trim()
      .split("\n")
      .map((l) => l.split("|"));
    expect(rows).toHaveLength(SAMPLES.length);
    SAMPLES.forEach((s, i) => {
      const m: ImpMessage = decode(s.bytes).message!;
      const entries = m.entry ?? [];
      const want = [
        `0x${m.type.toString(16).padStart(2, "0")}`,
        m.seq,
        m.ack,
        m.src,
        m.group,
        m.hlen,
        m.invite_group ?? "",
        m.invitee ?? "",
        entries.map((e) => (e as unknown as Record<string, unknown>).udp_port).join(","),
        entries.map((e) => e.ip).join(","),
        infoText(m),
      ].map(String);
      expect(rows[i], s.spec.name).toEqual(want);
    });
  });
});
