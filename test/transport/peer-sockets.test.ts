/**
 * Peer sockets (openUdp({ peerSockets: true }), the server's): a dedicated peer's datagrams reach
 * the handler while a flood fills the main socket's receive queue, where without one they are
 * lost; the bound on their number; a port in use is still an error (the server's use of them:
 * test/server/flood.test.ts). The flood is sent by
 * a child process while this one is blocked in spawnSync, so no datagram is read meanwhile.
 */
import { spawnSync } from "node:child_process";
import dgram from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { openUdp, type Address, type DatagramTransport } from "../../src/transport/index.js";

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

/**
 * More junk than the main socket's receive queue holds: a 5-byte datagram takes about 830 bytes
 * of the socket's buffer on loopback (256 in Linux's default 208 KiB), so a third of the buffer's
 * size in datagrams is about ten times too many; at least 3000.
 */
function junkFor(t: DatagramTransport): number {
  return Math.max(3000, Math.ceil(t.receiveBufferSize! / 300));
}

async function transport(
  opts: Parameters<typeof openUdp>[0] = {},
): Promise<{ t: DatagramTransport; got: { from: string; text: string }[] }> {
  const t = await openUdp({ host: "127.0.0.1", port: 0, peerSockets: true, ...opts });
  cleanup.push(() => t.close());
  const got: { from: string; text: string }[] = [];
  t.onDatagram((bytes, from) => got.push({ from: `${from.ip}:${from.port}`, text: bytes.toString() }));
  return { t, got };
}

/** A peer's socket (SO_REUSEADDR, so that the child process can send from its address too). */
async function peer(): Promise<{ socket: dgram.Socket; address: Address; key: string }> {
  const socket = dgram.createSocket({ type: "udp4", reuseAddr: true });
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
  cleanup.push(() => new Promise<void>((r) => socket.close(() => r())));
  const a = socket.address();
  return { socket, address: { ip: a.address, port: a.port }, key: `${a.address}:${a.port}` };
}

/**
 * Blocks this process while a child sends `count` junk datagrams to `port` from a socket of its own, then
 * "from-peer" from the peer's address.
 */
function floodThenPeer(port: number, from: Address, count: number): void {
  const script = `
    const dgram = require("node:dgram");
    const junk = dgram.createSocket("udp4");
    const p = dgram.createSocket({ type: "udp4", reuseAddr: true });
    const bytes = Buffer.from([0x88, 0, 0, 0, 5]);
    let left = ${count};
    const more = () => {
      // Each batch is sent before the next starts, so none is lost in this process.
      let pending = Math.min(500, left);
      if (pending === 0) return p.bind(${from.port}, ${JSON.stringify(from.ip)}, () => p.send("from-peer", ${port}, "127.0.0.1", () => process.exit(0)));
      left -= pending;
      for (let i = pending; i > 0; i--) junk.send(bytes, ${port}, "127.0.0.1", () => --pending === 0 && more());
    };
    more();`;
  const r = spawnSync(process.execPath, ["-e", script], { timeout: 20_000, stdio: ["ignore", "ignore", "pipe"] });
  if (r.status !== 0) throw new Error(`flooder exited with ${r.status}: ${r.stderr}`);
}

/**
 * Sends "barrier" from a socket of its own to the main socket every 10 ms until one arrives: what
 * was queued there before it has been handled by then (the queue is FIFO). The first ones may be
 * dropped while the queue is still full of junk.
 */
async function barrier(port: number, got: { text: string }[]): Promise<void> {
  const s = dgram.createSocket("udp4");
  cleanup.push(() => new Promise<void>((r) => s.close(() => r())));
  for (let i = 0; i < 500 && !got.some((g) => g.text === "barrier"); i++) {
    s.send("barrier", port, "127.0.0.1");
    await sleep(10);
  }
  expect(got.some((g) => g.text === "barrier")).toBe(true);
}

const junkCount = (got: { text: string }[]) => got.filter((g) => g.text.length === 5).length;

describe("peer sockets", () => {
  it("a dedicated peer's datagram reaches the handler while a flood fills the main socket's queue", async () => {
    const { t, got } = await transport();
    const p = await peer();
    await t.dedicate!(p.address);
    expect(t.dedicated).toBe(1);
    floodThenPeer(t.local.port, p.address, junkFor(t));
    await until(() => got.some((g) => g.text === "from-peer"), "the peer's datagram");
    expect(got.find((g) => g.text === "from-peer")!.from).toBe(p.key);
    // The main queue overflowed: the kernel dropped junk.
    await barrier(t.local.port, got);
    expect(junkCount(got)).toBeLessThan(junkFor(t));
  });

  it("without one, the same datagram is lost behind the flood (a barrier sent after it arrives, it does not)", async () => {
    const { t, got } = await transport();
    const p = await peer();
    floodThenPeer(t.local.port, p.address, junkFor(t));
    await barrier(t.local.port, got);
    expect(got.some((g) => g.text === "from-peer")).toBe(false);
    expect(junkCount(got)).toBeLessThan(junkFor(t));
  });

  it("release gives the peer back to the main socket; at most maxPeerSockets at once", async () => {
    const { t, got } = await transport({ maxPeerSockets: 2 });
    const peers = [await peer(), await peer(), await peer()];
    for (const p of peers) await t.dedicate!(p.address);
    expect(t.dedicated).toBe(2);
    for (const [i, p] of peers.entries()) p.socket.send(`hello${i}`, t.local.port, "127.0.0.1");
    await until(() => got.length === 3, "three datagrams");
    t.release!(peers[0]!.address);
    expect(t.dedicated).toBe(1);
    peers[0]!.socket.send("again", t.local.port, "127.0.0.1");
    await until(() => got.some((g) => g.text === "again"), "a datagram after release");
    // Sockets are read in turn: the order across them is not the order of sending.
    expect(got.map((g) => `${g.from} ${g.text}`).sort()).toEqual(
      [...peers.map((p, i) => `${p.key} hello${i}`), `${peers[0]!.key} again`].sort(),
    );
  });

  it("a port in use is still an error, both ways", async () => {
    const plain = dgram.createSocket("udp4");
    await new Promise<void>((r) => plain.bind(0, "127.0.0.1", () => r()));
    cleanup.push(() => new Promise<void>((r) => plain.close(() => r())));
    await expect(openUdp({ host: "127.0.0.1", port: plain.address().port, peerSockets: true })).rejects.toMatchObject({
      code: "EADDRINUSE",
    });
    const { t } = await transport();
    await expect(openUdp({ host: "127.0.0.1", port: t.local.port, peerSockets: true })).rejects.toMatchObject({ code: "EADDRINUSE" });
    await expect(openUdp({ host: "127.0.0.1", port: t.local.port })).rejects.toMatchObject({ code: "EADDRINUSE" });
  });
});
