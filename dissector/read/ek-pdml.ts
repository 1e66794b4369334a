/**
 * The two other machine formats of tshark's `-T`: `ek` (Elasticsearch bulk: an index line, then
 * the packet with its layers, field names with "_" for ".") and `pdml` (XML, one `<packet>` of
 * `<proto>` and `<field>` elements with positions in the frame). And what `-x` adds to the JSON
 * formats: the raw bytes of the frame and of each IMP field as `NAME_raw: [hex, pos, len,
 * bitmask, 0]`, as tshark's `-T json -x` (positions counted from the start of the frame; in a
 * reassembled datagram, from the start of its UDP payload).
 */
import { walk, type TreeNode } from "../tree/index.js";
import type { ReadFrame } from "./frame.js";
import { epochText, packetJson } from "./outputs.js";

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function hexOf(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!];
  return s;
}

/** A field's raw value as tshark's `-x` gives it: its bytes in hex, or for a bit field the bits under its mask, shifted down. */
function rawHex(bytes: Uint8Array, mask: number): string {
  if (mask === 0) return hexOf(bytes);
  let v = 0;
  for (const b of bytes) v = v * 256 + b;
  const shift = Math.log2(mask & -mask);
  return ((v & mask) >>> shift).toString(16);
}

/** Where the UDP payload starts in the frame (0 for a reassembled datagram: positions are the payload's). */
export function payloadPosition(f: ReadFrame): number {
  if (f.fragments) return 0;
  const data = f.packet.data;
  const at = f.payload.byteOffset - data.byteOffset;
  return f.payload.buffer === data.buffer && at >= 0 && at <= data.length ? at : Math.max(0, data.length - f.payload.length);
}

/** The frame's and the datagram's raw bytes, for `-x` with `-T json|ndjson|ek`. */
function rawOf(f: ReadFrame): { frame: unknown[]; imp: unknown[]; fields: Record<string, unknown[]> } {
  const pos = payloadPosition(f);
  const fields: Record<string, unknown[]> = {};
  for (const { node } of walk(f.tree())) {
    if (!node.abbrev || node.length === 0 || node === f.tree()) continue;
    const key = `${node.abbrev}_raw`;
    if (fields[key] !== undefined) continue;
    fields[key] = [
      rawHex(f.payload.subarray(node.offset, node.offset + node.length), node.mask),
      pos + node.offset,
      node.length,
      node.mask,
      0,
    ];
  }
  return {
    frame: [hexOf(f.packet.data), 0, f.packet.data.length, 0, 1],
    imp: [hexOf(f.payload), pos, f.payload.length, 0, 1],
    fields,
  };
}

/** `-T json|ndjson` record, with `frame_raw`, `imp_raw` and the fields' `_raw` when `hex`. */
export function packetJsonWithRaw(f: ReadFrame, hex: boolean): Record<string, unknown> {
  const out = packetJson(f);
  if (!hex) return out;
  const raw = rawOf(f);
  return { frame_raw: raw.frame, ...out, imp_raw: raw.imp, imp: { ...(out.imp as object), ...raw.fields } };
}

/** An ek key: the layer, "_", then the field name with "." as "_" (`frame_frame_number`). */
function ekKey(layer: string, name: string): string {
  return `${layer}_${name.replace(/\./g, "_")}`;
}

function ekFields(layer: string, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => ekFields(layer, v));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k.startsWith("_") ? k : ekKey(layer, k)] = ekFields(layer, v);
  return out;
}

/** `-T ek`: the index line and the packet line of one frame (values of frame, ip and udp as strings, as tshark's). */
export function packetEk(f: ReadFrame, hex: boolean): string {
  const day = new Date(f.tsSec * 1000).toISOString().slice(0, 10);
  const v4 = f.ipVersion === 4;
  const ip = v4 ? "ip" : "ipv6";
  const json = packetJson(f);
  const layers: Record<string, unknown> = {};
  const raw = hex ? rawOf(f) : null;
  if (raw) layers.frame_raw = hexOf(f.packet.data);
  layers.frame = {
    frame_frame_time_epoch: epochText(f.tsSec, f.tsNsec),
    frame_frame_time_relative: f.time.toFixed(9),
    frame_frame_number: String(f.number),
    frame_frame_len: String(f.packet.originalLength),
    frame_frame_cap_len: String(f.packet.capturedLength),
  };
  layers[ip] = { [ekKey(ip, `${ip}.src`)]: f.src.ip, [ekKey(ip, `${ip}.dst`)]: f.dst.ip };
  layers.udp = { udp_udp_srcport: String(f.src.port), udp_udp_dstport: String(f.dst.port) };
  if (raw) layers.imp_raw = raw.imp[0];
  layers.imp = ekFields(
    "imp",
    raw ? { ...(json.imp as object), ...Object.fromEntries(Object.entries(raw.fields).map(([k, v]) => [k, v[0]])) } : json.imp,
  );
  const timestamp = String(f.tsSec * 1000 + Math.floor(f.tsNsec / 1e6));
  return `{"index":{"_index":"packets-${day}","_type":"doc"}}\n${JSON.stringify({ timestamp, layers })}\n`;
}

function xml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&apos;"));
}

