/**
 * Two real clients in a decentralized group (the control plane played by a scripted server),
 * exchanging data directly over lossy, duplicating sockets: every message is delivered exactly
 * once, in order per sender; with every ACK lost the sender gives up after exactly 1 + 5
 * transmissions while the receiver still delivers the message once.
 */
import { afterEach, describe, expect, it } from "vitest";
import { connectClient, type ClientOptions, type ImpClient } from "../../src/client/client.js";
import { decode } from "../../src/codec/index.js";
import { seededRandom as prng } from "../../src/util/random.js";
import { addressKey, type Address, type Tap } from "../../src/transport/index.js";
import { entry, fakeEndpoint, type FakeEndpoint } from "./fake-server.js";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** What a client put on the wire toward its peer (before loss), decoded. */
interface Sent {
  type: number;
  ack: number;
  seq: number;
}

/**
 * A tap for traffic between peers only (the server's traffic passes untouched): drops a `loss`
 * fraction of what it sends (both peers have one, so each datagram either way is lost with
 * probability `loss`) and sends a `dup` fraction of the rest twice.
 */
function peerTap(serverKey: string, rand: () => number, opts: { loss: number; dup: number; dropAcksOut?: boolean }) {
  const sent: Sent[] = [];
  const state: { resend: ((b: Uint8Array, to: Address) => void) | null } = { resend: null };
  let resending = false;
  const tap: Tap = (dir, _local, remote, bytes) => {
    if (addressKey(remote) === serverKey || resending || dir === "in") return true;
    const m = decode(bytes).message;
    if (m) sent.push({ type: m.type, ack: m.ack, seq: m.seq });
    if (opts.dropAcksOut && m?.ack === 1) return false;
    if (rand() < opts.loss) return false;
    if (state.resend && rand() < opts.dup) {
      // The copy leaves at once (before the original, same bytes): duplication without
      // reordering. The alternating bit assumes a FIFO path; see the test at the end.
      resending = true;
      try {
        state.resend(Buffer.from(bytes), remote);
      } finally {
        resending = false;
      }
    }
    return true;
  };
  return { tap, sent, state };
}

/** The client's own transport, to send duplicates through (test-only reach into the client). */
function transportOf(c: ImpClient): { send(b: Uint8Array, to: Address): void } {
  return (c as unknown as { transport: { send(b: Uint8Array, to: Address): void } }).transport;
}

/** Scripted server: connects alice and bob and puts both into decentralized group 3. */
async function twoInGroup(
  s: FakeEndpoint,
  opts: { alice: Partial<ClientOptions>; bob: Partial<ClientOptions> },
): Promise<{ alice: ImpClient; bob: ImpClient }> {
  const seqs = new Map<string, number>();
  const next = (a: Address) => {
    const v = (seqs.get(addressKey(a)) ?? 0) ^ 1;
    seqs.set(addressKey(a), v);
    return v;
  };
  const connect = async (name: string, id: number, others: ReturnType<typeof entry>[], extra: Partial<ClientOptions>) => {
    const p = connectClient({ name, server: s.address, rto: 20, retries: 12, ...extra });
    const req = await s.take((m) => m.type === 0 && m.username === name);
    s.send(req.from, { type: 1, seq: next(req.from), src: 0, group: 0, client_id: id });
    await s.take((m) => m.type === 3 && m.src === id);
    s.send(req.from, { type: 4, seq: next(req.from), src: id, group: 1, entry: [...others, entry(id, name, 1, req.from)] });
    const c = await p;
    cleanup.push(() => c.close());
    return { c, addr: req.from };
  };
  const a = await connect("alice", 1, [], opts.alice);
  const b = await connect("bob", 2, [entry(1, "alice", 1, a.addr)], opts.bob);
  // alice learns of bob; both are invited into group 3 and accept.
  s.send(a.addr, { type: 14, seq: next(a.addr), src: 0, group: 255, entry: [entry(2, "bob", 1, b.addr)] });
  await s.take((m) => m.type === 14 && m.ack === 1 && m.src === 1);
  for (const [who, addr, id] of [
    [a.c, a.addr, 1],
    [b.c, b.addr, 2],
  ] as const) {
    s.send(addr, { type: 9, seq: next(addr), src: id === 1 ? 2 : 1, group: 0, mode: 1, invite_group: 3, invitee: id });
    await s.take((m) => m.type === 9 && m.ack === 1 && m.src === id);
    const accepted = who.accept();
    const acc = await s.take((m) => m.type === 10 && m.src === id);
    s.send(addr, { type: 10, seq: acc.m.seq, ack: 1, src: 0, group: 0 });
    await accepted;
  }
  s.send(a.addr, { type: 14, seq: next(a.addr), src: 0, group: 255, entry: [entry(2, "bob", 3, b.addr)] });
  s.send(b.addr, { type: 14, seq: next(b.addr), src: 0, group: 255, entry: [entry(1, "alice", 3, a.addr)] });
  await s.take((m) => m.type === 14 && m.ack === 1 && m.src === 1);
  await s.take((m) => m.type === 14 && m.ack === 1 && m.src === 2);
  expect(a.c.members().map((m) => m.name)).toEqual(["bob"]);
  expect(b.c.members().map((m) => m.name)).toEqual(["alice"]);
  return { alice: a.c, bob: b.c };
}

