/**
 * `imp demo`: the reference server, the proxy in front of it and three scripted clients (alice,
 * bob, carol) going through a rich session, captured at the proxy:
 *
 *   connections and user lists; public chat; a decentralized group (alice, bob: their chat goes
 *   directly between them, out of the proxy's path); an invitation into it rejected (carol); a
 *   disjoint that dissolves it; a centralized group (carol, alice, bob) chatting through 30% loss
 *   (seeded, injected by the proxy); a disjoint; disconnections.
 *
 * `pace` ms between steps makes it watchable in the TUI (0 in tests and pipes).
 */
import { connectClient, type ImpClient } from "../client/index.js";
import type { ClientEvents } from "../client/events.js";
import { startServer, type ImpServer } from "../server/index.js";
import { startProxy, type ImpProxy, type ProxiedDatagram, type ProxyEvent } from "../proxy/index.js";
import { NO_FAULTS } from "../proxy/faults.js";

export interface DemoOptions {
  /** Pause between steps in ms (default 0). */
  pace?: number;
  /** Seed of the injected loss. */
  seed?: number;
  /** Loss probability of the lossy part (default 0.3). */
  loss?: number;
  /** Retransmission timeout of server and clients (default 500 ms, as the specification). */
  rto?: number;
  /** Every datagram the proxy delivers. */
  onDatagram?: (d: ProxiedDatagram) => void;
  /** Proxy events (the decentralized note...). */
  onProxyEvent?: (e: ProxyEvent) => void;
  /** A line per step. */
  onStep?: (text: string) => void;
  /** Longest wait for one event (default 30 s). */
  stepTimeoutMs?: number;
}

export interface DemoRun {
  /** Resolves when the session is over and everything is closed. */
  readonly done: Promise<DemoSummary>;
  /** Stops at once (closes clients, proxy, server). */
  stop(): Promise<void>;
}

export interface DemoSummary {
  datagrams: number;
  serverCounters: ImpServer["counters"];
  proxyStats: ImpProxy["stats"];
}

class Stopped extends Error {}

export function runDemo(options: DemoOptions = {}): DemoRun {
  const pace = options.pace ?? 0;
  const stepTimeoutMs = options.stepTimeoutMs ?? 30_000;
  const rto = options.rto ?? 500;
  let stopped = false;
  let server: ImpServer | null = null;
  let proxy: ImpProxy | null = null;
  const clients = new Map<string, ImpClient>();
  let datagrams = 0;
  let lastActivity = performance.now();

  const closeAll = async () => {
    await Promise.all([...clients.values()].map((c) => c.close().catch(() => undefined)));
    await proxy?.close();
    await server?.close();
  };

  const check = () => {
    if (stopped) throw new Stopped("demo stopped");
  };
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  /** Everything acknowledged and no datagram through the proxy for a while; then the pace. */
  const settle = async (quietMs = 60) => {
    const deadline = performance.now() + stepTimeoutMs;
    for (;;) {
      check();
      await Promise.all([...clients.values()].map((c) => c.idle()));
      const idle = performance.now() - lastActivity;
      if (idle >= quietMs) break;
      if (performance.now() > deadline) throw new Error("demo traffic did not settle");
      await sleep(quietMs - idle + 1);
    }
    if (pace > 0) await sleep(pace);
    check();
  };
  const c = (name: string) => clients.get(name)!;
  const next = <K extends keyof ClientEvents>(name: string, event: K): Promise<ClientEvents[K]> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo: ${name} got no ${String(event)} within ${stepTimeoutMs} ms`)), stepTimeoutMs);
      c(name).once(event, (p) => {
        clearTimeout(timer);
        resolve(p);
      });
    });
  const step = (text: string) => options.onStep?.(text);
  const say = async (name: string, text: string) => {
    step(`${name}: ${text}`);
    await c(name).send(text);
    await settle();
  };

  const script = async (): Promise<DemoSummary> => {
    server = await startServer({ port: 0, rto, inviteTimeoutMs: 15_000 });
    proxy = await startProxy({
      listen: { ip: "127.0.0.1", port: 0 },
      upstream: server.address,
      faults: { c2s: { ...NO_FAULTS }, s2c: { ...NO_FAULTS }, blackholes: [], rules: [], seed: options.seed ?? 1 },
      onDatagram: (d) => {
        datagrams++;
        lastActivity = performance.now();
        options.onDatagram?.(d);
      },
      ...(options.onProxyEvent ? { log: options.onProxyEvent } : {}),
    });
    for (const name of ["alice", "bob", "carol"]) {
      check();
      step(`${name} connects`);
      clients.set(name, await connectClient({ name, server: proxy.address, rto, inviteTimeoutMs: 0 }));
      await settle();
    }
    await say("alice", "hi all, lab report due friday");
    await say("carol", "thanks alice, see you there");

    step("alice creates a decentralized group with bob");
    let invited = next("bob", "invitation");
    const created = next("alice", "groupCreated");
    await c("alice").createGroup({ mode: "decentralized", invitees: ["bob"] });
    await invited;
    await settle();
    await c("bob").accept();
    await created;
    await settle();
    await say("alice", "shall we split the work? (direct, not through the proxy)");
    await say("bob", "I take the server part");

    step("alice invites carol, who rejects");
    invited = next("carol", "invitation");
    const rejected = next("alice", "invitationRejected");
    await c("alice").invite("carol");
    await invited;
    await settle();
    await c("carol").reject();
    await rejected;
    await settle();

    step("bob leaves: the group dissolves");
    const dissolved = next("alice", "dissolved");
    await c("bob").leave();
    await dissolved;
    await settle();

    step("carol creates a centralized group with alice and bob");
    const invitedA = next("alice", "invitation");
    const invitedB = next("bob", "invitation");
    const created2 = next("carol", "groupCreated");
    await c("carol").createGroup({ mode: "centralized", invitees: ["alice", "bob"] });
    await Promise.all([invitedA, invitedB]);
    await settle();
    await c("alice").accept();
    await created2;
    await settle();
    await c("bob").accept();
    await settle();

    const loss = options.loss ?? 0.3;
    step(`the proxy drops ${Math.round(loss * 100)}% of the datagrams`);
    proxy.faults.set({ c2s: { ...NO_FAULTS, loss }, s2c: { ...NO_FAULTS, loss } });
    await say("carol", "the wifi here is terrible");
    await say("alice", "I can barely hear you");
    await say("bob", "same here");
    await say("carol", "let me move closer to the router");
    proxy.faults.set({ c2s: { ...NO_FAULTS }, s2c: { ...NO_FAULTS } });
    await settle(Math.max(60, rto * 2));
    await say("alice", "better now");

    step("bob leaves the group; everyone disconnects");
    await c("bob").leave();
    await settle();
    for (const name of ["bob", "alice", "carol"]) {
      await c(name).disconnect();
      clients.delete(name);
      await settle();
    }
    const summary: DemoSummary = { datagrams, serverCounters: server.counters, proxyStats: structuredClone(proxy.stats) };
    return summary;
  };

  const done = script().finally(closeAll);
  // A stopped demo is not a failure of `done`'s consumers that stopped it.
  const guarded = done.catch((e: unknown) => {
    if (e instanceof Stopped || stopped) return { datagrams, serverCounters: server?.counters, proxyStats: proxy?.stats } as DemoSummary;
    throw e;
  });
  return {
    done: guarded,
    async stop() {
      stopped = true;
      await closeAll();
    },
  };
}
