/**
 * --skip-known (fuzz/campaign/known-shapes.ts): the shape of a minimised crash and when a
 * generated case matches it. The campaign against the crash-prone Python server that skips known
 * shapes is in test/reliability/fuzz-skip-known.test.ts (two campaigns with restarts: too long here).
 */
import { describe, expect, it } from "vitest";
import type { FuzzCase } from "../../fuzz/case.js";
import { matchesShape, otherTypeCase, shapeOf } from "../../fuzz/campaign/known-shapes.js";
import { templateFor } from "../../fuzz/mutators/template.js";
import { statePath } from "../../fuzz/session/states.js";
import { MSG, messageSpec } from "../../src/protocol/index.js";

const hl1 = { kind: "field" as const, field: "hlen", value: 1 };
const step = (type: number, mutations: FuzzCase["steps"][number]["mutations"], role: "fresh" | "self" = "fresh") => ({
  role,
  template: templateFor(messageSpec(type)!),
  mutations,
});

describe("known shapes", () => {
  it("a case matches when it carries the trigger's step (same role, Type, mutations at least); any Type when learned so", () => {
    const trigger: FuzzCase = { id: 1, state: "fresh", steps: [step(MSG.connRequest, [hl1])] };
    const shape = shapeOf(trigger);
    const more: FuzzCase = {
      id: 2,
      state: "fresh",
      steps: [step(MSG.connRequest, [{ kind: "flags", field: "reserved+seq+ack", value: 2 }, hl1])],
    };
    expect(matchesShape(shape, more, statePath)).toBe(true);
    expect(matchesShape(shape, { ...more, steps: [step(MSG.connRequest, [{ ...hl1, value: 2 }])] }, statePath)).toBe(false);
    expect(matchesShape(shape, { ...more, steps: [step(MSG.listRequest, [hl1])] }, statePath)).toBe(false);
    expect(matchesShape(shape, { ...more, steps: [step(MSG.connRequest, [hl1], "self")] }, statePath)).toBe(false);
    expect(matchesShape(shapeOf(trigger, true), { ...more, steps: [step(MSG.listRequest, [hl1])] }, statePath)).toBe(true);
    // Any Type, a Header Length trigger: the datagram's Header Length, whatever mutation sets it.
    expect(shapeOf(trigger, true).header).toEqual({ hlen: 1 });
    const byte = { kind: "byte" as const, field: "hlen", value: 1, at: 4 };
    expect(matchesShape(shapeOf(trigger, true), { ...more, steps: [step(MSG.listRequest, [byte])] }, statePath)).toBe(true);
    expect(matchesShape(shapeOf(trigger, true), { ...more, steps: [step(MSG.listRequest, [{ ...byte, value: 5 }])] }, statePath)).toBe(
      false,
    );
    expect(matchesShape(shape, { ...more, steps: [step(MSG.connRequest, [byte])] }, statePath)).toBe(false);
    // A state reached through the trigger's state matches; a sibling does not.
    const inConnected = shapeOf({ id: 3, state: "connected", steps: [step(MSG.listRequest, [hl1], "self")] });
    const sameStep = [step(MSG.listRequest, [hl1], "self")];
    expect(matchesShape(inConnected, { id: 4, state: "in-private-group", steps: sameStep }, statePath)).toBe(true);
    expect(matchesShape(inConnected, { id: 5, state: "fresh", steps: sameStep }, statePath)).toBe(false);
  });

  it("the any-Type check is tried only for a one-step trigger of header fields", () => {
    const header = otherTypeCase({ id: 1, state: "fresh", steps: [step(MSG.connRequest, [hl1])] });
    expect(header?.steps[0]?.template.type).not.toBe(MSG.connRequest);
    expect(header?.steps[0]?.mutations).toEqual([hl1]);
    const username = { kind: "username" as const, field: "username", value: "ffffffffffffffff" };
    expect(otherTypeCase({ id: 1, state: "fresh", steps: [step(MSG.connRequest, [username])] })).toBeNull();
    expect(otherTypeCase({ id: 1, state: "fresh", steps: [step(MSG.connRequest, [hl1]), step(MSG.listRequest, [])] })).toBeNull();
  });
});
