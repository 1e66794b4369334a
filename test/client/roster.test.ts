import { describe, expect, it } from "vitest";
import { TypedEmitter } from "../../src/client/events.js";
import { Roster } from "../../src/client/roster.js";

const e = (client_id: number, username: string, group: number, port = 1000 + client_id) => ({
  client_id,
  username,
  group,
  ip: "127.0.0.1",
  port,
});

describe("Roster", () => {
  it("replaces, upserts, removes, and keeps the server's order", () => {
    const r = new Roster();
    expect(r.replace([e(200, "alice", 1), e(3, "bob", 2)]).map((x) => x.id)).toEqual([200, 3]);
    expect(r.upsert(e(9, "carol", 1))).toMatchObject({ kind: "joined", entry: { id: 9, name: "carol" } });
    expect(r.upsert(e(3, "bob", 1))).toMatchObject({ kind: "changed", previous: { group: 2 }, entry: { group: 1 } });
    expect(r.upsert(e(3, "bob", 1)).kind).toBe("same");
    expect(r.remove(9)?.name).toBe("carol");
    expect(r.remove(9)).toBeUndefined();
    expect(r.all().map((x) => x.name)).toEqual(["alice", "bob"]);
  });

  it("resolves names first, then decimal IDs; finds by address; lists members", () => {
    const r = new Roster();
    r.replace([e(12, "alice", 2), e(7, "12", 2), e(8, "bob", 1)]);
    expect(r.resolve("alice")?.id).toBe(12);
    expect(r.resolve("12")?.name).toBe("12"); // a user named "12" wins over client 12
    expect(r.resolve("8")?.name).toBe("bob");
    expect(r.resolve(12)?.name).toBe("alice");
    expect(r.resolve("nobody")).toBeUndefined();
    expect(r.byAddress({ ip: "127.0.0.1", port: 1008 })?.name).toBe("bob");
    expect(r.members(2, 12).map((x) => x.name)).toEqual(["12"]);
    expect(r.nameOf(99)).toBe("#99");
    r.setGroup(8, 2);
    expect(r.members(2).map((x) => x.id)).toEqual([12, 7, 8]);
  });
});

describe("TypedEmitter", () => {
  it("delivers in order, unsubscribes, once, and next with a predicate", async () => {
    const em = new TypedEmitter<{ n: number; s: string }>();
    const got: unknown[] = [];
    const off = em.on("n", (v) => got.push(v));
    em.once("n", (v) => got.push(`once ${v}`));
    const later = em.next("n", (v) => v > 2);
    em.emit("n", 1);
    em.emit("n", 3);
    off();
    em.emit("n", 4);
    em.emit("s", "x");
    expect(got).toEqual([1, "once 1", 3]);
    expect(await later).toBe(3);
  });
});
