import { describe, expect, it } from "vitest";
import { ANALYSIS_EXPERTS } from "../../dissector/analysis/index.js";
import { ALICE, BOB, CAROL, SERVER, Scenario, entry, expertTexts, valuesOf } from "./scenario.js";

/** alice(1), bob(2), carol(3) connected. */
function three(): Scenario {
  const s = new Scenario();
  s.connect(ALICE, "alice", 1);
  s.connect(BOB, "bob", 2);
  s.connect(CAROL, "carol", 3);
  return s;
}

describe("group creation: invitations, answers, membership", () => {
  it("two invitees, one accepts and one rejects: the pairs, the outcome and the membership timeline", () => {
    const s = three();
    const req = s.send(ALICE, SERVER, { type: 0x06, seq: 0, src: 1, mode: 0, invitees: [2, 3] });
    s.ack(SERVER, ALICE, 0x06, 0);
    const invBob = s.send(SERVER, BOB, { type: 0x09, seq: 0, src: 1, mode: 0, invite_group: 2, invitee: 2 });
    const ackBob = s.ack(BOB, SERVER, 0x09, 0, 2);
    const invCarol = s.send(SERVER, CAROL, { type: 0x09, seq: 0, src: 1, mode: 0, invite_group: 2, invitee: 3 });
    s.ack(CAROL, SERVER, 0x09, 0, 3);
    const yes = s.send(BOB, SERVER, { type: 0x0a, seq: 0, src: 2, mode: 0, invite_group: 2 }, 1.2);
    s.ack(SERVER, BOB, 0x0a, 0);
    const no = s.send(CAROL, SERVER, { type: 0x0b, seq: 0, src: 3, mode: 0, invite_group: 2 }, 0.8);
    s.ack(SERVER, CAROL, 0x0b, 0);
    const created = s.send(SERVER, ALICE, { type: 0x07, seq: 1, mode: 0, new_group: 2 });
    s.ack(ALICE, SERVER, 0x07, 1, 1);
    const a = s.analyze();

    expect(valuesOf(a, req).response_in).toBe(created);
    expect(valuesOf(a, created).response_to).toBe(req);
    expect(valuesOf(a, created).response_time).toBeCloseTo(s.at(created) - s.at(req), 9);
    expect(valuesOf(a, invBob)).toMatchObject({ response_in: yes, acked_in: ackBob });
    expect(valuesOf(a, yes).response_to).toBe(invBob);
    expect(valuesOf(a, no).response_to).toBe(invCarol);

    const tx = a.transactions().filter((t) => t.kind === "create" || t.kind === "invite");
    const create = tx.find((t) => t.kind === "create")!;
    expect(create).toMatchObject({ request: req, response: created, outcome: "accepted", client: 1, group: 2 });
    expect(tx.filter((t) => t.kind === "invite").map((t) => [t.request, t.response, t.outcome, t.client, t.parent])).toEqual([
      [invBob, yes, "accepted", 2, create.index],
      [invCarol, no, "rejected", 3, create.index],
    ]);

    // alice and bob move into group 2 when the creation is accepted; carol stays public.
    expect(a.membersAt(2, created - 1)).toEqual([]);
    expect(a.membersAt(2, created)).toEqual([1, 2]);
    expect(a.membersAt(1, created)).toEqual([3]);
    expect(a.groupOf(2)).toBe(2);
    const evs = a.groupEvents.filter((e) => e.frame === created).map((e) => [e.client, e.kind, e.group, e.reason]);
    expect(evs).toEqual([
      [1, "left", 1, "create"],
      [1, "joined", 2, "create"],
      [2, "left", 1, "create"],
      [2, "joined", 2, "create"],
    ]);
    expect(expertTexts(a, created)).toContain("bob(2) joined group 2 (create)");
    expect(valuesOf(a, created).joined).toBe(2);
  });

  it("disjoint and dissolution (group 1 variant) bring the members back to the Public Group", () => {
    const s = three();
    s.send(ALICE, SERVER, { type: 0x06, seq: 0, src: 1, mode: 0, invitees: [2] });
    s.ack(SERVER, ALICE, 0x06, 0);
    s.send(SERVER, BOB, { type: 0x09, seq: 0, src: 1, mode: 0, invite_group: 2, invitee: 2 });
    s.ack(BOB, SERVER, 0x09, 0, 2);
    s.send(BOB, SERVER, { type: 0x0a, seq: 0, src: 2, mode: 0, invite_group: 2 });
    s.ack(SERVER, BOB, 0x0a, 0);
    const created = s.send(SERVER, ALICE, { type: 0x07, seq: 1, mode: 0, new_group: 2 });
    s.ack(ALICE, SERVER, 0x07, 1, 1);
    const dis = s.send(BOB, SERVER, { type: 0x0c, seq: 1, src: 2 });
    s.ack(SERVER, BOB, 0x0c, 1);
    const dissolved = s.send(SERVER, ALICE, { type: 0x0d, seq: 0, group: 1 });
    s.ack(ALICE, SERVER, 0x0d, 0, 1);
    const a = s.analyze();
    expect(a.membersAt(2, created)).toEqual([1, 2]);
    expect(a.membersAt(2, dis)).toEqual([1]);
    expect(a.membersAt(2, dissolved)).toEqual([]);
    expect(a.membersAt(1)).toEqual([1, 2, 3]);
    expect(a.groupEvents.filter((e) => e.frame === dissolved).map((e) => `${e.client} ${e.kind} ${e.group} ${e.reason}`)).toEqual([
      "1 left 2 dissolution",
      "1 joined 1 dissolution",
    ]);
    expect(a.stats().unacked).toBe(0);
  });

  it("a later accept joins the existing group at once; Update List entries move clients too", () => {
    const s = three();
    s.send(ALICE, SERVER, { type: 0x06, seq: 0, src: 1, mode: 1, invitees: [2, 3] });
    s.ack(SERVER, ALICE, 0x06, 0);
    s.send(SERVER, BOB, { type: 0x09, seq: 0, src: 1, mode: 1, invite_group: 5, invitee: 2 });
    s.ack(BOB, SERVER, 0x09, 0, 2);
    s.send(SERVER, CAROL, { type: 0x09, seq: 0, src: 1, mode: 1, invite_group: 5, invitee: 3 });
    s.ack(CAROL, SERVER, 0x09, 0, 3);
    s.send(BOB, SERVER, { type: 0x0a, seq: 0, src: 2, mode: 1, invite_group: 5 });
    s.ack(SERVER, BOB, 0x0a, 0);
    const created = s.send(SERVER, ALICE, { type: 0x07, seq: 1, mode: 1, new_group: 5 });
    s.ack(ALICE, SERVER, 0x07, 1, 1);
    const late = s.send(CAROL, SERVER, { type: 0x0a, seq: 0, src: 3, mode: 1, invite_group: 5 }, 3);
    s.ack(SERVER, CAROL, 0x0a, 0);
    const fwd = s.send(SERVER, ALICE, { type: 0x0a, seq: 0, src: 3, mode: 1, invite_group: 5 });
    s.ack(ALICE, SERVER, 0x0a, 0, 1);
    const a = s.analyze();
    expect(a.membersAt(5, created)).toEqual([1, 2]);
    expect(a.membersAt(5, late)).toEqual([1, 2, 3]);
    expect(a.groupEvents.find((e) => e.client === 3 && e.kind === "joined" && e.group === 5)).toMatchObject({
      frame: late,
      reason: "invitation",
    });
    expect(a.stats().noResponse).toBe(0);
    expect(valuesOf(a, fwd).response_to).toBeUndefined();

    const s2 = three();
    const upd = s2.send(SERVER, ALICE, { type: 0x0e, seq: 0, group: 255, entry: [entry(2, "bob", BOB, 7), entry(3, "carol", CAROL, 7)] });
    const a2 = s2.analyze();
    expect(a2.membersAt(7, upd)).toEqual([2, 3]);
    expect(a2.groupEvents.filter((e) => e.frame === upd && e.kind === "joined").map((e) => e.reason)).toEqual(["update", "update"]);
  });

  it("an invitation unanswered more than 15 s after the invitee's ACK times out; the creation is rejected", () => {
    const s = three();
    const req = s.send(ALICE, SERVER, { type: 0x06, seq: 0, src: 1, mode: 0, invitees: [3] });
    s.ack(SERVER, ALICE, 0x06, 0);
    const inv = s.send(SERVER, CAROL, { type: 0x09, seq: 0, src: 1, mode: 0, invite_group: 2, invitee: 3 });
    const ack = s.ack(CAROL, SERVER, 0x09, 0, 3);
    const rej = s.send(SERVER, ALICE, { type: 0x08, seq: 1 }, 15.01);
    s.ack(ALICE, SERVER, 0x08, 1, 1);
    const late = s.send(CAROL, SERVER, { type: 0x0a, seq: 0, src: 3, mode: 0, invite_group: 2 }, 2);
    const a = s.analyze({}, false);
    // first pass of the invitation: nothing known yet
    expect(valuesOf(a, inv, "first").invitation_timeout).toBeUndefined();
    expect(valuesOf(a, inv, "final").invitation_timeout).toBe(15);
    a.finish();
    expect(expertTexts(a, inv)).toContain("Invitation to carol(3) timed out after 15 s without an answer");
    expect(a.fieldsOf(inv).experts.find((e) => e.id === ANALYSIS_EXPERTS.invitationTimeout.id)).toMatchObject({
      category: "response",
      severity: "warning",
    });
    const t = a.transactions();
    expect(t.find((x) => x.kind === "invite")).toMatchObject({ request: inv, response: null, outcome: "timeout", ackedIn: ack });
    expect(t.find((x) => x.kind === "create")).toMatchObject({ request: req, response: rej, outcome: "rejected" });
    expect(valuesOf(a, late).late_answer).toBe(inv);
    expect(a.membersAt(2)).toEqual([]);
    expect(a.stats().invitationTimeouts).toBe(1);
  });

  it("no time-out when the answer comes within 15 s, nor when the invitee never acknowledged", () => {
    const s = three();
    s.send(ALICE, SERVER, { type: 0x06, seq: 0, src: 1, mode: 0, invitees: [3] });
    s.ack(SERVER, ALICE, 0x06, 0);
    const inv = s.send(SERVER, CAROL, { type: 0x09, seq: 0, src: 1, mode: 0, invite_group: 2, invitee: 3 });
    s.ack(CAROL, SERVER, 0x09, 0, 3);
    s.send(CAROL, SERVER, { type: 0x0b, seq: 0, src: 3, mode: 0, invite_group: 2 }, 14.9);
    s.send(BOB, SERVER, { type: 0x03, seq: 0, src: 2, group: 1 }, 5);
    const a = s.analyze();
    expect(valuesOf(a, inv).invitation_timeout).toBeUndefined();
    expect(a.transactions().find((x) => x.kind === "invite")?.outcome).toBe("rejected");

    const s2 = three();
    s2.send(ALICE, SERVER, { type: 0x06, seq: 0, src: 1, mode: 0, invitees: [3] });
    const inv2 = s2.send(SERVER, CAROL, { type: 0x09, seq: 0, src: 1, mode: 0, invite_group: 2, invitee: 3 });
    s2.send(BOB, SERVER, { type: 0x03, seq: 0, src: 2, group: 1 }, 20);
    const a2 = s2.analyze();
    expect(valuesOf(a2, inv2).invitation_timeout).toBeUndefined();
    expect(valuesOf(a2, inv2).unacked).toBe(true);
  });

  it("a member's invitation into an existing group: forwarded, answered, answer forwarded back", () => {
    const s = three();
    s.send(ALICE, SERVER, { type: 0x06, seq: 0, src: 1, mode: 0, invitees: [2] });
    s.ack(SERVER, ALICE, 0x06, 0);
    s.send(SERVER, BOB, { type: 0x09, seq: 0, src: 1, mode: 0, invite_group: 2, invitee: 2 });
    s.ack(BOB, SERVER, 0x09, 0, 2);
    s.send(BOB, SERVER, { type: 0x0a, seq: 0, src: 2, mode: 0, invite_group: 2 });
    s.ack(SERVER, BOB, 0x0a, 0);
    s.send(SERVER, ALICE, { type: 0x07, seq: 1, mode: 0, new_group: 2 });
    s.ack(ALICE, SERVER, 0x07, 1, 1);
    const memberReq = s.send(BOB, SERVER, { type: 0x09, seq: 1, src: 2, mode: 0, invite_group: 2, invitee: 3 });
    s.ack(SERVER, BOB, 0x09, 1);
    const fwd = s.send(SERVER, CAROL, { type: 0x09, seq: 0, src: 2, mode: 0, invite_group: 2, invitee: 3 });
    s.ack(CAROL, SERVER, 0x09, 0, 3);
    const answer = s.send(CAROL, SERVER, { type: 0x0a, seq: 0, src: 3, mode: 0, invite_group: 2 });
    s.ack(SERVER, CAROL, 0x0a, 0);
    const back = s.send(SERVER, BOB, { type: 0x0a, seq: 1, src: 3, mode: 0, invite_group: 2 });
    s.ack(BOB, SERVER, 0x0a, 1, 2);
    const a = s.analyze();
    const ir = a.transactions().find((t) => t.kind === "invite_request")!;
    expect(ir).toMatchObject({ request: memberReq, response: back, outcome: "accepted", client: 3, group: 2 });
    expect(a.transactions().find((t) => t.request === fwd)).toMatchObject({ kind: "invite", response: answer, parent: ir.index });
    expect(a.membersAt(2, answer)).toEqual([1, 2, 3]);
  });
});
