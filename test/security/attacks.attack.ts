/**
 * The attacks of issue 18 at full size, on real sockets on loopback (npm run test:security; not
 * in npm test: about 90 s). Each prints its figure as "[attack] ..." for the note; the short
 * versions with small numbers and a ManualClock are in test/server/bounds.test.ts.
 *
 * - slow receiver, 20 s: server RSS grows by at most 128 MiB; a new client connects and chats;
 * - forged reflection with 50 users connected: bytes to the victims / bytes from the attacker <= 3;
 * - half-open flood, 3.4 KB/s of Connection Requests from many addresses for 30 s: every
 *   legitimate join succeeds;
 * - junk flood from one socket for 8 s (146 000 datagrams/s asked of the flooder): at most 100 log
 *   lines/s, RSS growth <= 64 MiB with standard output a pipe nobody reads, legitimate delivery
 *   p50 <= 100 ms;
 * - invitation monopoly: at least half of another client's invitations succeed.
 */
import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { connectClient, type ImpClient } from "../../src/client/index.js";
import { encode } from "../../src/codec/index.js";
import { startServer, type ImpServer } from "../../src/server/index.js";
import { seededRandom } from "../../src/util/random.js";
import { MiB, percentile, RawClient, ROOT, ServerProcess, sleep, until } from "./attack-tools.js";

let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

function track<T extends { close(): unknown }>(x: T): T {
  cleanup.push(() => x.close());
  return x;
}

async function serverProcess(args: string[], opts: { readLog?: boolean } = {}): Promise<ServerProcess> {
  const s = await ServerProcess.start(args, opts);
  cleanup.push(() => s.kill());
  return s;
}

async function client(
  name: string,
  server: { ip: string; port: number },
  extra: Partial<Parameters<typeof connectClient>[0]> = {},
): Promise<ImpClient> {
  return track(await connectClient({ name, server, ...extra }));
}

/** alice sends, bob receives: resolves with the delivery time in ms (throws after 5 s). */
async function chat(alice: ImpClient, bob: ImpClient, text: string): Promise<number> {
  const t0 = performance.now();
  const got = new Promise<void>((resolve) => {
    const off = bob.on("message", (m) => {
      if (m.text !== text) return;
      off();
      resolve();
    });
  });
  await alice.send(text);
  await Promise.race([got, sleep(5000).then(() => Promise.reject(new Error(`"${text}" not delivered within 5 s`)))]);
  return performance.now() - t0;
}

describe("attack: slow receiver", () => {
  it("20 s of a receiver that ACKs 450 ms late while a sender sends 65 500-byte messages: RSS grows by at most 128 MiB, a new client still chats", async () => {
    const srv = await serverProcess([]);
    const sender = track(await RawClient.open(srv.address));
    await sender.connect("sender");
    await sleep(500);
    const rss0 = srv.rss();
    const payload = "x".repeat(65_500);
    let running = true;
    let sent = 0;
    sender.onMessage = (m) => {
      if (!running || m.ack !== 1 || m.type !== 0x05) return;
      sent++;
      sender.send({ type: 0x05, group: 1, data: payload });
    };
    let slowJoined = 0;
    const slow: RawClient[] = [];
    const addSlow = async () => {
      const r = track(await RawClient.open(srv.address));
      r.ackDelayMs = 450;
      slow.push(r);
      await r.connect(`slow${slow.length}`, 20_000).then(
        () => slowJoined++,
        () => undefined,
      );
    };
    await addSlow();
    sender.send({ type: 0x05, group: 1, data: payload });
    let peak = rss0;
    const t0 = performance.now();
    // The attacker comes back: a new slow receiver every 2 s (the server keeps disconnecting them).
    while (performance.now() - t0 < 20_000) {
      const next = performance.now() + 2000;
      if (slow.length < 10) void addSlow();
      while (performance.now() < next) {
        peak = Math.max(peak, srv.rss());
        await sleep(100);
      }
    }
    running = false;
    const growth = peak - rss0;
    const alice = await client("alice", srv.address);
    const bob = await client("bob", srv.address);
    const ms = await chat(alice, bob, "still here");
    const c = await srv.stop();
    console.log(
      `[attack] slow receiver 20 s: server RSS ${(rss0 / MiB).toFixed(0)} -> peak ${(peak / MiB).toFixed(0)} MiB (growth ${(growth / MiB).toFixed(1)} MiB, bound 128); ` +
        `sender ${sent} x 65 500 B; ${slow.length} slow receivers (${slowJoined} got their list), ${String(c.queueOverflows)} disconnected at their cap, ${String(c.budgetEvictions)} by the budget; ` +
        `a new client chatted afterwards (${ms.toFixed(1)} ms)`,
    );
    expect(growth).toBeLessThanOrEqual(128 * MiB);
    expect(Number(c.queueOverflows) + Number(c.budgetEvictions)).toBeGreaterThanOrEqual(1);
    expect(sent).toBeGreaterThan(100);
  }, 90_000);
});

