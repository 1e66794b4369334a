/**
 * Clients and the reference server over sockets that lose 20% of datagrams in both directions
 * and send some twice (seeded PRNGs): connection, public chat, group set-up and decentralized
 * chat still deliver every message exactly once, in order per sender.
 */
import { afterEach, describe, expect, it } from "vitest";
import { connectClient, type ImpClient } from "../../src/client/client.js";
import { startServer, type ImpServer } from "../../src/server/index.js";
import { seededRandom as prng } from "../../src/util/random.js";
import { openUdp, type Address, type DatagramTransport, type Tap } from "../../src/transport/index.js";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/**
 * A lossy, duplicating socket: drops `loss` of the datagrams it sends (every socket does, so each
 * datagram in either direction is lost with probability `loss`, once); sends `dup` of the others
 * twice, at once (duplication without reordering: the alternating bit of WIRE.md section 4
 * assumes the path keeps order).
 */
async function lossySocket(seed: number, loss: number, dup: number): Promise<{ transport: DatagramTransport; dropped: () => number }> {
  const rand = prng(seed);
  let dropped = 0;
  let copying = false;
  const holder: { t: DatagramTransport | null } = { t: null };
  const tap: Tap = (dir, _local, remote: Address, bytes) => {
    if (copying || dir === "in") return true;
    if (rand() < loss) {
      dropped++;
      return false;
    }
    if (holder.t && rand() < dup) {
      copying = true;
      try {
        holder.t.send(Buffer.from(bytes), remote);
      } finally {
        copying = false;
      }
    }
    return true;
  };
  holder.t = await openUdp({ host: "127.0.0.1", port: 0, tap });
  return { transport: holder.t, dropped: () => dropped };
}

/**
 * 12 retransmissions: with 20% loss a round trip fails with p = 0.36, so giving up after 1 + 5
 * tries would hit about one message in 450 (0.36^6), a likely event in a run of several hundred;
 * 0.36^13 is about 2e-6.
 */
const ARQ = { rto: 20, retries: 12 };

async function until(cond: () => boolean, what: string, ms = 10_000, state: () => unknown = () => ""): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(state())}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("client and server under loss and duplication", () => {
  for (const seed of [11, 12]) {
    it(`every message is delivered exactly once, in order per sender (seed ${seed})`, async () => {
      const sock = await lossySocket(seed, 0.2, 0.1);
      const s: ImpServer = await startServer({ transport: sock.transport, ...ARQ });
      cleanup.push(() => s.close());
      const clients: ImpClient[] = [];
      const received = new Map<string, string[]>();
      const drops: (() => number)[] = [sock.dropped];
      for (const [i, name] of ["alice", "bob", "carol"].entries()) {
        const cs = await lossySocket(seed * 100 + i, 0.2, 0.1);
        drops.push(cs.dropped);
        const c = await connectClient({ name, server: s.address, transport: cs.transport, ...ARQ });
        cleanup.push(() => c.close());
        const got: string[] = [];
        received.set(name, got);
        c.on("message", (m) => got.push(`${m.fromName}${m.direct ? "!" : ""}:${m.text}`));
        c.on("serverGone", () => got.push("SERVER GONE"));
        c.on("peerGone", (p) => got.push(`PEER GONE ${p.name}`));
        clients.push(c);
      }
      const [alice, bob, carol] = clients as [ImpClient, ImpClient, ImpClient];
      await until(() => clients.every((c) => c.roster.size === 3), "rosters");

      const N = 15;
      const texts = (who: string) => Array.from({ length: N }, (_, i) => `${who}${i}`);
      // Public group: everyone sends at once; the FIFO queues keep each sender's order.
      await Promise.all(clients.flatMap((c) => texts(c.name).map((t) => c.send(t))));
      const expectFrom = (to: string, from: string, direct = false) =>
        (received.get(to) ?? []).filter((x) => x.startsWith(`${from}${direct ? "!" : ""}:`));
      await until(
        () => clients.every((c) => clients.every((o) => o === c || expectFrom(c.name, o.name).length >= N)),
        "public messages",
        10_000,
        () => ({ received: [...received], server: s.snapshot().users, counters: s.counters }),
      );
      await new Promise((r) => setTimeout(r, 100)); // late duplicates would show up now
      for (const c of clients) {
        for (const o of clients) {
          if (o === c) continue;
          expect(expectFrom(c.name, o.name)).toEqual(texts(o.name).map((t) => `${o.name}:${t}`));
        }
      }

      // A decentralized group of the three, set up through the lossy server.
      const bobInv = bob.next("invitation");
      const carolInv = carol.next("invitation");
      expect(await alice.createGroup({ mode: "decentralized", invitees: ["bob", "carol"] })).toBe("acked");
      await bobInv;
      await carolInv;
      await bob.accept();
      await carol.accept();
      await until(() => clients.every((c) => c.group === 2 && c.members().length === 2), "everyone in group 2 everywhere");
      await Promise.all(clients.flatMap((c) => texts(`${c.name}-d`).map((t) => c.send(t))));
      await until(
        () => clients.every((c) => clients.every((o) => o === c || expectFrom(c.name, o.name, true).length >= N)),
        "direct messages",
        10_000,
        () => ({ received: [...received], rosters: clients.map((c) => [c.name, c.group, c.roster.all()]) }),
      );
      await new Promise((r) => setTimeout(r, 100));
      for (const c of clients) {
        for (const o of clients) {
          if (o === c) continue;
          expect(expectFrom(c.name, o.name, true)).toEqual(texts(`${o.name}-d`).map((t) => `${o.name}!:${t}`));
        }
        expect(received.get(c.name)!.filter((x) => x.includes("GONE"))).toEqual([]);
      }
      expect(drops.reduce((n, d) => n + d(), 0)).toBeGreaterThan(20);
      expect(s.counters.forcedDisconnections).toBe(0);
      expect(s.checkInvariants()).toEqual([]);
    });
  }
});
