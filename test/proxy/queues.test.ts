/**
 * The proxy's only queue: datagrams held back by --delay. It is bounded in datagrams and bytes;
 * what would pass a bound is dropped and counted as the fault "overflow" (src/proxy/proxy.ts).
 */
import dgram from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { emptyFaults, parseDelayOption, startProxy } from "../../src/proxy/index.js";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function socket(): Promise<dgram.Socket> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  cleanup.push(() => new Promise<void>((r) => s.close(() => r())));
  return s;
}

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe("proxy: delayed datagrams are bounded", () => {
  it.each([
    ["datagrams", { maxDelayed: 3 }, 3],
    ["bytes", { maxDelayedBytes: 250 }, 2],
  ] as const)("holds at most maxDelayed%s; the rest is dropped and counted as overflow", async (_what, bound, held) => {
    const upstream = await socket();
    const got: Buffer[] = [];
    upstream.on("message", (b) => got.push(b));
    const faults = emptyFaults();
    parseDelayOption(faults, "150");
    const proxy = await startProxy({
      listen: { ip: "127.0.0.1", port: 0 },
      upstream: { ip: "127.0.0.1", port: upstream.address().port },
      faults,
      ...bound,
    });
    cleanup.push(() => proxy.close());
    const client = await socket();
    for (let i = 0; i < 10; i++) client.send(Buffer.alloc(100, i), proxy.address.port, "127.0.0.1");
    await until(() => proxy.stats.c2s.received === 10, "the ten datagrams at the proxy");
    expect(proxy.stats.delayed).toBe(held);
    expect(proxy.stats.delayedBytes).toBe(100 * held);
    expect(proxy.stats.faults.overflow).toBe(10 - held);
    expect(proxy.stats.c2s.dropped).toBe(10 - held);
    await until(() => got.length === held, "the held datagrams upstream");
    expect(got.map((b) => b[0])).toEqual(Array.from({ length: held }, (_, i) => i));
    expect(proxy.stats.delayed).toBe(0);
    expect(proxy.stats.delayedBytes).toBe(0);
  });
});
