/**
 * The oracles (boofuzz's monitors), each a pure function of what the case produced:
 *
 * - crash: the target process exited, or printed a crash report and went on; the signature names
 *   the crash site in any language (./crash-signature.ts): exception type and message plus the
 *   innermost frame of the target's own code, else its fatal signal or exit code;
 * - hang: a barrier or the liveness probe got no answer within its bound;
 * - conformance: every datagram the target sends is decoded; a malformed or protocol problem,
 *   a type the target's side never sends, or a reply to a datagram that must get none (one the
 *   table says receivers drop, one from an address with no session, one with another client's
 *   Source ID) is a finding;
 * - state: the debug channel's invariant check of the target's tables;
 * - resources: after teardown the target's sessions, groups, invitations, departures, queues and
 *   timers are back to their baseline; the heap stays within a bound of its baseline.
 */
import type { Decoded } from "../../src/codec/index.js";
import { MSG, PROBLEMS, messageSpec, typeName, type Direction } from "../../src/protocol/index.js";
import type { Finding } from "../case.js";
import type { FuzzPeer } from "../session/peer.js";
import type { DebugState, ExitInfo } from "../targets/target.js";
import { crashSignature, parseCrash } from "./crash-signature.js";

const DROPPED_PROBLEMS: ReadonlySet<string> = new Set(
  Object.values(PROBLEMS)
    .filter((p) => p.dropped)
    .map((p) => p.id),
);

/** Strips paths, line numbers and numbers so one bug gives one signature. */
export function normalise(text: string): string {
  return text
    .replace(/\(?(file:\/\/)?\/[^\s)]*\/([^/\s):]+)(:\d+)*\)?/g, "($2)")
    .replace(/\b\d+\b/g, "N")
    .slice(0, 200);
}

/** The last lines of a crash report, for a finding's detail. */
const tail = (stderr: string) => stderr.trimEnd().split("\n").slice(-40).join("\n");

