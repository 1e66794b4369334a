/**
 * The data of the views besides the packet list: expert info summary, flow ladder, group chat,
 * statistics. Each is a `ViewSource`: a title and lines made on demand (a ladder over a million
 * packets is never built whole).
 *
 * Seam: `imp flow`, `imp chat` and `imp stats` (dissector/read, being written) will provide the
 * models and text renderers of the last three; when they land, `flowView`, `chatView` and
 * `statsView` should adapt those. Until then they are thin adapters over dissector/analysis.
 */
import { MSG, messageSpec, ACK_SPEC } from "../../protocol/messages.js";
import { typeName } from "../../protocol/fields.js";
import type { Severity } from "../../protocol/problems.js";
import { percentiles } from "../../../dissector/analysis/index.js";
import { relativeTime } from "../../../dissector/summary/summary-line.js";
import { ExpertTally, SEVERITIES, type ExpertGroup } from "./experts.js";
import { TYPE_ACK, TYPE_MASK, TYPE_NONE } from "./packet-index.js";
import type { TuiSession } from "./session.js";

export type LineStyle = "header" | "dim" | "data" | Severity;

export interface ViewLine {
  text: string;
  style?: LineStyle;
  /** Frame that Enter jumps to. */
  frame?: number;
}

export interface ViewSource {
  title: string;
  count(): number;
  /** Line `i` for a view `width` columns wide. */
  line(i: number, width: number): ViewLine;
}

export function staticView(title: string, lines: ViewLine[]): ViewSource {
  return { title, count: () => lines.length, line: (i) => lines[i]! };
}

const SEV_TITLE: Readonly<Record<Severity, string>> = { error: "Errors", warning: "Warnings", note: "Notes", chat: "Chats" };

/** Expert info: by severity, then by kind with a count; Enter on a line jumps to its frame. */
export function expertView(s: TuiSession): ViewSource {
  let analysis = s.analysisExperts;
  if (!s.analysisPassDone) {
    analysis = new ExpertTally();
    const ix = s.index;
    for (let r = 0; r < ix.count; r++) {
      const f = ix.frame(r);
      if (!s.analyzer.has(f)) continue;
      for (const e of s.analyzer.fieldsOf(f).experts) analysis.add(f, e.id, e.severity, e.category, e.text);
    }
  }
  const groups = new Map<Severity, ExpertGroup[]>();
  for (const t of [s.indexer.codecExperts, analysis]) {
    for (const sev of t.bySeverity()) groups.set(sev.severity, [...(groups.get(sev.severity) ?? []), ...sev.groups]);
  }
  const lines: ViewLine[] = [];
  for (const sev of SEVERITIES) {
    const gs = (groups.get(sev) ?? []).sort((a, b) => b.count - a.count);
    if (gs.length === 0) continue;
    const total = gs.reduce((n, g) => n + g.count, 0);
    lines.push({ text: `${SEV_TITLE[sev]} (${total})`, style: "header", frame: gs[0]!.frames[0]?.frame });
    for (const g of gs) {
      lines.push({ text: `  ${String(g.count).padStart(7)}  ${g.category.padEnd(10)} ${g.id.padEnd(36)} ${g.sample}`, style: sev, frame: g.frames[0]?.frame });
      for (const f of g.frames) lines.push({ text: `             frame ${String(f.frame).padStart(7)}: ${f.text}`, frame: f.frame });
      if (g.count > g.frames.length) lines.push({ text: `             … ${g.count - g.frames.length} more (filter: ${g.id})`, style: "dim" });
    }
  }
  if (lines.length === 0) lines.push({ text: "No expert info in this capture." });
  return staticView("Expert Info (Enter: go to frame)", lines);
}

/** Statistics: message types, analysis counters, RTTs, conversations. */
export function statsView(s: TuiSession): ViewSource {
  const ix = s.index;
  const counts = new Map<number, number>();
  for (let r = 0; r < ix.count; r++) counts.set(ix.type(r), (counts.get(ix.type(r)) ?? 0) + 1);
  const st = s.analyzer.stats();
  const lines: ViewLine[] = [{ text: `Capture: ${s.description}   IMP datagrams: ${ix.count}   packets read: ${s.progress().packets}`, style: "header" }, { text: "" }];
  lines.push({ text: "Message types", style: "header" });
  const typeRows = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  for (const [t, n] of typeRows) {
    const name = t & TYPE_NONE ? "Malformed (short)" : `${t & TYPE_ACK ? `${ACK_SPEC.name} of ` : ""}${messageSpec(t & TYPE_MASK)?.name ?? typeName(t & TYPE_MASK)}`;
    lines.push({ text: `  ${name.padEnd(44)} ${String(n).padStart(9)}  ${((100 * n) / Math.max(1, ix.count)).toFixed(1).padStart(5)}%` });
  }
  lines.push({ text: "" }, { text: "Analysis", style: "header" });
  const counters: [string, number][] = [
    ["messages", st.messages], ["ACKs", st.acks], ["retransmissions", st.retransmissions],
    ["spurious retransmissions", st.spuriousRetransmissions], ["duplicate ACKs", st.duplicateAcks], ["stale ACKs", st.staleAcks],
    ["sequence not flipped", st.seqNotFlipped], ["never acknowledged", st.unacked], ["forced disconnections", st.forcedDisconnections],
    ["invitation time-outs", st.invitationTimeouts], ["requests without response", st.noResponse], ["ignored (malformed, dropped)", st.ignored],
  ];
  for (const [k, v] of counters) lines.push({ text: `  ${k.padEnd(44)} ${String(v).padStart(9)}` });
  if (st.ackRtts.length > 0) {
    const [p50, p90, p99] = percentiles(st.ackRtts, [50, 90, 99]);
    lines.push({ text: `  ACK RTT p50/p90/p99 (ms)${" ".repeat(20)}${[p50, p90, p99].map((x) => ((x ?? 0) * 1000).toFixed(2)).join(" / ")}` });
  }
  lines.push({ text: "" }, { text: `Conversations (${st.conversations.length})`, style: "header" });
  lines.push({ text: `  ${"#".padStart(4)}  ${"from".padEnd(30)} ${"to".padEnd(30)} ${"frames".padStart(8)} ${"msgs".padStart(7)} ${"ACKs".padStart(7)} ${"retx".padStart(6)}`, style: "dim" });
  for (const c of st.conversations.slice(0, 2000)) {
    const from = `${c.srcName ?? "?"} ${c.src.ip}:${c.src.port}`;
    const to = `${c.dstName ?? "?"} ${c.dst.ip}:${c.dst.port}`;
    lines.push({ text: `  ${String(c.index).padStart(4)}  ${from.padEnd(30)} ${to.padEnd(30)} ${String(c.frames).padStart(8)} ${String(c.messages).padStart(7)} ${String(c.acks).padStart(7)} ${String(c.retransmissions).padStart(6)}`, frame: c.firstFrame });
  }
  return staticView("Statistics", lines);
}

