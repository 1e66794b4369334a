/**
 * One IMP datagram as the read pipeline hands it to an output: the captured packet, its UDP
 * endpoints, the decoded message, and, computed only when asked and then cached for the frame,
 * its analysis (first-pass or final view), its protocol tree with the "[IMP analysis]" subtree
 * and its Info text. Everything is a view valid only during the callback that receives it.
 */
import type { Decoded } from "../../src/codec/message.js";
import type { Problem } from "../../src/protocol/problems.js";
import type { CapturePacket } from "../capture/packet.js";
import type { IncompleteDatagram } from "../capture/ipv4-reassembly.js";
import { incompleteMark } from "../incomplete-datagrams.js";
import type { Endpoint } from "../capture/endpoint.js";
import type { ConversationAnalyzer, AnalysisView, FrameAnalysis } from "../analysis/index.js";
import { ANALYSIS_EXPERTS, ANALYSIS_FIELDS, ANALYSIS_FIELDS_BY_ABBREV } from "../analysis/fields.js";
import { buildTree, node, type TreeNode } from "../tree/index.js";
import type { NameOf } from "../summary/info.js";
import { relativeTime, summaryInfo } from "../summary/summary-line.js";
import { analysisMarks } from "./marks.js";

const NO_ANALYSIS: FrameAnalysis = Object.freeze({ fields: [], experts: [] }) as unknown as FrameAnalysis;

export interface ReadFrame {
  /** Frame number in the capture (a reassembled datagram: its last fragment's). */
  readonly number: number;
  readonly tsSec: number;
  readonly tsNsec: number;
  /** Seconds since the first packet of the capture. */
  readonly time: number;
  /** The same, as the summary shows it: 6 decimals, exact (`0.001234`). */
  timeText(): string;
  /** Timestamp of the first packet, which `time` counts from. */
  readonly refSec: number;
  readonly refNsec: number;
  readonly src: Endpoint;
  readonly dst: Endpoint;
  /** IP version of the datagram. */
  readonly ipVersion: 4 | 6;
  /** UDP payload (view). */
  readonly payload: Uint8Array;
  readonly decoded: Decoded;
  /** The captured packet (view). */
  readonly packet: CapturePacket;
  /** Frame numbers of the IP fragments (IPv4 or IPv6), when reassembled (or when incomplete: those that arrived). */
  readonly fragments: readonly number[] | null;
  /** Set when the datagram was never reassembled: its fragments did not all arrive. */
  readonly incomplete: IncompleteDatagram | null;
  /** "first" (what was known when the frame was read) or "final" (after the whole capture, -2). */
  readonly view: AnalysisView;
  /** The conversation analysis, unless turned off. */
  readonly analyzer: ConversationAnalyzer | null;
  /** Username of a client ID as of this frame (in this view). */
  readonly nameOf: NameOf;
  /** `imp.analysis.*` fields and analysis expert items of this frame (cached). */
  analysis(): FrameAnalysis;
  /** The IMP protocol tree, names as `alice (1)` (cached). */
  tree(): TreeNode;
  /** The "[IMP analysis]" subtree, or null when the frame has no analysis (cached). */
  analysisTree(): TreeNode | null;
  /** The IMP tree with the analysis subtree as its last child (cached). */
  fullTree(): TreeNode;
  /** Info column with names and analysis marks (cached). */
  info(): string;
  /** The analysis marks of the Info column (`[Retransmission of 7]`), "" when none. */
  marks(): string;
  /** "alice" / "server" for an endpoint at this frame, when known. */
  endpointName(which: "src" | "dst"): string | undefined;
}

/** A reusable ReadFrame: the pipeline fills it for each datagram and resets the caches. */
export class MutableFrame implements ReadFrame {
  number = 0;
  tsSec = 0;
  tsNsec = 0;
  time = 0;
  /** Time of the first packet of the capture (the pipeline sets it). */
  refSec = 0;
  refNsec = 0;
  src!: Endpoint;
  dst!: Endpoint;
  ipVersion: 4 | 6 = 4;
  payload!: Uint8Array;
  decoded!: Decoded;
  packet!: CapturePacket;
  fragments: readonly number[] | null = null;
  incomplete: IncompleteDatagram | null = null;
  view: AnalysisView = "first";
  /** False when the mark gate knows the frame has no analysis mark (Info skips the analysis). */
  mayHaveMarks = true;
  private cachedAnalysis: FrameAnalysis | null = null;
  private cachedTree: TreeNode | null = null;
  private cachedAnalysisTree: TreeNode | null | undefined = undefined;
  private cachedFull: TreeNode | null = null;
  private cachedInfo: string | null = null;
  readonly nameOf: NameOf;

