import { afterEach, describe, expect, it } from "vitest";
import { briefs, testNet, type RawPeer, type TestNet } from "./helpers.js";

let net: TestNet;
afterEach(async () => {
  expect(net.server.checkInvariants()).toEqual([]);
  await net.close();
});

/** Connects peers named after their future IDs, each with its list; clears what they received. */
async function connected(n: number, options = {}): Promise<RawPeer[]> {
  net = await testNet(options);
  return net.connectPeers(n);
}

const groupsOf = () => net.server.snapshot().users.map((u) => u.group);

describe("server: group creation", () => {
  it("invites every valid invitee; first accept creates, a later accept joins, timers start on the ACK", async () => {
    const [a, b, c, d] = await connected(4);
    a!.send({ type: 0x06, mode: 0, invitees: [2, 3, 4] });
    await net.settle();
    expect(briefs(a!.take())).toEqual(["ACK(CreateReq)"]);
    for (const [p, id] of [
      [b, 2],
      [c, 3],
      [d, 4],
    ] as const) {
      expect(briefs(p!.take())).toEqual([`InviteReq(1>${id},g2,m0)`]);
    }
    expect(net.server.snapshot().invitations.every((i) => i.timerRunning)).toBe(true);
    expect(net.server.snapshot().groups.find((g) => g.id === 2)).toMatchObject({ created: false, creator: 1, pendingInvitees: [2, 3, 4] });

    b!.send({ type: 0x0b, mode: 0, invite_group: 2 }); // reject
    await net.settle();
    expect(briefs(b!.take())).toEqual(["ACK(InviteReject)"]);
    expect(a!.take()).toEqual([]);

    c!.send({ type: 0x0a, mode: 0, invite_group: 2 }); // first accept
    await net.settle();
    expect(briefs(c!.take())).toEqual(["ACK(InviteAccept)", "Update(1:u1@2,3:u3@2)"]);
    const created = a!.take();
    expect(briefs(created)).toEqual(["CreateAccept(g2,m0)", "Update(1:u1@2,3:u3@2)"]);
    expect(created[0]).toMatchObject({ src: 0, group: 0, hlen: 7 });
    expect(briefs(b!.take())).toEqual(["Update(1:u1@2,3:u3@2)"]);
    expect(groupsOf()).toEqual([2, 1, 2, 1]);

    d!.send({ type: 0x0a, mode: 0, invite_group: 2 }); // later accept
    await net.settle();
    const fwd = a!.take();
    expect(briefs(fwd)).toEqual(["InviteAccept(4,g2)", "Update(4:u4@2)"]);
    expect(fwd[0]).toMatchObject({ hlen: 7, group: 0 });
    expect(groupsOf()).toEqual([2, 1, 2, 2]);
    const s = net.server.snapshot();
    expect(s.groups.find((g) => g.id === 2)).toMatchObject({ members: [1, 3, 4], created: true, pendingInvitees: [] });
    expect(s.invitations).toEqual([]);
    expect(net.server.counters.groupsCreated).toBe(1);
  });

  it("answers Group Creation Reject when every invitee rejects or times out, and frees the ID", async () => {
    const [a, b, c] = await connected(3);
    a!.send({ type: 0x06, mode: 1, invitees: [2, 3] });
    await net.settle();
    b!.send({ type: 0x0b, mode: 1, invite_group: 2 });
    await net.advance(14_999);
    expect(briefs(a!.take())).toEqual(["ACK(CreateReq)"]);
    await net.advance(1);
    expect(briefs(a!.take())).toEqual(["CreateReject"]);
    expect(briefs(c!.take())).toEqual(["InviteReq(1>3,g2,m1)"]);
    expect(net.server.snapshot().groups.map((g) => g.id)).toEqual([1]);
    expect(net.server.counters.invitationsTimedOut).toBe(1);
    // The ID is free again.
    a!.send({ type: 0x06, mode: 0, invitees: [3] });
    await net.settle();
    expect(briefs(c!.take())).toEqual(["InviteReq(1>3,g2,m0)"]);
  });

  it("starts the invitee's timer only when it acknowledges the invitation", async () => {
    const [a, b] = await connected(2);
    b!.autoAck = false;
    a!.send({ type: 0x06, mode: 0, invitees: [2] });
    await net.settle();
    expect(net.server.snapshot().invitations[0]!.timerRunning).toBe(false);
    b!.ackOf(b!.take()[0]!);
    await net.settle();
    expect(net.server.snapshot().invitations[0]!.timerRunning).toBe(true);
    b!.autoAck = true;
    await net.advance(15_000);
    expect(briefs(a!.take())).toEqual(["ACK(CreateReq)", "CreateReject"]);
  });

  it("acknowledges then rejects a creation with no valid invitee", async () => {
    const [a] = await connected(2);
    a!.send({ type: 0x06, mode: 0, invitees: [1, 9] }); // itself, unknown
    await net.settle();
    expect(briefs(a!.take())).toEqual(["ACK(CreateReq)", "CreateReject"]);
    expect(net.server.snapshot().groups).toHaveLength(1);
  });

  it("queues an invitation behind the one pending for the same invitee and sends it once that one is settled", async () => {
    const [a, b, c] = await connected(3);
    a!.send({ type: 0x06, mode: 0, invitees: [3] });
    await net.settle();
    b!.send({ type: 0x06, mode: 0, invitees: [3] });
    await net.settle();
    expect(briefs(a!.take())).toEqual(["ACK(CreateReq)"]);
    expect(briefs(b!.take())).toEqual(["ACK(CreateReq)"]);
    expect(briefs(c!.take())).toEqual(["InviteReq(1>3,g2,m0)"]);
    expect(net.server.snapshot().invitations.map((i) => [i.inviter, i.group, i.queued])).toEqual([
      [1, 2, false],
      [2, 3, true],
    ]);
    expect(net.server.counters.invitationsQueued).toBe(1);
    c!.send({ type: 0x0b, mode: 0, invite_group: 2 });
    await net.settle();
    expect(briefs(a!.take())).toEqual(["CreateReject"]);
    expect(briefs(c!.take())).toEqual(["ACK(InviteReject)", "InviteReq(2>3,g3,m0)"]);
    c!.send({ type: 0x0a, mode: 0, invite_group: 3 });
    await net.settle();
    expect(briefs(b!.take())).toEqual(["CreateAccept(g3,m0)", "Update(2:u2@3,3:u3@3)"]);
    expect(net.server.checkInvariants()).toEqual([]);
  });

  it("refuses a second Group Creation Request while the creator's first is pending, and a second invitation of the same invitee by the same inviter", async () => {
    const [a, , c] = await connected(3);
    a!.send({ type: 0x06, mode: 0, invitees: [3] });
    await net.settle();
    a!.send({ type: 0x06, mode: 0, invitees: [2] });
    await net.settle();
    expect(briefs(a!.take())).toEqual(["ACK(CreateReq)", "ACK(CreateReq)", "CreateReject"]);
    expect(briefs(c!.take())).toEqual(["InviteReq(1>3,g2,m0)"]);
    expect(net.server.snapshot().groups.map((g) => g.id)).toEqual([1, 2]);
  });

  it("cancels a pending creation when its creator disconnects; a late accept is acknowledged and ignored", async () => {
    const [a, b] = await connected(2);
    a!.send({ type: 0x06, mode: 0, invitees: [2] });
    await net.settle();
    a!.send({ type: 0x10 });
    await net.settle();
    expect(net.server.snapshot().groups).toHaveLength(1);
    expect(net.server.snapshot().invitations).toEqual([]);
    b!.send({ type: 0x0a, mode: 0, invite_group: 2 });
    await net.settle();
    expect(briefs(b!.take())).toEqual(["InviteReq(1>2,g2,m0)", "UpdateDisc(1)", "ACK(InviteAccept)"]);
    expect(groupsOf()).toEqual([1]);
    expect(net.server.counters.unsolicitedAnswers).toBe(1);
  });

  it("counts an invitee that disconnects as a rejection", async () => {
    const [a, b] = await connected(2);
    a!.send({ type: 0x06, mode: 0, invitees: [2] });
    await net.settle();
    b!.send({ type: 0x10 });
    await net.settle();
    expect(briefs(a!.take())).toEqual(["ACK(CreateReq)", "CreateReject", "UpdateDisc(2)"]);
  });
});

