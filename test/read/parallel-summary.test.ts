/**
 * The two-thread summary read (dissector/read/parallel-summary.ts, a real worker thread) against
 * the one-thread read (runRead): byte for byte the same lines, and the same error, for every
 * bundled capture and the options that change the lines; on a capture made to wrap every ring,
 * datagram id and tail id space, with names that change, marks, IPv4 fragments, IPv6, long and
 * non-IMP datagrams; on a damaged capture; and a quiet early stop when the output goes away.
 */
import { truncateSync, copyFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCaptureWriter } from "../../dissector/capture/index.js";
import { compileFilter } from "../../dissector/filter/index.js";
import { canReadInParallel, readSummaryInParallel } from "../../dissector/read/parallel-summary.js";
import { runRead, type ReadOptions } from "../../dissector/read/read.js";
import { stringSink, type TextSink } from "../../dissector/read/sink.js";
import { fileSource } from "../../dissector/source.js";
import { encode } from "../../src/codec/encode.js";
import type { MessageInput } from "../../src/codec/message.js";
import { bundled, bundledCaptures, imp, tempDir } from "./helpers.js";

const tmp = tempDir("imp-parallel-summary-");
const stress = tmp.path("stress.pcap");
const damaged = tmp.path("damaged.pcap");
afterAll(() => tmp.cleanup());

const filter = (text: string): ReadOptions["filter"] => {
  const c = compileFilter(text);
  if (!c.ok) throw new Error(`bad test filter ${text}`);
  return c.filter;
};

const VARIANTS: [string, ReadOptions][] = [
  ["default", {}],
  ["-N", { names: true }],
  ["--no-analysis", { analysis: false }],
  ["-2", { twoPass: true }],
  ["-Y a first-pass field", { filter: filter("imp.analysis.retransmission || imp.type == 0") }],
  ["-Y a field known later (two passes)", { filter: filter("imp.analysis.acked_in") }],
  ["-c 7", { count: 7 }],
  ["-Y and -c", { filter: filter("imp.ack == 1"), count: 5 }],
  ["--port 1313 --no-heuristic", { recognition: { ports: [1313], heuristic: false } }],
];

async function oneThread(path: string, options: ReadOptions): Promise<{ text: string; error: unknown }> {
  const sink = stringSink();
  const error = await runRead(fileSource(path), { format: "summary", ...options }, sink, () => fileSource(path)).then(
    () => null,
    (e: unknown) => e,
  );
  return { text: sink.text(), error };
}

async function twoThreads(
  path: string,
  options: ReadOptions,
  sink: TextSink & { text(): string } = stringSink(),
): Promise<{ text: string; error: unknown }> {
  const error = await readSummaryInParallel(path, { format: "summary", ...options }, sink).then(
    () => null,
    (e: unknown) => e,
  );
  return { text: sink.text(), error };
}

async function expectSame(path: string, options: ReadOptions): Promise<string> {
  const one = await oneThread(path, options);
  const two = await twoThreads(path, options);
  expect(two.error).toEqual(one.error);
  if (one.error) expect(String(two.error)).toBe(String(one.error));
  expect(two.text.length).toBe(one.text.length);
  expect(two.text).toBe(one.text);
  return one.text;
}

/**
 * 70 000 group messages with unique texts (each one a new datagram id, and a new tail: both id
 * spaces wrap), relayed and acknowledged, between clients that connect, list, leave and come
 * back under another name; retransmissions (marks); long messages over a 576-byte MTU (IPv4
 * fragments, not remembered); IPv6 clients; DNS-like UDP that is not IMP.
 */
