/**
 * The output formats of `imp read` (and `imp sniff`), each a function of one ReadFrame to text:
 * the summary line, the -V tree with its frame/IP/UDP lines, the -x dump, a JSON record
 * (`-T json` / `ndjson`) and a `-T fields` row.
 */
import { renderTreeText, treeToJson, type JsonFields } from "../tree/index.js";
import type { FilterValue } from "../filter/index.js";
import type { FrameAnalysis } from "../analysis/index.js";
import { hexDump } from "./hexdump.js";
import type { ReadFrame } from "./frame.js";
import type { FrameFields } from "./frame-fields.js";

function isoTime(sec: number, nsec: number): string {
  return `${new Date(sec * 1000).toISOString().slice(0, 19)}.${String(nsec).padStart(9, "0")}Z`;
}

/** Seconds with 9 decimals from a second/nanosecond pair (no float rounding). */
export function epochText(sec: number, nsec: number): string {
  return `${sec}.${String(nsec).padStart(9, "0")}`;
}

/** What tshark shows on a frame cut by the capture's snaplen (not blaming the sender). */
export const SIZE_LIMITED = "[Packet size limited during capture: IMP truncated]";

/** The lines tshark -V prints above the protocol tree: frame, IP, UDP (and the snaplen cut). */
export function frameHeaderText(f: ReadFrame): string {
  const p = f.packet;
  const wire = p.originalLength;
  const cap = p.capturedLength;
  let out = `Frame ${f.number}: ${wire} bytes on wire (${wire * 8} bits), ${cap} bytes captured (${cap * 8} bits) on interface ${p.interfaceId}\n`;
  out += `    Arrival Time: ${isoTime(f.tsSec, f.tsNsec)}\n`;
  out += `    Epoch Time: ${epochText(f.tsSec, f.tsNsec)} seconds\n`;
  out += `    [Time since reference or first frame: ${f.time.toFixed(9)} seconds]\n`;
  out += `    Frame Number: ${f.number}\n`;
  out += `Internet Protocol Version ${f.ipVersion}, Src: ${f.src.ip}, Dst: ${f.dst.ip}\n`;
  if (f.incomplete) {
    const g = f.incomplete;
    out += `    [${f.fragments!.length} IPv${f.ipVersion} Fragments (${g.received}${g.total >= 0 ? ` of ${g.total}` : ""} bytes): ${f.fragments!.map((n) => `#${n}`).join(", ")}]\n`;
    out += `    [Never reassembled: fragments missing (${g.reason})]\n`;
  } else if (f.fragments) {
    out += `    [${f.fragments.length} IPv${f.ipVersion} Fragments (${f.payload.length + 8} bytes): ${f.fragments.map((n) => `#${n}`).join(", ")}]\n`;
    out += `    [Reassembled IPv${f.ipVersion} in frame: ${f.number}]\n`;
  }
  out += `User Datagram Protocol, Src Port: ${f.src.port}, Dst Port: ${f.dst.port}\n`;
  if (cap < wire && !f.fragments) out += `    ${SIZE_LIMITED}\n`;
  return out;
}

/** -V: frame/IP/UDP lines, then the IMP tree with its "[IMP analysis]" subtree. */
export function verboseText(f: ReadFrame): string {
  return frameHeaderText(f) + renderTreeText(f.fullTree());
}

/** -x: the frame's bytes, then (reassembled datagrams) the whole UDP payload. */
export function hexText(f: ReadFrame): string {
  if (f.incomplete) return `IP payload that arrived (${f.packet.data.length} bytes; fragments missing):\n${hexDump(f.packet.data)}`;
  let out = hexDump(f.packet.data);
  if (f.fragments) out += `\nReassembled UDP payload (${f.payload.length} bytes):\n${hexDump(f.payload)}`;
  return out;
}

/** The analysis of a frame keyed by `imp.analysis.*` names (repeated fields as arrays), experts under `_expert`. */
export function analysisJson(a: FrameAnalysis): JsonFields | null {
  if (a.fields.length === 0 && a.experts.length === 0) return null;
  const out: JsonFields = {};
  for (const x of a.fields) {
    const prev = out[x.name];
    if (prev === undefined) out[x.name] = x.value;
    else if (Array.isArray(prev)) (prev as FilterValue[]).push(x.value);
    else out[x.name] = [prev as FilterValue, x.value];
  }
  if (a.experts.length > 0) {
    out._expert = a.experts.map((e) => ({ id: e.id, category: e.category, severity: e.severity, text: e.text })) as unknown as JsonFields[];
  }
  return out;
}

/**
 * One packet as JSON (`-T json` element, `-T ndjson` line): frame, IP and UDP fields, then
 * `imp`: the tree as treeToJson gives it, with `imp.analysis` added when the frame has any.
 */
export function packetJson(f: ReadFrame): Record<string, unknown> {
  const imp = treeToJson(f.tree());
  const analysis = f.analyzer ? analysisJson(f.analysis()) : null;
  if (analysis) imp["imp.analysis"] = analysis;
  const v4 = f.ipVersion === 4;
  return {
    "frame.number": f.number,
    "frame.time_epoch": f.tsSec + f.tsNsec / 1e9,
    "frame.time_relative": f.time,
    "frame.len": f.packet.originalLength,
    [v4 ? "ip.src" : "ipv6.src"]: f.src.ip,
    [v4 ? "ip.dst" : "ipv6.dst"]: f.dst.ip,
    "udp.srcport": f.src.port,
    "udp.dstport": f.dst.port,
    ...(f.fragments ? { "ip.fragments": f.fragments } : {}),
    ...(f.incomplete ? { "ip.reassembly_incomplete": f.incomplete.reason } : {}),
    ...(f.packet.capturedLength < f.packet.originalLength && !f.fragments ? { "_ws.short": SIZE_LIMITED } : {}),
    imp,
  };
}

export interface FieldsFormat {
  separator: string;
  /** Between occurrences of one field (tshark's default ","). */
  aggregator: string;
  /** Which occurrences: all, first, last. */
  occurrence: "a" | "f" | "l";
  /** Put values in double quotes. */
  quote: boolean;
}

export const DEFAULT_FIELDS_FORMAT: FieldsFormat = { separator: "\t", aggregator: ",", occurrence: "a", quote: false };

function valueText(name: string, v: FilterValue): string {
  if (typeof v === "boolean") return v ? "1" : "0";
  if (typeof v === "number") return name === "frame.time_relative" || !Number.isInteger(v) ? v.toFixed(9) : String(v);
  // A row is one line: control characters of a payload are escaped (\n, \t, \r, \\).
  return /[\\\n\r\t]/.test(v) ? v.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c]!) : v;
}

const ESCAPES: Readonly<Record<string, string>> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** One `-T fields` row of the `-e` fields. */
export function fieldsRow(names: readonly string[], values: FrameFields, fmt: FieldsFormat): string {
  let row = "";
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const vs = values.values(name);
    let cell = "";
    if (vs && vs.length > 0) {
      const picked = fmt.occurrence === "f" ? [vs[0]!] : fmt.occurrence === "l" ? [vs[vs.length - 1]!] : vs;
      cell = picked.map((v) => valueText(name, v)).join(fmt.aggregator);
    }
    if (fmt.quote) cell = `"${cell.replace(/"/g, '\\"')}"`;
    row += i === 0 ? cell : fmt.separator + cell;
  }
  return `${row}\n`;
}
