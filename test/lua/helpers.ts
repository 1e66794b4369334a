/**
 * Helpers of the Lua dissector tests: generating the script through the CLI, the datagrams of
 * the comparison capture (vectors, every type in every layout, seeded mutations), running
 * tshark with the script, and both sides' per-frame JSON in one normal form.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createCaptureWriter, type ImpDatagram } from "../../dissector/capture/index.js";
import { encode } from "../../src/codec/index.js";
import type { MessageInput } from "../../src/codec/message.js";
import { bufferIo } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/program.js";
import { ENTRY_FIELDS, FIELDS_BY_ABBREV, OPTION_FIELDS, PROBLEMS, type FieldSpec } from "../../src/protocol/index.js";
import { MESSAGES } from "../../src/protocol/messages.js";
import { walk, type TreeNode } from "../../dissector/tree/index.js";
import { rng } from "../capture/helpers.js";

export { needTools, tempDir, inCI, rng } from "../capture/helpers.js";

/** Runs `imp ARGS` in-process. */
export async function imp(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = bufferIo();
  const code = await runCli(argv, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** Generates the dissector with `imp lua -o` into `dir`; returns its path. */
export async function generateScript(dir: string): Promise<string> {
  const path = join(dir, "imp.lua");
  const r = await imp("lua", "-o", path);
  if (r.code !== 0) throw new Error(`imp lua failed (${r.code}): ${r.err}`);
  return path;
}

export interface TsharkRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** tshark with the script on a capture; stderr without the "Running as user root" notice. */
export function runTshark(script: string, file: string, args: readonly string[]): TsharkRun {
  const r = spawnSync("tshark", ["-X", `lua_script:${script}`, "-r", file, ...args], {
    encoding: "utf8",
    maxBuffer: 1024 * 1024 * 1024,
  });
  const stderr = r.stderr
    .split("\n")
    .filter((l) => l.length > 0 && !/^Running as user "root" and group "root"\. This could be dangerous\.$/.test(l))
    .join("\n");
  return { status: r.status, stdout: r.stdout, stderr };
}

// ---------------------------------------------------------------------------------------------
// Datagrams of the comparison capture.

interface Vector {
  name: string;
  hex: string;
}

export function vectorPayloads(): Uint8Array[] {
  const vectors = JSON.parse(readFileSync(new URL("../fixtures/spec/vectors.json", import.meta.url), "utf8")) as Vector[];
  return vectors.map((v) => Buffer.from(v.hex, "hex"));
}

const SAMPLE_NAMES = ["alice", "bob", "carol8ch", "d"];

function sampleValue(field: FieldSpec, i: number): unknown {
  switch (field.kind) {
    case "username":
      return SAMPLE_NAMES[i % SAMPLE_NAMES.length];
    case "ipv4":
      return `10.0.${i}.${i + 1}`;
    case "text":
      return ["hello", "", "ünïcödé ✓", "x".repeat(70)][i % 4];
    default: {
      const max = field.mask ? field.mask >>> Math.log2(field.mask & -field.mask) : field.size === 2 ? 0xffff : 0xff;
      return Math.min(max, [1, 2, 0, 7][i % 4]!);
    }
  }
}

/** Every message type in every layout (repeat counts at the minimum, 1 and 3), and every ACK. */
export function everyLayout(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of MESSAGES) {
    for (const [li, layout] of m.layouts.entries()) {
      const counts = layout.repeat ? [...new Set([layout.repeat.min, 1, 3])] : [0];
      for (const count of counts) {
        const input: Record<string, unknown> = {
          type: m.code,
          seq: (li + count) & 1,
          src: m.src[0] === "zero" ? 0 : 3,
          group: m.group[0] === "zero" ? 0 : m.group[0] === "broadcast" ? 255 : m.group[0] === "private" ? 4 : 1,
        };
        for (const slot of layout.slots)
          for (const f of slot.fields) if (f !== "data_len") input[f] = sampleValue(OPTION_FIELDS[f], li + count);
        if (m.payload) input.data = sampleValue(OPTION_FIELDS.data, count + li);
        if (layout.repeat?.field === "invitees") input.invitees = Array.from({ length: count }, (_, i) => i + 2);
        if (layout.repeat?.field === "entry") {
          input.entry = Array.from({ length: count }, (_, i) => {
            const e: Record<string, unknown> = {};
            for (const [k, f] of Object.entries(ENTRY_FIELDS) as [string, FieldSpec][]) e[k] = sampleValue(f, i + 1);
            return e;
          });
        }
        out.push(encode(input as unknown as MessageInput));
      }
    }
    out.push(encode({ type: m.code, ack: 1, seq: 1, src: 2 }));
  }
  return out;
}

/**
 * Seeded mutations of `bases`: truncations, Header Lengths that lie, Data Lengths that lie,
 * flipped bits, trailing bytes, reserved types and random bytes.
 */
export function mutations(bases: readonly Uint8Array[], count: number, seed: number): Uint8Array[] {
  const random = rng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const base = bases[int(bases.length)]!;
    let b = Uint8Array.from(base);
    switch (int(9)) {
      case 0: // truncation, sometimes below the header
        b = b.subarray(0, int(b.length + 1));
        break;
      case 1: // Header Length that lies
        if (b.length >= 5) {
          const hl = random() < 0.5 ? int(40) : int(0x10000);
          b[3] = hl >> 8;
          b[4] = hl & 0xff;
        }
        break;
      case 2: // Data Length that lies (or any 16 bits after the header)
        if (b.length >= 7) {
          const dl = random() < 0.7 ? int(b.length + 4) : int(0x10000);
          b[5] = dl >> 8;
          b[6] = dl & 0xff;
        }
        break;
      case 3: // flipped bits
        for (let k = 0, n = 1 + int(3); k < n && b.length > 0; k++) b[int(b.length)]! ^= 1 << int(8);
        break;
      case 4: {
        // trailing bytes
        const extra = Uint8Array.from({ length: 1 + int(6) }, () => int(256));
        const c = new Uint8Array(b.length + extra.length);
        c.set(b);
        c.set(extra, b.length);
        b = c;
        break;
      }
      case 5: // any type code, reserved ones included, and the A/R bits
        if (b.length >= 1) b[0] = (int(32) << 3) | int(8);
        break;
      case 6: // random bytes of a plausible length, with a header that often fits
        b = Uint8Array.from({ length: int(40) }, () => int(256));
        if (b.length >= 5 && random() < 0.5) {
          b[3] = 0;
          b[4] = random() < 0.5 ? b.length : 5 + int(4);
          b[0] = b[0]! & 0xfe;
        }
        break;
      case 7: // Source / Group anywhere
        if (b.length >= 3) {
          b[1] = [0, 1, 2, 254, 255][int(5)]!;
          b[2] = [0, 1, 2, 254, 255][int(5)]!;
        }
        break;
      default: // any byte of the options or payload
        if (b.length > 5) b[5 + int(b.length - 5)] = [0x00, 0x20, 0x5c, 0x7f, 0x80, 0xc3, 0xe2, 0xff, int(256)][int(9)]!;
        break;
    }
    out.push(b);
  }
  return out;
}

