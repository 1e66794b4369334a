/**
 * The live source: against a stand-in for cap everywhere (copies out of the shared buffer, cut
 * packets, -c, stop, errors), and on the real loopback as root (the reference server and clients
 * of a scenario, compared with what they sent; the -w file against the capture reader and tshark).
 */
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { buildUdpPackets, LinkType, readCapture, wrapLink, type CapturePacket } from "../../dissector/capture/index.js";
import { readImpDatagrams } from "../../dissector/imp-frames.js";
import { LiveCaptureError, liveSource, missingCap, NO_LIBPCAP_MESSAGE, recordLive } from "../../dissector/live/index.js";
import { encode } from "../../src/codec/index.js";
import { findScenario, runScenario } from "../../src/scenario/index.js";
import { delay, fakeCap, freePort, needLive, reservePort, sendUdp, tempDir, tsharkCount, until } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
const client = { ip: "127.0.0.1", port: 40001 };
const server = { ip: "127.0.0.1", port: 1313 };

function frameOf(payload: Uint8Array): Uint8Array {
  return wrapLink(LinkType.ETHERNET, buildUdpPackets(client, server, payload)[0]!);
}

function messages(n: number, tag = "m"): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => encode({ type: 5, seq: i & 1, src: 2, group: 1, data: `${tag}${i}` }));
}

