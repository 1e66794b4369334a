import { describe, expect, it } from "vitest";
import { ArqLink, ManualClock } from "../../src/arq/index.js";
import { ServerState, type User } from "../../src/server/state.js";
import { formatJson, formatText, startServer } from "../../src/server/index.js";
import { testNet } from "./helpers.js";

const clock = new ManualClock();
function user(id: number, name = `u${id}`, port = 1000 + id): User {
  const link = new ArqLink({ rto: 500, retries: 5, clock }, { transmit: () => {} });
  return {
    id,
    name,
    ip: "127.0.0.1",
    port,
    group: 1,
    link,
    established: true,
    hasList: true,
    accept: { type: 1 },
    acceptBytes: null,
    validated: true,
    bytesIn: 0,
    bytesOut: 0,
  };
}

describe("ServerState invariants", () => {
  it("holds for a consistent state and names each violation", () => {
    const s = new ServerState(255);
    const [a, b, c] = [user(1), user(2), user(3)];
    for (const u of [a, b, c]) s.addUser(u);
    const g = s.reserveGroup(0, 1)!;
    expect(g.id).toBe(2);
    g.creation!.pending.add(2);
    s.invitations.set(2, { invitee: 2, inviter: 1, group: 2, mode: 0, kind: "create", request: { type: 9 }, timer: null });
    expect(s.checkInvariants()).toEqual([]);
    expect(s.snapshot().groups[1]).toEqual({ id: 2, mode: 0, members: [], created: false, creator: 1, pendingInvitees: [2] });

    // A created private group with one member.
    g.created = true;
    s.setGroup(a, 2);
    expect(s.checkInvariants()).toContain("private group 2 has 1 member(s)");
    // A member list that disagrees with the user's group.
    g.members.add(3);
    expect(s.checkInvariants()).toContain("group 2 lists 3, who is in group 1");
    g.members.delete(3);
    // An invitation for someone who is gone.
    s.invitations.set(9, { invitee: 9, inviter: 1, group: 2, mode: 0, kind: "join", request: { type: 9 }, timer: null });
    expect(s.checkInvariants()).toContain("invitation for 9, who is not connected");
  });

  it("refuses a user whose name or address is taken", () => {
    const s = new ServerState(255);
    s.addUser(user(1, "x", 5));
    expect(() => s.addUser(user(2, "x", 6))).toThrow();
    expect(() => s.addUser(user(3, "y", 5))).toThrow();
    expect(s.checkInvariants()).toEqual([]);
  });

  it("reserves the lowest free private group and runs out after 253", () => {
    const s = new ServerState(255);
    for (let i = 2; i <= 254; i++) expect(s.reserveGroup(0, 1)?.id).toBe(i);
    expect(s.reserveGroup(0, 1)).toBeNull();
    s.deleteGroup(7);
    expect(s.reserveGroup(1, 1)?.id).toBe(7);
  });
});

describe("server lifecycle and log lines", () => {
  it("stops every timer (retransmission, invitation, departure) on close", async () => {
    const net = await testNet();
    const a = await net.peer();
    const b = await net.peer();
    await a.connect("a");
    await b.connect("b");
    await net.settle();
    a.send({ type: 0x06, mode: 0, invitees: [2] }); // an invitation timer, once b ACKs
    await net.settle();
    b.autoAck = false;
    a.send({ type: 0x05, group: 1, data: "x" }); // outstanding to b
    a.send({ type: 0x10 }); // a departure timer
    await net.settle();
    expect(net.clock.pending).toBeGreaterThan(0);
    await net.close();
    expect(net.clock.pending).toBe(0);
  });

  it("formats events as text and JSON lines", () => {
    const at = new Date("2026-01-02T03:04:05.006Z");
    const e = { event: "connected", id: 3, name: "bob", ip: "127.0.0.1", port: 4000 } as const;
    expect(formatText(e, at)).toBe("2026-01-02T03:04:05.006Z connected id=3 name=bob ip=127.0.0.1 port=4000");
    expect(JSON.parse(formatJson(e, at))).toEqual({ ts: "2026-01-02T03:04:05.006Z", ...e });
    expect(formatText({ event: "dropped", reason: "malformed", ip: "1.2.3.4", port: 5, bytes: 3, detail: "too short" }, at)).toContain(
      'detail="too short"',
    );
  });

  it("validates its options", async () => {
    await expect(startServer({ port: 0, maxUsers: 0 })).rejects.toThrow(/maxUsers/);
    await expect(startServer({ port: 0, rto: 0 })).rejects.toThrow(/rto/);
    await expect(startServer({ port: 0, retries: -1 })).rejects.toThrow(/retries/);
  });
});
