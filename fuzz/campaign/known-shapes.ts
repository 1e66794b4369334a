/**
 * Not re-triggering a crash already minimised (`skipKnown`, `imp fuzz --skip-known`): against a
 * crash-prone target most cases that crash hit a site already found, and each costs a restart.
 *
 * The rule. Once a crash or hang finding is minimised, its minimised case gives a **shape**: its
 * state, and per step the role, the template's Type and A bit, and the mutations (kind, field,
 * value, offset). A generated case **matches** when its state is the shape's or a state reached
 * through it, and every step of the shape has a step of the case with the same role, Type and A
 * bit that carries at least those mutations. When the minimised case is one step whose mutations
 * touch header fields only (Type, Source ID, Group ID, Header Length, the flags), one more run
 * tries that step on another Type: if it still gives the finding, the shape holds for any Type
 * (a Header Length of 1 that crashes a parser whatever the message); when those mutations set the
 * Type or the Header Length only, the shape is the value they put in the datagram, whatever
 * mutation puts it there (a byte or a bit flip that makes the Header Length 1 matches too). A
 * matching case is not run;
 * the campaign counts it (`skipped`). A case that only resembles the trigger (another value, a
 * byte mutation that lands on the same field) still runs.
 */
import { decode } from "../../src/codec/index.js";
import { HEADER_FIELDS, MSG, messageSpec } from "../../src/protocol/index.js";
import type { FuzzCase, Step } from "../case.js";
import { build, SHAPE_CONTEXT, type Mutation } from "../mutators/mutations.js";
import { templateFor } from "../mutators/template.js";

export interface Shape {
  state: string;
  steps: { role: string; type: number | null; ack: number; mutations: string[] }[];
  /** A one-step trigger that holds for any Type and sets only these header values: matched by the datagram. */
  header?: { type?: number; hlen?: number };
}

/** Header fields whose value in the datagram does not depend on the IDs a case resolves when it runs. */
const CONTEXT_FREE = ["type", "hlen"] as const;

/** Type and Header Length of the datagram a step sends (null when shorter than the header). */
function headerOf(s: Step): { type: number; hlen: number } | null {
  const m = decode(build(s.template, 1, SHAPE_CONTEXT, s.mutations)).message;
  return m ? { type: m.type, hlen: m.hlen } : null;
}

const HEADER_NAMES: ReadonlySet<string> = new Set(Object.keys(HEADER_FIELDS));

const mutationKey = (m: Mutation) => `${m.kind}|${m.field}|${JSON.stringify(m.value)}|${m.at ?? ""}`;

function stepShape(s: Step, anyType: boolean): Shape["steps"][number] {
  return { role: s.role, type: anyType ? null : s.template.type, ack: s.template.ack ?? 0, mutations: s.mutations.map(mutationKey) };
}

export function shapeOf(c: FuzzCase, anyType = false): Shape {
  const shape: Shape = { state: c.state, steps: c.steps.map((s) => stepShape(s, anyType)) };
  const only = c.steps[0]!;
  const fields = only.mutations.map((m) => m.field);
  if (
    anyType &&
    c.steps.length === 1 &&
    only.mutations.every((m) => m.kind === "field" && (CONTEXT_FREE as readonly string[]).includes(m.field))
  ) {
    const h = headerOf(only);
    if (h) shape.header = Object.fromEntries(CONTEXT_FREE.filter((f) => fields.includes(f)).map((f) => [f, h[f]]));
  }
  return shape;
}

/** Does `shape` hold in `c`? `path(state)`: the states from the root to `state`. */
export function matchesShape(shape: Shape, c: FuzzCase, path: (state: string) => readonly { name: string }[]): boolean {
  if (c.state !== shape.state && !path(c.state).some((s) => s.name === shape.state)) return false;
  const header = shape.header;
  if (header) {
    const want = shape.steps[0]!;
    return c.steps.some((s) => {
      if (s.role !== want.role || (s.template.ack ?? 0) !== want.ack) return false;
      const h = headerOf(s);
      return h !== null && CONTEXT_FREE.every((f) => header[f] === undefined || header[f] === h[f]);
    });
  }
  return shape.steps.every((want) =>
    c.steps.some((s) => {
      if (s.role !== want.role || (s.template.ack ?? 0) !== want.ack) return false;
      if (want.type !== null && s.template.type !== want.type) return false;
      const have = new Set(s.mutations.map(mutationKey));
      return want.mutations.every((k) => have.has(k));
    }),
  );
}

/**
 * The case to run to learn whether a minimised one-step trigger holds for any Type: the same
 * step on another type of the same direction (null when the trigger is not header-only).
 */
export function otherTypeCase(c: FuzzCase): FuzzCase | null {
  if (c.steps.length !== 1) return null;
  const step = c.steps[0]!;
  if (step.template.ack || step.mutations.length === 0) return null;
  if (!step.mutations.every((m) => (m.kind === "field" && HEADER_NAMES.has(m.field)) || m.kind === "flags")) return null;
  const spec = messageSpec(step.template.type);
  if (!spec) return null;
  const direction = spec.directions[0]!;
  // A type of the same direction with no options to speak of: the step is about its header.
  const other = [MSG.listRequest, MSG.disjoint, MSG.disconnect, MSG.createReject, MSG.dissolution]
    .map((t) => messageSpec(t)!)
    .find((s) => s.code !== spec.code && s.directions.includes(direction));
  if (!other) return null;
  return { ...c, steps: [{ ...step, template: templateFor(other) }] };
}