describe("liveSource against a stand-in for cap", () => {
  it("opens with the interface, filter and buffer size, and reports the link type before any packet", async () => {
    const cap = fakeCap({ linkName: "LINKTYPE_LINUX_SLL" });
    const source = liveSource({ interface: "any", filter: "udp port 1313", bufferSize: 4096, loader: cap.loader });
    expect(source.live).toBe(true);
    expect(source.description).toBe("live capture on any");
    expect(source.linkType).toBeNull();
    const events: string[] = [];
    source.onOpen((info) => {
      events.push(`open ${info.interface} ${info.filter} ${info.linkType} ${info.snaplen}`);
      queueMicrotask(() => source.stop());
    });
    const end = await source.run(() => events.push("packet"));
    expect(events).toEqual(["open any udp port 1313 113 65535"]);
    expect(cap.opened).toEqual({ device: "any", filter: "udp port 1313", bufferSize: 4096 });
    expect(cap.closed).toBe(true);
    expect(source.linkType).toBe(LinkType.LINUX_SLL);
    expect(end).toEqual({ packets: 0, stats: { received: 0, delivered: 0, truncated: 0, dropped: null } });
  });

  it("copies each packet out of cap's shared buffer: kept packets stay intact", async () => {
    const cap = fakeCap();
    const source = liveSource({ loader: cap.loader });
    const sent = messages(50);
    source.onOpen(() =>
      setImmediate(() => {
        for (const m of sent) cap.emit(frameOf(m));
        source.stop();
      }),
    );
    const kept: CapturePacket[] = [];
    const end = await source.run((p) => kept.push(p));
    expect(end.packets).toBe(50);
    expect(kept.map((p) => p.frame)).toEqual(sent.map((_, i) => i + 1));
    expect(kept.map((p) => hex(p.data.subarray(42)))).toEqual(sent.map(hex));
    for (const p of kept) {
      expect(p.linkType).toBe(LinkType.ETHERNET);
      expect(p.capturedLength).toBe(p.data.length);
      expect(p.originalLength).toBe(p.data.length);
      expect(p.interfaceId).toBe(0);
    }
  });

  it("stamps packets with a wall clock that never goes backwards", async () => {
    const cap = fakeCap();
    const source = liveSource({ loader: cap.loader, maxPackets: 20 });
    source.onOpen(() => setImmediate(() => messages(20).forEach((m) => void cap.emit(frameOf(m)))));
    const stamps: [number, number][] = [];
    const before = Date.now();
    await source.run((p) => stamps.push([p.tsSec, p.tsNsec]));
    const after = Date.now();
    expect(stamps).toHaveLength(20);
    for (let i = 0; i < stamps.length; i++) {
      const [s, ns] = stamps[i]!;
      expect(Number.isInteger(s) && Number.isInteger(ns) && ns >= 0 && ns < 1e9).toBe(true);
      const ms = s * 1000 + ns / 1e6;
      expect(ms).toBeGreaterThanOrEqual(before - 5);
      expect(ms).toBeLessThanOrEqual(after + 5);
      if (i > 0) {
        const [ps, pns] = stamps[i - 1]!;
        expect(s > ps || (s === ps && ns >= pns)).toBe(true);
      }
    }
  });

  it("stops by itself after maxPackets, even when more arrive in the same dispatch", async () => {
    const cap = fakeCap();
    const source = liveSource({ loader: cap.loader, maxPackets: 3 });
    source.onOpen(() => setImmediate(() => messages(10).forEach((m) => void cap.emit(frameOf(m)))));
    const frames: number[] = [];
    const end = await source.run((p) => frames.push(p.frame));
    expect(frames).toEqual([1, 2, 3]);
    expect(end.stats).toMatchObject({ received: 3, delivered: 3 });
    expect(cap.closed).toBe(true);
  });

  it("cuts packets to snaplen and tells the wire length from the IP header", async () => {
    const cap = fakeCap();
    const source = liveSource({ loader: cap.loader, snaplen: 60, maxPackets: 2 });
    const big = encode({ type: 5, seq: 0, src: 2, group: 1, data: "z".repeat(500) });
    source.onOpen(() =>
      setImmediate(() => {
        cap.emit(frameOf(big));
        cap.emit(frameOf(messages(1)[0]!));
      }),
    );
    const got: { cap: number; wire: number; len: number }[] = [];
    const end = await source.run((p) => got.push({ cap: p.capturedLength, wire: p.originalLength, len: p.data.length }));
    expect(got[0]).toEqual({ cap: 60, wire: 14 + 20 + 8 + big.length, len: 60 });
    expect(got[1]!.cap).toBe(got[1]!.wire);
    expect(end.stats.truncated).toBe(1);
  });

  it("tells the wire length of a packet libpcap cut at 65535 bytes", async () => {
    const cap = fakeCap();
    const source = liveSource({ loader: cap.loader, maxPackets: 1 });
    const payload = new Uint8Array(65_507); // the largest UDP payload over IPv4: 65 549 bytes with Ethernet
    const frame = frameOf(payload);
    source.onOpen(() => setImmediate(() => cap.emit(frame.subarray(0, 65_535))));
    const got: CapturePacket[] = [];
    await source.run((p) => got.push(p));
    expect(got[0]!.capturedLength).toBe(65_535);
    expect(got[0]!.originalLength).toBe(frame.length);
  });

  it("stop() before the interface opens ends the run without opening it", async () => {
    const cap = fakeCap();
    const source = liveSource({ loader: cap.loader });
    const run = source.run(() => {});
    source.stop();
    expect((await run).packets).toBe(0);
    expect(cap.opened).toBeNull();
    await expect(source.run(() => {})).rejects.toThrow(/runs once/);
  });

  it("an error thrown by the callback ends the run with it and closes the handle", async () => {
    const cap = fakeCap();
    const source = liveSource({ loader: cap.loader });
    source.onOpen(() => setImmediate(() => messages(5).forEach((m) => void cap.emit(frameOf(m)))));
    let calls = 0;
    await expect(
      source.run(() => {
        if (++calls === 2) throw new Error("consumer broke");
      }),
    ).rejects.toThrow("consumer broke");
    expect(calls).toBe(2);
    expect(cap.closed).toBe(true);
  });

  it.each([
    [
      "socket: Operation not permitted",
      "permission",
      "capturing on lo needs root or CAP_NET_RAW: run as root, or sudo setcap cap_net_raw,cap_net_admin=eip $(readlink -f $(which node))",
    ],
    [
      "You don't have permission to capture on that device (socket: Operation not permitted)",
      "permission",
      "capturing on lo needs root or CAP_NET_RAW",
    ],
    [
      "can't parse filter expression: syntax error",
      "bad-filter",
      'invalid capture filter "udp port": can\'t parse filter expression: syntax error',
    ],
    ["No such device exists", "no-interface", 'no interface named "lo"'],
    ["That device is not up", "open-failed", "cannot capture on lo: That device is not up"],
  ])("turns libpcap's %j into a LiveCaptureError (%s)", async (message, reason, sentence) => {
    const source = liveSource({ filter: "udp port", loader: fakeCap({ openError: message }).loader });
    const error = await source.run(() => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LiveCaptureError);
    expect((error as LiveCaptureError).reason).toBe(reason);
    expect((error as LiveCaptureError).message).toContain(sentence);
  });

  it("refuses an interface libpcap does not list, before opening it", async () => {
    const cap = fakeCap({ devices: ["eth0", "lo"] });
    const error = await liveSource({ interface: "wlan9", loader: cap.loader })
      .run(() => {})
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      reason: "no-interface",
      message: 'no interface named "wlan9": run imp sniff -D to list the interfaces (eth0, lo)',
    });
    expect(cap.opened).toBeNull();
  });

  it("without cap: the one sentence on installing libpcap", async () => {
    await expect(liveSource({ loader: missingCap }).run(() => {})).rejects.toMatchObject({
      reason: "no-libpcap",
      message: NO_LIBPCAP_MESSAGE,
    });
  });

  it("checks its options", () => {
    expect(() => liveSource({ snaplen: 0 })).toThrow(RangeError);
    expect(() => liveSource({ snaplen: 65536 })).toThrow(RangeError);
    expect(() => liveSource({ maxPackets: 0 })).toThrow(RangeError);
  });

  it("recordLive writes every delivered packet and closes the file when the run ends", async () => {
    const cap = fakeCap();
    const file = tmp.path("fake.pcapng");
    const source = recordLive(liveSource({ loader: cap.loader, maxPackets: 4 }), { path: file });
    const sent = messages(6);
    source.onOpen(() => setImmediate(() => sent.forEach((m) => void cap.emit(frameOf(m)))));
    const delivered: CapturePacket[] = [];
    await source.run((p) => delivered.push(p));
    expect(source.file?.frames).toBe(4);
    const fromFile: CapturePacket[] = [];
    const summary = await readCapture(file, (p) => fromFile.push({ ...p, data: p.data.slice() }));
    expect(summary.format).toBe("pcapng");
    expect(summary.interfaces[0]).toMatchObject({ linkType: LinkType.ETHERNET, name: "lo", unitsPerSecond: 1e9, snaplen: 65535 });
    expect(fromFile.map((p) => [p.tsSec, p.tsNsec, p.originalLength, hex(p.data)])).toEqual(
      delivered.map((p) => [p.tsSec, p.tsNsec, p.originalLength, hex(p.data)]),
    );
  });

  it("recordLive ends the run with the file-system error when the file cannot be created", async () => {
    const source = recordLive(liveSource({ loader: fakeCap().loader }), { path: tmp.path("no/such/dir/x.pcapng") });
    await expect(source.run(() => {})).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("liveSource on the loopback (root)", () => {
  it("captures what the reference server and clients send: same payloads, same order per direction", async (ctx) => {
    await needLive(ctx);
    const port = await freePort();
    const source = liveSource({ interface: "lo", filter: `udp port ${port}` });
    const opened = new Promise<void>((resolve) => source.onOpen(() => resolve()));
    const captured: { key: string; hex: string }[] = [];
    const reading = readImpDatagrams(source, (d) => captured.push({ key: `${d.src}>${d.dst}`, hex: hex(d.payload) }), {
      recognition: { ports: [port], heuristic: false },
    });
    await opened;
    const result = await runScenario(findScenario("centralized-messaging")!, { port, rto: 60, inviteTimeoutMs: 300 });
    const sent = result.datagrams
      .filter((d) => !d.dropped)
      .map((d) => ({ key: `${d.src.ip}:${d.src.port}>${d.dst.ip}:${d.dst.port}`, hex: hex(d.payload) }));
    expect(sent.length).toBeGreaterThan(10);
    await until(() => captured.length >= sent.length, 5000);
    await delay(50); // anything extra would show up now
    source.stop();
    const { end, counters } = await reading;
    const byDirection = (list: { key: string; hex: string }[]) => {
      const map: Record<string, string[]> = {};
      for (const { key, hex } of list) (map[key] ??= []).push(hex);
      return map;
    };
    expect(byDirection(captured)).toEqual(byDirection(sent));
    expect(captured.length).toBe(sent.length);
    expect(counters).toMatchObject({ packets: sent.length, imp: sent.length, notUdp: 0, otherUdp: 0 });
    expect(end.packets).toBe(sent.length);
  });

  it("writes a pcapng file that is readable while capturing and complete after stop, for impkit and tshark", async (ctx) => {
    await needLive(ctx);
    const { port, release } = await reservePort();
    onTestFinished(release);
    const file = tmp.path("lo.pcapng");
    const source = recordLive(liveSource({ interface: "lo", filter: `udp port ${port}` }), { path: file, flushIntervalMs: 50 });
    const opened = new Promise<void>((resolve) => source.onOpen(() => resolve()));
    const kept: CapturePacket[] = [];
    const run = source.run((p) => kept.push(p));
    await opened;
    const first = messages(5, "a");
    await sendUdp(port, first);
    expect(await until(() => kept.length >= 5)).toBe(true);
    await delay(150);
    let during = 0;
    await readCapture(file, () => during++);
    expect(during).toBe(5);
    const second = messages(3, "b");
    await sendUdp(port, second);
    expect(await until(() => kept.length >= 8)).toBe(true);
    source.stop();
    const end = await run;
    expect(end.packets).toBe(8);
    // Kept without copying: the source hands out copies.
    expect(kept.map((p) => hex(p.data.subarray(42)))).toEqual([...first, ...second].map(hex));
    const fromFile: string[] = [];
    const summary = await readCapture(file, (p) => fromFile.push(hex(p.data)));
    expect(summary.interfaces[0]).toMatchObject({ linkType: LinkType.ETHERNET, name: "lo" });
    expect(fromFile).toEqual(kept.map((p) => hex(p.data)));
    const count = tsharkCount(file);
    if (count !== null) expect(count).toBe(8);
  });

  it("stops after maxPackets on the real interface", async (ctx) => {
    await needLive(ctx);
    const { port, release } = await reservePort();
    onTestFinished(release);
    const source = liveSource({ interface: "lo", filter: `udp port ${port}`, maxPackets: 4 });
    const opened = new Promise<void>((resolve) => source.onOpen(() => resolve()));
    const frames: number[] = [];
    const run = source.run((p) => frames.push(p.frame));
    await opened;
    await sendUdp(port, messages(10));
    const end = await Promise.race([run, delay(5000).then(() => null)]);
    expect(end?.packets).toBe(4);
    expect(frames).toEqual([1, 2, 3, 4]);
  });

  it("captures on any with the LINUX_SLL link type", async (ctx) => {
    await needLive(ctx);
    const { port, release } = await reservePort();
    onTestFinished(release);
    const source = liveSource({ interface: "any", filter: `udp port ${port}`, maxPackets: 1 });
    const opened = new Promise<void>((resolve) => source.onOpen(() => resolve()));
    const got: CapturePacket[] = [];
    const run = source.run((p) => got.push(p));
    await opened;
    await sendUdp(port, messages(1));
    await Promise.race([run, delay(5000)]);
    source.stop();
    expect(got[0]?.linkType).toBe(LinkType.LINUX_SLL);
  });

  it("real libpcap errors: a bad filter, an unknown interface", async (ctx) => {
    await needLive(ctx);
    await expect(liveSource({ filter: "udp port" }).run(() => {})).rejects.toMatchObject({ reason: "bad-filter" });
    await expect(liveSource({ interface: "nosuch0" }).run(() => {})).rejects.toMatchObject({ reason: "no-interface" });
  });
});
