/**
 * Security suite: the reference server on real UDP (127.0.0.1, real timers) against raw sockets
 * from many loopback addresses (127.0.0.2.. are all on lo):
 * - spoofed Source IDs from other addresses are ignored;
 * - no datagram is answered unless accepted: bytes out / bytes in for unaccepted traffic is 0
 *   (measured by a tap on the server's transport), so no reflection or amplification;
 * - a Connection Request flood from many addresses that never ACKs the Accepts holds at most the
 *   half-open share of the IDs, none past the retransmission window of the Accept ((1 + retries) x
 *   RTO), and gets back at most 3 times the bytes it sent to each address;
 * - --max-users and --max-per-address hold;
 * - oversize and undersize datagrams are dropped and counted.
 */
import dgram from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { bufferIo } from "../../src/cli/io.js";
import { runServer } from "../../src/cli/commands/server.js";
import { connectClient, ConnectError, type ImpClient } from "../../src/client/index.js";
import { decode, encode, type ImpMessage, type MessageInput } from "../../src/codec/index.js";
import { MAX_DATAGRAM, startServer, totalDropped, type ImpServer, type ServerOptions } from "../../src/server/index.js";
import { openUdp, type Address, type DatagramTransport } from "../../src/transport/index.js";
import { seededRandom } from "../../src/util/random.js";

let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** Bytes in and out of the server, per remote address. */
class Meter {
  readonly in = new Map<string, number>();
  readonly out = new Map<string, number>();
  add(dir: "in" | "out", remote: Address, n: number): void {
    const m = dir === "in" ? this.in : this.out;
    const k = `${remote.ip}:${remote.port}`;
    m.set(k, (m.get(k) ?? 0) + n);
  }
  sum(dir: "in" | "out", keys: Iterable<string>): number {
    const m = dir === "in" ? this.in : this.out;
    let n = 0;
    for (const k of keys) n += m.get(k) ?? 0;
    return n;
  }
}

async function server(options: Partial<ServerOptions> = {}): Promise<{ server: ImpServer; meter: Meter }> {
  const meter = new Meter();
  const transport = await openUdp({ host: "127.0.0.1", port: 0, tap: (dir, _l, remote, bytes) => meter.add(dir, remote, bytes.length) });
  const s = await startServer({ rto: 50, ...options, transport });
  cleanup.push(() => s.close());
  return { server: s, meter };
}

/** A raw UDP socket on `ip` that records what it receives. */
class Raw {
  readonly received: ImpMessage[] = [];
  lastSent = 0;
  id = 0;
  private constructor(
    private readonly socket: dgram.Socket,
    readonly address: Address,
    private readonly to: Address,
  ) {
    socket.on("message", (b) => this.received.push(decode(b).message!));
  }
  static async open(to: Address, ip = "127.0.0.1"): Promise<Raw> {
    const socket = dgram.createSocket("udp4");
    await new Promise<void>((r) => socket.bind(0, ip, () => r()));
    socket.on("error", () => undefined);
    const a = socket.address();
    const raw = new Raw(socket, { ip: a.address, port: a.port }, to);
    cleanup.push(() => raw.close());
    return raw;
  }
  get key(): string {
    return `${this.address.ip}:${this.address.port}`;
  }
  raw(bytes: Uint8Array): void {
    this.socket.send(bytes, this.to.port, this.to.ip);
  }
  send(m: MessageInput): void {
    this.lastSent ^= 1;
    this.raw(encode({ src: this.id, group: 0, ...m, seq: this.lastSent, ack: 0 }));
  }
  close(): Promise<void> {
    return new Promise((r) => {
      try {
        this.socket.close(() => r());
      } catch {
        r();
      }
    });
  }
}

async function client(s: ImpServer, name: string): Promise<ImpClient> {
  const c = await connectClient({ name, server: s.address, rto: 50 });
  cleanup.push(() => c.close());
  return c;
}