export function crashOracle(exit: ExitInfo | null): Finding | null {
  if (!exit) return null;
  const r = parseCrash(exit.stderr, exit.code, exit.signal);
  const sig = r ? crashSignature(r) : "exit code - signal -";
  return {
    oracle: "crash",
    signature: sig,
    detail: `${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`}${exit.stderr ? `; stderr:\n${tail(exit.stderr)}` : ""}`,
  };
}

/** A crash report the target printed on stderr (`printed`, what is new since the last case) and survived. */
export function printedCrash(printed: string): Finding | null {
  if (!printed) return null;
  const r = parseCrash(printed);
  if (!r) return null;
  return { oracle: "crash", signature: crashSignature(r), detail: `printed on stderr, and the target went on:\n${tail(printed)}` };
}

export function hangFinding(what: string): Finding {
  return { oracle: "hang", signature: normalise(what), detail: what };
}

/** Problems and wrong-direction types in one datagram the target sent. */
export function conformanceOracle(d: Decoded, targetSide: Direction): Finding[] {
  const out: Finding[] = [];
  const m = d.message;
  const name = m ? (m.ack ? `ACK of ${typeName(m.type)}` : typeName(m.type)) : "short datagram";
  for (const p of d.problems) {
    // A relayed payload is the sender's: the table says receivers keep invalid UTF-8, so relaying it is not the target's fault.
    if (p.id === PROBLEMS.utf8.id && m?.type === MSG.data && m.src !== 0) continue;
    out.push({ oracle: "conformance", signature: `${p.id} in ${name}`, detail: p.text });
  }
  if (m && m.ack === 0) {
    const spec = messageSpec(m.type);
    if (spec && !spec.directions.includes(targetSide) && !(targetSide === "S→C" && spec.directions.includes("C→C") && false)) {
      out.push({ oracle: "conformance", signature: `${targetSide} sent ${name}`, detail: `${name} is never sent ${targetSide}` });
    }
  }
  return out;
}

/** A reason a datagram must get no answer: its class (the signature) and the particulars. */
export interface Silence {
  cls: "malformed" | "dropped value" | "no session" | "spoofed Source ID" | "server-to-client type";
  detail: string;
}

/**
 * Why a datagram a fuzz client sends to a server must get no answer (WIRE.md section 5, "Who
 * may speak"), or null when it may be answered.
 */
export function silentReason(d: Decoded, peer: FuzzPeer): Silence | null {
  const m = d.message;
  if (!m) return { cls: "malformed", detail: "shorter than the header" };
  const dropped = d.problems.find((p) => DROPPED_PROBLEMS.has(p.id));
  if (dropped) return { cls: dropped.category === "malformed" ? "malformed" : "dropped value", detail: `${dropped.id}: ${dropped.text}` };
  if (m.ack === 0 && m.type === MSG.connRequest) return null;
  if (!peer.connected) {
    if (peer.departed && m.ack === 0 && m.type === MSG.disconnect) return null;
    return { cls: "no session", detail: "no session at this address" };
  }
  if (m.src !== peer.id && !(m.ack === 1 && m.type === MSG.connAccept && m.src === 0)) {
    return { cls: "spoofed Source ID", detail: `Source ID ${m.src} from the address of client ${peer.id}` };
  }
  if (m.ack === 0 && !messageSpec(m.type)!.directions.includes("C→S")) return { cls: "server-to-client type", detail: typeName(m.type) };
  return null;
}

/** Is `reply` (from the target) an answer to the datagram `sent` (its ACK, or its implicit answer)? */
export function answers(reply: Decoded, sent: Decoded): boolean {
  const r = reply.message;
  const s = sent.message;
  if (!r || !s) return false;
  if (r.ack === 1) return s.ack === 0 && r.type === s.type && r.seq === s.seq;
  return s.ack === 0 && (messageSpec(r.type)?.answers.includes(s.type) ?? false);
}

export function silenceFinding(reason: Silence, sent: Decoded, reply: Decoded): Finding {
  const s = sent.message;
  const r = reply.message!;
  const sname = s ? (s.ack ? `ACK of ${typeName(s.type)}` : typeName(s.type)) : "short datagram";
  const rname = r.ack ? `ACK` : typeName(r.type);
  return {
    oracle: "conformance",
    signature: `reply to a datagram that must get none (${reason.cls})`,
    detail: `${rname} answered a ${sname} (${reason.detail})`,
  };
}

export function stateOracle(debug: DebugState | undefined): Finding | null {
  if (!debug || debug.violations.length === 0) return null;
  return { oracle: "state", signature: normalise(debug.violations[0]!), detail: debug.violations.join("; ") };
}

export interface Baseline {
  sessions: number;
}

/** What is left after teardown that was not there before the case. */
export function resourcesOracle(debug: DebugState | undefined, baseline: Baseline, full: boolean): Finding | null {
  if (!debug) return null;
  const left: string[] = [];
  if (debug.sessions !== baseline.sessions) left.push(`sessions ${debug.sessions} (baseline ${baseline.sessions})`);
  if (full) {
    for (const k of ["groups", "invitations", "departures", "queued", "timers"] as const) if (debug[k] !== 0) left.push(`${k} ${debug[k]}`);
  }
  if (left.length === 0) return null;
  const what = left.map((l) => l.split(" ")[0]).join(", ");
  return { oracle: "resources", signature: `left after teardown: ${what}`, detail: left.join("; ") };
}

export function memoryOracle(heapUsed: number | undefined, baseline: number, limitBytes: number): Finding | null {
  if (heapUsed === undefined || heapUsed - baseline <= limitBytes) return null;
  return {
    oracle: "resources",
    signature: "heap grew",
    detail: `heap ${(heapUsed / 1e6).toFixed(1)} MB after GC, baseline ${(baseline / 1e6).toFixed(1)} MB`,
  };
}
