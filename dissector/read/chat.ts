/**
 * `imp chat`: the conversation of each group reconstructed, the "Follow stream" of IMP: who said
 * what and when, to whom it was delivered, and who joined or left.
 *
 * A message said is a Data Message from a client that is not a retransmission: to the server
 * (centralized groups; the server relays it to every other member) or straight to a peer
 * (decentralized groups: one copy per member). It was delivered to a member when the copy that
 * reached that member was acknowledged: the server's relay ACKed by the member, or (decentralized)
 * the direct copy ACKed by the peer. Copies are matched to what was said by source client,
 * group and text. Delivery is read from the final view of the analysis, after the whole capture.
 *
 * A private group lives from its creation to its dissolution; its ID may then be given to a new
 * group (a decentralized group 2, dissolved, then a centralized group 2). Each lifetime is a group
 * of its own here, with its own heading, as the analysis tells them apart (groupLifetimes).
 */
import { ANALYSIS_FIELDS } from "../analysis/fields.js";
import type { ConversationAnalyzer, GroupEvent } from "../analysis/index.js";
import { PUBLIC_GROUP } from "../../src/protocol/fields.js";
import { MSG } from "../../src/protocol/messages.js";
import type { ReadFrame } from "./frame.js";

/** Direct copies of one decentralized message are sent within this many seconds of each other. */
const COPY_WINDOW = 1;

interface Copy {
  frame: number;
  /** Endpoint address the copy went to. */
  to: string;
}

interface Said {
  frame: number;
  time: number;
  group: number;
  client: number;
  /** Address of the sender. */
  from: string;
  text: string;
  direct: boolean;
  copies: Copy[];
}

export interface ChatLine {
  frame: number;
  time: number;
  kind: "message" | "joined" | "left";
  /** Speaker, or the client that joined or left. */
  who: string;
  text?: string;
  /** Names the message was delivered to (its copy acknowledged). */
  deliveredTo?: string[];
  /** Names a copy went to without an acknowledgement in the capture. */
  notDeliveredTo?: string[];
  /** Why a client joined or left (connect, invitation, disjoint, dissolution, ...). */
  reason?: string;
  /** The group a client that left went to (it moved, it did not leave the server). */
  movedTo?: number;
}

export interface ChatGroup {
  group: number;
  /** Which group with this ID (1, 2, ...: the ID is reused after a dissolution); 0 unknown. */
  lifetime: number;
  /** Frames of its creation and dissolution, when the capture shows them. */
  start: number | null;
  end: number | null;
  title: string;
  mode: "centralized" | "decentralized" | null;
  lines: ChatLine[];
}

function keyOf(client: number, group: number, text: string): string {
  return `${client}\u0000${group}\u0000${text}`;
}

/** Gathers the Data Messages during a read (add per frame), then builds the groups (finish). */
export class ChatCollector {
  private readonly said: Said[] = [];
  private readonly open = new Map<string, Said>();
  /** Group Creation Accepts seen: the group's mode, by group and frame (resolved to a lifetime at the end). */
  private readonly created: { group: number; frame: number; mode: "centralized" | "decentralized" }[] = [];
  /** Time of every frame by number (membership events refer to frames), 8 bytes a frame. */
  private times = new Float64Array(1024);

  private timeOf(frame: number): number {
    return frame < this.times.length ? this.times[frame]! : Number.NaN;
  }

  add(f: ReadFrame): void {
    if (f.number >= this.times.length) {
      let n = this.times.length;
      while (n <= f.number) n *= 2;
      const grown = new Float64Array(n);
      grown.set(this.times);
      this.times = grown;
    }
    this.times[f.number] = f.time;
    const m = f.decoded.message;
    if (!m || m.ack || f.decoded.layout === null) return;
    if (m.type === MSG.createAccept && m.new_group !== undefined) {
      this.created.push({ group: m.new_group, frame: f.number, mode: m.mode === 1 ? "decentralized" : "centralized" });
      return;
    }
    if (m.type !== MSG.data || m.data === undefined) return;
    for (const x of f.analysis().fields) {
      if (x.name === ANALYSIS_FIELDS.retransmission.abbrev || x.name === ANALYSIS_FIELDS.spurious_retransmission.abbrev) return;
    }
    const src = f.endpointName("src");
    const dst = f.endpointName("dst");
    const key = keyOf(m.src, m.group, m.data);
    const from = f.src.toString();
    const to = f.dst.toString();
    if (src === "server") {
      // A relay: a copy of the last thing said with this source, group and text.
      this.open.get(key)?.copies.push({ frame: f.number, to });
      return;
    }
    const direct = dst !== "server";
    const last = this.open.get(key);
    if (direct && last?.direct && last.from === from && f.time - last.time <= COPY_WINDOW && !last.copies.some((c) => c.to === to)) {
      last.copies.push({ frame: f.number, to });
      return;
    }
    const said: Said = {
      frame: f.number,
      time: f.time,
      group: m.group,
      client: m.src,
      from,
      text: m.data,
      direct,
      copies: direct ? [{ frame: f.number, to }] : [],
    };
    this.said.push(said);
    this.open.set(key, said);
  }

