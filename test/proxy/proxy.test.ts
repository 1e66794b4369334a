/**
 * imp proxy: relaying with one upstream socket per client, list rewriting (decentralized traffic
 * out of the proxy's path), faults, the live feed and -w, the CLI, and imp demo.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readCapture } from "../../dissector/capture/index.js";
import { connectClient, type ImpClient } from "../../src/client/index.js";
import { runCli } from "../../src/cli/program.js";
import type { CliIo } from "../../src/cli/io.js";
import { runDemo } from "../../src/demo/index.js";
import {
  FaultEngine,
  FaultSyntaxError,
  emptyFaults,
  parseBlackhole,
  parseDelayOption,
  parseProbabilityOption,
  parseRules,
  proxyFeed,
  startProxy,
  type ImpProxy,
  type ProxyEvent,
} from "../../src/proxy/index.js";
import { startServer, type ImpServer } from "../../src/server/index.js";

const LOCAL = { ip: "127.0.0.1", port: 0 };
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

async function setup(
  proxyOptions: Partial<Parameters<typeof startProxy>[0]> = {},
  rto = 100,
): Promise<{ server: ImpServer; proxy: ImpProxy; events: ProxyEvent[] }> {
  const server = await startServer({ port: 0, rto });
  const events: ProxyEvent[] = [];
  const proxy = await startProxy({ listen: LOCAL, upstream: server.address, log: (e) => events.push(e), ...proxyOptions });
  cleanup.push(
    () => server.close(),
    () => proxy.close(),
  );
  return { server, proxy, events };
}

async function client(proxy: ImpProxy, name: string, rto = 100, retries = 5): Promise<ImpClient> {
  const c = await connectClient({ name, server: proxy.address, rto, retries, inviteTimeoutMs: 0 });
  cleanup.push(() => c.close());
  return c;
}

const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms));

describe("relaying", () => {
  it("gives each client its own upstream address and rewrites user lists to the real addresses", async () => {
    const { server, proxy } = await setup();
    const alice = await client(proxy, "alice");
    const bob = await client(proxy, "bob");
    await settle();
    const users = server.snapshot().users;
    expect(users).toHaveLength(2);
    const vias = proxy
      .clients()
      .map((c) => c.via.port)
      .sort();
    expect(users.map((u) => u.port).sort()).toEqual(vias);
    expect(users.map((u) => u.port)).not.toContain(alice.local.port);
    // The clients see each other at their real addresses.
    expect(alice.roster.get(bob.id)).toMatchObject({ ip: "127.0.0.1", port: bob.local.port });
    expect(bob.roster.get(alice.id)).toMatchObject({ ip: "127.0.0.1", port: alice.local.port });
    expect(proxy.stats.rewritten).toBeGreaterThan(0);
    expect(
      proxy
        .clients()
        .map((c) => [c.name, c.id])
        .sort(),
    ).toEqual([
      ["alice", alice.id],
      ["bob", bob.id],
    ]);
    const got = bob.next("message");
    await alice.send("hello through the proxy");
    expect((await got).text).toBe("hello through the proxy");
  });

  it("leaves decentralized Data Messages out of its path, and says so", async () => {
    const { proxy, events } = await setup();
    const alice = await client(proxy, "alice");
    const bob = await client(proxy, "bob");
    const invited = bob.next("invitation");
    const created = alice.next("groupCreated");
    await alice.createGroup({ mode: "decentralized", invitees: ["bob"] });
    await invited;
    await bob.accept();
    await created;
    await settle();
    const before = proxy.stats.c2s.received;
    const got = bob.next("message");
    await alice.send("direct");
    const m = await got;
    expect(m).toMatchObject({ text: "direct", direct: true });
    expect(proxy.stats.c2s.received).toBe(before);
    expect(events.filter((e) => e.event === "decentralized")).toEqual([{ event: "decentralized", group: 2 }]);
  });

  it("feeds delivered datagrams as frames between the real ends, and writes them (-w)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "imp-proxy-"));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "out.pcapng");
    const feed = proxyFeed({ description: "test", write: file });
    const { server, proxy } = await setup({ onDatagram: feed.push });
    const alice = await client(proxy, "alice");
    await settle();
    const frames: { src: string; dst: string }[] = [];
    const run = feed.source.run(() => frames.push({ src: "", dst: "" }));
    feed.end();
    await run;
    await settle(50);
    expect(frames.length).toBe(feed.frames);
    expect(feed.frames).toBe(proxy.stats.c2s.forwarded + proxy.stats.s2c.forwarded);
    const ports: [number, number][] = [];
    await readCapture(file, (p) => {
      const d = p.data;
      ports.push([(d[20]! << 8) | d[21]!, (d[22]! << 8) | d[23]!]);
    });
    expect(ports.length).toBe(feed.frames);
    expect(ports[0]).toEqual([alice.local.port, server.address.port]);
    expect(ports[1]).toEqual([server.address.port, alice.local.port]);
  });
});

describe("faults", () => {
  it("parses per-direction options, delays with jitter, blackholes and rules", () => {
    const f = emptyFaults(3);
    parseProbabilityOption(f, "loss", "0.2");
    parseProbabilityOption(f, "dup", "c2s:0.1,s2c:0.3");
    parseDelayOption(f, "20±5");
    parseDelayOption(f, "s2c:30+-10");
    expect(f.c2s).toMatchObject({ loss: 0.2, dup: 0.1, delayMs: 20, jitterMs: 5 });
    expect(f.s2c).toMatchObject({ loss: 0.2, dup: 0.3, delayMs: 30, jitterMs: 10 });
    expect(parseBlackhole("alice@5")).toEqual({ client: "alice", fromSec: 5, untilSec: Infinity });
    expect(parseBlackhole("3@1.5-4")).toEqual({ client: 3, fromSec: 1.5, untilSec: 4 });
    expect(() => parseProbabilityOption(f, "loss", "1.5")).toThrow(FaultSyntaxError);
    expect(() => parseDelayOption(f, "5±10")).toThrow(/jitter/);
    expect(() => parseBlackhole("alice")).toThrow(FaultSyntaxError);
    const { rules, seed } = parseRules(
      '{"seed":9,"rules":[{"type":"Data Message","direction":"s2c","action":"drop","nth":3},{"type":"Connection Accept","ack":true,"action":"delay","delayMs":80}]}',
    );
    expect(seed).toBe(9);
    expect(rules).toEqual([
      { type: 5, direction: "s2c", action: "drop", nth: 3 },
      { type: 1, direction: "both", action: "delay", ack: true, delayMs: 80 },
    ]);
    expect(() => parseRules('{"rules":[{"type":"Hello","action":"drop"}]}')).toThrow(/unknown type/);
    expect(() => parseRules('{"rules":[{"type":"Data Message","action":"delay"}]}')).toThrow(/delayMs/);
  });

  it("decides the same way for the same seed, at the asked rates, flipping one bit when corrupting", () => {
    const spec = () => {
      const f = emptyFaults(42);
      parseProbabilityOption(f, "loss", "0.2");
      parseProbabilityOption(f, "corrupt", "0.1");
      parseProbabilityOption(f, "dup", "0.05");
      return f;
    };
    const a = new FaultEngine(spec());
    const b = new FaultEngine(spec());
    const bytes = Uint8Array.from([0x28, 0x02, 0x01, 0x00, 0x07, 0x00, 0x00]);
    let lost = 0;
    let corrupted = 0;
    let dups = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const x = a.decide("c2s", bytes, {});
      expect(b.decide("c2s", bytes, {})).toEqual(x);
      if (x.out.length === 0) lost++;
      if (x.out.length === 2) dups++;
      if (x.applied.includes("corrupt")) {
        corrupted++;
        let bits = 0;
        x.out[0]!.bytes.forEach((v, j) => {
          bits += popcount(v ^ bytes[j]!);
        });
        expect(bits).toBe(1);
      }
    }
    expect(lost / n).toBeCloseTo(0.2, 1);
    expect(corrupted / (n - lost)).toBeCloseTo(0.1, 1);
    expect(dups / (n - lost)).toBeCloseTo(0.05, 1);
  });

  it("a scripted rule drops exactly the nth Data Message to a client: retransmitted, delivered once", async () => {
    const f = emptyFaults(1);
    f.rules = parseRules('{"rules":[{"type":"Data Message","direction":"s2c","action":"drop","nth":2}]}').rules;
    const { server, proxy } = await setup({ faults: f });
    const alice = await client(proxy, "alice");
    const bob = await client(proxy, "bob");
    const texts: string[] = [];
    bob.on("message", (m) => texts.push(m.text));
    for (const t of ["one", "two", "three"]) await alice.send(t);
    await bob.idle();
    await settle(400);
    expect(texts).toEqual(["one", "two", "three"]);
    expect(proxy.stats.faults["rule:drop"]).toBe(1);
    expect(server.counters.retransmissions).toBeGreaterThanOrEqual(1);
  });

  it("a blackholed client is forced out by the server after its retransmissions", async () => {
    const f = emptyFaults(1);
    f.blackholes = [parseBlackhole("bob@0.5")];
    const rto = 50;
    const { server, proxy } = await setup({ faults: f }, rto);
    const alice = await client(proxy, "alice", rto);
    await client(proxy, "bob", rto);
    await settle(600);
    const left = alice.next("userLeft");
    await alice.send("anyone?");
    await left;
    expect(server.counters.forcedDisconnections).toBe(1);
    expect(proxy.stats.faults.blackhole).toBeGreaterThanOrEqual(6);
  });

  it("duplication, delay with jitter and reordering do not break delivery", async () => {
    const f = emptyFaults(5);
    parseProbabilityOption(f, "dup", "0.3");
    parseProbabilityOption(f, "reorder", "0.3");
    parseDelayOption(f, "5±4");
    // No loss, so nothing needs a retransmission: an RTO far above the delays keeps a loaded
    // machine's pauses from causing one, which jitter could put behind the next message (the
    // alternating bit's limit, test/reliability).
    const rto = 3000;
    const { proxy } = await setup({ faults: f }, rto);
    const alice = await client(proxy, "alice", rto);
    const bob = await client(proxy, "bob", rto);
    const texts: string[] = [];
    bob.on("message", (m) => texts.push(m.text));
    const sent = Array.from({ length: 20 }, (_, i) => `m${i}`);
    for (const t of sent) await alice.send(t);
    await bob.idle();
    await settle(500);
    expect(texts).toEqual(sent);
    expect(proxy.stats.faults.dup).toBeGreaterThan(0);
    expect(proxy.stats.faults.reorder).toBeGreaterThan(0);
  });
});

describe("imp proxy (CLI)", () => {
  it("relays, prints -T json while running, writes -w and its counters at the end", async () => {
    const server = await startServer({ port: 0, rto: 100 });
    cleanup.push(() => server.close());
    const dir = mkdtempSync(join(tmpdir(), "imp-proxy-cli-"));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "out.pcapng");
    let out = "";
    let err = "";
    let listening!: (port: number) => void;
    const port = new Promise<number>((r) => (listening = r));
    const io: CliIo = {
      out: (t) => void (out += t),
      err: (t) => {
        err += t;
        const m = /listening on 127\.0\.0\.1:(\d+)/.exec(t);
        if (m) listening(Number(m[1]));
      },
      exitCode: 0,
    };
    const run = runCli(
      [
        "proxy",
        "--listen",
        "127.0.0.1:0",
        "--upstream",
        `127.0.0.1:${server.address.port}`,
        "-T",
        "ndjson",
        "-w",
        file,
        "--duration",
        "1.5",
      ],
      io,
    );
    const alice = await connectClient({ name: "alice", server: { ip: "127.0.0.1", port: await port }, rto: 100 });
    await alice.send("json me");
    await alice.disconnect();
    expect(await run).toBe(0);
    const lines = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThanOrEqual(8);
    expect(lines.some((l) => (l.imp as Record<string, unknown>)["imp.data"] === "json me")).toBe(true);
    expect(err).toMatch(/proxy: 1 client; c2s \d+ in/);
    let frames = 0;
    await readCapture(file, () => frames++);
    expect(frames).toBe(lines.length);
  });

  it("refuses bad fault syntax with one line and exit 2", async () => {
    let err = "";
    const io: CliIo = { out: () => undefined, err: (t) => void (err += t), exitCode: 0 };
    expect(await runCli(["proxy", "--loss", "2"], io)).toBe(2);
    expect(err).toMatch(/--loss: "2" is not a probability/);
  });
});

describe("imp demo", () => {
  it("goes through the whole session through the proxy, with loss", async () => {
    const steps: string[] = [];
    const demo = runDemo({ rto: 100, onStep: (s) => steps.push(s) });
    const summary = await demo.done;
    expect(summary.datagrams).toBeGreaterThan(100);
    expect(summary.proxyStats.faults.loss).toBeGreaterThan(0);
    expect(summary.serverCounters.retransmissions).toBeGreaterThan(0);
    expect(summary.serverCounters).toMatchObject({
      connections: 3,
      disconnections: 3,
      forcedDisconnections: 0,
      groupsCreated: 2,
      invitationsRejected: 1,
    });
    expect(steps[0]).toBe("alice connects");
  }, 60_000);

  it("prints the session as imp read does without a terminal", async () => {
    let out = "";
    const io: CliIo = { out: (t) => void (out += t), err: () => undefined, exitCode: 0 };
    expect(await runCli(["demo", "--no-tui", "-Y", 'imp.type == "Data Message" && imp.ack == 0'], io)).toBe(0);
    expect(out).toContain('"hi all, lab report due friday"');
    expect(out).toContain("[Retransmission of");
  }, 60_000);
});

function popcount(v: number): number {
  let n = 0;
  for (; v; v &= v - 1) n++;
  return n;
}

describe("proxy resources", () => {
  it("refuses clients beyond maxClients and closes the upstream socket of an idle client", async () => {
    const { proxy, events } = await setup({ maxClients: 1, idleTimeoutMs: 300 });
    const alice = await client(proxy, "alice");
    await expect(connectClient({ name: "bob", server: proxy.address, rto: 50, retries: 1 })).rejects.toMatchObject({
      reason: "unreachable",
    });
    expect(proxy.stats.refused).toBeGreaterThan(0);
    expect(proxy.stats.clients).toBe(1);
    await alice.close();
    await settle(800);
    expect(proxy.stats.clients).toBe(0);
    expect(events.some((e) => e.event === "expired" && e.name === "alice")).toBe(true);
  });
});