describe("attack: forged reflection", () => {
  it("with 50 users connected, bytes sent to the victims / bytes the attacker sent <= 3", async () => {
    const server: ImpServer = await startServer({ host: "127.0.0.1", port: 0, seed: 18 });
    cleanup.push(() => server.close());
    const users: RawClient[] = [];
    for (let i = 0; i < 50; i++) {
      const u = track(await RawClient.open(server.address));
      await u.connect(`user${i}`);
      users.push(u);
    }
    const random = seededRandom(2017);
    const victims: { attacker: RawClient; victim: RawClient }[] = [];
    for (let i = 0; i < 100; i++) {
      // The attacker takes an address first; the victim binds it afterwards and receives what arrives there.
      const attacker = track(await RawClient.open(server.address, "127.0.0.66", 0, true));
      const victim = track(await RawClient.open(server.address, "127.0.0.66", attacker.address.port, true));
      victim.ackDelayMs = null; // a victim answers nothing
      attacker.ackDelayMs = null;
      victims.push({ attacker, victim });
    }
    const forge = (a: RawClient, guess: number, name: string) => {
      a.raw(encode({ type: 0x00, seq: 1, ack: 0, src: 0, group: 0, username: name }));
      a.raw(encode({ type: 0x01, seq: 1, ack: 1, src: guess, group: 0 }));
      a.raw(encode({ type: 0x03, seq: 1, ack: 0, src: guess === 0 ? 51 : guess, group: 1 }));
    };
    // The red team's three datagrams: request, the Accept's ACK with Source ID 0, a list request for the next ID.
    for (const [i, { attacker }] of victims.entries()) forge(attacker, 0, `v${i}`);
    await sleep(500);
    // What reached a victim's address, whichever of the two sockets bound there took it.
    const toVictims = () => sum(victims, (v) => v.victim.bytesIn + v.attacker.bytesIn);
    const afterIssue = { in: sum(victims, (v) => v.attacker.bytesOut), out: toVictims() };
    // Blind guesses of the random ID: three rounds per victim.
    for (let round = 0; round < 3; round++) {
      for (const [i, { attacker }] of victims.entries()) forge(attacker, 1 + Math.floor(random() * 255), `g${round}x${i}`);
      await sleep(300);
    }
    await sleep(3500); // every retransmission of whatever was sent is over
    const bytesIn = sum(victims, (v) => v.attacker.bytesOut);
    const bytesOut = toVictims();
    const c = server.counters;
    const ratio = bytesOut / bytesIn;
    console.log(
      `[attack] forged reflection, 50 users, 100 victims: the three datagrams of the issue: ${afterIssue.out} B to victims / ${afterIssue.in} B from the attacker = ${(afterIssue.out / afterIssue.in).toFixed(3)}; ` +
        `with 300 blind ID guesses: ${bytesOut} / ${bytesIn} = ${ratio.toFixed(3)} (bound 3); half-open cancelled ${c.halfOpenCancelled}, datagrams held back by the limit ${c.amplificationLimited}`,
    );
    expect(afterIssue.out / afterIssue.in).toBeLessThanOrEqual(3);
    expect(ratio).toBeLessThanOrEqual(3);
    expect(server.checkInvariants()).toEqual([]);
  }, 60_000);
});

function sum<T>(xs: T[], f: (x: T) => number): number {
  return xs.reduce((n, x) => n + f(x), 0);
}

