/**
 * The reference client against the reference server, over UDP on 127.0.0.1: every flow of the
 * source's section 6 from each client's side, with what each side saw and the final groups.
 */
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { bufferIo } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/program.js";
import { connectClient, type ClientOptions, type ImpClient } from "../../src/client/client.js";
import type { ClientEvents } from "../../src/client/events.js";
import { startServer, type ImpServer, type ServerOptions } from "../../src/server/index.js";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

type Seen = { [K in keyof ClientEvents]: [K, ClientEvents[K]] }[keyof ClientEvents];

interface Watched {
  c: ImpClient;
  seen: Seen[];
  messages: () => string[];
}

async function server(extra: ServerOptions = {}): Promise<ImpServer> {
  // Lowest free IDs: the transcripts below name them (the default is random).
  const s = await startServer({ host: "127.0.0.1", port: 0, rto: 50, retries: 5, idAllocation: "lowest", ...extra });
  cleanup.push(() => s.close());
  return s;
}

async function join(s: ImpServer, name: string, extra: Partial<ClientOptions> = {}): Promise<Watched> {
  const c = await connectClient({ name, server: s.address, rto: 50, retries: 5, ...extra });
  cleanup.push(() => c.close());
  const seen: Seen[] = [];
  const events: (keyof ClientEvents)[] = [
    "users",
    "userJoined",
    "userChanged",
    "userLeft",
    "message",
    "invitation",
    "invitationExpired",
    "groupCreated",
    "groupCreateRejected",
    "joined",
    "left",
    "invitationAccepted",
    "invitationRejected",
    "dissolved",
    "serverGone",
    "peerGone",
    "disconnected",
  ];
  const watch = <K extends keyof ClientEvents>(e: K) => c.on(e, (p) => seen.push([e, p] as Seen));
  for (const e of events) watch(e);
  return {
    c,
    seen,
    messages: () =>
      seen.flatMap((s) => (s[0] === "message" ? [`${s[1].fromName}@${s[1].group}${s[1].direct ? "!" : ""}: ${s[1].text}`] : [])),
  };
}

/** Waits (bounded) until `cond` holds. */
async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const names = (w: Watched) =>
  w.c
    .members()
    .map((m) => m.name)
    .sort();
const groupsOf = (s: ImpServer) => Object.fromEntries(s.snapshot().users.map((u) => [u.name, u.group]));