/** Unaccepted traffic of every kind a server may see, from one sender. */
function hostileCorpus(random: () => number, victimId: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  // Random bytes of many sizes (never a clean Connection Request: type 0 is moved to a reserved type).
  for (let i = 0; i < 200; i++) {
    const n = Math.floor(random() * 300);
    const b = new Uint8Array(n);
    for (let j = 0; j < n; j++) b[j] = Math.floor(random() * 256);
    if (n > 0 && b[0]! >> 3 === 0) b[0]! |= 0x80;
    out.push(b);
  }
  out.push(new Uint8Array(0), Uint8Array.of(0x28), Uint8Array.of(0x28, 1, 1, 0)); // undersize
  const types = [0x03, 0x05, 0x06, 0x09, 0x0a, 0x0b, 0x0c, 0x10];
  for (const type of types) {
    for (const src of [0, victimId, 77]) {
      out.push(
        encode({
          type,
          seq: 1,
          ack: 0,
          src,
          group: type === 0x05 || type === 0x03 ? 1 : 0,
          data: "x",
          mode: 0,
          invite_group: 2,
          invitee: 1,
          invitees: [1],
        }),
      );
      out.push(encode({ type, seq: 1, ack: 1, src, group: 0 })); // ACKs
    }
  }
  // Server-to-client types sent to the server, and a Connection Accept's ACK from a stranger.
  out.push(encode({ type: 0x01, seq: 1, ack: 0, src: 0, group: 0, client_id: 5 }));
  out.push(
    encode({ type: 0x0e, seq: 1, ack: 0, src: 0, group: 255, entry: [{ client_id: 1, group: 1, username: "x", ip: "1.2.3.4", port: 1 }] }),
  );
  out.push(encode({ type: 0x01, seq: 1, ack: 1, src: 0, group: 0 }));
  return out;
}

describe("security: who may speak", () => {
  it("ignores spoofed Source IDs from other addresses", async () => {
    const { server: s, meter } = await server();
    const alice = await client(s, "alice");
    const bob = await client(s, "bob");
    const texts: string[] = [];
    bob.on("message", (m) => texts.push(m.text));
    const mallory = await Raw.open(s.address, "127.0.0.9");
    await sleep(200);
    const before = s.counters;
    mallory.id = alice.id;
    mallory.send({ type: 0x05, group: 1, data: "spoofed as alice" });
    mallory.send({ type: 0x03, group: 1 });
    mallory.send({ type: 0x06, mode: 0, invitees: [bob.id] });
    mallory.send({ type: 0x10 }); // disconnect alice
    mallory.raw(encode({ type: 0x05, seq: 0, ack: 1, src: alice.id, group: 0 })); // ACK in alice's name
    await sleep(200);
    const after = s.counters;
    expect(after.dropped.spoofedSource - before.dropped.spoofedSource).toBe(5);
    expect(after.accepted).toBe(before.accepted);
    expect(mallory.received).toEqual([]);
    expect(meter.sum("out", [mallory.key])).toBe(0);
    expect(texts).toEqual([]);
    expect(
      s
        .snapshot()
        .users.map((u) => u.name)
        .sort(),
    ).toEqual(["alice", "bob"]);
    const got = bob.next("message");
    await alice.send("still here");
    expect((await got).text).toBe("still here");
  });

  it("answers no unaccepted datagram: bytes out / bytes in = 0 for unaccepted traffic (no reflection, no amplification)", async () => {
    const { server: s, meter } = await server();
    const alice = await client(s, "alice");
    await sleep(100);
    const random = seededRandom(2024);
    const senders: Raw[] = [];
    for (let i = 0; i < 8; i++) senders.push(await Raw.open(s.address, `127.0.0.${10 + i}`));
    const before = s.counters;
    let sent = 0;
    let bytesSent = 0;
    for (const r of senders) {
      for (const b of hostileCorpus(random, alice.id)) {
        r.raw(b);
        sent++;
        bytesSent += b.length;
        // Paced: a burst would overflow the server's socket buffer (datagrams lost, not dropped by it).
        if (sent % 25 === 0) await sleep(2);
      }
    }
    const keys = senders.map((r) => r.key);
    await until(() => s.counters.received - before.received >= sent, `every datagram at the server (${sent})`).catch((e: Error) => {
      throw new Error(`${e.message}: ${s.counters.received - before.received} arrived`);
    });
    await sleep(300); // any (wrong) answer or retransmission would come now
    const after = s.counters;
    const bytesIn = meter.sum("in", keys);
    const bytesOut = meter.sum("out", keys);
    expect(bytesIn).toBe(bytesSent);
    console.log(
      `[security] ${sent} unaccepted datagrams from ${senders.length} addresses: ${bytesIn} bytes in, ${bytesOut} bytes out (ratio ${bytesOut / bytesIn})`,
    );
    expect(bytesOut / bytesIn).toBe(0);
    expect(after.accepted - before.accepted).toBe(0);
    expect(totalDropped(after) - totalDropped(before)).toBe(sent);
    expect(after.sent - before.sent).toBe(0);
    for (const r of senders) expect(r.received).toEqual([]);
    expect(s.checkInvariants()).toEqual([]);
  });
});

