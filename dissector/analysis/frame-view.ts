/**
 * The per-frame view: the `imp.analysis.*` fields and expert items of one frame, as a protocol
 * tree, JSON or a filter sees them. The first-pass view is what was known when the frame was
 * added (names as of then, nothing from later frames); the final view adds what later frames
 * told (acked_in, response_in, unacked, forced disconnection, invitation time-out).
 */
import { PUBLIC_GROUP, typeName } from "../../src/protocol/fields.js";
import type { AnalysisContext } from "./context.js";
import { ANALYSIS_EXPERTS, ANALYSIS_FIELDS, type AnalysisExpertSpec, type AnalysisFieldSpec } from "./fields.js";
import {
  F_CONNECTED,
  F_DUPACK,
  F_FORCED,
  F_INVTIMEOUT,
  F_LATE,
  F_NORESP,
  F_REJECTED,
  F_RETX,
  F_SEQNF,
  F_SPURIOUS,
  F_STALE,
  F_UNACKED,
  I_DROPPED,
  I_MALFORMED,
  I_PRESENT,
  I_SEQ,
  I_TYPE,
} from "./frame-table.js";
import type { AnalysisExpert, AnalysisField, AnalysisView, FrameAnalysis } from "./types.js";

/**
 * The analysis of one frame: its `imp.analysis.*` fields and expert items, in the first-pass or
 * the final view.
 */
