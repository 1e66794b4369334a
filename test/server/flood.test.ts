/**
 * Flood mode (docs/PROTOCOL.md 5.1) on real UDP with a ManualClock: no client has a socket of its
 * own until `floodThreshold` datagrams are dropped within a second; then every validated client
 * gets one (a half-open connection does not), a client validated meanwhile at once, and one that
 * leaves has its socket closed; a second at or
 * above the threshold keeps the mode on; FLOOD_QUIET_SECONDS quiet seconds end it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/arq/index.js";
import { MSG } from "../../src/protocol/messages.js";
import { FLOOD_QUIET_SECONDS } from "../../src/server/flood-guard.js";
import { startServer, type ImpServer, type ServerEvent } from "../../src/server/index.js";
import { openUdp, type DatagramTransport } from "../../src/transport/index.js";
import { RawPeer, until } from "./helpers.js";

let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const JUNK = Uint8Array.of(0x88, 0, 0, 0, 5); // reserved type 0x11

async function setUp(peerSockets = true): Promise<{ t: DatagramTransport; server: ImpServer; clock: ManualClock; events: ServerEvent[] }> {
  const clock = new ManualClock();
  const events: ServerEvent[] = [];
  const t = await openUdp({ host: "127.0.0.1", port: 0, peerSockets: true });
  // No retransmission falls due while the test moves the clock (the peers ACK in real time).
  const server = await startServer({ transport: t, clock, rto: 100_000, floodThreshold: 50, peerSockets, log: (e) => events.push(e) });
  cleanup.push(() => server.close());
  return { t, server, clock, events };
}

async function peer(server: ImpServer): Promise<RawPeer> {
  const p = await RawPeer.open(server.address);
  cleanup.push(() => p.close());
  return p;
}

/** Sends `n` junk datagrams and waits until the server has counted them all. */
async function junk(server: ImpServer, from: RawPeer, n: number): Promise<void> {
  const before = server.counters.dropped.reservedType;
  for (let i = 0; i < n; i++) from.sendRaw(JUNK);
  await until(() => server.counters.dropped.reservedType === before + n, `${n} junk datagrams`);
}

const floodEvents = (events: ServerEvent[]) => events.filter((e) => e.event === "flood");

describe("server flood mode", () => {
  it("gives validated clients sockets of their own from the threshold on, and takes them back after the quiet seconds", async () => {
    const { t, server, clock, events } = await setUp();
    const alice = await peer(server);
    await alice.connect("alice");
    const flooder = await peer(server);
    await junk(server, flooder, 49);
    expect(t.dedicated).toBe(0);
    expect(floodEvents(events)).toEqual([]);

    await junk(server, flooder, 1);
    await until(() => t.dedicated === 1, "alice's socket");
    expect(floodEvents(events)).toEqual([{ event: "flood", state: "started", clients: 1 }]);
    expect(server.counters.floods).toBe(1);

    // A half-open connection gets none; a client validated during the flood gets one at once.
    const halfOpen = await peer(server);
    halfOpen.autoAck = false;
    halfOpen.send({ type: 0x00, src: 0, username: "ghost" });
    await halfOpen.next();
    const bob = await peer(server);
    await bob.connect("bob");
    await until(() => t.dedicated === 2, "bob's socket");
    // A client that leaves has its socket closed.
    const carol = await peer(server);
    await carol.connect("carol");
    await until(() => t.dedicated === 3, "carol's socket");
    carol.send({ type: MSG.disconnect });
    await until(() => t.dedicated === 2, "carol's socket closed");
    expect(events.at(-1)).toMatchObject({ event: "disconnected", name: "carol" });

    // A second at the threshold keeps the mode on; then the quiet seconds end it.
    clock.advance(1000 * (FLOOD_QUIET_SECONDS - 2));
    await junk(server, flooder, 50);
    for (let s = 0; s < FLOOD_QUIET_SECONDS; s++) {
      clock.advance(1000);
      expect(t.dedicated, `after ${s + 1} s`).toBe(2);
    }
    clock.advance(1000);
    expect(floodEvents(events)).toEqual([
      { event: "flood", state: "started", clients: 1 },
      { event: "flood", state: "ended", clients: 2 },
    ]);
    expect(t.dedicated).toBe(0);
    expect(server.counters.floods).toBe(1);
    expect(server.checkInvariants()).toEqual([]);
  });

  it("does nothing with peerSockets: false", async () => {
    const { t, server, events } = await setUp(false);
    const alice = await peer(server);
    await alice.connect("alice");
    await junk(server, await peer(server), 200);
    expect(t.dedicated).toBe(0);
    expect(floodEvents(events)).toEqual([]);
    expect(server.counters.floods).toBe(0);
  });
});
