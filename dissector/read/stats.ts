/**
 * `imp stats`: what a capture holds, in numbers. Messages per type, per conversation (A ↔ B, each
 * way), retransmission rate, ACK RTT percentiles, response times per transaction kind, per-client
 * activity, expert counts. Collected during one read pass (StatsCollector.add per frame), then
 * completed from the finished analyzer.
 */
import { typeName } from "../../src/protocol/fields.js";
import { MSG } from "../../src/protocol/messages.js";
import { PROBLEMS } from "../../src/protocol/problems.js";
import { ANALYSIS_EXPERTS_BY_ID } from "../analysis/fields.js";
import { percentiles, type ConversationAnalyzer, type TransactionKind } from "../analysis/index.js";
import type { ReadFrame } from "./frame.js";
import { renderTable } from "./table.js";

const SUMMARIES = new Map<string, string>([
  ...Object.values(PROBLEMS).map((p) => [p.id, p.summary] as [string, string]),
  ...[...ANALYSIS_EXPERTS_BY_ID.values()].map((e) => [e.id, e.summary] as [string, string]),
]);

export interface TypeCount {
  code: number;
  name: string;
  messages: number;
  acks: number;
  bytes: number;
}

export interface Percentiles {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

export interface ConversationStats {
  a: string;
  b: string;
  aAddress: string;
  bAddress: string;
  /** Datagrams A → B and B → A, with bytes (UDP payload). */
  aToB: { frames: number; messages: number; acks: number; retransmissions: number; bytes: number };
  bToA: { frames: number; messages: number; acks: number; retransmissions: number; bytes: number };
}

export interface ClientStats {
  id: number;
  name: string | null;
  address: string;
  /** Frame of the connection and of the departure (null: still there at the end). */
  from: number;
  left: number | null;
  /** Data Messages this client sent (originals, not retransmissions). */
  dataSent: number;
  /** Data Messages delivered to this client's address (originals, not retransmissions). */
  dataReceived: number;
  /** Groups joined (private groups and the Public Group). */
  groups: number[];
}

export interface ResponseStats extends Percentiles {
  kind: TransactionKind;
  outcomes: Record<string, number>;
}

export interface CaptureStats {
  file: string;
  packets: number;
  impDatagrams: number;
  otherPackets: number;
  duration: number;
  types: TypeCount[];
  conversations: ConversationStats[];
  retransmissions: {
    messages: number;
    retransmissions: number;
    /** Retransmissions per original message. */
    rate: number;
    spurious: number;
    duplicateAcks: number;
    staleAcks: number;
    unacked: number;
    forcedDisconnections: number;
    invitationTimeouts: number;
  };
  ackRtt: Percentiles;
  responseTimes: ResponseStats[];
  clients: ClientStats[];
  experts: { malformed: number; protocol: number; analysis: number; byId: Record<string, number> };
}

function pct(samples: ArrayLike<number>): Percentiles {
  if (samples.length === 0) return { count: 0, p50: null, p90: null, p99: null, max: null };
  const [p50, p90, p99, max] = percentiles(samples, [50, 90, 99, 100]);
  return { count: samples.length, p50: p50!, p90: p90!, p99: p99!, max: max! };
}

/** Gathers per-frame counts during the read; `finish` adds the analysis. */
export class StatsCollector {
  private readonly types = new Map<number, TypeCount>();
  private readonly dataSent = new Map<string, number>();
  private readonly dataReceived = new Map<string, number>();
  private readonly byId = new Map<string, number>();
  private malformed = 0;
  private protocol = 0;
  private analysisExperts = 0;
  private frames = 0;
  private lastTime = 0;

  add(f: ReadFrame): void {
    this.frames++;
    this.lastTime = f.time;
    const m = f.decoded.message;
    const code = m ? m.type : -1;
    let t = this.types.get(code);
    if (!t) {
      t = { code, name: m ? typeName(code) : "Malformed (short)", messages: 0, acks: 0, bytes: 0 };
      this.types.set(code, t);
    }
    if (m?.ack) t.acks++;
    else t.messages++;
    t.bytes += f.payload.length;
    for (const p of f.decoded.problems) {
      if (p.category === "malformed") this.malformed++;
      else this.protocol++;
      this.byId.set(p.id, (this.byId.get(p.id) ?? 0) + 1);
    }
    let retx = false;
    if (m && !m.ack && m.type === MSG.data) {
      for (const e of f.analysis().experts) {
        if (e.id === "imp.analysis.retransmission" || e.id === "imp.analysis.spurious_retransmission") retx = true;
      }
    }
    if (m && !m.ack && m.type === MSG.data && !retx && f.decoded.layout !== null) {
      const s = f.src.toString();
      const d = f.dst.toString();
      this.dataSent.set(s, (this.dataSent.get(s) ?? 0) + 1);
      this.dataReceived.set(d, (this.dataReceived.get(d) ?? 0) + 1);
    }
  }

