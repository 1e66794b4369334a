/**
 * The display-filter side of a frame (FilterPacket): frame, IP, UDP, IMP tree, expert and
 * analysis fields, filled per frame with only what the filter (and `-T fields -e`) names, so a
 * filter on `imp.type` costs no tree, and one on `udp.port` no analysis.
 */
import type { FilterPacket, FilterValue } from "../filter/index.js";
import { DEFAULT_REGISTRY } from "../filter/registry.js";
import { HEADER_FIELDS } from "../../src/protocol/fields.js";
import { SEVERITY_RANK } from "../../src/protocol/problems.js";
import { PROBLEMS } from "../../src/protocol/problems.js";
import { ANALYSIS_EXPERTS_BY_ID, ANALYSIS_FIELDS_BY_ABBREV } from "../analysis/fields.js";
import type { TreeNode } from "../tree/index.js";
import type { ImpMessage } from "../../src/codec/message.js";
import type { ReadFrame } from "./frame.js";

const HEADER = new Map<string, keyof typeof HEADER_FIELDS>(
  (Object.entries(HEADER_FIELDS) as [keyof typeof HEADER_FIELDS, { abbrev: string }][]).map(([k, f]) => [f.abbrev, k]),
);
const PROBLEM_IDS = new Set<string>(Object.values(PROBLEMS).map((p) => p.id));

/** What has to be computed to answer for a set of field names. */
export interface FieldNeeds {
  /** frame.*, ip.*, udp.* */
  capture: boolean;
  /** Header fields read straight from the decoded message. */
  header: boolean;
  /** Other imp.* fields: the tree is built. */
  tree: boolean;
  /** Codec expert ids, expert.severity, expert.message. */
  problems: boolean;
  /** imp.analysis.* fields or analysis expert ids (and expert.* for their items). */
  analysis: boolean;
  /** Some name is only known once later frames were seen (acked_in, unacked, ...): -2. */
  later: boolean;
}

/** Classifies field names (a filter's `fields`, `-e` names). */
export function fieldNeeds(names: Iterable<string>): FieldNeeds {
  const n: FieldNeeds = { capture: false, header: false, tree: false, problems: false, analysis: false, later: false };
  for (const given of names) {
    // A computed field (ip.addr, udp.port) needs its sources.
    for (const name of DEFAULT_REGISTRY.get(given)?.sources ?? [given]) classify(n, name);
  }
  return n;
}

function classify(n: FieldNeeds, name: string): void {
  if (name.startsWith("_ws.col.")) {
    // Columns: Info needs the analysis (names, marks); the others only the capture fields.
    if (name === "_ws.col.info") n.analysis = true;
  } else if (
    name === "frame" ||
    name.startsWith("frame.") ||
    name === "ip" ||
    name.startsWith("ip.") ||
    name === "udp" ||
    name.startsWith("udp.")
  ) {
    n.capture = true;
  } else if (name === "imp") {
    // Always present.
  } else if (HEADER.has(name)) n.header = true;
  else if (name === "expert.severity" || name === "expert.message") {
    n.problems = true;
    n.analysis = true;
  } else if (PROBLEM_IDS.has(name)) n.problems = true;
  else if (name === "imp.analysis" || name.startsWith("imp.analysis.")) {
    n.analysis = true;
    const spec = ANALYSIS_FIELDS_BY_ABBREV.get(name) ?? ANALYSIS_EXPERTS_BY_ID.get(name);
    if (spec?.pass === "later") n.later = true;
  } else if (name.startsWith("imp.")) n.tree = true;
}

/** True when a name is a field `-e` can print: a registered filter field or `_ws.col.*`. */
export function isKnownField(name: string): boolean {
  return DEFAULT_REGISTRY.get(name) !== undefined || COLUMN_FIELDS.has(name);
}

/** Column pseudo-fields of `-T fields`, as tshark's `_ws.col.*`. */
export const COLUMN_FIELDS: ReadonlyMap<string, (f: ReadFrame) => FilterValue> = new Map<string, (f: ReadFrame) => FilterValue>([
  ["_ws.col.info", (f) => f.info()],
  ["_ws.col.protocol", () => "IMP"],
  ["_ws.col.number", (f) => f.number],
  ["_ws.col.src", (f) => f.src.toString()],
  ["_ws.col.dst", (f) => f.dst.toString()],
]);