describe("security: resources", () => {
  it("a Connection Request flood from many addresses holds no client ID past the Accept's retransmission window", async () => {
    const rto = 50;
    const retries = 3;
    const maxUsers = 20;
    const { server: s, meter } = await server({ rto, retries, maxUsers, idAllocation: "random" });
    const window = (1 + retries) * rto;
    const flooders: Raw[] = [];
    for (let a = 0; a < 10; a++) for (let p = 0; p < 10; p++) flooders.push(await Raw.open(s.address, `127.0.1.${a + 1}`));
    for (const [i, f] of flooders.entries()) f.send({ type: 0x00, src: 0, username: `f${i}` });
    // Retransmitting the request within the window gets the same Accept again and extends nothing.
    await sleep(rto / 2);
    flooders.forEach((f, i) => {
      f.lastSent ^= 1;
      f.send({ type: 0x00, src: 0, username: `f${i}` });
    });
    await until(() => s.counters.received >= 200, "the flood");
    // Evicted addresses' second requests open new half-open connections: the window runs from the last one.
    const t1 = performance.now();
    let peak = 0;
    const poll = setInterval(() => (peak = Math.max(peak, s.snapshot().users.length)), 2);
    await until(() => s.snapshot().users.length === 0, "every flooded ID freed", 10 * window);
    clearInterval(poll);
    const freedAfter = performance.now() - t1;
    const c = s.counters;
    // Half-open connections hold at most a quarter of --max-users (docs/PROTOCOL.md 5.1): the oldest gives way.
    const halfOpenMax = maxUsers / 4;
    expect(peak).toBeLessThanOrEqual(halfOpenMax);
    expect(c.rejects.full).toBe(0);
    expect(c.halfOpenEvicted).toBeGreaterThanOrEqual(100 - halfOpenMax);
    expect(c.forcedDisconnections).toBeLessThanOrEqual(halfOpenMax);
    // Freed within the window plus one RTO of slack (and the time the flood took to arrive).
    expect(freedAfter).toBeLessThanOrEqual(window + rto + 100);
    expect(s.snapshot().invitations).toEqual([]);
    // Amplification of the flood: never more than 3 times what each address sent.
    const keys = flooders.map((f) => f.key);
    const ratio = meter.sum("out", keys) / meter.sum("in", keys);
    console.log(
      `[security] flood of ${flooders.length} Connection Requests (x2) from 10 addresses: peak ${peak} IDs held (half-open share ${halfOpenMax}), ${c.halfOpenEvicted} evicted, all freed ${freedAfter.toFixed(0)} ms after the flood (window ${window} ms + RTO ${rto} ms); bytes out/in ${ratio.toFixed(3)}`,
    );
    for (const k of keys) expect(meter.sum("out", [k])).toBeLessThanOrEqual(3 * meter.sum("in", [k]));
    // A real client gets in afterwards.
    const alice = await client(s, "alice");
    expect(alice.id).toBeGreaterThan(0);
  });

  it("--max-users holds", async () => {
    const { server: s } = await server({ maxUsers: 3 });
    for (const n of ["a", "b", "c"]) await client(s, n);
    await expect(connectClient({ name: "d", server: s.address, rto: 50 })).rejects.toMatchObject({ reason: "server-full" });
    expect(s.snapshot().users).toHaveLength(3);
    expect(s.counters.rejects.full).toBe(1);
  });

  it("--max-per-address holds, per IP address", async () => {
    const { server: s } = await server({ maxPerAddress: 2 });
    await client(s, "a");
    await client(s, "b");
    const err = await connectClient({ name: "c", server: s.address, rto: 50 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).reason).toBe("server-full");
    const other = await connectClient({ name: "c", server: s.address, rto: 50, host: "127.0.0.2" });
    cleanup.push(() => other.close());
    expect(
      s
        .snapshot()
        .users.map((u) => u.ip)
        .sort(),
    ).toEqual(["127.0.0.1", "127.0.0.1", "127.0.0.2"]);
  });

  it("imp server --max-users 3 --max-per-address 2 holds both limits", async () => {
    const io = bufferIo();
    let stop!: (s: string) => void;
    let s: ImpServer | undefined;
    const done = runServer(
      { host: "127.0.0.1", port: 0, maxUsers: 3, maxPerAddress: 2, rto: 50, retries: 5, inviteTimeout: 15_000, log: "json", ids: "lowest" },
      io,
      { stop: () => new Promise((r) => (stop = r)), started: (x) => (s = x) },
    );
    cleanup.push(async () => {
      stop("SIGTERM");
      await done;
    });
    await until(() => s !== undefined, "the server");
    const at = async (name: string, host: string) => {
      const c = await connectClient({ name, server: s!.address, rto: 50, host });
      cleanup.push(() => c.close());
      return c;
    };
    await at("a1", "127.0.0.1");
    await at("a2", "127.0.0.1");
    await expect(at("a3", "127.0.0.1")).rejects.toMatchObject({ reason: "server-full" }); // per address
    await at("b1", "127.0.0.2");
    await expect(at("c1", "127.0.0.3")).rejects.toMatchObject({ reason: "server-full" }); // max users
    expect(
      s!
        .snapshot()
        .users.map((u) => u.name)
        .sort(),
    ).toEqual(["a1", "a2", "b1"]);
    const rejected = io
      .stdout()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { event: string; reason?: string })
      .filter((e) => e.event === "rejected");
    expect(rejected.map((e) => e.reason)).toEqual(["maximum number of users from this address reached", "maximum number of users reached"]);
  });

  it("drops and counts undersize and the largest datagrams", async () => {
    const { server: s, meter } = await server();
    const r = await Raw.open(s.address, "127.0.0.3");
    for (const n of [0, 1, 4]) r.raw(new Uint8Array(n));
    // The largest UDP payload over IPv4: a Connection Request header and 65 494 trailing bytes.
    const big = new Uint8Array(MAX_DATAGRAM);
    big.set(encode({ type: 0x00, seq: 1, ack: 0, src: 0, group: 0, username: "huge" }));
    r.raw(big);
    await until(() => s.counters.received === 4, "four datagrams");
    expect(s.counters.dropped.undersize).toBe(3);
    expect(s.counters.dropped.malformed).toBe(1);
    expect(meter.sum("out", [r.key])).toBe(0);
    expect(s.snapshot().users).toEqual([]);
  });

  it("counts oversize datagrams (longer than 65 507 bytes: only a transport can hand one over)", async () => {
    let deliver!: (bytes: Buffer, from: Address) => void;
    const sent: Uint8Array[] = [];
    const transport: DatagramTransport = {
      local: { ip: "127.0.0.1", port: 1 },
      send: (b) => void sent.push(b),
      onDatagram: (h) => void (deliver = h),
      close: async () => undefined,
    };
    const s = await startServer({ transport });
    cleanup.push(() => s.close());
    deliver(Buffer.alloc(MAX_DATAGRAM + 1, 0x28), { ip: "127.0.0.1", port: 9 });
    deliver(Buffer.alloc(100_000, 0x00), { ip: "127.0.0.1", port: 9 });
    expect(s.counters.dropped.oversize).toBe(2);
    expect(sent).toEqual([]);
  });
});
