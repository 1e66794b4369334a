import dgram from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { ArqLink, systemClock } from "../../src/arq/index.js";
import { decode, type ImpMessage, type MessageInput } from "../../src/codec/index.js";
import { seededRandom, startServer, type ImpServer } from "../../src/server/index.js";
import { openUdp, type Address } from "../../src/transport/index.js";
import { until } from "./helpers.js";

const RTO = 15;
const RETRIES = 40;

/** A client made of a UDP socket and the project's ARQ link (system clock, short RTO). */
class ArqPeer {
  id = 0;
  /** New (non-duplicate) messages from the server, in order of processing. */
  readonly got: ImpMessage[] = [];
  gone = false;
  readonly link: ArqLink;

  private constructor(
    private readonly socket: dgram.Socket,
    server: Address,
  ) {
    this.link = new ArqLink(
      { rto: RTO, retries: RETRIES, clock: systemClock },
      { transmit: (b) => socket.send(b, server.port, server.ip), onGone: () => void (this.gone = true) },
    );
    socket.on("message", (bytes) => {
      const m = decode(bytes).message!;
      const r = this.link.receive(m, { byState: m.type === 0x01 && this.id === 0 });
      if (r !== "new" || m.ack) return;
      if (m.type === 0x01) this.id = m.client_id!;
      this.got.push(m);
      this.link.ack(m, this.id);
    });
  }

  static async open(server: Address): Promise<ArqPeer> {
    const s = dgram.createSocket("udp4");
    await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
    return new ArqPeer(s, server);
  }

  send(m: MessageInput): void {
    this.link.send({ src: this.id, group: 0, ...m });
  }

  close(): Promise<void> {
    this.link.close();
    return new Promise((r) => this.socket.close(() => r()));
  }
}

let server: ImpServer;
const peers: ArqPeer[] = [];
afterEach(async () => {
  await server.close();
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

describe("server: ARQ under injected loss", () => {
  it("delivers every data message exactly once to every member, in order per sender (seeded 25% loss each way)", async () => {
    const random = seededRandom(20170213);
    let lossy = false;
    let dropped = 0;
    const transport = await openUdp({
      host: "127.0.0.1",
      port: 0,
      tap: () => {
        if (lossy && random() < 0.25) {
          dropped++;
          return false;
        }
        return true;
      },
    });
    server = await startServer({ transport, rto: RTO, retries: RETRIES });
    const N = 4;
    const M = 15;
    for (let i = 0; i < N; i++) {
      const p = await ArqPeer.open(server.address);
      peers.push(p);
      p.send({ type: 0x00, username: `p${i}` });
      await until(() => p.id !== 0, "the Accept");
      p.send({ type: 0x03, group: 1 });
      await until(() => p.got.some((m) => m.type === 0x04), "the list");
    }
    await until(() => peers.every((p) => p.got.filter((m) => m.type === 0x0e).length === N - 1 - peers.indexOf(p)), "the updates");
    lossy = true;
    for (let k = 0; k < M; k++) for (const p of peers) p.send({ type: 0x05, group: 1, data: `${p.id}:${k}` });
    const data = (p: ArqPeer) => p.got.filter((m) => m.type === 0x05);
    await until(() => peers.every((p) => data(p).length >= (N - 1) * M), "every data message", 20_000);
    await until(() => peers.every((p) => p.link.pending === null), "every sender's last ACK", 5000);
    for (const p of peers) {
      const mine = data(p);
      expect(mine).toHaveLength((N - 1) * M);
      for (const q of peers) {
        const fromQ = mine.filter((m) => m.src === q.id).map((m) => m.data);
        expect(fromQ).toEqual(q === p ? [] : Array.from({ length: M }, (_, k) => `${q.id}:${k}`));
      }
      expect(p.gone).toBe(false);
    }
    const c = server.counters;
    expect(dropped).toBeGreaterThan(50);
    expect(c.retransmissions).toBeGreaterThan(0);
    expect(c.dataReceived).toBe(N * M);
    expect(c.dataRelayed).toBe(N * M * (N - 1));
    expect(c.forcedDisconnections).toBe(0);
    expect(server.checkInvariants()).toEqual([]);
  }, 30_000);
});