  constructor(readonly analyzer: ConversationAnalyzer | null) {
    const strictOf = (id: number) => analyzer!.nameOf(id, this.number, this.view === "first");
    this.nameOf = analyzer ? strictOf : () => undefined;
  }

  /** Starts a new frame: drops what was cached for the previous one. */
  reset(): void {
    this.cachedAnalysis = null;
    this.cachedTree = null;
    this.cachedAnalysisTree = undefined;
    this.cachedFull = null;
    this.cachedInfo = null;
  }

  timeText(): string {
    return relativeTime(this.tsSec, this.tsNsec, this.refSec, this.refNsec);
  }

  analysis(): FrameAnalysis {
    if (this.cachedAnalysis === null) {
      this.cachedAnalysis = this.analyzer?.has(this.number) ? this.analyzer.fieldsOf(this.number, this.view) : NO_ANALYSIS;
    }
    return this.cachedAnalysis;
  }

  tree(): TreeNode {
    if (this.cachedTree === null) this.cachedTree = buildTree(this.decoded, this.payload, { nameOf: this.nameOf });
    return this.cachedTree;
  }

  analysisTree(): TreeNode | null {
    if (this.cachedAnalysisTree === undefined) this.cachedAnalysisTree = buildAnalysisTree(this.analysis());
    return this.cachedAnalysisTree;
  }

  fullTree(): TreeNode {
    if (this.cachedFull === null) {
      const root = this.tree();
      const sub = this.analysisTree();
      this.cachedFull = sub ? { ...root, children: [...root.children, sub] } : root;
    }
    return this.cachedFull;
  }

  info(): string {
    if (this.cachedInfo === null) {
      let base = summaryInfo(this.decoded, this.analyzer ? this.nameOf : undefined);
      if (this.incomplete) base += ` ${incompleteMark(this.incomplete)}`;
      const marks = this.marks();
      this.cachedInfo = marks ? `${base} ${marks}` : base;
    }
    return this.cachedInfo;
  }

  marks(): string {
    return this.analyzer && (this.mayHaveMarks || this.cachedAnalysis !== null) ? analysisMarks(this.analysis()) : "";
  }

  endpointName(which: "src" | "dst"): string | undefined {
    if (!this.analyzer) return undefined;
    return this.analyzer.endpointName(which === "src" ? this.src : this.dst, this.number, this.view === "first");
  }
}

/**
 * The "[IMP analysis]" subtree, as Wireshark's "[SEQ/ACK analysis]": one generated item per
 * field (`[This is an ACK to the message in frame: 2]`), each expert item under the field of
 * the same name, else under the subtree. Items have no bytes (offset 0, length 0).
 */
export function buildAnalysisTree(a: FrameAnalysis): TreeNode | null {
  if (a.fields.length === 0 && a.experts.length === 0) return null;
  const sub = node("[IMP analysis]", 0, 0, { abbrev: "imp.analysis" });
  const byName = new Map<string, TreeNode>();
  /** joined/left items, in order: the membership expert items go under them one by one. */
  const moves: TreeNode[] = [];
  for (const f of a.fields) {
    const spec = ANALYSIS_FIELDS_BY_ABBREV.get(f.name);
    const label = spec?.label ?? f.name;
    const text = f.display === "" ? `[${label}]` : `[${label}: ${f.display}]`;
    const n = node(text, 0, 0, { abbrev: f.name, value: f.value, display: f.display });
    sub.children.push(n);
    if (!byName.has(f.name)) byName.set(f.name, n);
    if (f.name === ANALYSIS_FIELDS.joined.abbrev || f.name === ANALYSIS_FIELDS.left.abbrev) moves.push(n);
  }
  let move = 0;
  for (const e of a.experts) {
    const problem = { id: e.id, category: e.category, severity: e.severity, text: e.text, offset: 0, length: 0 } as unknown as Problem;
    const target = e.id === ANALYSIS_EXPERTS.membership.id ? moves[move++] : byName.get(e.id);
    (target ?? sub).experts.push(problem);
  }
  return sub;
}