async function withGroup(n: number): Promise<RawPeer[]> {
  const peers = await connected(n);
  peers[0]!.send({ type: 0x06, mode: 0, invitees: [2] });
  await net.settle();
  peers[1]!.send({ type: 0x0a, mode: 0, invite_group: 2 });
  await net.settle();
  for (const p of peers) p.take();
  return peers;
}

describe("server: invitations into an existing group", () => {
  it("forwards the invitation and the accept; the invitee joins", async () => {
    const [a, b, c] = await withGroup(3);
    b!.send({ type: 0x09, mode: 0, invite_group: 2, invitee: 3 });
    await net.settle();
    expect(briefs(b!.take())).toEqual(["ACK(InviteReq)"]);
    const [req] = c!.take();
    expect(req).toMatchObject({ type: 0x09, src: 2, group: 0, mode: 0, invite_group: 2, invitee: 3, hlen: 8 });
    c!.send({ type: 0x0a, mode: 0, invite_group: 2 });
    await net.settle();
    expect(briefs(b!.take())).toEqual(["InviteAccept(3,g2)", "Update(3:u3@2)"]);
    expect(briefs(a!.take())).toEqual(["Update(3:u3@2)"]);
    expect(briefs(c!.take())).toEqual(["ACK(InviteAccept)"]);
    expect(groupsOf()).toEqual([2, 2, 2]);
  });

  it("forwards a reject, and a Group Invitation Reject on time-out", async () => {
    const [a, b, c] = await withGroup(4);
    a!.send({ type: 0x09, mode: 0, invite_group: 2, invitee: 3 });
    await net.settle();
    c!.send({ type: 0x0b, mode: 0, invite_group: 2 });
    await net.settle();
    expect(briefs(a!.take())).toEqual(["ACK(InviteReq)", "InviteReject(3,g2)"]);
    b!.send({ type: 0x09, mode: 0, invite_group: 2, invitee: 4 });
    await net.settle();
    await net.advance(15_000);
    expect(briefs(b!.take())).toEqual(["ACK(InviteReq)", "InviteReject(4,g2)"]);
    expect(groupsOf()).toEqual([2, 2, 1, 1]);
  });

  it("refuses invalid invitations at once with a Group Invitation Reject", async () => {
    const [a, b, c, d] = await withGroup(4);
    const refuse = async (p: RawPeer, group: number, invitee: number) => {
      p.send({ type: 0x09, mode: 0, invite_group: group, invitee });
      await net.settle();
      return briefs(p.take());
    };
    expect(await refuse(a!, 2, 9)).toEqual(["ACK(InviteReq)", "InviteReject(9,g2)"]); // unknown invitee
    expect(await refuse(a!, 2, 1)).toEqual(["ACK(InviteReq)", "InviteReject(1,g2)"]); // itself
    expect(await refuse(c!, 2, 4)).toEqual(["ACK(InviteReq)", "InviteReject(4,g2)"]); // not in the group
    expect(await refuse(a!, 3, 4)).toEqual(["ACK(InviteReq)", "InviteReject(4,g3)"]); // no such group
    expect(await refuse(a!, 2, 2)).toEqual(["ACK(InviteReq)", "InviteReject(2,g2)"]); // already a member
    // Pending: the same inviter again is refused at once; another inviter's invitation waits.
    a!.send({ type: 0x09, mode: 0, invite_group: 2, invitee: 4 });
    await net.settle();
    expect(await refuse(a!, 2, 4)).toEqual(["ACK(InviteReq)", "ACK(InviteReq)", "InviteReject(4,g2)"]);
    expect(await refuse(b!, 2, 4)).toEqual(["ACK(InviteReq)"]);
    expect(briefs(d!.take())).toEqual(["InviteReq(1>4,g2,m0)"]);
    expect(net.server.counters.invitationsRefused).toBe(6);
    expect(net.server.counters.invitationsQueued).toBe(1);
    // d accepts a's invitation: b's, into the group d is now in, is moot and refused.
    d!.send({ type: 0x0a, mode: 0, invite_group: 2 });
    await net.settle();
    expect(briefs(b!.take())).toContain("InviteReject(4,g2)");
    expect(net.server.snapshot().invitations).toEqual([]);
    expect(net.server.checkInvariants()).toEqual([]);
  });
});

