/**
 * Case generation: case N of a campaign depends only on (seed, N) (and, with coverage guidance,
 * on the corpus), never on what the target answered, so a seeded campaign is reproducible.
 */
import { messageSpec, MESSAGES } from "../../src/protocol/index.js";
import type { FuzzCase, Role, Step } from "../case.js";
import { randomMutations } from "../mutators/mutations.js";
import { ackTemplate, templateFor, type Template } from "../mutators/template.js";
import { Rng } from "../rng.js";
import { STATES } from "../session/states.js";

export interface GenerateOptions {
  stateful: boolean;
  /** States the target supports (mid-retransmission needs a virtual clock). */
  states: readonly string[];
  /** Direction of the messages the fuzzer sends ("C→S" against servers, "S→C" against clients). */
  direction: "C→S" | "S→C";
  /** Roles of each state (default: the server state graph's). */
  roles?: Readonly<Record<string, readonly Role[]>>;
}

function templatesFor(direction: "C→S" | "S→C"): readonly number[] {
  return MESSAGES.filter((m) => m.directions.includes(direction)).map((m) => m.code);
}

export function pickTemplate(rng: Rng, direction: "C→S" | "S→C"): Template {
  if (rng.chance(0.1)) {
    const type = rng.pick(MESSAGES).code;
    return ackTemplate(type, rng.int(2), direction === "C→S" ? "own" : 0);
  }
  const spec = messageSpec(rng.pick(templatesFor(direction)))!;
  return templateFor(spec, "ownGroup");
}

export function availableStates(virtualClock: boolean): string[] {
  return STATES.filter((s) => virtualClock || !s.needsVirtualClock).map((s) => s.name);
}

export function generateCase(seed: number, index: number, o: GenerateOptions): FuzzCase {
  const rng = Rng.forCase(seed, index);
  const stateful = o.stateful && o.states.length > 1;
  const state = stateful ? rng.pick(o.states.filter((s) => s !== "fresh")) : o.states[0]!;
  const roles: readonly Role[] = o.roles?.[state] ?? STATES.find((s) => s.name === state)!.roles;
  const n = stateful ? 1 + rng.int(3) : 1;
  const mutated = rng.int(n);
  const steps: Step[] = [];
  for (let i = 0; i < n; i++) {
    const template = pickTemplate(rng, o.direction);
    const mutate = i === mutated || rng.chance(0.2);
    steps.push({ role: rng.pick(roles), template, mutations: mutate ? randomMutations(rng, template, stateful) : [] });
  }
  return { id: index, state, steps };
}

/** A corpus case with one more mutation on one of its steps (coverage-guided generation). */
export function mutateCorpusCase(rng: Rng, base: FuzzCase, index: number): FuzzCase {
  const c: FuzzCase = structuredClone(base);
  c.id = index;
  const step = rng.pick(c.steps);
  step.mutations.push(...randomMutations(rng, step.template, c.state !== "fresh").slice(0, 1));
  return c;
}
