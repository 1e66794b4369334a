import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/arq/index.js";
import { ConnectError, connectClient, type ImpClient } from "../../src/client/client.js";
import { acceptConnection, entry, fakeEndpoint, type FakeEndpoint } from "./fake-server.js";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function server(): Promise<FakeEndpoint> {
  const s = await fakeEndpoint();
  cleanup.push(() => s.close());
  return s;
}

function track(c: ImpClient): ImpClient {
  cleanup.push(() => c.close());
  return c;
}

describe("connect", () => {
  it("sends the exact bytes of WIRE.md: first S=1, space-padded name, ACK of the Accept, User List Request in group 1", async () => {
    const s = await server();
    const connecting = connectClient({ name: "alice", server: s.address, rto: 200 });
    const other = entry(7, "bob", 1, { ip: "10.0.0.2", port: 4000 });
    const { request } = await acceptConnection(s, { id: 201, others: [other] });
    const client = track(await connecting);

    expect(request.hex).toBe("020000000d" + Buffer.from("alice   ").toString("hex"));
    const hex = s.inbox.map((r) => r.hex);
    expect(hex).toEqual([
      request.hex,
      "0bc9000005", // ACK (A=1) of Connection Accept S=1, Source ID = the assigned 201
      "18c9010005", // User List Request, S=0 (second message on the link), Src 201, Group 1
      "21c9000005", // ACK of the User List Response S=0
    ]);
    expect(client.id).toBe(201);
    expect(client.group).toBe(1);
    expect(client.state).toBe("connected");
    expect(client.roster.all().map((e) => [e.id, e.name, e.group])).toEqual([
      [201, "alice", 1],
      [7, "bob", 1],
    ]);
    expect(client.roster.get(7)).toMatchObject({ ip: "10.0.0.2", port: 4000 });
  });

  it("accepts a User List Response with Source ID 0 and an Accept with S=0 (recognised by state)", async () => {
    const s = await server();
    const connecting = connectClient({ name: "bob", server: s.address, rto: 200 });
    const req = await s.take((m) => m.type === 0);
    s.send(req.from, { type: 1, seq: 0, src: 0, group: 0, client_id: 3 });
    const ack = await s.take((m) => m.ack === 1);
    expect(ack.hex).toBe("0903000005");
    await s.take((m) => m.type === 3);
    s.send(req.from, { type: 4, seq: 1, src: 0, group: 1, entry: [entry(3, "bob", 1, req.from)] });
    expect((await s.take((m) => m.ack === 1 && m.type === 4)).hex).toBe("2303000005");
    const c = track(await connecting);
    expect(c.id).toBe(3);
  });

  it("ACKs a retransmitted Connection Accept again without reprocessing it", async () => {
    const s = await server();
    const connecting = connectClient({ name: "carol", server: s.address, rto: 200 });
    const { client: addr } = await acceptConnection(s, { id: 9 });
    const c = track(await connecting);
    s.send(addr, { type: 1, seq: 1, src: 0, group: 0, client_id: 9 });
    expect((await s.take((m) => m.ack === 1 && m.type === 1)).hex).toBe("0b09000005");
    expect(c.id).toBe(9);
    expect(c.state).toBe("connected");
  });

  it("rejects with name-taken on Connection Reject error 1, and ACKs the Reject with ID 0 as the 2017 client does", async () => {
    const s = await server();
    const connecting = connectClient({ name: "alice", server: s.address, rto: 200 });
    const req = await s.take((m) => m.type === 0);
    s.send(req.from, { type: 2, seq: 1, src: 0, group: 0, error: 1 });
    await expect(connecting).rejects.toMatchObject({ name: "ConnectError", reason: "name-taken" });
    expect((await s.take((m) => m.ack === 1)).hex).toBe("1300000005");
  });

  it("rejects with server-full on Connection Reject error 0", async () => {
    const s = await server();
    const connecting = connectClient({ name: "alice", server: s.address, rto: 200 });
    const req = await s.take((m) => m.type === 0);
    s.send(req.from, { type: 2, seq: 1, src: 0, group: 0, error: 0 });
    const e = await connecting.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConnectError);
    expect((e as ConnectError).reason).toBe("server-full");
    expect((e as ConnectError).message).toMatch(/maximum number of users/);
  });

  it("refuses an invalid username before sending anything", async () => {
    const s = await server();
    await expect(connectClient({ name: "has space", server: s.address })).rejects.toMatchObject({ reason: "invalid-name" });
    await expect(connectClient({ name: "toolongname", server: s.address })).rejects.toMatchObject({ reason: "invalid-name" });
    expect(await s.quiet(50)).toEqual([]);
  });

  it("gives up on a silent server after exactly 1 + 5 byte-identical Connection Requests", async () => {
    const s = await server();
    const clock = new ManualClock();
    let failure: unknown = null;
    const connecting = connectClient({ name: "alice", server: s.address, clock }).catch((e: unknown) => {
      failure = e;
    });
    await s.take((m) => m.type === 0);
    for (let i = 1; i <= 5; i++) {
      clock.advance(500);
      await s.take((m) => m.type === 0);
    }
    expect(failure).toBeNull();
    clock.advance(500);
    await connecting;
    expect(failure).toBeInstanceOf(ConnectError);
    expect((failure as ConnectError).reason).toBe("unreachable");
    expect(s.inbox).toHaveLength(6);
    expect(new Set(s.inbox.map((r) => r.hex)).size).toBe(1);
    clock.advance(5000);
    expect(await s.quiet(30)).toEqual([]);
  });

  it("gives up when the User List Request is never answered", async () => {
    const s = await server();
    const clock = new ManualClock();
    const connecting = connectClient({ name: "alice", server: s.address, clock, retries: 2 });
    const req = await s.take((m) => m.type === 0);
    s.send(req.from, { type: 1, seq: 1, src: 0, group: 0, client_id: 5 });
    await s.take((m) => m.type === 3);
    clock.advance(500);
    clock.advance(500);
    clock.advance(500);
    await expect(connecting).rejects.toMatchObject({ reason: "unreachable" });
    await s.quiet(50);
    expect(s.inbox.filter((r) => r.m.type === 3)).toHaveLength(3);
  });

  it("waits one retransmission period before believing a Reject of a retransmitted request (the 2017 server rejects its own pending name)", async () => {
    const s = await server();
    const clock = new ManualClock();
    const connecting = connectClient({ name: "alice", server: s.address, clock });
    const req = await s.take((m) => m.type === 0);
    clock.advance(500); // the Accept was lost: the request goes again
    await s.take((m) => m.type === 0);
    s.send(req.from, { type: 2, seq: 0, src: 0, group: 0, error: 1 }); // as the 2017 server sends it: S=0
    expect((await s.take((m) => m.ack === 1 && m.type === 2)).hex).toBe("1100000005");
    s.send(req.from, { type: 1, seq: 1, src: 0, group: 0, client_id: 77 }); // its Accept, retransmitted
    await s.take((m) => m.ack === 1 && m.type === 1);
    await s.take((m) => m.type === 3);
    s.send(req.from, { type: 4, seq: 0, src: 0, group: 1, entry: [entry(77, "alice", 1, req.from)] });
    const c = track(await connecting);
    expect(c.id).toBe(77);
    clock.advance(5000);
    expect(c.state).toBe("connected");
  });

  it("fails with name-taken when no Accept follows such a Reject", async () => {
    const s = await server();
    const clock = new ManualClock();
    let failure: unknown = null;
    const connecting = connectClient({ name: "alice", server: s.address, clock }).catch((e: unknown) => {
      failure = e;
    });
    const req = await s.take((m) => m.type === 0);
    clock.advance(500);
    await s.take((m) => m.type === 0);
    s.send(req.from, { type: 2, seq: 0, src: 0, group: 0, error: 1 });
    await s.take((m) => m.ack === 1 && m.type === 2);
    clock.advance(999);
    await new Promise((r) => setTimeout(r, 20));
    expect(failure).toBeNull();
    clock.advance(1);
    await connecting;
    expect(failure).toMatchObject({ reason: "name-taken" });
    expect(s.inbox.filter((r) => r.m.type === 0)).toHaveLength(2); // the Reject stopped the retransmissions
  });
});
