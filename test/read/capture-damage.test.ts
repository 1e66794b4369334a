/**
 * Fragments, garbage and damage: a User List Response of 200 entries written with an Ethernet MTU
 * (three IPv4 fragments) is reassembled and dissected once, with its fragment frames listed;
 * garbage UDP payloads on port 1313 are shown as malformed and never stop the pipeline; a
 * truncated capture prints every packet before the damage, then one line with the offset, exit 2.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { encode } from "../../src/codec/index.js";
import { CaptureFormatError, readCapture } from "../../dissector/capture/index.js";
import { fileSource } from "../../dissector/source.js";
import { runRead, READ_FORMATS } from "../../dissector/read/read.js";
import { stringSink } from "../../dissector/read/sink.js";
import { compileFilter } from "../../dissector/filter/index.js";
import { bundled, client, frameNumbers, imp, lines, SERVER, tempDir, writeCapture, type Dgram } from "./helpers.js";

const tmp = tempDir("imp-read-damage-");
afterAll(() => tmp.cleanup());

function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x1_0000_0000;
  };
}

describe("IPv4 fragments", () => {
  const entries = Array.from({ length: 200 }, (_, i) => ({
    client_id: i + 1,
    group: 1,
    username: `user${i + 1}`,
    ip: "10.0.0.1",
    port: 40000 + i,
  }));
  const list = encode({ type: 4, seq: 0, src: 1, group: 1, entry: entries });
  const file = tmp.path("fragments.pcapng");
  writeCapture(
    file,
    [
      { src: client(40000), dst: SERVER, payload: encode({ type: 3, seq: 0, src: 1, group: 1 }) },
      { src: SERVER, dst: client(40000), payload: list },
      { src: client(40000), dst: SERVER, payload: encode({ type: 4, seq: 0, ack: 1, src: 1 }) },
    ],
    { mtu: 1500 },
  );

  it("a 3 205-byte User List Response is written as 3 fragments and dissected once, at its last fragment", async () => {
    expect(list.length).toBe(5 + 16 * 200);
    const r = await imp("read", file);
    expect(r.code).toBe(0);
    expect(frameNumbers(r.out)).toEqual([1, 4, 5]);
    expect(lines(r.out)[1]).toMatch(/ListResp +User List Response 200 entries to user1\(1\) seq=0$/);
  });

  it("-V lists the fragment frames; -T json has ip.fragments and all 200 entries; filters see them", async () => {
    const v = await imp("read", file, "-V", "-Y", "imp.type == 4 && imp.ack == 0");
    expect(v.out).toContain("    [3 IPv4 Fragments (3213 bytes): #2, #3, #4]\n    [Reassembled IPv4 in frame: 4]\n");
    expect(v.out).toContain("    Entry 200: user200 (200), group 1, 10.0.0.1:40199\n");
    const j = JSON.parse((await imp("read", file, "-T", "json")).out) as {
      "ip.fragments"?: number[];
      imp: { "imp.entry"?: unknown[]; "imp.analysis"?: Record<string, unknown> };
    }[];
    expect(j[1]!["ip.fragments"]).toEqual([2, 3, 4]);
    expect(j[1]!.imp["imp.entry"]).toHaveLength(200);
    expect(j[1]!.imp["imp.analysis"]).toMatchObject({ "imp.analysis.response_to": 1, "imp.analysis.ack_to": 1 });
    expect(j[2]!.imp["imp.analysis"]).toMatchObject({ "imp.analysis.ack_to": 4 });
    expect(frameNumbers((await imp("read", file, "-Y", 'count(imp.entry) == 200 && imp.entry.username == "user137"')).out)).toEqual([4]);
    const x = await imp("read", file, "-x", "-Y", "frame.number == 4");
    expect(x.out).toContain("Reassembled UDP payload (3205 bytes):\n0000  20 01 01 0c 85 01 01 75");
  });
});

describe("garbage on port 1313", () => {
  const random = seeded(7);
  const garbage: Dgram[] = [];
  for (let i = 0; i < 300; i++) {
    const n = Math.floor(random() * 40);
    const payload = new Uint8Array(n);
    for (let k = 0; k < n; k++) payload[k] = Math.floor(random() * 256);
    garbage.push({ src: client(40000 + (i % 7)), dst: SERVER, payload });
    if (i % 10 === 0) garbage.push({ src: SERVER, dst: client(40000 + (i % 7)), payload: encode({ type: 5, seq: i & 1, ack: 1 }) });
  }
  const file = tmp.path("garbage.pcapng");
  writeCapture(file, garbage);

  it("every datagram is shown (port 1313 is IMP whatever it holds), malformed ones marked, in every format", async () => {
    const r = await imp("read", file);
    expect(r.code).toBe(0);
    expect(lines(r.out)).toHaveLength(garbage.length);
    expect(r.out).toContain("[Malformed:");
    for (const args of [
      ["-V", "-x"],
      ["-2", "-V"],
      ["-T", "json"],
      ["-T", "ndjson", "-2"],
      ["-T", "fields", "-e", "imp.type", "-e", "expert.message", "-e", "_ws.col.info"],
    ]) {
      const o = await imp("read", file, ...args);
      expect(o.code, args.join(" ")).toBe(0);
      expect(o.err).toBe("");
    }
    const json = JSON.parse((await imp("read", file, "-T", "json")).out) as unknown[];
    expect(json).toHaveLength(garbage.length);
    for (const cmd of ["stats", "flow", "chat"]) {
      const o = await imp(cmd, file);
      expect(o.code, cmd).toBe(0);
      expect(o.err).toBe("");
    }
    const short = await imp("read", file, "-Y", "imp.malformed.short");
    expect(lines(short.out).length).toBeGreaterThan(10);
  });

  it("--no-heuristic on another port shows nothing; the heuristic takes only plausible IMP", async () => {
    const moved = garbage.map((d) => ({
      ...d,
      dst: { ...d.dst, port: 4000 },
      src: d.src.port === 1313 ? { ...d.src, port: 4000 } : d.src,
    }));
    const file2 = tmp.path("garbage-4000.pcapng");
    writeCapture(file2, moved);
    expect((await imp("read", file2, "--no-heuristic")).out).toBe("");
    const heur = await imp("read", file2);
    expect(heur.out).not.toContain("[Malformed");
    expect(lines((await imp("read", file2, "--port", "4000")).out)).toHaveLength(garbage.length);
  });
});

describe("truncated and damaged captures", () => {
  const file = bundled("centralized-messaging.pcapng");
  const bytes = readFileSync(file);

  it("prints every packet before the damage, then one line with the byte offset on stderr, exit 2", async () => {
    const cut = tmp.path("cut.pcapng");
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const whole = lines((await imp("read", file)).out);
    const r = await imp("read", cut);
    expect(r.code).toBe(2);
    const got = lines(r.out);
    expect(got.length).toBeGreaterThan(10);
    expect(got).toEqual(whole.slice(0, got.length));
    expect(lines(r.err)).toHaveLength(1);
    expect(r.err).toMatch(/^imp: .*cut\.pcapng: truncated block (header )?at byte \d+: \d+ bytes? (needed|says)/);
    // JSON stays an array even then.
    const j = await imp("read", cut, "-T", "json");
    expect(j.code).toBe(2);
    expect(JSON.parse(j.out)).toHaveLength(got.length);
    // Two passes: the first pass stops at the damage, the second prints up to it.
    const two = await imp("read", cut, "-2");
    expect(two.code).toBe(2);
    expect(lines(two.out)).toHaveLength(got.length);
  });

  it("stats, flow and chat report what came before the damage, then exit 2 with one line", async () => {
    const cut = tmp.path("cut-loss.pcapng");
    const loss = readFileSync(bundled("packet-loss.pcapng"));
    writeFileSync(cut, loss.subarray(0, loss.length - 10));
    for (const [cmd, seen] of [
      ["stats", "Messages per type"],
      ["flow", "ConnReq"],
      ["chat", "alice: can you hear me?"],
    ] as const) {
      const r = await imp(cmd, cut);
      expect(r.code, cmd).toBe(2);
      expect(r.out, cmd).toContain(seen);
      expect(lines(r.err), cmd).toHaveLength(1);
      expect(r.err).toMatch(/truncated block/);
    }
  });

  it("stats counts the packets read before the damage: N IMP datagrams in M packets, M the packets delivered", async () => {
    const cut = tmp.path("cut-count.pcapng");
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    let delivered = 0;
    await expect(readCapture(cut, () => void delivered++)).rejects.toBeInstanceOf(CaptureFormatError);
    expect(delivered).toBeGreaterThan(10);
    const shown = lines((await imp("read", cut)).out).length;
    const r = await imp("stats", cut);
    expect(r.code).toBe(2);
    expect(r.out).toContain(`  ${shown} IMP datagrams in ${delivered} packets over `);
    const j = await imp("stats", cut, "-T", "json");
    expect(j.code).toBe(2);
    expect(JSON.parse(j.out)).toMatchObject({ packets: delivered, impDatagrams: shown, otherPackets: delivered - shown });
  });

  it("never throws anything but CaptureFormatError, whatever the cut point or flipped byte", async () => {
    const filter = compileFilter('imp.analysis.acked_in || imp.data contains "a"');
    if (!filter.ok) throw new Error("filter");
    const random = seeded(11);
    const variants: Uint8Array[] = [];
    for (let cutAt = 0; cutAt <= bytes.length; cutAt += 37) variants.push(bytes.subarray(0, cutAt));
    for (let i = 0; i < 60; i++) {
      const b = Uint8Array.from(bytes);
      for (let k = 0; k < 4; k++) b[Math.floor(random() * b.length)] = Math.floor(random() * 256);
      variants.push(b);
    }
    let damaged = 0;
    for (const [i, v] of variants.entries()) {
      const path = tmp.path(`v${i % 4}.pcapng`);
      writeFileSync(path, v);
      for (const format of READ_FORMATS) {
        const sink = stringSink();
        try {
          await runRead(
            fileSource(path),
            { format, filter: i % 2 ? filter.filter : null, fields: ["imp.src", "imp.analysis.ack_to"], verbose: i % 3 === 0, hex: true },
            sink,
            () => fileSource(path),
          );
        } catch (e) {
          expect(e).toBeInstanceOf(CaptureFormatError);
          damaged++;
        }
      }
    }
    expect(damaged).toBeGreaterThan(0);
  });
});
