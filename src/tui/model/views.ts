/**
 * The data of the views besides the packet list: expert info summary, flow ladder, group chat,
 * statistics. Each is a `ViewSource`: a title and lines made on demand (a ladder over a million
 * packets is never built whole).
 *
 * Flow, chat and statistics are `imp flow`, `imp chat` and `imp stats` (dissector/read's
 * FlowLayout, ChatCollector, StatsCollector and their text renderers) fed with the TUI's rows.
 */
import { MSG } from "../../protocol/messages.js";
import type { Severity } from "../../protocol/problems.js";
import { ChatCollector, renderChatText } from "../../../dissector/read/chat.js";
import { FlowLayout, timeWidth, type FlowEndpoint } from "../../../dissector/read/flow.js";
import type { ReadFrame } from "../../../dissector/read/frame.js";
import { renderStatsText, StatsCollector } from "../../../dissector/read/stats.js";
import { ExpertTally, SEVERITIES, type ExpertGroup } from "./experts.js";
import { TYPE_ACK, TYPE_MASK } from "./packet-index.js";
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
      lines.push({
        text: `  ${String(g.count).padStart(7)}  ${g.category.padEnd(10)} ${g.id.padEnd(36)} ${g.sample}`,
        style: sev,
        frame: g.frames[0]?.frame,
      });
      for (const f of g.frames) lines.push({ text: `             frame ${String(f.frame).padStart(7)}: ${f.text}`, frame: f.frame });
      if (g.count > g.frames.length)
        lines.push({ text: `             … ${g.count - g.frames.length} more (filter: ${g.id})`, style: "dim" });
    }
  }
  if (lines.length === 0) lines.push({ text: "No expert info in this capture." });
  return staticView("Expert Info (Enter: go to frame)", lines);
}

/**
 * Runs every indexed row through `onFrame` (as the read pipeline would) in time slices, so
 * that a million rows do not freeze the screen; reports progress between slices.
 */
export async function eachFrame(
  s: TuiSession,
  onFrame: (f: ReadFrame) => void,
  onProgress: (done: number, total: number) => void,
): Promise<void> {
  const ix = s.index;
  let r = 0;
  while (r < ix.count) {
    const end = performance.now() + 15;
    for (; r < ix.count && ((r & 255) !== 0 || performance.now() < end); r++) onFrame(s.decoder.scan(r));
    onProgress(r, ix.count);
    if (r < ix.count) await new Promise<void>((res) => setImmediate(res));
  }
}

/** Text lines as view lines: a frame number at the start of a line makes Enter go there. */
function textLines(text: string, styleOf: (line: string) => LineStyle | undefined = () => undefined): ViewLine[] {
  return text
    .replace(/\n$/, "")
    .split("\n")
    .map((line) => {
      const m = /^\s*(\d+)\s+\d/.exec(line);
      const style = styleOf(line);
      return { text: line, ...(style ? { style } : {}), ...(m ? { frame: Number(m[1]) } : {}) };
    });
}

/** Statistics, as `imp stats` computes and prints them (dissector/read StatsCollector). */
export async function statsView(s: TuiSession, onProgress: (done: number, total: number) => void): Promise<ViewSource> {
  const collector = new StatsCollector();
  await eachFrame(s, (f) => collector.add(f), onProgress);
  const stats = collector.finish(s.analyzer, s.description, { packets: s.progress().packets, imp: s.index.count });
  return staticView(
    "Statistics (as imp stats)",
    textLines(renderStatsText(stats), (l) => (/^\S/.test(l) ? "header" : undefined)),
  );
}

/** Group chat, as `imp chat` builds and prints it (dissector/read ChatCollector). */
export async function chatView(s: TuiSession, onProgress: (done: number, total: number) => void): Promise<ViewSource> {
  const collector = new ChatCollector();
  await eachFrame(s, (f) => collector.add(f), onProgress);
  const groups = collector.finish(s.analyzer);
  const styleOf = (l: string): LineStyle | undefined =>
    l.startsWith("==") ? "header" : l.includes("NOT delivered") ? "warning" : l.includes("* ") ? "dim" : "data";
  return staticView("Group chat (as imp chat; Enter: go to frame)", textLines(renderChatText(groups), styleOf));
}

/** Flow ladder of the displayed packets, as `imp flow` draws it (dissector/read FlowLayout), row by row on demand. */
export function flowView(s: TuiSession): ViewSource {
  const ix = s.index;
  const endpoints: FlowEndpoint[] = ix.endpoints.map((e) => ({ address: e.toString(), name: s.analyzer.endpointName(e) ?? e.toString() }));
  endpoints.sort((a, b) => Number(b.name === "server") - Number(a.name === "server"));
  let layout: FlowLayout | null = null;
  let header: string[] = [];
  let width = 0;
  let rows = -1;
  let lastTime = 0;
  const layoutFor = (w: number): FlowLayout => {
    // The Time column is as wide as the latest packet's time: every row keeps the same ladder
    // (a live capture that passes 10 s redraws the whole view one column wider, not the new rows).
    if (ix.count !== rows) {
      rows = ix.count;
      lastTime = rows > 0 ? Math.max(lastTime, ix.relTime(rows - 1)) : 0;
    }
    if (!layout || w !== width || layout.timeWidth !== timeWidth(lastTime)) {
      width = w;
      layout = new FlowLayout(endpoints, { width: w, lastTime });
      header = layout.header().replace(/\n$/, "").split("\n");
    }
    return layout;
  };
  return {
    title: "Flow of the displayed packets (as imp flow; Enter: go to frame)",
    count: () => s.displayedCount() + 2,
    line(i, w) {
      const l = layoutFor(w);
      if (i < 2) return { text: header[i] ?? "", style: "header" };
      const row = s.rowAt(i - 2);
      const f = s.decoder.get(row).frame;
      const t = ix.type(row);
      return {
        text: l.row(f).replace(/\n$/, ""),
        frame: f.number,
        ...(t & TYPE_ACK ? { style: "dim" as const } : (t & TYPE_MASK) === MSG.data ? { style: "data" as const } : {}),
      };
    },
  };
}
