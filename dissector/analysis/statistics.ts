/**
 * Statistics over the whole capture (final view), for `imp stats` and the conversation table:
 * per-conversation counts and the capture's counters and RTT samples, each in one pass over the
 * frame columns; nearest-rank percentiles. With a state window (retention.ts) they cover the
 * frames still held.
 */
import type { AnalysisContext } from "./context.js";
import {
  F_DUPACK,
  F_FORCED,
  F_INVTIMEOUT,
  F_NORESP,
  F_RETX,
  F_SEQNF,
  F_SPURIOUS,
  F_STALE,
  F_UNACKED,
  I_ACK,
  I_DROPPED,
  I_MALFORMED,
  I_PRESENT,
} from "./frame-table.js";
import { TX_KINDS } from "./transactions.js";
import type { AnalysisStats, ConversationSummary, TransactionKind } from "./types.js";

/** Per conversation (sender address -> receiver address) counts, from the frame columns. */
export function conversationSummaries(ctx: AnalysisContext): ConversationSummary[] {
  const { frames: F, convs, names } = ctx;
  const n = convs.count;
  const frames = new Float64Array(n),
    messages = new Float64Array(n),
    acks = new Float64Array(n),
    retx = new Float64Array(n);
  const bytes = new Float64Array(n),
    first = new Float64Array(n),
    last = new Float64Array(n);
  for (let f = F.floor + 1; f <= F.last; f++) {
    const info = F.info.get(f);
    if ((info & I_PRESENT) === 0) continue;
    const c = F.conv.get(f);
    frames[c]!++;
    bytes[c]! += F.len.get(f);
    if (first[c] === 0) first[c] = f;
    last[c] = f;
    if (info & (I_MALFORMED | I_DROPPED)) continue;
    if (info & I_ACK) acks[c]!++;
    else if (F.flags0.get(f) & (F_RETX | F_SPURIOUS)) retx[c]!++;
    else messages[c]!++;
  }
  const out: ConversationSummary[] = [];
  for (let c = 0; c < n; c++) {
    if (F.floor > 0 && !convs.inUse(c)) continue;
    const a = convs.a[c]!;
    const b = convs.b[c]!;
    out.push({
      index: convs.serialOf(c),
      src: names.address(a),
      dst: names.address(b),
      srcName: names.endpointName(a),
      dstName: names.endpointName(b),
      frames: frames[c]!,
      messages: messages[c]!,
      acks: acks[c]!,
      retransmissions: retx[c]!,
      bytes: bytes[c]!,
      firstFrame: first[c]!,
      lastFrame: last[c]!,
    });
  }
  return out.sort((x, y) => x.index - y.index);
}

/** Counters and samples over the whole capture (final view). One pass over the columns. */
export function captureStats(ctx: AnalysisContext): AnalysisStats {
  const { frames: F, txs } = ctx;
  let messages = 0,
    acks = 0,
    retx = 0,
    spurious = 0,
    dup = 0,
    stale = 0,
    seqnf = 0,
    unacked = 0,
    forced = 0,
    invTo = 0,
    noResp = 0,
    ignored = 0;
  const rtts: number[] = [];
  for (let f = F.floor + 1; f <= F.last; f++) {
    const info = F.info.get(f);
    if ((info & I_PRESENT) === 0) continue;
    if (info & (I_MALFORMED | I_DROPPED)) {
      ignored++;
      continue;
    }
    const fl = F.flags0.get(f) | F.flagsL.get(f);
    if (info & I_ACK) {
      acks++;
      const to = F.ackTo.get(f);
      if (to !== 0) rtts.push(F.time.get(f) - F.time.get(to));
    } else if ((fl & (F_RETX | F_SPURIOUS)) === 0) messages++;
    if (fl & F_RETX) retx++;
    if (fl & F_SPURIOUS) spurious++;
    if (fl & F_DUPACK) dup++;
    if (fl & F_STALE) stale++;
    if (fl & F_SEQNF) seqnf++;
    if (fl & F_UNACKED) unacked++;
    if (fl & F_FORCED) forced++;
    if (fl & F_INVTIMEOUT) invTo++;
    if (fl & F_NORESP) noResp++;
  }
  const byKind: Record<TransactionKind, number[]> = { connect: [], list: [], create: [], invite: [], invite_request: [] };
  for (let i = txs.floor; i < txs.count; i++) {
    const resp = txs.resp.get(i);
    if (resp !== 0) byKind[TX_KINDS[txs.kind.get(i)]!].push(F.time.get(resp) - F.time.get(txs.req.get(i)));
  }
  const responseTimes = Object.fromEntries(Object.entries(byKind).map(([k, v]) => [k, Float64Array.from(v)])) as Record<
    TransactionKind,
    Float64Array
  >;
  return {
    frames: F.count,
    messages,
    acks,
    retransmissions: retx,
    spuriousRetransmissions: spurious,
    duplicateAcks: dup,
    staleAcks: stale,
    seqNotFlipped: seqnf,
    unacked,
    forcedDisconnections: forced,
    invitationTimeouts: invTo,
    noResponse: noResp,
    ignored,
    ackRtts: Float64Array.from(rtts),
    responseTimes,
    conversations: conversationSummaries(ctx),
  };
}

/** Percentiles (0..100) of samples, nearest-rank; NaN for no samples. For `imp stats`. */
export function percentiles(samples: ArrayLike<number>, ps: readonly number[]): number[] {
  const sorted = Float64Array.from(samples).sort();
  return ps.map((p) => {
    if (sorted.length === 0) return Number.NaN;
    const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
    return sorted[rank - 1]!;
  });
}