const CLIENT = { ip: "192.168.7.20", port: 50123 };
const SERVER = { ip: "192.168.7.1", port: 1313 };

/** Writes `payloads` as one UDP datagram each (IPv4 fragments beyond `mtu`), alternating directions, server on `serverPort`. */
export async function writeDatagrams(
  path: string,
  payloads: readonly Uint8Array[],
  serverPort = SERVER.port,
  clientPort = CLIENT.port,
  mtu?: number,
): Promise<void> {
  const writer = createCaptureWriter({ format: "pcapng", path, ...(mtu === undefined ? {} : { mtu }) });
  payloads.forEach((payload, i) => {
    const server = { ...SERVER, port: serverPort };
    const client = { ...CLIENT, port: clientPort };
    const d: ImpDatagram = { tsSec: 1_700_000_000 + i, tsNsec: 0, src: i % 2 ? server : client, dst: i % 2 ? client : server, payload };
    writer.writeDatagram(d);
  });
  await writer.close();
}

// ---------------------------------------------------------------------------------------------
// Both sides in one normal form.

/** One frame's IMP fields: values typed as in impkit's JSON, expert ids sorted. */
export interface FrameFields {
  fields: Record<string, unknown>;
  /** `id: text` of every expert item. */
  experts: string[];
  malformed: boolean;
}