describe("server: interoperability with the 2017 client", () => {
  it("accepts Group Invitation Accept/Reject with HL 8 (invitee ID) and forwards HL 7", async () => {
    const [a, b, c] = await withGroup(3);
    a!.send({ type: 0x09, mode: 0, invite_group: 2, invitee: 3 });
    await net.settle();
    const sent = c!.send({ type: 0x0b, mode: 0, invite_group: 2, invitee: 3 });
    expect(sent.readUInt16BE(3)).toBe(8);
    await net.settle();
    const fwd = a!.take();
    expect(briefs(fwd)).toEqual(["ACK(InviteReq)", "InviteReject(3,g2)"]);
    expect(fwd[1]).toMatchObject({ src: 3, group: 0, hlen: 7 });
    b!.send({ type: 0x09, mode: 0, invite_group: 2, invitee: 3 });
    await net.settle();
    c!.send({ type: 0x0a, mode: 0, invite_group: 2, invitee: 3 });
    await net.settle();
    const acc = b!.take();
    expect(briefs(acc)).toEqual(["ACK(InviteReq)", "InviteAccept(3,g2)", "Update(3:u3@2)"]);
    expect(acc[1]).toMatchObject({ src: 3, hlen: 7 });
    expect(groupsOf()).toEqual([2, 2, 2]);
  });
});

