/**
 * The fields a display filter may name, with their types and value names.
 *
 * The IMP part is derived from the spec table (`src/protocol/fields.ts`: header, option and
 * list-entry fields with their `abbrev`, `kind`, width, mask and `values`; `problems.ts` for the
 * expert item ids) and from the analysis table (`dissector/analysis/fields.ts`); nothing here
 * lists an IMP field a second time. Around them sit the frame/ip/udp/expert fields of a capture.
 */
import { ENTRY_FIELDS, HEADER_FIELDS, OPTION_FIELDS, maskShift, type FieldSpec } from "../../src/protocol/fields.js";
import { PROBLEMS, SEVERITY_RANK } from "../../src/protocol/problems.js";
import { ANALYSIS_FILTER_FIELDS } from "./analysis-fields.js";

/**
 * Type of a filter field, as Wireshark's FT_* types:
 * - `uint`: unsigned integer up to `max` (FT_UINTn);
 * - `framenum`: the number of another frame (FT_FRAMENUM), compared as an integer;
 * - `float`: seconds or another real number (FT_DOUBLE / FT_RELATIVE_TIME);
 * - `string`: text (FT_STRING);
 * - `ipv4`: an IPv4 address, compared with addresses and CIDR blocks (FT_IPv4);
 * - `none`: a marker or subtree without a value, presence only (FT_NONE);
 * - `protocol`: a protocol name, presence only (FT_PROTOCOL).
 */
export type FilterFieldType = "uint" | "framenum" | "float" | "string" | "ipv4" | "none" | "protocol";

export interface FilterField {
  /** Dotted filter name (`imp.type`). */
  readonly abbrev: string;
  /** Display label (`Type`). */
  readonly label: string;
  readonly type: FilterFieldType;
  readonly blurb?: string;
  /** Value names (Wireshark's value_string), usable as literals: `imp.type == "Data Message"`. */
  readonly values?: Readonly<Record<number, string>>;
  /** Largest value of a `uint` field (from its width and bitmask). */
  readonly max?: number;
  /**
   * A computed field: its occurrences are those of these fields, in order (`ip.addr` is
   * `ip.src` then `ip.dst`). The packet is never asked for the computed name itself.
   */
  readonly sources?: readonly string[];
}

/** What a name in a filter stands for. */
export type ResolvedName =
  | { readonly kind: "field"; readonly field: FilterField }
  /** A prefix of registered fields that is no field itself (`imp.analysis`, `expert`): present when any of them is. */
  | { readonly kind: "group"; readonly name: string; readonly members: readonly FilterField[] };

const UINT32_MAX = 0xffff_ffff;

/** Type names as error messages say them. */
export const TYPE_TEXT: Readonly<Record<FilterFieldType, string>> = {
  uint: "unsigned integer",
  framenum: "frame number",
  float: "floating point number",
  string: "character string",
  ipv4: "IPv4 address",
  none: "label",
  protocol: "protocol",
};

export class FieldRegistry {
  private readonly byName = new Map<string, FilterField>();
  private readonly groups = new Map<string, ResolvedName | null>();
  private readonly names = new Map<FilterField, Map<string, number>>();

  constructor(fields: Iterable<FilterField>) {
    for (const f of fields) {
      if (this.byName.has(f.abbrev)) throw new Error(`display filter field ${f.abbrev} declared twice`);
      this.byName.set(f.abbrev, f);
    }
  }

  /** A registry with these fields added (or replaced, when the name exists). */
  extend(fields: Iterable<FilterField>): FieldRegistry {
    const merged = new Map(this.byName);
    for (const f of fields) merged.set(f.abbrev, f);
    return new FieldRegistry(merged.values());
  }

  get(abbrev: string): FilterField | undefined {
    return this.byName.get(abbrev);
  }

  /** Every field, in declaration order. */
  all(): readonly FilterField[] {
    return [...this.byName.values()];
  }

  /** A field, or a group of fields sharing the prefix `name.`; undefined when neither. */
  resolve(name: string): ResolvedName | undefined {
    const field = this.byName.get(name);
    if (field) return { kind: "field", field };
    let group = this.groups.get(name);
    if (group === undefined) {
      const prefix = `${name}.`;
      const members = [...this.byName.values()].filter((f) => f.abbrev.startsWith(prefix));
      group = members.length > 0 ? { kind: "group", name, members } : null;
      this.groups.set(name, group);
    }
    return group ?? undefined;
  }

  /** Field names starting with `prefix`, sorted, for completion in a filter bar. */
  complete(prefix: string): string[] {
    return [...this.byName.keys()].filter((n) => n.startsWith(prefix)).sort();
  }