const PROBLEM_BY_ID = new Map(Object.values(PROBLEMS).map((p) => [p.id as string, p]));

function finish(fields: Record<string, unknown>, experts: string[]): FrameFields {
  experts.sort();
  return { fields, experts, malformed: experts.some((e) => PROBLEM_BY_ID.get(e.slice(0, e.indexOf(":")))?.category === "malformed") };
}

/**
 * impkit's JSON of every IMP datagram of a capture, by frame number: `imp read FILE -T json`,
 * run in-process, and the `imp` object of each record. Its `imp.analysis` object (conversation
 * analysis across packets: names, ACK pairing, retransmissions) has no counterpart in the
 * Lua dissector, which dissects each datagram on its own, and is left out.
 */
export async function impkitJsonForCapture(file: string, extraArgs: readonly string[] = []): Promise<Map<number, FrameFields>> {
  const r = await imp("read", file, "-T", "json", ...extraArgs);
  if (r.code !== 0) throw new Error(`imp read failed (${r.code}): ${r.err}`);
  const records = JSON.parse(r.out) as { "frame.number": number; imp: Record<string, unknown> }[];
  const out = new Map<number, FrameFields>();
  for (const rec of records) {
    const {
      _expert,
      "imp.analysis": _analysis,
      ...fields
    } = rec.imp as { _expert?: { id: string; text: string }[] } & Record<string, unknown>;
    out.set(
      rec["frame.number"],
      finish(
        fields,
        (_expert ?? []).map((e) => `${e.id}: ${e.text}`),
      ),
    );
  }
  return out;
}

type Json = string | Json[] | { [k: string]: Json };

function asList<T>(v: T | T[]): T[] {
  return Array.isArray(v) ? v : [v];
}

/** `id: message` of the `_ws.expert` objects anywhere in `v`. */
function collectExperts(v: Json, into: string[]): void {
  if (typeof v === "string") return;
  if (Array.isArray(v)) {
    for (const x of v) collectExperts(x, into);
    return;
  }
  for (const [k, x] of Object.entries(v)) {
    if (k === "_ws.expert") {
      for (const e of asList(x)) {
        if (typeof e !== "object" || Array.isArray(e)) continue;
        for (const id of Object.keys(e)) if (PROBLEM_BY_ID.has(id)) into.push(`${id}: ${String(e["_ws.expert.message"])}`);
      }
    }
    collectExperts(x, into);
  }
}

/** A tshark value (always a string) as impkit types it. */
function typed(abbrev: string, v: Json): unknown {
  if (typeof v !== "string") throw new Error(`${abbrev}: expected a value, got ${JSON.stringify(v)}`);
  const field = FIELDS_BY_ABBREV.get(abbrev);
  if (!field) throw new Error(`tshark shows unknown field ${abbrev}`);
  if (field.kind === "uint" || field.kind === "list") return Number(v);
  return v;
}

/**
 * The object of IMP fields under one tree level (entries, the root): `_tree` keys and experts
 * left out. Text items (`_ws.lua.text`: the invitees subtree) hand their fields to the level.
 */
function levelFields(level: { [k: string]: Json }, out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, v] of Object.entries(level)) {
    if (k === "_ws.lua.text") {
      for (const t of asList(v)) if (typeof t === "object" && !Array.isArray(t)) levelFields(t, out);
      continue;
    }
    if (!k.startsWith("imp.") || k.endsWith("_tree")) continue;
    if (k === "imp.entry") {
      out[k] = asList(v).map((e) => levelFields(e as { [k: string]: Json }));
    } else if (FIELDS_BY_ABBREV.get(k)?.kind === "list") {
      // One item a member: a list of values (a single one comes without the array).
      out[k] = asList(v).map((x) => typed(k, x));
    } else {
      out[k] = typed(k, v);
    }
  }
  return out;
}

/** tshark's `-T json -J imp --no-duplicate-keys` output in the same normal form, by frame number. */
export function tsharkJsonFrames(stdout: string): Map<number, FrameFields> {
  const packets = JSON.parse(stdout) as { _source: { layers: { [k: string]: Json } } }[];
  const out = new Map<number, FrameFields>();
  packets.forEach((p, i) => {
    const layer = p._source.layers.imp;
    if (layer === undefined) return;
    if (Array.isArray(layer) || typeof layer === "string") throw new Error(`frame ${i + 1}: more than one imp layer`);
    const experts: string[] = [];
    collectExperts(layer, experts);
    out.set(i + 1, finish(levelFields(layer), experts));
  });
  return out;
}