async function writeStress(path: string): Promise<number> {
  const writer = createCaptureWriter({ format: "pcap", path, mtu: 576 });
  const server = { ip: "10.0.0.1", port: 1313 };
  const server6 = { ip: "fd00::1", port: 1313 };
  let t = 1_700_000_000 * 1e6;
  let datagrams = 0;
  const put = (src: { ip: string; port: number }, dst: { ip: string; port: number }, m: MessageInput | Uint8Array) => {
    t += 37;
    writer.writeDatagram({
      tsSec: Math.floor(t / 1e6),
      tsNsec: (t % 1e6) * 1000,
      src,
      dst,
      payload: m instanceof Uint8Array ? m : encode(m),
    });
    datagrams++;
  };
  const clients = Array.from({ length: 6 }, (_, i) => ({
    id: i + 1,
    name: `c${i + 1}`,
    addr: i < 4 ? { ip: `10.0.1.${i + 1}`, port: 5000 + i } : { ip: `fd00::${i + 1}`, port: 5000 + i },
    up: 0,
    down: 0,
  }));
  const serverOf = (c: (typeof clients)[number]) => (c.addr.ip.includes(":") ? server6 : server);
  const connect = (c: (typeof clients)[number]) => {
    const s = serverOf(c);
    c.up = 1;
    c.down = 1;
    put(c.addr, s, { type: 0, seq: 1, username: c.name });
    put(s, c.addr, { type: 1, seq: 1, client_id: c.id });
    put(c.addr, s, { type: 1, seq: 1, ack: 1, src: c.id });
  };
  for (const c of clients) connect(c);
  for (let i = 0; i < 70_000; i++) {
    const from = clients[i % clients.length]!;
    const s = serverOf(from);
    from.up ^= 1;
    const long = i % 5000 === 17;
    const data: MessageInput = { type: 5, seq: from.up, src: from.id, group: 1, data: long ? `long ${i} ${"x".repeat(700)}` : `m${i}` };
    put(from.addr, s, data);
    if (i % 997 === 0) put(from.addr, s, data); // a retransmission: marked
    put(s, from.addr, { type: 5, seq: from.up, ack: 1 });
    const to = clients[(i + 1) % clients.length]!;
    to.down ^= 1;
    put(serverOf(to), to.addr, { ...data, seq: to.down });
    put(to.addr, serverOf(to), { type: 5, seq: to.down, ack: 1, src: to.id });
    if (i % 3001 === 0)
      put({ ip: "10.0.9.9", port: 53 }, { ip: "10.0.9.8", port: 5353 }, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
    if (i === 40_000) {
      // c2 leaves; its ID comes back under another name (the names in Info change).
      const c = clients[1]!;
      c.up ^= 1;
      put(c.addr, server, { type: 0x0c, seq: c.up, src: c.id });
      c.name = "renamed";
      connect(c);
    }
  }
  await writer.close();
  return datagrams;
}

beforeAll(async () => {
  await writeStress(stress);
  copyFileSync(stress, damaged);
  truncateSync(damaged, 3_000_007);
}, 60_000);

describe("imp read summary on two threads", () => {
  it("is taken for big capture files in summary format only", () => {
    expect(canReadInParallel(stress, { format: "summary" })).toBe(true);
    expect(canReadInParallel(bundled("demo.pcapng"), { format: "summary" })).toBe(false); // small: one thread
    expect(canReadInParallel(bundled("demo.pcapng"), { format: "summary" }, 0)).toBe(true);
    expect(canReadInParallel(stress, { format: "summary", verbose: true })).toBe(false);
    expect(canReadInParallel(stress, { format: "summary", hex: true })).toBe(false);
    expect(canReadInParallel(stress, { format: "json" })).toBe(false);
    expect(canReadInParallel("-", { format: "summary" }, 0)).toBe(false);
    expect(canReadInParallel(tmp.path("missing.pcap"), { format: "summary" }, 0)).toBe(false);
  });

  it.each(bundledCaptures())("%s: the same lines for every option", async (name) => {
    for (const [, options] of VARIANTS) await expectSame(bundled(name), options);
  });

  it.each(VARIANTS)(
    "a capture that wraps every ring and id space (%s)",
    async (_, options) => {
      const text = await expectSame(stress, options);
      if (options.count === undefined && !options.filter) {
        expect(text.split("\n").length).toBeGreaterThan(280_000);
        if (options.analysis !== false) {
          expect(text).toContain("[Retransmission of");
          expect(text).toContain("renamed(2)");
          expect(text).toContain("c2(2)");
        }
        expect(text).toContain("fd00::5");
      }
    },
    60_000,
  );

  it("a damaged capture: the same lines before the damage, then the same error", async () => {
    const one = await oneThread(damaged, {});
    expect(one.error).toBeTruthy();
    expect(one.text.length).toBeGreaterThan(0);
    await expectSame(damaged, {});
    await expectSame(damaged, { twoPass: true });
  }, 60_000);

  it("stops quietly when its output goes away (EPIPE), leaving no thread behind", async () => {
    const inner = stringSink();
    let closed = false;
    const closing: TextSink & { text(): string } = {
      write: (text) => inner.write(text),
      flush: () => {
        inner.flush();
        if (inner.text().length > 0) closed = true;
      },
      get closed() {
        return closed;
      },
      reserve: (max) => (closed ? null : inner.reserve(max)),
      get used() {
        return inner.used;
      },
      commit: (end) => inner.commit(end),
      text: () => inner.text(),
    };
    const t0 = Date.now();
    const r = await readSummaryInParallel(stress, { format: "summary" }, closing);
    expect(r.stoppedEarly).toBe(true);
    const full = (await oneThread(stress, {})).text;
    const part = closing.text();
    expect(part.length).toBeGreaterThan(0);
    expect(part.length).toBeLessThan(full.length);
    expect(full.startsWith(part)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(30_000);
  }, 60_000);

  it("imp read FILE takes it: the same output as IMP_READ_THREADS=1", async () => {
    const two = await imp("read", stress, "-Y", "imp.type == 5");
    process.env.IMP_READ_THREADS = "1";
    try {
      const one = await imp("read", stress, "-Y", "imp.type == 5");
      expect(two.code).toBe(0);
      expect(two.err).toBe("");
      expect(two.out).toBe(one.out);
    } finally {
      delete process.env.IMP_READ_THREADS;
    }
  }, 60_000);
});