  /** The value a value name stands for; ASCII case-insensitive, as Wireshark matches value strings. */
  valueOfName(field: FilterField, name: string): number | undefined {
    if (!field.values) return undefined;
    let m = this.names.get(field);
    if (!m) {
      m = new Map();
      for (const [k, v] of Object.entries(field.values)) {
        const key = v.toLowerCase();
        if (!m.has(key)) m.set(key, Number(k));
      }
      this.names.set(field, m);
    }
    return m.get(name.toLowerCase());
  }
}

/** The filter field for one spec-table field. */
export function fieldFromSpec(spec: FieldSpec): FilterField {
  const base = { abbrev: spec.abbrev, label: spec.label, blurb: spec.blurb, ...(spec.values ? { values: spec.values } : {}) };
  switch (spec.kind) {
    case "uint":
      return { ...base, type: "uint", max: spec.mask !== 0 ? spec.mask >>> maskShift(spec.mask) : 2 ** (8 * spec.size) - 1 };
    case "username":
    case "text":
      return { ...base, type: "string" };
    case "ipv4":
      return { ...base, type: "ipv4" };
    case "list":
      // A list of integers (invitees: one client ID per item) is filtered item by item; a list
      // of structures (entries) is a subtree whose own fields carry the values.
      return spec.base === "none" ? { ...base, type: "none" } : { ...base, type: "uint", max: 2 ** (8 * spec.size) - 1 };
  }
}

/** The IMP wire fields of WIRE.md section 7, from the spec table, plus the `imp` protocol itself. */
export const IMP_FIELDS: readonly FilterField[] = [
  { abbrev: "imp", label: "Instant Messenger Protocol", type: "protocol", blurb: "The datagram was dissected as IMP (malformed or not)" },
  ...[...Object.values(HEADER_FIELDS), ...Object.values(OPTION_FIELDS), ...Object.values(ENTRY_FIELDS)].map((f: FieldSpec) =>
    fieldFromSpec(f),
  ),
];

/** Expert item ids of the codec (`imp.malformed.short`, ...), filterable like Wireshark's ei names. */
export const PROBLEM_FIELDS: readonly FilterField[] = Object.values(PROBLEMS).map((p) => ({
  abbrev: p.id,
  label: p.summary,
  type: "none",
  blurb: `Expert item (${p.category}, ${p.severity}): ${p.summary}`,
}));

/** `expert.severity` values: the codec's severity ranks, named as Wireshark names them. */
export const SEVERITY_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(SEVERITY_RANK).map(([name, rank]) => [rank, name.charAt(0).toUpperCase() + name.slice(1)]),
);

/** What a capture adds around IMP: frame, IPv4, UDP, expert items. */
export const CAPTURE_FIELDS: readonly FilterField[] = [
  { abbrev: "frame", label: "Frame", type: "protocol" },
  { abbrev: "frame.number", label: "Frame Number", type: "framenum", blurb: "1-based number of the frame in the capture" },
  { abbrev: "frame.time_relative", label: "Time since first frame", type: "float", blurb: "Seconds since the first frame of the capture" },
  { abbrev: "frame.len", label: "Frame length", type: "uint", max: UINT32_MAX, blurb: "Bytes on the wire" },
  { abbrev: "ip", label: "Internet Protocol Version 4", type: "protocol" },
  { abbrev: "ip.src", label: "Source Address", type: "ipv4" },
  { abbrev: "ip.dst", label: "Destination Address", type: "ipv4" },
  { abbrev: "ip.addr", label: "Source or Destination Address", type: "ipv4", sources: ["ip.src", "ip.dst"] },
  { abbrev: "udp", label: "User Datagram Protocol", type: "protocol" },
  { abbrev: "udp.srcport", label: "Source Port", type: "uint", max: 0xffff },
  { abbrev: "udp.dstport", label: "Destination Port", type: "uint", max: 0xffff },
  { abbrev: "udp.port", label: "Source or Destination Port", type: "uint", max: 0xffff, sources: ["udp.srcport", "udp.dstport"] },
  {
    abbrev: "expert.severity",
    label: "Severity level",
    type: "uint",
    max: 3,
    values: SEVERITY_NAMES,
    blurb: "One per expert item: SEVERITY_RANK of its severity (0 Chat, 1 Note, 2 Warning, 3 Error)",
  },
  { abbrev: "expert.message", label: "Message", type: "string", blurb: "One per expert item: its text" },
];

/** The registry `compileFilter` uses by default. */
export const DEFAULT_REGISTRY: FieldRegistry = new FieldRegistry([
  ...CAPTURE_FIELDS,
  ...IMP_FIELDS,
  ...ANALYSIS_FILTER_FIELDS,
  ...PROBLEM_FIELDS,
]);