/**
 * FieldMap's interface without its allocations: the arrays of a field are kept from frame to
 * frame and emptied, not dropped (a filter over a million frames allocates nothing per frame).
 */
class ReusedFields {
  private readonly map = new Map<string, FilterValue[]>();
  private readonly used: FilterValue[][] = [];

  add(field: string, value: FilterValue): this {
    let list = this.map.get(field);
    if (list === undefined) this.map.set(field, (list = []));
    if (list.length === 0) this.used.push(list);
    list.push(value);
    return this;
  }

  values(field: string): readonly FilterValue[] | undefined {
    const list = this.map.get(field);
    return list === undefined || list.length === 0 ? undefined : list;
  }

  clear(): void {
    for (const list of this.used) list.length = 0;
    this.used.length = 0;
    // A capture with unbounded field names cannot happen (names come from the registry); still, stay bounded.
    if (this.map.size > 4096) this.map.clear();
  }
}

/** A FilterPacket filled per frame with the fields `needs` asks for. */
export class FrameFields implements FilterPacket {
  private readonly map = new ReusedFields();
  private readonly columns: [string, (f: ReadFrame) => FilterValue][];
  /** Computed fields asked for by name (-e ip.addr): their sources' values, in order. */
  private readonly computed: [string, readonly string[]][];

  constructor(
    readonly needs: FieldNeeds,
    names: Iterable<string> = [],
  ) {
    this.columns = [...names].flatMap((n) => {
      const c = COLUMN_FIELDS.get(n);
      return c ? [[n, c] as [string, (f: ReadFrame) => FilterValue]] : [];
    });
    this.computed = [...new Set(names)].flatMap((n) => {
      const sources = DEFAULT_REGISTRY.get(n)?.sources;
      return sources ? [[n, sources] as [string, readonly string[]]] : [];
    });
  }

  /** The message whose header fields are read on demand (when no tree is built). */
  private message: ImpMessage | null = null;
  private readonly headerCells = new Map<string, FilterValue[]>();

  values(field: string): readonly FilterValue[] | undefined {
    if (this.message !== null) {
      const key = HEADER.get(field);
      if (key !== undefined) {
        let cell = this.headerCells.get(field);
        if (cell === undefined) this.headerCells.set(field, (cell = [0]));
        cell[0] = this.message[key];
        return cell;
      }
    }
    return this.map.values(field);
  }

  /** Fills the map for one frame. */
  fill(f: ReadFrame): void {
    const m = this.map;
    const n = this.needs;
    m.clear();
    m.add("imp", true);
    if (n.capture) {
      m.add("frame", true).add("frame.number", f.number).add("frame.time_relative", f.time).add("frame.len", f.packet.originalLength);
      if (f.ipVersion === 4) m.add("ip", true).add("ip.src", f.src.ip).add("ip.dst", f.dst.ip);
      m.add("udp", true).add("udp.srcport", f.src.port).add("udp.dstport", f.dst.port);
    }
    const msg = f.decoded.message;
    this.message = null;
    if (n.tree) addTree(m, f.tree());
    else if (n.header) this.message = msg; // read in values(), without copying

    if (n.problems) {
      for (const p of f.decoded.problems) {
        m.add(p.id, true).add("expert.severity", SEVERITY_RANK[p.severity]).add("expert.message", p.text);
      }
    }
    if (n.analysis) {
      const a = f.analysis();
      for (const x of a.fields) m.add(x.name, x.value);
      for (const e of a.experts) {
        if (!ANALYSIS_FIELDS_BY_ABBREV.has(e.id)) m.add(e.id, true);
        m.add("expert.severity", SEVERITY_RANK[e.severity]).add("expert.message", e.text);
      }
    }
    for (const [name, col] of this.columns) m.add(name, col(f));
    for (const [name, sources] of this.computed) {
      for (const src of sources) for (const v of this.values(src) ?? []) m.add(name, v);
    }
  }
}

/** Every field node of the tree: its value, or `true` for a subtree whose items carry the values. */
function addTree(m: ReusedFields, root: TreeNode): void {
  for (const c of root.children) visit(m, c);
}

function visit(m: ReusedFields, n: TreeNode): void {
  if (n.abbrev) {
    if (n.value !== undefined) m.add(n.abbrev, n.value);
    else if (!n.children.some((c) => c.abbrev === n.abbrev)) m.add(n.abbrev, true);
  }
  for (const c of n.children) visit(m, c);
}
