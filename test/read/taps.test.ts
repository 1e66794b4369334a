/**
 * The -z taps, the -t time formats and the reassembler's give-up report on their own: tshark's
 * byte sizes, io,stat intervals (whole capture, sub-second, "Dur"), and every bound (rows,
 * intervals, expert texts, datagrams held) with what is said of what did not fit.
 */
import { describe, expect, it } from "vitest";
import { buildUdpPackets, Ipv4Reassembler, LinkType, parseFrame, type IncompleteDatagram } from "../../dissector/capture/index.js";
import type { UdpFrame } from "../../dissector/capture/parse-frame.js";
import type { CapturePacket } from "../../dissector/capture/packet.js";
import { ExpertTap } from "../../dissector/read/taps/expert-tap.js";
import { IoStatTap } from "../../dissector/read/taps/io-stat.js";
import { sizeText } from "../../dissector/read/taps/size-text.js";
import { parseTap } from "../../dissector/read/taps/tap.js";
import { UdpConversationsTap, UdpEndpointsTap } from "../../dissector/read/taps/udp-conversations.js";
import { formatTime, type FrameTimes } from "../../dissector/read/time-format.js";

function packet(frame: number, t: number, length = 60): CapturePacket {
  const sec = Math.floor(t);
  return {
    frame,
    tsSec: 1_700_000_000 + sec,
    tsNsec: Math.round((t - sec) * 1e9),
    interfaceId: 0,
    linkType: 1,
    capturedLength: length,
    originalLength: length,
    data: new Uint8Array(length),
    offset: 0,
  };
}

function udp(srcPort: number, dstPort: number): UdpFrame {
  return parseFrame(
    LinkType.RAW,
    buildUdpPackets({ ip: "10.0.0.1", port: srcPort }, { ip: "10.0.0.2", port: dstPort }, new Uint8Array(4), { id: 1 })[0]!,
  )!;
}

describe("-z taps", () => {
  it("sizes as tshark's format_size: bytes below 10 kB, then SI prefixes", () => {
    expect([0, 9999, 10_000, 12_286, 9_999_999, 10_000_000, 12_345_678_901].map(sizeText)).toEqual([
      "0 bytes",
      "9999 bytes",
      "10 kB",
      "12 kB",
      "9999 kB",
      "10 MB",
      "12 GB",
    ]);
  });

  it("io,stat: intervals from the first packet, the last one ending at the capture's end (Dur for whole seconds)", () => {
    const tap = new IoStatTap("0.5");
    for (const [i, t] of [0, 0.2, 0.7, 1.6].entries()) tap.packet(packet(i + 1, t, 100 + i));
    const rows = [...tap.render().matchAll(/^\| ([\d.]+ <> [\d.A-Za-z]+) +\| +(\d+) \| +(\d+) \|/gm)].map((m) => m.slice(1).join(" "));
    expect(rows).toEqual(["0.0 <> 0.5 2 201", "0.5 <> 1.0 1 102", "1.0 <> 1.5 0 0", "1.5 <> 1.6 1 103"]);
    const whole = new IoStatTap("1");
    for (const [i, t] of [0, 2.5].entries()) whole.packet(packet(i + 1, t));
    expect(whole.render()).toMatch(/^\| 2 <> Dur +\| +1 \| +60 \|$/m);
    const all = new IoStatTap("0");
    for (const [i, t] of [0, 3.25].entries()) all.packet(packet(i + 1, t));
    expect(all.render()).toMatch(/^\| 0\.000 <> 3\.250 \| +2 \| +120 \|$/m);
  });

  it("io,stat is bounded: packets past the last interval kept are counted on a line of their own", () => {
    const tap = new IoStatTap("1", 3);
    for (let t = 0; t < 10; t++) tap.packet(packet(t + 1, t));
    const text = tap.render();
    expect(text.match(/^\| \d+ <> /gm)).toHaveLength(3);
    expect(text).toContain("(7 frames past the first 3 intervals not counted)");
  });

  it("conv,udp and endpoints,udp are bounded: later conversations are counted, not listed", () => {
    const conv = new UdpConversationsTap(2);
    const ends = new UdpEndpointsTap(3);
    for (let i = 0; i < 5; i++) {
      const p = packet(i + 1, i * 0.1);
      conv.packet(p, udp(40000 + i, 1313));
      ends.packet(p, udp(40000 + i, 1313));
    }
    expect(conv.render().match(/<->/g)).toHaveLength(2);
    expect(conv.render()).toContain("(3 datagrams of other conversations past the first 2 not listed)");
    expect(ends.render()).toContain("(3 datagrams of other endpoints past the first 3 not listed)");
    // Fragments are not counted by their frames (a reassembled datagram is, once whole).
    const frag = { ...udp(1, 2), fragment: { id: 1, offset: 0, moreFragments: true, protocol: 17 } } as UdpFrame;
    const none = new UdpConversationsTap();
    none.packet(packet(1, 0), frag);
    expect(none.render()).not.toContain("<->");
  });

  it("expert: by severity, a row per distinct text with its count; a level keeps that one and those above; bounded", () => {
    const tap = new ExpertTap("warn", 2);
    const item = (severity: "error" | "warning" | "note", text: string) => tap.item({ category: "malformed", severity, text });
    item("error", "a");
    item("error", "a");
    item("warning", "b");
    item("note", "hidden");
    item("warning", "c");
    const text = tap.render();
    expect(text).toMatch(
      /^Errors \(2\)\n=============\n {3}Frequency {6}Group {11}Protocol {2}Summary\n {11}2 {2}Malformed {16}IMP {2}a$/m,
    );
    expect(text).toMatch(/^Warns \(1\)$/m);
    expect(text).not.toContain("hidden");
    expect(text).toContain("(1 more items past 2 distinct texts not listed)");
  });

  it("parseTap knows io,stat,N, conv,udp, endpoints,udp and expert[,level], nothing else", () => {
    for (const ok of ["io,stat,1", "io,stat,0.25", "io,stat,0", "conv,udp", "endpoints,udp", "expert", "expert,warn"])
      expect(() => parseTap(ok)).not.toThrow();
    for (const bad of ["io,stat", "io,stat,", "conv,tcp", "endpoints,ip", "expert,loud", "follow,udp,ascii,0"])
      expect(() => parseTap(bad)).toThrow(/not a statistic impkit knows/);
  });
});