/** The head of a PDML document (`creator` and `capture_file` as tshark writes them). */
export function pdmlHead(captureFile: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n<pdml version="0" creator="impkit" time="${xml(new Date().toString())}" capture_file="${xml(captureFile)}">\n`;
}

export const PDML_TAIL = "</pdml>\n";

function field(name: string, showname: string, pos: number, size: number, show: string, value?: string, indent = "    "): string {
  return `${indent}<field name="${xml(name)}" showname="${xml(showname)}" size="${size}" pos="${pos}" show="${xml(show)}"${value !== undefined ? ` value="${value}"` : ""}/>\n`;
}

const SEVERITY_NAMES: Readonly<Record<string, string>> = { error: "Error", warning: "Warning", note: "Note", chat: "Chat" };
const GROUP_NAMES: Readonly<Record<string, string>> = {
  malformed: "Malformed",
  protocol: "Protocol",
  sequence: "Sequence",
  response: "Response",
  reassemble: "Reassemble",
};

/** The expert items of a tree item, as tshark nests them under it: `_ws.expert` around the item's id. */
function expertFields(n: TreeNode, pos: number, indent: string): string {
  let out = "";
  for (const e of n.experts) {
    const label = `${SEVERITY_NAMES[e.severity] ?? e.severity}/${GROUP_NAMES[e.category] ?? e.category}`;
    out += `${indent}<field name="_ws.expert" showname="Expert Info (${label}): ${xml(e.text)}" size="0" pos="${pos + n.offset}">\n`;
    out += `${indent}  <field name="${xml(e.id)}" showname="${xml(e.text)}" size="0" pos="0" show="" value=""/>\n`;
    out += `${indent}  <field name="_ws.expert.message" showname="Message: ${xml(e.text)}" hide="yes" size="0" pos="0" show="${xml(e.text)}"/>\n`;
    out += `${indent}</field>\n`;
  }
  return out;
}

function impFields(n: TreeNode, f: ReadFrame, pos: number, indent: string): string {
  let out = "";
  for (const c of n.children) {
    const bytes = hexOf(f.payload.subarray(c.offset, c.offset + c.length));
    const show = c.value === undefined ? "" : String(c.value);
    const name = c.abbrev ?? "";
    const head = `${indent}<field name="${xml(name)}" showname="${xml(c.text)}" size="${c.length}" pos="${pos + c.offset}" show="${xml(show)}" value="${bytes}"`;
    const inner = impFields(c, f, pos, `${indent}  `) + expertFields(c, pos, `${indent}  `);
    if (inner === "") out += `${head}/>\n`;
    else out += `${head}>\n${inner}${indent}</field>\n`;
  }
  return out;
}

/**
 * `-T pdml`: one `<packet>`: frame, IP and UDP with their main fields, then the IMP tree with the
 * analysis. With `hex` (-x, which tshark refuses with PDML) the frame's bytes come first as a
 * `frame_raw` field, as in `-T json -x`, so that the document stays XML.
 */
export function packetPdml(f: ReadFrame, hex = false): string {
  const p = f.packet;
  const v4 = f.ipVersion === 4;
  const ip = v4 ? "ip" : "ipv6";
  const pos = payloadPosition(f);
  let out = "<packet>\n";
  if (hex) out += `  <field name="frame_raw" showname="Frame bytes" size="${p.data.length}" pos="0" show="" value="${hexOf(p.data)}"/>\n`;
  out += `  <proto name="frame" showname="Frame ${f.number}: ${p.originalLength} bytes on wire (${p.originalLength * 8} bits), ${p.capturedLength} bytes captured (${p.capturedLength * 8} bits)" size="${p.capturedLength}" pos="0">\n`;
  out += field("frame.time_epoch", `Epoch Time: ${epochText(f.tsSec, f.tsNsec)} seconds`, 0, 0, epochText(f.tsSec, f.tsNsec));
  out += field("frame.time_relative", `Time since reference or first frame: ${f.time.toFixed(9)} seconds`, 0, 0, f.time.toFixed(9));
  out += field("frame.number", `Frame Number: ${f.number}`, 0, 0, String(f.number));
  out += field("frame.len", `Frame Length: ${p.originalLength} bytes (${p.originalLength * 8} bits)`, 0, 0, String(p.originalLength));
  out += field("frame.cap_len", `Capture Length: ${p.capturedLength} bytes (${p.capturedLength * 8} bits)`, 0, 0, String(p.capturedLength));
  out += "  </proto>\n";
  out += `  <proto name="${ip}" showname="Internet Protocol Version ${f.ipVersion}, Src: ${f.src.ip}, Dst: ${f.dst.ip}" size="0" pos="0">\n`;
  out += field(`${ip}.src`, `Source Address: ${f.src.ip}`, 0, 0, f.src.ip);
  out += field(`${ip}.dst`, `Destination Address: ${f.dst.ip}`, 0, 0, f.dst.ip);
  out += "  </proto>\n";
  out += `  <proto name="udp" showname="User Datagram Protocol, Src Port: ${f.src.port}, Dst Port: ${f.dst.port}" size="8" pos="${Math.max(0, pos - 8)}">\n`;
  out += field("udp.srcport", `Source Port: ${f.src.port}`, Math.max(0, pos - 8), 2, String(f.src.port));
  out += field("udp.dstport", `Destination Port: ${f.dst.port}`, Math.max(0, pos - 6), 2, String(f.dst.port));
  out += "  </proto>\n";
  const tree = f.fullTree();
  out += `  <proto name="imp" showname="${xml(tree.text)}" size="${f.payload.length}" pos="${pos}">\n`;
  out += `${impFields(tree, f, pos, "    ")}${expertFields(tree, pos, "    ")}  </proto>\n`;
  return `${out}</packet>\n`;
}
