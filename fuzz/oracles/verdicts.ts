/**
 * Graded verdicts: every finding is **fail** or **non-strict**, by a rule per oracle (the table in
 * fuzz/README.md says the same).
 *
 * - fail: a crash, a hang, a broken invariant (state), a resource left after teardown, a
 *   malformed datagram sent (a length rule broken), a type the target's side never sends, an
 *   answer to a datagram that must get none under the length rules (malformed) or under "who may
 *   speak" (no session, spoofed Source ID, wrong direction), a Sequence that did not flip.
 * - non-strict: what WIRE.md's stricter reading forbids and the original text allows, or what the
 *   deployed 2017 implementation does: a well-formed datagram with a value outside its field's
 *   rule (a protocol problem, e.g. a User List Response whose Group ID is the client's private
 *   group), an answer to a well-formed datagram whose value WIRE.md drops (e.g. a Connection
 *   Request with Group ID 1).
 *
 * A campaign exits 1 only for fail findings, or for any finding with --strict.
 */
import type { Finding } from "../case.js";

export type Level = "fail" | "non-strict";

export interface LevelRule {
  oracle: Finding["oracle"];
  /** What the rule matches in a signature (all signatures of the oracle when absent). */
  match?: RegExp;
  level: Level;
  why: string;
}

/** The rules, first match wins; the README's table is this one. */
export const LEVEL_RULES: readonly LevelRule[] = [
  {
    oracle: "conformance",
    match: /^imp\.protocol\.\w+ in /,
    level: "non-strict",
    why: "a value outside its field's rule in a well-formed datagram the target sent",
  },
  {
    oracle: "conformance",
    match: /must get none \(dropped value\)$/,
    level: "non-strict",
    why: "an answer to a well-formed datagram with a value WIRE.md drops",
  },
  {
    oracle: "conformance",
    level: "fail",
    why: "malformed datagram sent, wrong-direction type, answer to a malformed datagram or from someone who may not speak, Sequence not flipped",
  },
  { oracle: "crash", level: "fail", why: "the target died or printed a crash report" },
  { oracle: "hang", level: "fail", why: "no answer within the bound" },
  { oracle: "state", level: "fail", why: "a broken invariant of the target's tables" },
  { oracle: "resources", level: "fail", why: "sessions, groups, timers or memory left after teardown" },
];

export function levelOf(f: Finding): Level {
  for (const r of LEVEL_RULES) if (r.oracle === f.oracle && (!r.match || r.match.test(f.signature))) return r.level;
  return "fail";
}

/** Does a campaign with these findings fail (exit 1)? With `strict`, any finding does. */
export function failing(findings: readonly Finding[], strict = false): boolean {
  return findings.some((f) => strict || levelOf(f) === "fail");
}