describe("client and server end to end", () => {
  it("connects three clients with random IDs; lists; public chat; disconnection", async () => {
    const s = await server({ idAllocation: "random", seed: 7 });
    const alice = await join(s, "alice");
    const bob = await join(s, "bob");
    const carol = await join(s, "carol");
    await until(() => alice.c.roster.size === 3 && bob.c.roster.size === 3, "rosters");
    for (const w of [alice, bob, carol]) {
      expect(
        w.c.roster
          .all()
          .map((e) => e.name)
          .sort(),
      ).toEqual(["alice", "bob", "carol"]);
      expect(w.c.roster.get(w.c.id)?.port).toBe(w.c.local.port);
    }
    const ids = [alice.c.id, bob.c.id, carol.c.id];
    expect(new Set(ids).size).toBe(3);
    expect(ids).not.toEqual([1, 2, 3]);
    expect(alice.seen.filter((e) => e[0] === "userJoined").map((e) => (e[1] as ClientEvents["userJoined"]).user.name)).toEqual([
      "bob",
      "carol",
    ]);
    expect(bob.seen.filter((e) => e[0] === "userJoined").map((e) => (e[1] as ClientEvents["userJoined"]).user.name)).toEqual(["carol"]);
    expect((await carol.c.list()).map((e) => e.name).sort()).toEqual(["alice", "bob", "carol"]);

    expect(await alice.c.send("hi all")).toEqual(["acked"]);
    await bob.c.send("hi alice");
    await until(() => carol.messages().length === 2 && alice.messages().length === 1 && bob.messages().length === 1, "public messages");
    expect(carol.messages()).toEqual(["alice@1: hi all", "bob@1: hi alice"]);
    expect(alice.messages()).toEqual(["bob@1: hi alice"]);
    expect(bob.messages()).toEqual(["alice@1: hi all"]);

    expect(await carol.c.disconnect()).toBe("acked");
    expect(carol.c.state).toBe("closed");
    await until(() => alice.c.roster.size === 2 && bob.c.roster.size === 2, "carol gone");
    expect(alice.seen.find((e) => e[0] === "userLeft")?.[1]).toMatchObject({ id: carol.c.id, user: { name: "carol" } });
    expect(
      s
        .snapshot()
        .users.map((u) => u.name)
        .sort(),
    ).toEqual(["alice", "bob"]);
  });

  it("rejects a taken username", async () => {
    const s = await server();
    await join(s, "alice");
    await expect(connectClient({ name: "alice", server: s.address, rto: 50 })).rejects.toMatchObject({ reason: "name-taken" });
  });

  it("centralized group: create, one accepts, one rejects, invite, chat, leave, dissolution", async () => {
    const s = await server();
    const alice = await join(s, "alice");
    const bob = await join(s, "bob");
    const carol = await join(s, "carol");
    const dave = await join(s, "dave");
    await until(() => alice.c.roster.size === 4, "rosters");

    const bobInvited = bob.c.next("invitation");
    const carolInvited = carol.c.next("invitation");
    expect(await alice.c.createGroup({ mode: "centralized", invitees: ["bob", "carol"] })).toBe("acked");
    expect(await bobInvited).toEqual({ from: alice.c.id, fromName: "alice", group: 2, mode: "centralized" });
    await carolInvited;
    const created = alice.c.next("groupCreated");
    await bob.c.accept();
    expect(await created).toEqual({ group: 2, mode: "centralized" });
    // A reject of a creation invitation is not forwarded once the group exists (WIRE.md section 5).
    expect(await carol.c.reject()).toBe("acked");
    expect(s.snapshot().invitations).toEqual([]);
    await until(() => names(alice).join() === "bob" && names(bob).join() === "alice", "group 2 membership");

    await alice.c.send("in two");
    await until(() => bob.messages().length === 1, "group message");
    expect(bob.messages()).toEqual(["alice@2: in two"]);

    const carolInvited2 = carol.c.next("invitation");
    await bob.c.invite("carol");
    expect(await carolInvited2).toMatchObject({ from: bob.c.id, group: 2, mode: "centralized" });
    const accepted = bob.c.next("invitationAccepted");
    await carol.c.accept();
    expect(await accepted).toMatchObject({ by: carol.c.id, byName: "carol", group: 2 });
    await until(() => names(alice).join() === "bob,carol", "carol in group 2");

    // An invitation into an existing group, rejected: forwarded to the inviter.
    const daveInvited = dave.c.next("invitation");
    await bob.c.invite("dave");
    await daveInvited;
    const daveRejected = bob.c.next("invitationRejected");
    await dave.c.reject();
    expect(await daveRejected).toMatchObject({ by: dave.c.id, byName: "dave", group: 2 });
    expect(dave.c.group).toBe(1);

    await carol.c.send("hello two");
    await dave.c.send("public only");
    await until(() => alice.messages().length === 1 && bob.messages().length === 2, "messages");
    expect(alice.messages()).toEqual(["carol@2: hello two"]);
    expect(bob.messages()).toEqual(["alice@2: in two", "carol@2: hello two"]);

    await bob.c.leave();
    const dissolved = alice.c.next("dissolved");
    await carol.c.leave();
    expect(await dissolved).toEqual({ group: 2 });
    expect([alice.c.group, bob.c.group, carol.c.group]).toEqual([1, 1, 1]);
    await until(() => dave.c.roster.all().every((e) => e.group === 1), "dave sees everyone public");
    expect(groupsOf(s)).toEqual({ alice: 1, bob: 1, carol: 1, dave: 1 });
    expect(s.snapshot().groups.filter((g) => g.id !== 1)).toEqual([]);
    // Everyone in the public group, dave saw only public traffic.
    expect(dave.messages()).toEqual([]);
    await alice.c.send("all back");
    await until(() => dave.messages().length === 1, "public again");
    expect(dave.messages()).toEqual(["alice@1: all back"]);
  });

  it("decentralized group: data goes peer to peer, never through the server", async () => {
    const s = await server();
    const alice = await join(s, "alice");
    const bob = await join(s, "bob");
    const carol = await join(s, "carol");
    await until(() => alice.c.roster.size === 3, "rosters");
    const inv = bob.c.next("invitation");
    await alice.c.createGroup({ mode: "decentralized", invitees: [bob.c.id, "carol"] });
    expect(await inv).toMatchObject({ mode: "decentralized", group: 2 });
    await until(() => carol.c.pendingInvitations.length === 1, "carol invited");
    const created = alice.c.next("groupCreated");
    await bob.c.accept();
    await created;
    await carol.c.accept();
    await until(
      () => names(alice).join() === "bob,carol" && names(bob).join() === "alice,carol" && names(carol).join() === "alice,bob",
      "membership",
    );
    expect([alice.c.mode, bob.c.mode, carol.c.mode]).toEqual(["decentralized", "decentralized", "decentralized"]);

    const before = s.counters.dataReceived;
    expect(await alice.c.send("direct hello")).toEqual(["acked", "acked"]);
    expect(await carol.c.send("direct reply")).toEqual(["acked", "acked"]);
    await until(() => bob.messages().length === 2, "direct messages");
    expect(bob.messages()).toEqual(["alice@2!: direct hello", "carol@2!: direct reply"]);
    expect(alice.messages()).toEqual(["carol@2!: direct reply"]);
    expect(carol.messages()).toEqual(["alice@2!: direct hello"]);
    expect(s.counters.dataReceived).toBe(before);

    // bob disconnects: the others drop him from the group and keep talking.
    await bob.c.disconnect();
    await until(() => names(alice).join() === "carol" && names(carol).join() === "alice", "bob gone");
    expect(await alice.c.send("just us")).toEqual(["acked"]);
    await until(() => carol.messages().length === 2, "after bob left");
    expect(groupsOf(s)).toEqual({ alice: 2, carol: 2 });
    const dissolved = alice.c.next("dissolved");
    await carol.c.leave();
    await dissolved;
    expect(groupsOf(s)).toEqual({ alice: 1, carol: 1 });
  });

  it("a group creation nobody accepts is rejected after the invitation time-out", async () => {
    const s = await server({ inviteTimeoutMs: 100 });
    const alice = await join(s, "alice");
    const bob = await join(s, "bob", { inviteTimeoutMs: 100 });
    await until(() => alice.c.roster.size === 2, "rosters");
    const rejected = alice.c.next("groupCreateRejected");
    const expired = bob.c.next("invitationExpired");
    await alice.c.createGroup({ mode: "centralized", invitees: ["bob"] });
    await rejected;
    await expired;
    expect(alice.c.group).toBe(1);
    expect(bob.c.pendingInvitations).toEqual([]);
  });

  it("a server that stops answering ends the session with serverGone", async () => {
    const s = await server();
    const alice = await join(s, "alice", { rto: 20, retries: 2 });
    await s.close();
    const gone = alice.c.next("disconnected");
    expect(await alice.c.send("anyone?")).toEqual(["gone"]);
    expect(await gone).toEqual({ reason: "server-gone" });
    expect(alice.seen.map((e) => e[0])).toContain("serverGone");
  });

  it("two scripted REPLs chat in a group they create (imp client with piped input)", async () => {
    const s = await server();
    const at = `127.0.0.1:${s.address.port}`;
    const aliceIo = Object.assign(bufferIo(), {
      stdin: Readable.from(["/wait bob joined\n/create bob\n/wait created\nhello bob\n/wait bob: hi\n/list\n/quit\n"]),
    });
    const bobIo = Object.assign(bufferIo(), {
      stdin: Readable.from(["/wait invitation\n/accept\n/wait alice: hello bob\nhi\n/wait dissolved\n"]),
    });
    const aliceRun = runCli(["client", "--name", "alice", "--server", at, "--rto", "50"], aliceIo);
    await until(() => s.snapshot().users.length === 1, "alice connected");
    const bobRun = runCli(["client", "--name", "bob", "--server", at, "--rto", "50"], bobIo);
    expect(await Promise.all([aliceRun, bobRun])).toEqual([0, 0]);
    expect(aliceIo.stderr() + bobIo.stderr()).toBe("");
    const alice = aliceIo.stdout().trimEnd().split("\n");
    const bob = bobIo.stdout().trimEnd().split("\n");
    expect(alice[0]).toMatch(/^\* connected to 127\.0\.0\.1:\d+ as alice \(id 1\); 1 user online/);
    expect(alice.slice(1)).toEqual([
      "* bob joined",
      "* group 2 created (centralized); you are in it",
      "* bob joined group 2",
      "[group 2] bob: hi",
      expect.stringMatching(/^ {4}1 {2}alice {5}group 2 {4}127\.0\.0\.1:\d+ {2}\(you\)$/),
      expect.stringMatching(/^ {4}2 {2}bob {7}group 2 {4}127\.0\.0\.1:\d+$/),
    ]);
    expect(bob[0]).toMatch(/^\* connected to 127\.0\.0\.1:\d+ as bob \(id 2\); 2 users online/);
    expect(bob.slice(1)).toEqual([
      "* invitation from alice to group 2 (centralized): /accept or /reject",
      "* you joined group 2 (centralized)",
      "* alice joined group 2",
      "[group 2] alice: hello bob",
      "* alice left",
      "* group 2 dissolved; back in the public group",
    ]);
    expect(s.snapshot().users).toEqual([]);
    expect(s.counters.disconnections).toBe(2);
  });
});