describe("attack: half-open flood", () => {
  it("3.4 KB/s of Connection Requests from many addresses for 30 s that never answer: every legitimate join succeeds", async () => {
    const server: ImpServer = await startServer({ host: "127.0.0.1", port: 0 });
    cleanup.push(() => server.close());
    const request = (n: number) => encode({ type: 0x00, seq: 1, ack: 0, src: 0, group: 0, username: `f${n}` });
    let flooded = 0;
    let floodBytes = 0;
    let running = true;
    const flood = (async () => {
      const t0 = performance.now();
      while (running) {
        // 13 requests every 50 ms (261/s, 3.4 KB/s), each from a new address (IP and port).
        const due = Math.floor(((performance.now() - t0) / 1000) * 261);
        const batch: Promise<void>[] = [];
        while (flooded < due) {
          const n = flooded++;
          const ip = `127.0.${3 + ((n >> 8) % 8)}.${1 + (n % 254)}`;
          batch.push(
            RawClient.open(server.address, ip).then(async (r) => {
              r.ackDelayMs = null;
              const b = request(n);
              floodBytes += b.length;
              r.raw(b);
              await sleep(20);
              await r.close();
            }),
          );
        }
        await Promise.all(batch);
        await sleep(50);
      }
    })();
    const t0 = performance.now();
    const joins: { ok: boolean; ms: number; error?: string }[] = [];
    for (let i = 0; i < 12; i++) {
      await sleep(Math.max(0, t0 + i * 2500 - performance.now()));
      const t = performance.now();
      try {
        const c = await connectClient({ name: `legit${i}`, server: server.address });
        joins.push({ ok: c.roster.get(c.id) !== undefined, ms: performance.now() - t });
        await c.disconnect();
      } catch (e) {
        joins.push({ ok: false, ms: performance.now() - t, error: (e as Error).message });
      }
    }
    await sleep(Math.max(0, t0 + 30_000 - performance.now()));
    running = false;
    await flood;
    const seconds = (performance.now() - t0) / 1000;
    const c = server.counters;
    const ok = joins.filter((j) => j.ok).length;
    console.log(
      `[attack] half-open flood ${seconds.toFixed(1)} s: ${flooded} Connection Requests from ${flooded} addresses (${(floodBytes / seconds / 1000).toFixed(2)} KB/s); ` +
        `legitimate joins ${ok}/12 (slowest ${Math.max(...joins.map((j) => j.ms)).toFixed(0)} ms); half-open evicted ${c.halfOpenEvicted}, rejected full ${c.rejects.full}`,
    );
    expect(joins.filter((j) => !j.ok)).toEqual([]);
    expect(floodBytes / seconds).toBeGreaterThanOrEqual(3000);
  }, 90_000);
});

/** Runs the Python junk flooder: 146 000 reserved-type datagrams/s from one socket for `seconds`. */
function junkFlood(port: number, seconds: number): Promise<{ sent: number; seconds: number }> {
  const child = spawn("python3", ["test/security/junk-flood.py", String(port), String(seconds), "146000"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  cleanup.push(() => void (child.exitCode === null && child.kill("SIGKILL")));
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.on("exit", (code) =>
      code === 0 ? resolve(JSON.parse(out) as { sent: number; seconds: number }) : reject(new Error(`junk-flood.py exited with ${code}`)),
    );
  });
}

/** alice -> bob one message at a time (the next once the last is acknowledged, at most every 20 ms) until `stop()`: the delivery times. */
function deliveries(alice: ImpClient, bob: ImpClient): { stop: () => Promise<number[]> } {
  const times: number[] = [];
  const sentAt = new Map<string, number>();
  const off = bob.on("message", (m) => {
    const t = sentAt.get(m.text);
    if (t !== undefined) times.push(performance.now() - t);
  });
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const text = `m${i}`;
      const next = performance.now() + 20;
      sentAt.set(text, performance.now());
      await alice.send(text);
      await sleep(Math.max(0, next - performance.now()));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      await sleep(200);
      off();
      return times;
    },
  };
}