  /** The groups and their lines, once the analyzer saw the whole capture (finished). */
  finish(analyzer: ConversationAnalyzer, options: { group?: number } = {}): ChatGroup[] {
    const lifetimes = analyzer.groupLifetimes();
    const modes = new Map<string, "centralized" | "decentralized">();
    for (const c of this.created) modes.set(`${c.group}/${analyzer.groupLifetimeAt(c.group, c.frame)}`, c.mode);
    const groups = new Map<string, ChatGroup>();
    const groupOf = (g: number, lifetime: number): ChatGroup => {
      const key = `${g}/${lifetime}`;
      let c = groups.get(key);
      if (!c) {
        const mode = g === PUBLIC_GROUP ? "centralized" : (modes.get(key) ?? null);
        const span = lifetimes.find((l) => l.group === g && l.lifetime === lifetime);
        const reused = lifetimes.some((l) => l.group === g && l.lifetime > 1);
        let title = g === PUBLIC_GROUP ? "Public Group" : `Group ${g}${mode ? ` (${mode})` : ""}`;
        if (reused && span) title += span.end === null ? `, from frame ${span.start}` : `, frames ${span.start}-${span.end}`;
        c = { group: g, lifetime, start: span?.start ?? null, end: span?.end ?? null, title, mode, lines: [] };
        groups.set(key, c);
      }
      return c;
    };
    const ackedIn = (frame: number) => analyzer.fieldsOf(frame, "final").fields.some((x) => x.name === ANALYSIS_FIELDS.acked_in.abbrev);
    const nameAt = (address: string, frame: number) => {
      const [ip, port] = splitAddress(address);
      return analyzer.endpointName({ ip, port }, frame) ?? address;
    };
    for (const s of this.said) {
      if (options.group !== undefined && s.group !== options.group) continue;
      const delivered: string[] = [];
      const missed: string[] = [];
      for (const c of s.copies) (ackedIn(c.frame) ? delivered : missed).push(nameAt(c.to, c.frame));
      groupOf(s.group, analyzer.groupLifetimeAt(s.group, s.frame)).lines.push({
        frame: s.frame,
        time: s.time,
        kind: "message",
        who: analyzer.nameOf(s.client, s.frame) ?? nameAt(s.from, s.frame),
        text: s.text,
        deliveredTo: delivered,
        notDeliveredTo: missed,
      });
    }
    // Where a client that left went (the "joined" event of the same frame), for "left for group 2".
    const wentTo = new Map<string, number>();
    for (const ev of analyzer.groupEvents) if (ev.kind === "joined") wentTo.set(`${ev.frame}/${ev.client}`, ev.group);
    for (const ev of analyzer.groupEvents) {
      if (options.group !== undefined && ev.group !== options.group) continue;
      const line = eventLine(ev, analyzer, this.timeOf(ev.frame));
      const to = ev.kind === "left" ? wentTo.get(`${ev.frame}/${ev.client}`) : undefined;
      if (to !== undefined) line.movedTo = to;
      groupOf(ev.group, ev.lifetime).lines.push(line);
    }
    for (const g of groups.values())
      g.lines.sort((a, b) => a.frame - b.frame || Number(a.kind === "message") - Number(b.kind === "message"));
    return [...groups.values()].sort((a, b) => a.group - b.group || a.lifetime - b.lifetime);
  }
}

function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(":");
  const ip = address.slice(0, i).replace(/^\[|\]$/g, "");
  return [ip, Number(address.slice(i + 1))];
}

function eventLine(ev: GroupEvent, analyzer: ConversationAnalyzer, time: number): ChatLine {
  return {
    frame: ev.frame,
    time,
    kind: ev.kind,
    who: analyzer.nameOf(ev.client, ev.frame) ?? `client ${ev.client}`,
    reason: ev.reason.replace("_", " "),
  };
}

/** The groups as text: a title per group, then one line per message or membership event. */
export function renderChatText(groups: readonly ChatGroup[]): string {
  let out = "";
  for (const g of groups) {
    out += `${out ? "\n" : ""}== ${g.title} ==\n`;
    for (const l of g.lines) {
      const t = Number.isFinite(l.time) ? l.time.toFixed(6) : "";
      const head = `${String(l.frame).padStart(6)}  ${t.padStart(10)}  `;
      if (l.kind === "message") {
        const to: string[] = [];
        if (l.deliveredTo && l.deliveredTo.length > 0) to.push(`delivered to ${l.deliveredTo.join(", ")}`);
        if (l.notDeliveredTo && l.notDeliveredTo.length > 0) to.push(`NOT delivered to ${l.notDeliveredTo.join(", ")}`);
        if (to.length === 0) to.push("delivered to nobody");
        out += `${head}${l.who}: ${l.text}\n${" ".repeat(head.length + 4)}(${to.join("; ")})\n`;
      } else {
        const where = l.movedTo === undefined ? "" : l.movedTo === PUBLIC_GROUP ? " for the Public Group" : ` for group ${l.movedTo}`;
        out += `${head}* ${l.who} ${l.kind === "joined" ? "joined" : "left"}${where} (${l.reason})\n`;
      }
    }
  }
  return out || "No group traffic in this capture.\n";
}
