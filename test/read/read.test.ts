/**
 * `imp read` through the real command (runCli + bufferIo) on the bundled captures: summary lines,
 * -V, -x, -T json/ndjson/fields, -c, -N, -2, and the error paths (exit 2, one clear message).
 * Frame numbers of the bundled captures are stable (captures/README.md): only ports and
 * timestamps change when they are regenerated.
 */
import { describe, expect, it } from "vitest";
import { encode } from "../../src/codec/index.js";
import { bundled, bundledCaptures, client, frameNumbers, imp, lines, SERVER, tempDir, writeCapture } from "./helpers.js";

const SUMMARY = /^ +(\d+) +(\d+\.\d{6}) (\S+) +→ (\S+) +(.+?) {1,}(.+)$/;

interface JsonPacket {
  "frame.number": number;
  "frame.time_relative": number;
  "ip.src": string;
  "udp.srcport": number;
  "udp.dstport": number;
  imp: Record<string, unknown> & { _expert?: { id: string; category: string }[]; "imp.analysis"?: Record<string, unknown> };
}

describe("imp read: summary", () => {
  it("prints one tshark-like line per IMP datagram: number, time, source, destination, type, Info with names", async () => {
    const r = await imp("read", bundled("centralized-messaging.pcapng"));
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    const ls = lines(r.out);
    for (const l of ls) expect(l).toMatch(SUMMARY);
    expect(frameNumbers(r.out)).toEqual(ls.map((_, i) => i + 1));
    expect(ls[0]).toMatch(/^ +1 +0\.000000 127\.0\.0\.1:\d+ +→ 127\.0\.0\.1:1313 +ConnReq +Connection Request "alice" seq=1$/);
    expect(ls[24]).toContain('Data Message alice(1) → group 1 "hello everyone" seq=1');
    expect(ls[28]).toMatch(/ACK Data +ACK Data Message seq=0 by bob\(2\)$/);
  });

  it("defaults to the bundled demo capture", async () => {
    const a = await imp("read");
    const b = await imp("read", bundled("demo.pcapng"));
    expect(a.code).toBe(0);
    expect(a.out).toBe(b.out);
    expect(lines(a.out).length).toBeGreaterThan(100);
  });

  it("-c N stops after N packets read, shown or not (as tshark -c)", async () => {
    const r = await imp("read", bundled("demo.pcapng"), "-c", "3");
    expect(frameNumbers(r.out)).toEqual([1, 2, 3]);
    // Retransmissions are frames 20, 38, 39...: 39 packets read show three of them, 37 only one.
    const f = await imp("read", bundled("packet-loss.pcapng"), "-c", "39", "-Y", "imp.analysis.retransmission");
    expect(frameNumbers(f.out)).toEqual([20, 38, 39]);
    const g = await imp("read", bundled("packet-loss.pcapng"), "-c", "37", "-Y", "imp.analysis.retransmission");
    expect(frameNumbers(g.out)).toEqual([20]);
  });

  it("-N shows endpoint names instead of addresses", async () => {
    const r = await imp("read", bundled("centralized-messaging.pcapng"), "-N", "-c", "3");
    const ls = lines(r.out);
    expect(ls[1]).toMatch(/^ +2 +\S+ server +→ alice +ConnAccept/);
    // Before the server's accept, the client is not known by name yet (first-pass view).
    expect(ls[0]).toMatch(/127\.0\.0\.1:\d+ +→ server/);
  });

  it("marks retransmissions, duplicate ACKs and (final view) the forced disconnection in Info", async () => {
    const r = await imp("read", bundled("packet-loss.pcapng"));
    const info = new Map(lines(r.out).map((l) => [Number(l.trim().split(/\s+/)[0]), l]));
    expect(info.get(20)).toContain("[Retransmission of 19]");
    expect(info.get(24)).toContain("[Spurious retransmission of 19]");
    expect(info.get(27)).toContain("[Dup ACK of 21]");
    for (const n of [38, 39, 40, 41, 42]) expect(info.get(n)).toContain("[Retransmission of 37]");
    // One pass: what only later frames tell is not shown.
    expect(r.out).not.toContain("[Forced disconnection");
    const two = await imp("read", bundled("packet-loss.pcapng"), "-2");
    const final = new Map(lines(two.out).map((l) => [Number(l.trim().split(/\s+/)[0]), l]));
    expect(final.get(42)).toContain("[Forced disconnection of bob(2)]");
    expect(final.get(37)).toContain("[Unacked]");
    expect(final.get(43)).toContain("Update Disconnection client bob(2)");
  });
});