  /** The report, once the analyzer has seen the whole capture (finished). */
  finish(analyzer: ConversationAnalyzer, file: string, counters: { packets: number; imp: number }): CaptureStats {
    const st = analyzer.stats();
    // Analysis experts in the final view (unacked, forced disconnections... are known only now).
    for (let n = 1; n <= analyzer.lastFrame; n++) {
      if (!analyzer.has(n)) continue;
      for (const e of analyzer.fieldsOf(n, "final").experts) {
        if (e.severity === "chat") continue;
        this.analysisExperts++;
        this.byId.set(e.id, (this.byId.get(e.id) ?? 0) + 1);
      }
    }
    const pairs = new Map<string, ConversationStats>();
    for (const c of st.conversations) {
      const s = `${c.src.ip}:${c.src.port}`;
      const d = `${c.dst.ip}:${c.dst.port}`;
      const forward = s <= d;
      const key = forward ? `${s} ${d}` : `${d} ${s}`;
      let p = pairs.get(key);
      if (!p) {
        const [a, b, an, bn] = forward ? [s, d, c.srcName, c.dstName] : [d, s, c.dstName, c.srcName];
        p = {
          a: an ?? a,
          b: bn ?? b,
          aAddress: a,
          bAddress: b,
          aToB: { frames: 0, messages: 0, acks: 0, retransmissions: 0, bytes: 0 },
          bToA: { frames: 0, messages: 0, acks: 0, retransmissions: 0, bytes: 0 },
        };
        pairs.set(key, p);
      }
      const dir = forward ? p.aToB : p.bToA;
      dir.frames += c.frames;
      dir.messages += c.messages;
      dir.acks += c.acks;
      dir.retransmissions += c.retransmissions;
      dir.bytes += c.bytes;
    }
    // A conversation with the server lists the server second; others in address order.
    const conversations = [...pairs.values()].map((p) =>
      p.a === "server" ? { ...p, a: p.b, b: p.a, aAddress: p.bAddress, bAddress: p.aAddress, aToB: p.bToA, bToA: p.aToB } : p,
    );
    const joined = new Map<number, Set<number>>();
    for (const ev of analyzer.groupEvents) {
      if (ev.kind !== "joined") continue;
      let s = joined.get(ev.client);
      if (!s) joined.set(ev.client, (s = new Set()));
      s.add(ev.group);
    }
    const clients: ClientStats[] = [];
    for (const b of analyzer.names.bindings()) {
      const addr = `${b.address.ip}:${b.address.port}`;
      const groups = [...(joined.get(b.client) ?? [])]
        .filter((g) =>
          analyzer.groupEvents.some(
            (e) => e.client === b.client && e.group === g && e.kind === "joined" && e.frame >= b.from && (b.left <= 0 || e.frame <= b.left),
          ),
        )
        .sort((x, y) => x - y);
      clients.push({
        id: b.client,
        name: b.name ?? null,
        address: addr,
        from: b.from,
        left: b.left > 0 ? b.left : null,
        dataSent: this.dataSent.get(addr) ?? 0,
        dataReceived: this.dataReceived.get(addr) ?? 0,
        groups,
      });
    }
    clients.sort((x, y) => x.from - y.from || x.id - y.id);
    const responseTimes: ResponseStats[] = [];
    const outcomes = new Map<TransactionKind, Record<string, number>>();
    for (const t of analyzer.transactions()) {
      let o = outcomes.get(t.kind);
      if (!o) outcomes.set(t.kind, (o = {}));
      o[t.outcome] = (o[t.outcome] ?? 0) + 1;
    }
    for (const [kind, samples] of Object.entries(st.responseTimes) as [TransactionKind, Float64Array][]) {
      const o = outcomes.get(kind);
      if (!o) continue;
      responseTimes.push({ kind, ...pct(samples), outcomes: o });
    }
    const types = [...this.types.values()].sort((x, y) => x.code - y.code);
    return {
      file,
      packets: counters.packets,
      impDatagrams: this.frames,
      otherPackets: Math.max(0, counters.packets - this.frames),
      duration: this.lastTime,
      types,
      conversations,
      retransmissions: {
        messages: st.messages,
        retransmissions: st.retransmissions + st.spuriousRetransmissions,
        rate: st.messages > 0 ? (st.retransmissions + st.spuriousRetransmissions) / st.messages : 0,
        spurious: st.spuriousRetransmissions,
        duplicateAcks: st.duplicateAcks,
        staleAcks: st.staleAcks,
        unacked: st.unacked,
        forcedDisconnections: st.forcedDisconnections,
        invitationTimeouts: st.invitationTimeouts,
      },
      ackRtt: pct(st.ackRtts),
      responseTimes,
      clients,
      experts: {
        malformed: this.malformed,
        protocol: this.protocol,
        analysis: this.analysisExperts,
        byId: Object.fromEntries([...this.byId].sort()),
      },
    };
  }
}

function ms(s: number | null): string {
  return s === null ? "-" : `${(s * 1000).toFixed(3)} ms`;
}

/** The report as text tables. */
export function renderStatsText(s: CaptureStats): string {
  let out = `IMP statistics: ${s.file}\n`;
  out += `  ${s.impDatagrams} IMP datagrams in ${s.packets} packets over ${s.duration.toFixed(6)} s\n`;

  out += `\nMessages per type\n`;
  out += renderTable(
    [{ title: "Type" }, { title: "Messages", align: "right" }, { title: "ACKs", align: "right" }, { title: "Bytes", align: "right" }],
    [
      ...s.types.map((t) => [t.name, t.messages, t.acks, t.bytes] as (string | number)[]),
      [
        "Total",
        s.types.reduce((n, t) => n + t.messages, 0),
        s.types.reduce((n, t) => n + t.acks, 0),
        s.types.reduce((n, t) => n + t.bytes, 0),
      ],
    ],
  );

  out += `\nConversations (A ↔ B; frames, of which retransmissions; bytes)\n`;
  out += renderTable(
    [
      { title: "A" },
      { title: "B" },
      { title: "A → B", align: "right" },
      { title: "retx", align: "right" },
      { title: "bytes", align: "right" },
      { title: "B → A", align: "right" },
      { title: "retx", align: "right" },
      { title: "bytes", align: "right" },
    ],
    s.conversations.map((c) => [
      c.a === c.aAddress ? c.a : `${c.a} (${c.aAddress})`,
      c.b === c.bAddress ? c.b : `${c.b} (${c.bAddress})`,
      c.aToB.frames,
      c.aToB.retransmissions,
      c.aToB.bytes,
      c.bToA.frames,
      c.bToA.retransmissions,
      c.bToA.bytes,
    ]),
  );

  const r = s.retransmissions;
  out += `\nReliability\n`;
  out += `  Retransmissions: ${r.retransmissions} for ${r.messages} messages (${(r.rate * 100).toFixed(2)} %), of which spurious: ${r.spurious}\n`;
  out += `  Duplicate ACKs: ${r.duplicateAcks}   Stale ACKs: ${r.staleAcks}   Never acknowledged: ${r.unacked}\n`;
  out += `  Forced disconnections: ${r.forcedDisconnections}   Invitation time-outs: ${r.invitationTimeouts}\n`;
  out += `  ACK RTT (${s.ackRtt.count} samples): p50 ${ms(s.ackRtt.p50)}   p90 ${ms(s.ackRtt.p90)}   p99 ${ms(s.ackRtt.p99)}   max ${ms(s.ackRtt.max)}\n`;

  if (s.responseTimes.length > 0) {
    out += `\nResponse times per transaction\n`;
    out += renderTable(
      [
        { title: "Kind" },
        { title: "Count", align: "right" },
        { title: "p50", align: "right" },
        { title: "p90", align: "right" },
        { title: "max", align: "right" },
        { title: "Outcomes" },
      ],
      s.responseTimes.map((t) => [
        t.kind,
        Object.values(t.outcomes).reduce((a, b) => a + b, 0),
        ms(t.p50),
        ms(t.p90),
        ms(t.max),
        Object.entries(t.outcomes)
          .map(([k, v]) => `${k} ${v}`)
          .join(", "),
      ]),
    );
  }

  out += `\nClients\n`;
  out += renderTable(
    [
      { title: "Name" },
      { title: "ID", align: "right" },
      { title: "Address" },
      { title: "Data sent", align: "right" },
      { title: "Data received", align: "right" },
      { title: "Groups joined" },
      { title: "Connected in", align: "right" },
      { title: "Left in", align: "right" },
    ],
    s.clients.map((c) => [
      c.name ?? "?",
      c.id,
      c.address,
      c.dataSent,
      c.dataReceived,
      c.groups.join(", ") || "-",
      `frame ${c.from}`,
      c.left === null ? "-" : `frame ${c.left}`,
    ]),
  );

  out += `\nExpert info\n`;
  out += `  Malformed: ${s.experts.malformed}   Protocol: ${s.experts.protocol}   Analysis (sequence/response): ${s.experts.analysis}\n`;
  const ids = Object.entries(s.experts.byId);
  if (ids.length > 0) {
    out += renderTable(
      [{ title: "Expert id" }, { title: "Count", align: "right" }, { title: "Summary" }],
      ids.map(([id, n]) => [id, n, SUMMARIES.get(id) ?? ""]),
    );
  }
  return out;
}