async function server(): Promise<FakeEndpoint> {
  const s = await fakeEndpoint();
  cleanup.push(() => s.close());
  return s;
}

describe("decentralized data under loss", () => {
  for (const seed of [1, 2, 3]) {
    it(`delivers every message exactly once, in order per sender, with 20% loss both ways and duplicates (seed ${seed})`, async () => {
      const s = await server();
      const key = addressKey(s.address);
      const rand = prng(seed);
      const tA = peerTap(key, rand, { loss: 0.2, dup: 0.1 });
      const tB = peerTap(key, rand, { loss: 0.2, dup: 0.1 });
      const { alice, bob } = await twoInGroup(s, { alice: { tap: tA.tap }, bob: { tap: tB.tap } });
      tA.state.resend = (b, to) => transportOf(alice).send(b, to);
      tB.state.resend = (b, to) => transportOf(bob).send(b, to);

      const N = 40;
      const atBob: string[] = [];
      const atAlice: string[] = [];
      alice.on("message", (m) => atAlice.push(m.text));
      bob.on("message", (m) => atBob.push(m.text));
      const gone: string[] = [];
      alice.on("peerGone", (p) => gone.push(p.name));
      bob.on("peerGone", (p) => gone.push(p.name));
      const fromAlice = Array.from({ length: N }, (_, i) => `a${i}`);
      const fromBob = Array.from({ length: N }, (_, i) => `b${i}`);
      const results = await Promise.all([...fromAlice.map((t) => alice.send(t)), ...fromBob.map((t) => bob.send(t))]);
      expect(results.flat().every((r) => r === "acked")).toBe(true);
      expect(gone).toEqual([]);
      expect(atBob).toEqual(fromAlice);
      expect(atAlice).toEqual(fromBob);
      // The loss really happened: retransmissions were needed.
      expect(tA.sent.filter((d) => d.type === 5 && d.ack === 0).length).toBeGreaterThan(N);
      expect(s.inbox.filter((r) => r.m.type === 5)).toEqual([]);
    });
  }

  it("with every ACK lost, the sender removes the peer after exactly 1 + 5 transmissions; the receiver delivers once", async () => {
    const s = await server();
    const key = addressKey(s.address);
    const tA = peerTap(key, prng(9), { loss: 0, dup: 0 });
    const tB = peerTap(key, prng(10), { loss: 0, dup: 0, dropAcksOut: true });
    const { alice, bob } = await twoInGroup(s, { alice: { tap: tA.tap, retries: 5, rto: 30 }, bob: { tap: tB.tap, retries: 5, rto: 30 } });
    const got: string[] = [];
    bob.on("message", (m) => got.push(m.text));
    const gone = alice.next("peerGone");
    expect(await alice.send("are you there")).toEqual(["gone"]);
    expect(await gone).toEqual({ id: 2, name: "bob" });
    expect(tA.sent.filter((d) => d.type === 5 && d.ack === 0)).toHaveLength(6);
    expect(tB.sent.filter((d) => d.type === 5 && d.ack === 1)).toHaveLength(6); // every copy ACKed again (and lost)
    expect(got).toEqual(["are you there"]);
    expect(alice.members()).toEqual([]);
    expect(alice.state).toBe("connected");
  });
});