describe("attack: junk flood", () => {
  it("8 s of reserved-type datagrams from one socket: at most 100 log lines/s, delivery p50 <= 100 ms", async () => {
    const srv = await serverProcess([]);
    const alice = await client("alice", srv.address);
    const bob = await client("bob", srv.address);
    await sleep(300);
    const linesBefore = srv.lines.length;
    const d = deliveries(alice, bob);
    const t0 = performance.now();
    const flood = await junkFlood(srv.port, 8);
    const t1 = performance.now();
    const times = await d.stop();
    const c = await srv.stop();
    const during = srv.lines.slice(linesBefore).filter((l) => l.at >= t0 && l.at <= t1 + 200);
    const perSecond = new Map<number, number>();
    for (const l of during) perSecond.set(Math.floor((l.at - t0) / 1000), (perSecond.get(Math.floor((l.at - t0) / 1000)) ?? 0) + 1);
    const maxPerSecond = Math.max(0, ...perSecond.values());
    const p50 = percentile(times, 50);
    console.log(
      `[attack] junk flood 8 s, stdout read: flooder sent ${flood.sent} (${(flood.sent / flood.seconds / 1000).toFixed(0)} k/s), server dropped ${c.dropped.reservedType} as reserved type; ` +
        `log ${during.length} lines (${(during.length / ((t1 - t0) / 1000)).toFixed(1)}/s, busiest second ${maxPerSecond}; ${String(c.logSuppressed)} events held back); ` +
        `delivery ${times.length} messages p50 ${p50.toFixed(1)} ms p99 ${percentile(times, 99).toFixed(1)} ms`,
    );
    expect(maxPerSecond).toBeLessThanOrEqual(100);
    expect(p50).toBeLessThanOrEqual(100);
    expect(times.length).toBeGreaterThan(10);
  }, 60_000);

  it("8 s of junk with standard output a pipe nobody reads: RSS grows by at most 64 MiB, delivery p50 <= 100 ms", async () => {
    const srv = await serverProcess([], { readLog: false });
    const alice = await client("alice", srv.address);
    const bob = await client("bob", srv.address);
    await sleep(300);
    const rss0 = srv.rss();
    let peak = rss0;
    const poll = setInterval(() => (peak = Math.max(peak, srv.rss())), 100);
    cleanup.push(() => clearInterval(poll));
    const d = deliveries(alice, bob);
    const flood = await junkFlood(srv.port, 8);
    const times = await d.stop();
    clearInterval(poll);
    peak = Math.max(peak, srv.rss());
    const c = await srv.stop();
    const droppedLines = srv.lines
      .map((l) => JSON.parse(l.text) as { event: string; lines?: number })
      .filter((e) => e.event === "log-lines-dropped")
      .reduce((n, e) => n + (e.lines ?? 0), 0);
    const p50 = percentile(times, 50);
    console.log(
      `[attack] junk flood 8 s, stdout not read: flooder sent ${flood.sent} (${(flood.sent / flood.seconds / 1000).toFixed(0)} k/s), server dropped ${c.dropped.reservedType}; ` +
        `RSS ${(rss0 / MiB).toFixed(0)} -> peak ${(peak / MiB).toFixed(0)} MiB (growth ${((peak - rss0) / MiB).toFixed(1)} MiB, bound 64); ${droppedLines} log lines dropped by the bounded output; ` +
        `delivery p50 ${p50.toFixed(1)} ms`,
    );
    expect(peak - rss0).toBeLessThanOrEqual(64 * MiB);
    expect(p50).toBeLessThanOrEqual(100);
  }, 60_000);
});

describe("attack: invitation monopoly", () => {
  it("one client re-sends a Group Creation Request inviting everyone: at least half of another client's invitations succeed", async () => {
    const server: ImpServer = await startServer({ host: "127.0.0.1", port: 0, inviteTimeoutMs: 1000 });
    cleanup.push(() => server.close());
    const at = server.address;
    const names = Array.from({ length: 18 }, (_, i) => `inv${i}`);
    const invitees: ImpClient[] = [];
    for (const n of names) {
      const c = await client(n, at);
      // They never answer the monopolist; they accept the other client's invitations.
      c.on("invitation", (i) => {
        if (i.fromName === "other") void c.accept(i.group).catch(() => undefined);
      });
      invitees.push(c);
    }
    const friend = await client("friend", at);
    friend.on("invitation", (i) => {
      if (i.fromName === "other") void friend.accept(i.group).catch(() => undefined);
    });
    const other = await client("other", at);
    const mono = await client("mono", at);
    let monoRequests = 0;
    const monopolize = () => {
      monoRequests++;
      void mono.createGroup({ mode: "centralized", invitees: [...names, "friend", "other"] }).catch(() => undefined);
    };
    mono.on("groupCreateRejected", () => monopolize());
    monopolize();
    await sleep(200);
    // The other client makes a group with its friend, then invites the 18.
    const created = other.next("groupCreated");
    await other.createGroup({ mode: "centralized", invitees: ["friend"] });
    await Promise.race([created, sleep(10_000).then(() => Promise.reject(new Error("the other client's group was not created")))]);
    let accepted = 0;
    let rejected = 0;
    other.on("invitationAccepted", () => accepted++);
    other.on("invitationRejected", () => rejected++);
    const t0 = performance.now();
    for (const n of names) await other.invite(n);
    await until(() => accepted + rejected === names.length, "an answer to each of the 18 invitations", 20_000).catch(() => undefined);
    const c = server.counters;
    console.log(
      `[attack] invitation monopoly: the monopolist sent ${monoRequests} Group Creation Requests inviting everyone; the other client's invitations: ${accepted} of ${names.length} accepted, ${rejected} rejected, ` +
        `in ${((performance.now() - t0) / 1000).toFixed(1)} s; invitations queued ${c.invitationsQueued}, refused at once ${c.invitationsRefused}`,
    );
    expect(accepted).toBeGreaterThanOrEqual(names.length / 2);
    expect(server.checkInvariants()).toEqual([]);
  }, 60_000);
});
