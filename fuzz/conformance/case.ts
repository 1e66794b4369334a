/**
 * The conformance suite's case model (`imp test`): numbered cases after the specification's
 * sections, each a piece of data (id, title, sections, one-sentence expectation) and a small
 * async function over scripted peers that returns a graded verdict with expected vs observed.
 *
 * Verdicts, as the fuzzer grades its findings (fuzz/oracles/verdicts.ts):
 * - pass: what the expectation says happened;
 * - non-strict: only WIRE.md's stricter reading is broken (the original text allows it);
 * - fail: the original text is broken (or the target crashed, or answered what it must drop);
 * - info: behaviour the specification leaves open, reported as observed;
 * - unimplemented: the case needs something the target (or its driver) cannot be asked to do.
 */
import type { Address } from "../../src/transport/index.js";
import type { Datagram } from "../targets/target.js";

export type Verdict = "pass" | "non-strict" | "fail" | "info" | "unimplemented";

/** Order of gravity (the worst of several checks wins). */
export const VERDICT_ORDER: readonly Verdict[] = ["pass", "info", "unimplemented", "non-strict", "fail"];

export function worst(a: Verdict, b: Verdict): Verdict {
  return VERDICT_ORDER.indexOf(a) >= VERDICT_ORDER.indexOf(b) ? a : b;
}

/** What a case's function returns. */
export interface Outcome {
  verdict: Verdict;
  /** What was seen, one or a few short sentences. */
  observed: string;
  /** Overrides the case's expectation (e.g. the measured bound). */
  expected?: string;
}

export interface CaseInfo {
  /** Numbered after the specification's sections: "6.3.1", "5.6.2", "8.1.1". */
  id: string;
  title: string;
  /** Sections of the text (and of WIRE.md) the case checks, e.g. ["6.3.1", "WIRE 5"]. */
  sections: readonly string[];
  /** The expectation, one sentence. */
  expect: string;
  /** Real time the case needs at least (timers), for scheduling long cases first. */
  slowMs?: number;
  /** The case leaves the server in a state later cases must not inherit (a restart follows with --exec). */
  dirty?: boolean;
}

export interface ServerCase extends CaseInfo {
  run(ctx: import("./context.js").CaseContext): Promise<Outcome>;
}

/** One case's result, as the reports show it. */
export interface CaseResult {
  id: string;
  title: string;
  sections: readonly string[];
  expect: string;
  verdict: Verdict;
  observed: string;
  durationMs: number;
  /** Every datagram both ways, times from the start of the case. */
  exchange: Datagram[];
  /** The target's address during the case (for pcaps). */
  target: Address;
}

export const pass = (observed: string): Outcome => ({ verdict: "pass", observed });
export const fail = (observed: string): Outcome => ({ verdict: "fail", observed });
export const nonStrict = (observed: string): Outcome => ({ verdict: "non-strict", observed });
export const info = (observed: string): Outcome => ({ verdict: "info", observed });

/** Sorts ids numerically by section ("5.10.1" after "5.9.2"). */
export function compareIds(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * `--cases PATTERN`: comma-separated ids or sections; "6.3" selects 6.3 and everything under it,
 * "6.3.*" the same, "5.1.1" one case. Returns the ids that match.
 */
export function selectCases<T extends CaseInfo>(cases: readonly T[], pattern: string | undefined): T[] {
  if (!pattern) return [...cases];
  const parts = pattern
    .split(",")
    .map((p) => p.trim().replace(/\.\*$/, ""))
    .filter((p) => p.length > 0);
  return cases.filter((c) => parts.some((p) => c.id === p || c.id.startsWith(`${p}.`)));
}