/** Flow ladder over the displayed packets: one column per endpoint, one arrow per datagram. */
export function flowView(s: TuiSession): ViewSource {
  const ix = s.index;
  const eps = ix.endpoints;
  const label = (k: number) => s.analyzer.endpointName(eps[k]!) ?? eps[k]!.toString();
  const idOf = new Map(eps.map((e, k) => [e, k]));
  const TIME = 12;
  const colWidth = (width: number) => Math.max(10, Math.floor((width - TIME - 2) / Math.max(1, eps.length)));
  return {
    title: "Flow (displayed packets; Enter: go to frame)",
    count: () => s.displayedCount() + 1,
    line(i, width) {
      const w = colWidth(width);
      const center = (k: number) => TIME + k * w + Math.floor(w / 2);
      if (i === 0) {
        let head = " ".repeat(TIME);
        for (let k = 0; k < eps.length; k++) head += label(k).slice(0, w - 1).padStart(Math.floor(w / 2) + Math.ceil(label(k).slice(0, w - 1).length / 2)).padEnd(w);
        return { text: head, style: "header" };
      }
      const row = s.rowAt(i - 1);
      const d = s.decoder.get(row);
      const a = idOf.get(ix.src(row)) ?? 0;
      const b = idOf.get(ix.dst(row)) ?? 0;
      const chars = new Array<string>(Math.max(width, TIME + eps.length * w)).fill(" ");
      const t = relativeTime(ix.sec(row), ix.nsec(row), ix.firstSec, ix.firstNsec);
      for (let c = 0; c < t.length && c < TIME - 1; c++) chars[c] = t[c]!;
      for (let k = 0; k < eps.length; k++) chars[center(k)] = "|";
      const lo = Math.min(center(a), center(b));
      const hi = Math.max(center(a), center(b));
      for (let c = lo + 1; c < hi; c++) chars[c] = "-";
      if (a !== b) chars[a < b ? hi - 1 : lo + 1] = a < b ? ">" : "<";
      const name = d.type;
      const start = lo + 1 + Math.max(0, Math.floor((hi - lo - 1 - name.length) / 2));
      for (let c = 0; c < name.length && start + c < hi - 1; c++) chars[start + c] = name[c]!;
      const info = ` ${d.frame.number}: ${d.frame.info()}`;
      const after = TIME + eps.length * w;
      for (let c = 0; c < info.length && after + c < chars.length; c++) chars[after + c] = info[c]!;
      const m = ix.type(row);
      return { text: chars.join("").slice(0, width), frame: d.frame.number, style: m & TYPE_ACK ? "dim" : (m & TYPE_MASK) === MSG.data ? "data" : undefined };
    },
  };
}

const CHAT_MAX = 20000;

/** Group chat: Data Messages as their senders sent them (relays, ACKs and retransmissions left out). */
export function chatView(s: TuiSession): ViewSource {
  const ix = s.index;
  const rows: number[] = [];
  let last = "";
  for (let r = 0; r < ix.count && rows.length < CHAT_MAX; r++) {
    if (ix.type(r) !== MSG.data) continue;
    const frame = ix.frame(r);
    if (s.analyzer.endpointName(ix.src(r), frame) === "server") continue;
    const a = s.analyzer.has(frame) ? s.analyzer.fieldsOf(frame) : null;
    if (a?.fields.some((f) => f.name === "imp.analysis.retransmission" || f.name === "imp.analysis.spurious_retransmission")) continue;
    // A decentralized sender sends the same message to every member: keep it once.
    const f = s.decoder.scan(r);
    const key = `${ix.src(r).toString()}|${f.decoded.message?.group}|${f.decoded.message?.data}`;
    if (key === last) continue;
    last = key;
    rows.push(r);
  }
  return {
    title: `Group chat (${rows.length}${rows.length === CHAT_MAX ? "+, first shown" : ""} messages; Enter: go to frame)`,
    count: () => Math.max(1, rows.length),
    line(i) {
      if (rows.length === 0) return { text: "No Data Messages in this capture." };
      const r = rows[i]!;
      const f = s.decoder.get(r).frame;
      const m = f.decoded.message!;
      const who = f.endpointName("src") ?? s.analyzer.clientText(m.src, f.number);
      const t = relativeTime(ix.sec(r), ix.nsec(r), ix.firstSec, ix.firstNsec);
      return { text: `${t.padStart(11)}  [group ${m.group}] <${who}> ${m.data ?? ""}`, frame: f.number, style: "data" };
    },
  };
}
