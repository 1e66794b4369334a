/**
 * A fuzz case: the state the target is first brought into with well-formed messages, then a
 * sequence of steps (each one datagram from one role, a well-formed template plus the
 * mutations that made it). Cases are plain JSON, numbered, and replayable one by one.
 */
import type { Mutation } from "./mutators/mutations.js";
import type { Template } from "./mutators/template.js";

/** Who sends a step: a connected fuzz client, another, a third, or an address with no session. */
export type Role = "self" | "other" | "third" | "fresh";
export const ROLES: readonly Role[] = ["self", "other", "third", "fresh"];

export interface Step {
  role: Role;
  template: Template;
  mutations: Mutation[];
}

export interface FuzzCase {
  /** Case number in its campaign. */
  id: number;
  state: string;
  steps: Step[];
}

export type OracleName = "crash" | "hang" | "conformance" | "state" | "resources";

export interface Finding {
  oracle: OracleName;
  /** What deduplicates findings (with the oracle): an exception, a problem id, an invariant. */
  signature: string;
  detail: string;
  /** fail or non-strict (fuzz/oracles/verdicts.ts); set on findings a campaign reports and saves. */
  level?: "fail" | "non-strict";
}

export interface SavedDatagram {
  dir: "in" | "out";
  /** Fuzzer-side address ("ip:port") and the target's. */
  local: string;
  remote: string;
  at: number;
  hex: string;
}

/** A finding saved for replay: `imp fuzz --replay case.json`. */
export interface SavedCase {
  format: "impkit-fuzz-case";
  version: 1;
  /** The target's name, as the campaign showed it. */
  target: string;
  /** How to start the same kind of target: --replay uses it unless --target / --exec are given. */
  spec?: { target: string; exec?: string };
  seed: number;
  finding: Finding;
  /** The case as first found, and after minimisation. */
  original: FuzzCase;
  case: FuzzCase;
  /** Every datagram of the minimised case's exchange (the pcap beside it has the same). */
  datagrams: SavedDatagram[];
}

/**
 * The steps in the order they go out: a step with a `reorder` mutation goes after the one that
 * follows it (the last step has none to swap with and stays).
 */
export function stepOrder(steps: readonly Step[]): Step[] {
  const out = [...steps];
  for (let i = 0; i + 1 < out.length; i++) {
    if (out[i]!.mutations.some((m) => m.kind === "reorder")) {
      [out[i], out[i + 1]] = [out[i + 1]!, out[i]!];
      i++;
    }
  }
  return out;
}

export function mutationCount(c: FuzzCase): number {
  let n = 0;
  for (const s of c.steps) n += s.mutations.length;
  return n;
}

export function findingKey(f: Finding): string {
  return `${f.oracle}:${f.signature}`;
}