describe("imp read -V and -x", () => {
  it("prints frame, IP and UDP lines, the IMP tree and the [IMP analysis] subtree", async () => {
    const r = await imp("read", bundled("packet-loss.pcapng"), "-V", "-Y", "frame.number == 20");
    expect(r.code).toBe(0);
    const ls = r.out.split("\n");
    expect(ls[0]).toMatch(/^Frame 20: 73 bytes on wire \(584 bits\), 73 bytes captured \(584 bits\) on interface 0$/);
    expect(r.out).toMatch(/^Internet Protocol Version 4, Src: 127\.0\.0\.1, Dst: 127\.0\.0\.1$/m);
    expect(r.out).toMatch(/^User Datagram Protocol, Src Port: \d+, Dst Port: 1313$/m);
    expect(r.out).toContain(
      "Instant Messenger Protocol, Data Message, Src: 2, Group: 1, Seq: 1\n    0010 1... = Type: Data Message (0x05)",
    );
    expect(r.out).toContain("    Source ID: bob (2)\n");
    expect(r.out).toContain(
      "    [IMP analysis]\n" +
        "        [Conversation index: 2]\n" +
        '        [Source name: "bob"]\n' +
        '        [Destination name: "server"]\n' +
        "        [Retransmission of frame: 19]\n" +
        "            [Expert Info (Note/Sequence): This frame is a (suspected) retransmission of frame 19 (transmission 2)]\n" +
        "        [Transmission number: 2]\n",
    );
  });

  it("-V of several packets separates them by a blank line; -2 adds what later frames tell", async () => {
    const r = await imp("read", bundled("connection-accepted.pcapng"), "-V", "-c", "2", "-2");
    expect(r.out.match(/^Frame \d+:/gm)).toEqual(["Frame 1:", "Frame 2:"]);
    expect(r.out).toContain("\n\nFrame 2:");
    expect(r.out).toContain("[This message was acknowledged in frame: 2]");
    expect(r.out).toContain("[Expert Info (Chat/Protocol): alice(1) connected from 127.0.0.1:");
  });

  it("-x dumps the frame in hex and ASCII after its line", async () => {
    const r = await imp("read", bundled("centralized-messaging.pcapng"), "-x", "-c", "1");
    const ls = r.out.split("\n");
    expect(ls[0]).toMatch(/Connection Request "alice"/);
    expect(ls[1]).toBe("");
    expect(ls[2]).toMatch(/^0000 {2}([0-9a-f]{2} ){16} {2}.{16}$/);
    // 14 (Ethernet) + 20 (IPv4) + 8 (UDP) + 13 (IMP) = 55 bytes: 4 lines, the last of 7 bytes.
    expect(ls[5]).toMatch(/^0030 {2}([0-9a-f]{2} ){7} {27} {2}lice {3}$/);
  });
});