/**
 * Wireshark keeps FT_STRING values as C strings: a payload with a NUL shows up to the NUL
 * (tshark 4.0). impkit keeps the whole text; compare what Wireshark can hold.
 */
export function wiresharkString(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...fields };
  for (const [k, v] of Object.entries(out)) {
    if (typeof v === "string" && v.includes("\u0000")) out[k] = v.slice(0, v.indexOf("\u0000"));
  }
  return out;
}

/** Differences between the two sides, one line each, naming frame and field. */
export function compareFrames(ours: Map<number, FrameFields>, theirs: Map<number, FrameFields>): string[] {
  const diffs: string[] = [];
  const frames = [...new Set([...ours.keys(), ...theirs.keys()])].sort((a, b) => a - b);
  for (const frame of frames) {
    const a = ours.get(frame);
    const b = theirs.get(frame);
    if (!a || !b) {
      diffs.push(`frame ${frame}: IMP in ${a ? "impkit" : "tshark"} only`);
      continue;
    }
    const fa = wiresharkString(a.fields);
    const keys = [...new Set([...Object.keys(fa), ...Object.keys(b.fields)])];
    for (const k of keys) {
      const va = JSON.stringify(fa[k]);
      const vb = JSON.stringify(b.fields[k]);
      if (va !== vb) diffs.push(`frame ${frame}: ${k}: impkit ${va ?? "(absent)"}, tshark ${vb ?? "(absent)"}`);
    }
    if (a.experts.join() !== b.experts.join())
      diffs.push(`frame ${frame}: experts: impkit [${a.experts.join(", ")}], tshark [${b.experts.join(", ")}]`);
    if (a.malformed !== b.malformed) diffs.push(`frame ${frame}: malformed: impkit ${a.malformed}, tshark ${b.malformed}`);
  }
  return diffs;
}

/** XML text of an attribute, unescaped. */
function unxml(s: string): string {
  return s.replace(/&(quot|amp|lt|gt|apos|#x?[0-9a-fA-F]+);/g, (_, e: string) =>
    e === "quot"
      ? '"'
      : e === "amp"
        ? "&"
        : e === "lt"
          ? "<"
          : e === "gt"
            ? ">"
            : e === "apos"
              ? "'"
              : String.fromCodePoint(e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)),
  );
}

/**
 * Per frame, the `showname` of the imp proto and of every imp.* field in document order (PDML);
 * Lua text items (`_ws.lua.text`: the invitees subtree) as `(text) TEXT`.
 */
export function pdmlShownames(pdml: string): Map<number, string[]> {
  const out = new Map<number, string[]>();
  const packets = pdml.split("<packet>").slice(1);
  packets.forEach((p, i) => {
    const start = p.indexOf('<proto name="imp"');
    if (start < 0) return;
    const lines: string[] = [];
    for (const m of p.slice(start).matchAll(/<(?:field|proto) name="(imp(?:\.[^"]*)?|_ws\.lua\.text)" showname="([^"]*)"/g)) {
      if (PROBLEM_BY_ID.has(m[1]!)) continue;
      lines.push(`${m[1] === "_ws.lua.text" ? "(text)" : m[1]} ${unxml(m[2]!)}`);
    }
    out.set(i + 1, lines);
  });
  return out;
}

/**
 * impkit's tree of one datagram as the same lines: a subtree of one-byte list members (the
 * invitees) is a text item in Wireshark; DEL is escaped in Wireshark's labels.
 */
export function impkitShownames(root: TreeNode): string[] {
  const lines: string[] = [];
  for (const { node } of walk(root)) {
    if (!node.abbrev) continue;
    const text = node.text.replaceAll("\x7f", "\\x7f");
    const field = FIELDS_BY_ABBREV.get(node.abbrev);
    if (field?.kind === "list" && field.size === 1 && node.children.length > 0 && node.value === undefined) lines.push(`(text) ${text}`);
    else lines.push(`${node.abbrev} ${text}`);
  }
  return lines;
}
