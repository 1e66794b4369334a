/**
 * The summary lines of `imp read` (runRead: bytes written straight into the output's buffer,
 * with what it remembers between lines) against lines made the plain way from the same frames
 * (dissect, frame.info(), SummaryFormatter.line): byte for byte the same, and the same error,
 * for every bundled capture and the options that change the lines; on a small capture made to
 * change names under repeated datagrams, with marks, IPv4 fragments, IPv6 and non-IMP UDP; on a
 * generated realistic capture (groups, loss, retransmissions); on a damaged capture; and a
 * quiet early stop when the output goes away. Captures are generated once for the file.
 */
import { copyFileSync, truncateSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateRealisticCapture } from "../../bench/gen-realistic.js";
import { createCaptureWriter } from "../../dissector/capture/index.js";
import { compileFilter } from "../../dissector/filter/index.js";
import { dissect } from "../../dissector/read/pipeline.js";
import { runRead, type ReadOptions } from "../../dissector/read/read.js";
import { stringSink, type TextSink } from "../../dissector/read/sink.js";
import { fileSource } from "../../dissector/source.js";
import { relativeTime, SummaryFormatter } from "../../dissector/summary/summary-line.js";
import { encode } from "../../src/codec/encode.js";
import type { MessageInput } from "../../src/codec/message.js";
import { bundled, bundledCaptures, imp, tempDir } from "./helpers.js";

const tmp = tempDir("imp-summary-lines-");
const stress = tmp.path("stress.pcap");
const realistic = tmp.path("realistic.pcap");
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
  ["-Y and -c", { filter: filter("imp.ack == 1"), count: 5 }],
  ["--port 1313 --no-heuristic", { recognition: { ports: [1313], heuristic: false } }],
];

interface Outcome {
  text: string;
  error: unknown;
}

async function fast(path: string, options: ReadOptions, sink: TextSink & { text(): string } = stringSink()): Promise<Outcome> {
  const error = await runRead(fileSource(path), { format: "summary", ...options }, sink, () => fileSource(path)).then(
    () => null,
    (e: unknown) => e,
  );
  return { text: sink.text(), error };
}

/** The same lines made one string at a time from each frame, as the rest of impkit makes them. */
async function plain(path: string, options: ReadOptions): Promise<Outcome> {
  const lines = new SummaryFormatter();
  let text = "";
  const error = await dissect(fileSource(path), { ...options, reopen: () => fileSource(path) }, (f) => {
    const src = options.names ? (f.endpointName("src") ?? f.src) : f.src;
    const dst = options.names ? (f.endpointName("dst") ?? f.dst) : f.dst;
    text += lines.line(f.number, relativeTime(f.tsSec, f.tsNsec, f.refSec, f.refNsec), src, dst, f.decoded, f.info());
  }).then(
    () => null,
    (e: unknown) => e,
  );
  return { text, error };
}

async function expectSame(path: string, options: ReadOptions): Promise<string> {
  const a = await fast(path, options);
  const b = await plain(path, options);
  expect(String(a.error)).toBe(String(b.error));
  expect(a.text.length).toBe(b.text.length);
  expect(a.text).toBe(b.text);
  return a.text;
}

/**
 * 2 000 group messages between six clients (ACKs and relays repeat byte for byte), one of which
 * leaves and comes back under another name (the names in Info change for repeated datagrams);
 * retransmissions (marks); long messages over a 576-byte MTU (IPv4 fragments); IPv6 clients;
 * UDP that is not IMP.
 */