export function frameAnalysis(ctx: AnalysisContext, frame: number, view: AnalysisView): FrameAnalysis {
  const fields: AnalysisField[] = [];
  const experts: AnalysisExpert[] = [];
  const F = ctx.frames;
  const info = F.info.get(frame);
  if ((info & I_PRESENT) === 0) return { fields, experts };
  const final = view === "final";
  const strict = !final;
  const names = ctx.names;
  const ci = F.conv.get(frame);
  const ca = ctx.convs.a[ci]!;
  const cb = ctx.convs.b[ci]!;
  const field = (spec: AnalysisFieldSpec, value: number | string | boolean, display?: string) =>
    fields.push({ name: spec.abbrev, value, display: display ?? defaultDisplay(spec, value) });
  const expert = (spec: AnalysisExpertSpec, text: string) =>
    experts.push({ id: spec.id, category: spec.category, severity: spec.severity, text });
  const who = (id: number) => names.clientText(id, frame, strict);
  const FS = ANALYSIS_FIELDS;
  const E = ANALYSIS_EXPERTS;

  field(FS.conversation, ctx.convs.serialOf(ci));
  {
    const sn = names.endpointName(ca, frame, strict);
    const dn = names.endpointName(cb, frame, strict);
    if (sn !== undefined) field(FS.src_name, sn, JSON.stringify(sn));
    if (dn !== undefined) field(FS.dst_name, dn, JSON.stringify(dn));
  }
  if (info & (I_MALFORMED | I_DROPPED)) return { fields, experts };

  const fl = F.flags0.get(frame) | (final ? F.flagsL.get(frame) : 0);
  const time = F.time.get(frame);
  const type = info & I_TYPE;
  const seq = info & I_SEQ ? 1 : 0;

  const ackTo = F.ackTo.get(frame);
  if (ackTo !== 0) {
    field(FS.ack_to, ackTo);
    field(FS.ack_rtt, time - F.time.get(ackTo));
  }
  if (final) {
    const ackedIn = F.ackedIn.get(frame);
    if (ackedIn !== 0) field(FS.acked_in, ackedIn);
  }
  if (fl & (F_RETX | F_SPURIOUS)) {
    const orig = F.retxOf.get(frame);
    const n = F.txNum.get(frame);
    if (fl & F_RETX) {
      field(FS.retransmission, orig);
      const last = n === 1 + ctx.retries ? ` (transmission ${n}, the last)` : ` (transmission ${n})`;
      expert(E.retransmission, `This frame is a (suspected) retransmission of frame ${orig}${last}`);
    } else {
      field(FS.spurious_retransmission, orig);
      expert(
        E.spuriousRetransmission,
        `This frame is a (suspected) spurious retransmission of frame ${orig}, which was already acknowledged`,
      );
    }
    field(FS.transmission, n);
  }
  if (fl & F_DUPACK) {
    const of = F.dupOf.get(frame);
    const n = F.dupNum.get(frame);
    field(FS.duplicate_ack, of);
    field(FS.duplicate_ack_num, n);
    expert(E.duplicateAck, `Duplicate ACK (#${n}) of ${typeName(type)} seq=${seq}, first acknowledged in frame ${of}`);
  }
  if (fl & F_STALE) {
    field(FS.stale_ack, true);
    expert(E.staleAck, `Stale ACK: ${typeName(type)} seq=${seq} matches no outstanding message`);
  }
  if (fl & F_SEQNF) {
    const prev = F.aux.get(frame);
    field(FS.seq_not_flipped, prev);
    expert(
      E.seqNotFlipped,
      `New ${typeName(type)} with Sequence ${seq}, as the message in frame ${prev}: the receiver takes it for a duplicate`,
    );
  }
  if (fl & F_UNACKED) {
    field(FS.unacked, true);
    expert(E.unacked, `${typeName(type)} seq=${seq} never acknowledged`);
  }
  if (fl & F_FORCED) {
    const n = F.txNum.get(frame) || 1;
    if (names.isServer(cb, frame, strict)) {
      field(FS.forced_disconnection, 0, "server");
      const sender = names.clientAt(ca, frame, strict);
      expert(
        E.forcedDisconnection,
        `Forced disconnection from the server: ${n} transmissions by ${sender ? who(sender) : names.addressText(ca)} unanswered`,
      );
    } else {
      const peer = names.clientAt(cb, frame, strict);
      const peerText = peer ? who(peer) : names.addressText(cb);
      field(FS.forced_disconnection, peer, peerText);
      expert(E.forcedDisconnection, `Forced disconnection of ${peerText}: ${n} transmissions unanswered`);
    }
  }
  const respTo = F.responseTo.get(frame);
  if (respTo !== 0) {
    field(FS.response_to, respTo);
    field(FS.response_time, time - F.time.get(respTo));
  }
  if (final) {
    const respIn = F.responseIn.get(frame);
    if (respIn !== 0) field(FS.response_in, respIn);
  }
  if (fl & F_NORESP) {
    field(FS.no_response, true);
    expert(E.noResponse, `No response to this ${typeName(type)} in the capture`);
  }
  if (fl & F_INVTIMEOUT) {
    const invitee = names.clientAt(cb, frame, strict);
    field(FS.invitation_timeout, ctx.invitationTimeout);
    expert(
      E.invitationTimeout,
      `Invitation to ${invitee ? who(invitee) : names.addressText(cb)} timed out after ${ctx.invitationTimeout} s without an answer`,
    );
  }
  if (fl & F_LATE) {
    const inv = F.aux.get(frame);
    field(FS.late_answer, inv);
    expert(E.lateAnswer, `Answer to the invitation in frame ${inv}, which had timed out after ${ctx.invitationTimeout} s`);
  }
  if (fl & F_CONNECTED) {
    const id = names.clientAt(cb, frame, strict);
    expert(E.connected, `${who(id)} connected from ${names.addressText(cb)}`);
  }
  if (fl & F_REJECTED) {
    expert(E.rejected, `Connection from ${names.addressText(cb)} rejected`);
  }
  for (const ev of ctx.membership.eventsAt(frame)) {
    if (ev.late && !final) continue;
    const spec = ev.kind === "joined" ? FS.joined : FS.left;
    field(spec, ev.group, `${who(ev.client)} ${ev.kind === "joined" ? "→" : "←"} group ${ev.group}`);
    expert(E.membership, `${who(ev.client)} ${ev.kind} ${groupText(ev.group)} (${ev.reason.replace("_", " ")})`);
  }
  return { fields, experts };
}

export function groupText(g: number): string {
  return g === PUBLIC_GROUP ? "the Public Group" : `group ${g}`;
}

function defaultDisplay(spec: AnalysisFieldSpec, value: number | string | boolean): string {
  switch (spec.type) {
    case "time":
      return `${(value as number).toFixed(9)} seconds`;
    case "none":
      return "";
    case "group":
      return groupText(value as number);
    default:
      return String(value);
  }
}