describe("-t time formats", () => {
  const t = (sec: number, nsec: number, prev: [number, number], shown: [number, number]): FrameTimes => ({
    tsSec: sec,
    tsNsec: nsec,
    refSec: 1_700_000_000,
    refNsec: 500_000_000,
    prevSec: prev[0],
    prevNsec: prev[1],
    shownSec: shown[0],
    shownNsec: shown[1],
  });
  it("r, d, dd and e in seconds with 6 decimals (rounded to the microsecond, signed before the reference)", () => {
    const f = t(1_700_000_012, 250_000_600, [1_700_000_012, 0], [1_700_000_010, 0]);
    expect(formatTime("r", f)).toBe("11.750001");
    expect(formatTime("d", f)).toBe("0.250001");
    expect(formatTime("dd", f)).toBe("2.250001");
    expect(formatTime("e", f)).toBe("1700000012.250001");
    expect(formatTime("r", t(1_700_000_000, 0, [0, 0], [0, 0]))).toBe("-0.500000");
    expect(formatTime("e", t(1_700_000_000, 999_999_700, [0, 0], [0, 0]))).toBe("1700000001.000000");
  });
  it("u, ud, udoy in UTC; a, ad, adoy in the zone of the process", () => {
    const f = t(1_700_000_012, 250_000_000, [0, 0], [0, 0]);
    expect(formatTime("u", f)).toBe("22:13:32.250000");
    expect(formatTime("ud", f)).toBe("2023-11-14 22:13:32.250000");
    expect(formatTime("udoy", f)).toBe("2023/318 22:13:32.250000");
    const saved = process.env.TZ;
    process.env.TZ = "Asia/Kolkata";
    try {
      expect(formatTime("a", f)).toBe("03:43:32.250000");
      expect(formatTime("ad", f)).toBe("2023-11-15 03:43:32.250000");
      expect(formatTime("adoy", f)).toBe("2023/319 03:43:32.250000");
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});

describe("the reassembler gives up incomplete datagrams with a reason, never silently", () => {
  const parts = buildUdpPackets({ ip: "10.0.0.1", port: 1313 }, { ip: "10.0.0.2", port: 40000 }, new Uint8Array(2000).fill(7), {
    id: 5,
    mtu: 576,
  }).map((p) => parseFrame(LinkType.RAW, p)!);

  it("at the end of the capture, after a time-out, and when evicted by its bound", () => {
    const seen: IncompleteDatagram[] = [];
    const r = new Ipv4Reassembler({ maxDatagrams: 1, timeoutSec: 30, onGiveUp: (d) => seen.push(d) });
    r.push(1, parts[0]!, 100);
    r.push(2, parts[2]!, 101);
    r.push(3, { ...parts[0]!, fragment: { ...parts[0]!.fragment!, id: 6 } }, 102);
    expect(seen.map((d) => [d.reason, d.frames, d.src.port, d.prefix.length])).toEqual([
      ["evicted", [1, 2], 1313, parts[0]!.payload.length],
    ]);
    r.expireAt(200);
    expect(seen.at(-1)!.reason).toBe("timeout");
    r.push(4, parts[1]!, 201);
    r.flush();
    expect(seen.at(-1)).toMatchObject({ reason: "end of capture", frames: [4], total: -1, prefix: new Uint8Array(0) });
    expect(seen.at(-1)!.src.port).toBe(0);
    expect(r.pending).toBe(0);
  });
});