describe("imp read -T json / ndjson / fields", () => {
  it("-T json is an array of packets; imp holds treeToJson's fields, and imp.analysis the analysis", async () => {
    const r = await imp("read", bundled("packet-loss.pcapng"), "-T", "json");
    expect(r.code).toBe(0);
    const packets = JSON.parse(r.out) as JsonPacket[];
    expect(packets.map((p) => p["frame.number"])).toEqual(Array.from({ length: 44 }, (_, i) => i + 1));
    const p20 = packets[19]!;
    expect(p20).toMatchObject({ "ip.src": "127.0.0.1", "udp.dstport": 1313 });
    expect(p20.imp).toMatchObject({
      "imp.type": 5,
      "imp.seq": 1,
      "imp.src": 2,
      "imp.group": 1,
      "imp.data_len": 24,
      "imp.data": "yes, but the line is bad",
    });
    expect(p20.imp["imp.analysis"]).toMatchObject({
      "imp.analysis.retransmission": 19,
      "imp.analysis.transmission": 2,
      "imp.analysis.src_name": "bob",
    });
    expect(typeof packets[20]!.imp["imp.analysis"]!["imp.analysis.ack_rtt"]).toBe("number");
  });

  it("-T json's imp objects are exactly those of imp decode -T json (the Lua comparison's seam), plus imp.analysis", async () => {
    for (const name of ["demo.pcapng", "packet-loss.pcapng"]) {
      const read = JSON.parse((await imp("read", bundled(name), "-T", "json")).out) as JsonPacket[];
      const decode = JSON.parse((await imp("decode", bundled(name), "-T", "json")).out) as JsonPacket[];
      expect(read.length).toBe(decode.length);
      read.forEach((p, i) => {
        const { "imp.analysis": analysis, ...fields } = p.imp;
        expect(fields).toEqual(decode[i]!.imp);
        expect(analysis).toBeDefined();
      });
    }
  });

  it("-T ndjson is one packet per line, the same records", async () => {
    const nd = await imp("read", bundled("disjoint.pcapng"), "-T", "ndjson");
    const json = await imp("read", bundled("disjoint.pcapng"), "-T", "json");
    expect(lines(nd.out).map((l) => JSON.parse(l))).toEqual(JSON.parse(json.out));
  });

  it("-T fields prints the -e fields tab-separated, repeated fields comma-joined, with -E header=y", async () => {
    const r = await imp(
      "read",
      bundled("centralized-messaging.pcapng"),
      "-T",
      "fields",
      "-E",
      "header=y",
      "-e",
      "frame.number",
      "-e",
      "imp.type",
      "-e",
      "imp.entry.username",
      "-e",
      "imp.analysis.ack_to",
      "-e",
      "_ws.col.info",
      "-Y",
      "imp.type == 4",
    );
    expect(r.code).toBe(0);
    const ls = r.out.split("\n");
    expect(ls[0]).toBe("frame.number\timp.type\timp.entry.username\timp.analysis.ack_to\t_ws.col.info");
    expect(ls[1]).toBe("5\t4\talice\t4\tUser List Response alice(1) group 1 to alice(1) seq=0");
    expect(ls[2]).toMatch(/^6\t4\t\t5\tACK User List Response/); // the ACK of frame 5: no entries
    expect(ls[3]).toMatch(/^12\t4\talice,bob\t10\tUser List Response/);
    expect(ls[5]).toMatch(/^21\t4\talice,bob,carol\t18\tUser List Response/);
  });

  it("computed fields (ip.addr, udp.port) print both occurrences", async () => {
    const r = await imp("read", bundled("centralized-messaging.pcapng"), "-T", "fields", "-e", "ip.addr", "-e", "udp.port", "-c", "1");
    expect(r.out).toMatch(/^127\.0\.0\.1,127\.0\.0\.1\t\d+,1313\n$/);
  });

  it("a payload with tabs and newlines stays on its row (escaped), and in one summary line", async () => {
    const tmp = tempDir("imp-read-escape-");
    try {
      const file = tmp.path("escape.pcapng");
      writeCapture(file, [{ src: client(40001), dst: SERVER, payload: encode({ type: 5, seq: 1, src: 1, group: 1, data: "a\tb\nc\\d" }) }]);
      const r = await imp("read", file, "-T", "fields", "-e", "imp.data", "-e", "imp.src");
      expect(r.out).toBe("a\\tb\\nc\\\\d\t1\n");
      expect(lines((await imp("read", file)).out)).toHaveLength(1);
    } finally {
      tmp.cleanup();
    }
  });

  it("-E separator, aggregator, occurrence and quote", async () => {
    const r = await imp(
      "read",
      bundled("centralized-messaging.pcapng"),
      "-T",
      "fields",
      "-e",
      "frame.number",
      "-e",
      "imp.entry.username",
      "-E",
      "separator=;",
      "-E",
      "aggregator=/s",
      "-E",
      "occurrence=l",
      "-E",
      "quote=d",
      "-Y",
      "frame.number == 21",
    );
    expect(r.out).toBe('"21";"carol"\n');
  });
});

describe("imp read: errors (exit 2, a clear message on stderr)", () => {
  it.each([
    [["-T", "xml"], /-T must be one of summary, json, ndjson, fields, ek, pdml/],
    [["-T", "fields"], /-T fields needs at least one -e FIELD/],
    [["-T", "fields", "-e", "imp.nope"], /-e imp\.nope: no such field/],
    [["-e", "imp.src"], /-e only applies with -T fields/],
    [["-E", "header=maybe", "-T", "fields", "-e", "imp.src"], /-E header=maybe/],
    [["-c", "0"], /-c must be a whole number/],
  ])("%j", async (args, message) => {
    const r = await imp("read", bundled("demo.pcapng"), ...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe("");
  });

  it("a missing file or a file that is not a capture: one line naming it", async () => {
    const missing = await imp("read", "/nonexistent/x.pcap");
    expect(missing.code).toBe(2);
    expect(missing.err).toBe("imp: /nonexistent/x.pcap: no such file\n");
    const notCapture = await imp("read", bundled("README.md"));
    expect(notCapture.code).toBe(2);
    expect(lines(notCapture.err)).toHaveLength(1);
    expect(notCapture.err).toMatch(/not a pcap or pcapng file/);
  });
});

describe("every bundled capture", () => {
  for (const name of bundledCaptures()) {
    it(`${name}: decodes with no malformed expert, every frame is IMP, all output formats agree on the frames`, async () => {
      const summary = await imp("read", bundled(name));
      const json = JSON.parse((await imp("read", bundled(name), "-T", "json", "-2")).out) as JsonPacket[];
      expect(summary.code).toBe(0);
      const frames = frameNumbers(summary.out);
      expect(json.map((p) => p["frame.number"])).toEqual(frames);
      expect(frames).toEqual(frames.map((_, i) => i + 1));
      for (const p of json) expect((p.imp._expert ?? []).filter((e) => e.category === "malformed")).toEqual([]);
      const malformed = await imp("read", bundled(name), "-Y", "imp.malformed || imp.protocol.unknown_type");
      expect(malformed.out).toBe("");
    });
  }
});