async function writeStress(path: string): Promise<void> {
  const writer = createCaptureWriter({ format: "pcap", path, mtu: 576 });
  const server = { ip: "10.0.0.1", port: 1313 };
  const server6 = { ip: "fd00::1", port: 1313 };
  let t = 1_700_000_000 * 1e6;
  const put = (src: { ip: string; port: number }, dst: { ip: string; port: number }, m: MessageInput | Uint8Array) => {
    t += 37;
    const payload = m instanceof Uint8Array ? m : encode(m);
    writer.writeDatagram({ tsSec: Math.floor(t / 1e6), tsNsec: (t % 1e6) * 1000, src, dst, payload });
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
  for (let i = 0; i < 2000; i++) {
    const from = clients[i % clients.length]!;
    const s = serverOf(from);
    from.up ^= 1;
    const long = i % 500 === 17;
    // Few distinct texts: the same datagrams come back, before and after the rename.
    const data: MessageInput = {
      type: 5,
      seq: from.up,
      src: from.id,
      group: 1,
      data: long ? `long ${i} ${"x".repeat(700)}` : `m${i % 40}`,
    };
    put(from.addr, s, data);
    if (i % 97 === 0) put(from.addr, s, data); // a retransmission: marked
    put(s, from.addr, { type: 5, seq: from.up, ack: 1 });
    const to = clients[(i + 1) % clients.length]!;
    to.down ^= 1;
    put(serverOf(to), to.addr, { ...data, seq: to.down });
    put(to.addr, serverOf(to), { type: 5, seq: to.down, ack: 1, src: to.id });
    if (i % 301 === 0)
      put({ ip: "10.0.9.9", port: 53 }, { ip: "10.0.9.8", port: 5353 }, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
    if (i === 1000) {
      // c2 leaves; its ID comes back under another name.
      const c = clients[1]!;
      c.up ^= 1;
      put(c.addr, server, { type: 0x0c, seq: c.up, src: c.id });
      c.name = "renamed";
      connect(c);
    }
  }
  await writer.close();
}

beforeAll(async () => {
  await writeStress(stress);
  await generateRealisticCapture(realistic, 6000, { seed: 3 });
  copyFileSync(realistic, damaged);
  truncateSync(damaged, 200_007);
}, 30_000);

describe("imp read summary lines", () => {
  it.each(bundledCaptures())("%s: the plain lines for every option", async (name) => {
    for (const [, options] of VARIANTS) await expectSame(bundled(name), options);
  });

  // The options that change what a repeated datagram's line says (the filters are the bundled captures').
  it.each(VARIANTS.slice(0, 4))("a capture of repeated datagrams whose names change (%s)", async (_, options) => {
    const text = await expectSame(stress, options);
    expect(text.split("\n").length).toBeGreaterThan(8_000);
    if (options.analysis !== false) {
      expect(text).toContain("[Retransmission of");
      expect(text).toContain("renamed(2)");
      expect(text).toContain("c2(2)");
    }
    expect(text).toContain("fd00::5");
  });

  it("a realistic capture: groups, loss and retransmissions", async () => {
    const text = await expectSame(realistic, {});
    expect(text).toContain("[Retransmission of");
    expect(text).toContain("Group Creation Request");
    expect(await expectSame(realistic, { names: true })).toContain("→ server");
  });

  it("a damaged capture: the same lines before the damage, then the same error", async () => {
    const a = await fast(damaged, {});
    expect(a.error).toBeTruthy();
    expect(a.text.length).toBeGreaterThan(0);
    await expectSame(damaged, {});
    await expectSame(damaged, { twoPass: true });
  });

  it("stops quietly when its output goes away (EPIPE): what it wrote is the start of the whole", async () => {
    const inner = stringSink();
    // The reader goes away after 1 000 lines.
    let lines = 0;
    let closed = false;
    const closing: TextSink & { text(): string } = {
      write: (text) => inner.write(text),
      flush: () => inner.flush(),
      get closed() {
        return closed;
      },
      reserve: (max) => (closed ? null : inner.reserve(max)),
      get used() {
        return inner.used;
      },
      commit: (end) => {
        inner.commit(end);
        if (++lines >= 1000) closed = true;
      },
      text: () => inner.text(),
    };
    const part = await fast(realistic, {}, closing);
    expect(part.error).toBeNull();
    const full = (await fast(realistic, {})).text;
    expect(part.text.length).toBeGreaterThan(0);
    expect(part.text.length).toBeLessThan(full.length);
    expect(full.startsWith(part.text)).toBe(true);
  });

  it("imp read FILE writes the same lines", async () => {
    const r = await imp("read", stress, "-Y", "imp.type == 5");
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    expect(r.out).toBe((await plain(stress, { filter: filter("imp.type == 5") })).text);
  });
});