describe("server: disjoint and dissolution", () => {
  it("disjoint moves the client back; a group left with one member is dissolved", async () => {
    const [a, b, c] = await withGroup(3);
    b!.send({ type: 0x0c });
    await net.settle();
    expect(briefs(b!.take())).toEqual(["ACK(Disjoint)", "Update(2:u2@1,1:u1@1)"]);
    const diss = a!.take();
    expect(briefs(diss)).toEqual(["Dissolution(g2)", "Update(2:u2@1,1:u1@1)"]);
    expect(diss[0]).toMatchObject({ src: 0, hlen: 5 });
    expect(briefs(c!.take())).toEqual(["Update(2:u2@1,1:u1@1)"]);
    expect(groupsOf()).toEqual([1, 1, 1]);
    expect(net.server.snapshot().groups.map((g) => g.id)).toEqual([1]);
    expect(net.server.counters.groupsDissolved).toBe(1);
  });

  it("a group of three shrinks on disjoint without dissolving", async () => {
    const [a, b, c] = await withGroup(3);
    a!.send({ type: 0x09, mode: 0, invite_group: 2, invitee: 3 });
    await net.settle();
    c!.send({ type: 0x0a, mode: 0, invite_group: 2 });
    await net.settle();
    for (const p of [a, b, c]) p!.take();
    a!.send({ type: 0x0c });
    await net.settle();
    expect(briefs(a!.take())).toEqual(["ACK(Disjoint)"]);
    expect(briefs(b!.take())).toEqual(["Update(1:u1@1)"]);
    expect(groupsOf()).toEqual([1, 2, 2]);
  });

  it("a disconnection dissolves a group of two and cancels invitations into it", async () => {
    const [a, b, c] = await withGroup(3);
    b!.send({ type: 0x09, mode: 0, invite_group: 2, invitee: 3 });
    await net.settle();
    b!.take();
    c!.take();
    a!.send({ type: 0x10 });
    await net.settle();
    expect(briefs(b!.take())).toEqual(["UpdateDisc(1)", "Dissolution(g2)", "InviteReject(3,g2)"]);
    expect(briefs(c!.take())).toEqual(["UpdateDisc(1)", "Update(2:u2@1)"]);
    expect(net.server.snapshot().invitations).toEqual([]);
  });

  it("a client in a private group may not create another (ACK + Group Creation Reject)", async () => {
    const [a, , c] = await withGroup(3);
    a!.send({ type: 0x06, mode: 1, invitees: [3] });
    await net.settle();
    expect(briefs(a!.take())).toEqual(["ACK(CreateReq)", "CreateReject"]);
    expect(c!.take()).toEqual([]);
    expect(groupsOf()).toEqual([2, 2, 1]);
  });

  it("an invitee in another private group that accepts moves; its old group may dissolve", async () => {
    const [a, b, c, d] = await withGroup(4);
    c!.send({ type: 0x06, mode: 1, invitees: [2] });
    await net.settle();
    b!.send({ type: 0x0a, mode: 1, invite_group: 3 });
    await net.settle();
    expect(briefs(b!.take())).toEqual(["InviteReq(3>2,g3,m1)", "ACK(InviteAccept)", "Update(3:u3@3,2:u2@3,1:u1@1)"]);
    expect(briefs(a!.take())).toEqual(["Dissolution(g2)", "Update(3:u3@3,2:u2@3,1:u1@1)"]);
    expect(briefs(c!.take())).toEqual(["ACK(CreateReq)", "CreateAccept(g3,m1)", "Update(3:u3@3,2:u2@3,1:u1@1)"]);
    expect(briefs(d!.take())).toEqual(["Update(3:u3@3,2:u2@3,1:u1@1)"]);
    expect(groupsOf()).toEqual([1, 3, 3, 1]);
  });
});
