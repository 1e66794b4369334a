/**
 * Automatic minimisation of a finding (delta debugging, one element at a time): fewest steps,
 * then the simplest state that still triggers it, then fewest mutations, then fewest bytes.
 * A candidate is kept when running it again gives the same oracle and signature.
 */
import { findingKey, type Finding, type FuzzCase, type Role } from "../case.js";
import type { Mutation } from "../mutators/mutations.js";
import { statePath } from "../session/states.js";
import type { CaseRunner } from "../session/session.js";

export interface MinimiseOptions {
  /** Most case runs to spend. Default 200. */
  budget?: number;
  probe?: boolean;
  probeMs?: number;
}

export async function minimise(
  session: CaseRunner,
  original: FuzzCase,
  finding: Finding,
  o: MinimiseOptions = {},
): Promise<{ case: FuzzCase; runs: number; reproduced: boolean }> {
  const key = findingKey(finding);
  let runs = 0;
  const budget = o.budget ?? 200;
  const triggers = async (c: FuzzCase): Promise<boolean> => {
    if (runs >= budget) return false;
    runs++;
    if (finding.oracle === "resources" || finding.oracle === "state") await session.fresh();
    const r = await session.run(c, { probe: o.probe, probeMs: o.probeMs });
    return r.findings.some((f) => findingKey(f) === key);
  };
  let best: FuzzCase = structuredClone(original);
  if (!(await triggers(best))) return { case: best, runs, reproduced: false };

  // 1. Fewest steps.
  for (let i = best.steps.length - 1; i >= 0 && best.steps.length > 1; i--) {
    const c = structuredClone(best);
    c.steps.splice(i, 1);
    if (await triggers(c)) best = c;
  }
  // 2. The simplest state: each ancestor, from fresh up.
  const path = session.statePath?.(best.state) ?? statePath(best.state);
  for (const s of path.slice(0, -1)) {
    const c = structuredClone(best);
    c.state = s.name;
    c.steps = c.steps.map((st) => ({ ...st, role: s.roles.includes(st.role) ? st.role : (s.roles[0] as Role) }));
    if (await triggers(c)) {
      best = c;
      break;
    }
  }
  // 3. Fewest mutations.
  for (let si = 0; si < best.steps.length; si++) {
    for (let mi = best.steps[si]!.mutations.length - 1; mi >= 0; mi--) {
      const c = structuredClone(best);
      c.steps[si]!.mutations.splice(mi, 1);
      if (await triggers(c)) best = c;
    }
  }
  // 4. Fewest bytes: smaller counts and shorter splices.
  for (let si = 0; si < best.steps.length; si++) {
    const muts = best.steps[si]!.mutations;
    for (let mi = 0; mi < muts.length; mi++) {
      for (const smaller of smallerValues(muts[mi]!)) {
        const c = structuredClone(best);
        c.steps[si]!.mutations[mi] = smaller;
        if (await triggers(c)) {
          best = c;
          break;
        }
      }
    }
  }
  return { case: best, runs, reproduced: true };
}

function smallerValues(m: Mutation): Mutation[] {
  if ((m.kind === "truncate" || m.kind === "extend") && typeof m.value === "number" && m.value > 1) return [{ ...m, value: 1 }];
  if (m.kind === "splice" && typeof m.value === "string" && m.value.length > 2) return [{ ...m, value: m.value.slice(0, 2) }];
  if (m.kind === "count" && typeof m.value === "number" && Math.abs(m.value) > 1) return [{ ...m, value: Math.sign(m.value) }];
  return [];
}
