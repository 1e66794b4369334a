/**
 * Bugs imp fuzz found in the reference server and client, each replayed from the case the
 * campaign saved (test/fixtures/fuzz-targets/cases/): the finding must no longer occur.
 *
 * - server-relays-reserved-bit: a Data Message with the Reserved bit set was relayed with it
 *   set; the server is the sender of the copy, and senders set 0.
 * - client-forgets-itself: an Update Disconnection carrying the client's own ID removed the
 *   client from its own list while it stayed connected.
 * - client-list-without-itself: a User List Response without the client's own entry left it
 *   out of its own list.
 * - client-joins-group-0: a Group Creation Accept for group 0 put the client in group 0.
 * - server-reject-src-0: an invitation naming invitee 0 (or no private group) was answered with
 *   a Group Invitation Reject whose Source ID or group no conforming Reject can carry; such a
 *   request is now dropped without an answer (docs/PROTOCOL.md, section 7).
 */
import { afterEach, describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { loadCase, replayCase, type Target } from "../../fuzz/index.js";
import { BundledServerTarget } from "../../fuzz/targets/bundled-server.js";
import { BundledClientTarget } from "../../fuzz/targets/bundled-client.js";

const casePath = (name: string) => fileURLToPath(new URL(`../fixtures/fuzz-targets/cases/${name}.json`, import.meta.url));

let target: Target | null = null;
afterEach(async () => {
  await target?.close();
  target = null;
});

describe("regressions found by imp fuzz", () => {
  it("server: an invitation for invitee 0 gets no non-conforming Group Invitation Reject", async () => {
    const saved = loadCase(casePath("server-reject-src-0"));
    expect(saved.finding.signature).toBe("imp.protocol.src in Group Invitation Reject");
    target = new BundledServerTarget();
    await target.open();
    const r = await replayCase(target, saved);
    expect(r.reproduced).toBe(false);
    expect(r.findings).toEqual([]);
  });

  it("server: a relayed Data Message has the Reserved bit clear", async () => {
    const saved = loadCase(casePath("server-relays-reserved-bit"));
    expect(saved.finding.signature).toBe("imp.protocol.reserved_set in Data Message");
    target = new BundledServerTarget();
    await target.open();
    const r = await replayCase(target, saved);
    expect(r.reproduced).toBe(false);
    expect(r.findings).toEqual([]);
  });

  it("client: an Update Disconnection with its own ID does not remove it from its list", async () => {
    const saved = loadCase(casePath("client-forgets-itself"));
    expect(saved.finding.oracle).toBe("state");
    target = new BundledClientTarget();
    await target.open();
    const r = await replayCase(target, saved);
    expect(r.reproduced).toBe(false);
    expect(r.findings).toEqual([]);
  });

  it("client: a User List Response without its own entry leaves it in its list", async () => {
    const saved = loadCase(casePath("client-list-without-itself"));
    expect(saved.finding.signature).toBe("own entry N missing from the roster");
    target = new BundledClientTarget();
    await target.open();
    const r = await replayCase(target, saved);
    expect(r.reproduced).toBe(false);
    expect(r.findings).toEqual([]);
  });

  it("client: a Group Creation Accept for a group that cannot exist is dropped", async () => {
    const saved = loadCase(casePath("client-joins-group-0"));
    expect(saved.finding.signature).toBe("in group N");
    target = new BundledClientTarget();
    await target.open();
    const r = await replayCase(target, saved);
    expect(r.reproduced).toBe(false);
    expect(r.findings).toEqual([]);
  });
});
