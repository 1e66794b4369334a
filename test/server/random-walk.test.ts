/**
 * A seeded random walk over the whole control surface (connect, list, data, create, invite,
 * answer, disjoint, disconnect, lost ACKs, time passing) with raw peers: after every step the
 * server's invariants hold and every datagram is accounted for.
 */
import { afterEach, describe, expect, it } from "vitest";
import { seededRandom, totalDropped } from "../../src/server/index.js";
import { testNet, type RawPeer, type TestNet } from "./helpers.js";

let net: TestNet;
afterEach(async () => {
  await net.close();
});

describe("server: seeded random walk", () => {
  it.each([1, 2, 3])(
    "keeps its invariants (seed %i)",
    async (seed) => {
      const rnd = seededRandom(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
      net = await testNet({ maxUsers: 5, inviteTimeoutMs: 2000 });
      const peers: RawPeer[] = [];
      for (let i = 0; i < 6; i++) peers.push(await net.peer());
      const ids = () => net.server.snapshot().users.map((u) => u.id);
      const groups = () => net.server.snapshot().groups.map((g) => g.id);
      for (let step = 0; step < 250; step++) {
        const p = pick(peers);
        const connected = p.id !== 0 && ids().includes(p.id);
        if (!connected) p.id = 0;
        const action = rnd();
        if (!connected) {
          p.autoAck = true;
          p.send({ type: 0x00, src: 0, group: 0, username: pick(["ann", "bob", "cy", "dee", "eve", "fay", "bad name"]) });
          await net.settle();
          const last = p.received.at(-1);
          if (last?.type === 0x01) p.id = last.client_id!;
          if (p.id && rnd() < 0.8) p.send({ type: 0x03, group: 1 });
        } else if (action < 0.2) {
          const me = net.server.snapshot().users.find((u) => u.id === p.id)!;
          p.send({ type: 0x05, group: rnd() < 0.8 ? me.group : pick(groups()), data: `s${step}` });
        } else if (action < 0.35) {
          p.send({ type: 0x06, mode: rnd() < 0.5 ? 0 : 1, invitees: [pick(ids()), pick([...ids(), 200])] });
        } else if (action < 0.5) {
          p.send({ type: 0x09, mode: 0, invite_group: pick([...groups(), 9]), invitee: pick(ids()) });
        } else if (action < 0.7) {
          const inv = net.server.snapshot().invitations.find((i) => i.invitee === p.id);
          p.send({ type: rnd() < 0.6 ? 0x0a : 0x0b, mode: 0, invite_group: inv?.group ?? pick(groups()) });
        } else if (action < 0.8) {
          p.send({ type: 0x0c });
        } else if (action < 0.87) {
          p.send({ type: 0x10 });
        } else if (action < 0.93) {
          p.autoAck = !p.autoAck; // a client that stops acknowledging is declared gone in time
        } else {
          net.clock.advance(pick([100, 500, 1000, 2000, 3000]));
        }
        await net.settle();
        expect(net.server.checkInvariants(), `step ${step}`).toEqual([]);
      }
      for (const p of peers) p.autoAck = true;
      for (let i = 0; i < 10; i++) await net.advance(1000);
      expect(net.server.checkInvariants()).toEqual([]);
      expect(net.server.snapshot().invitations).toEqual([]);
      const c = net.server.counters;
      expect(c.received).toBe(c.accepted + totalDropped(c));
      expect(c.connections).toBeGreaterThan(5);
      expect(c.groupsCreated).toBeGreaterThan(0);
      if (process.env.WALK_DEBUG) console.log(JSON.stringify(c));
    },
    60_000,
  );
});
