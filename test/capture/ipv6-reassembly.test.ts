/**
 * IPv6 fragments (fragment headers) reassembled as IPv4 fragments are: in and out of order,
 * duplicates and overlaps, kept apart from IPv4 datagrams with the same id, bounded; and in a
 * capture file, `imp read` shows the datagram at its last fragment, with the frame tshark
 * reassembles it in and the same UDP payload.
 */
import { writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { encode } from "../../src/codec/index.js";
import {
  buildUdpPackets,
  createCaptureWriter,
  Ipv4Reassembler,
  LinkType,
  parseFrame,
  type UdpFrame,
} from "../../dissector/capture/index.js";
import { bufferIo } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/program.js";
import { hex, needTools, tempDir, tshark } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const A6 = { ip: "2001:db8::10", port: 1313 };
const B6 = { ip: "fd00::20", port: 40000 };

function fragments6(payload: Uint8Array, id: number, mtu = 1280, src = A6): UdpFrame[] {
  return buildUdpPackets(src, B6, payload, { id, mtu }).map((p) => parseFrame(LinkType.RAW, p)!);
}

function listResponse(entries: number): Uint8Array {
  const entry = Array.from({ length: entries }, (_, i) => ({
    client_id: i + 1,
    group: 1,
    username: `user${i + 1}`,
    ip: "10.0.0.9",
    port: 40000 + i,
  }));
  return encode({ type: 4, seq: 1, src: 0, group: 1, entry });
}

describe("IPv6 fragment headers", () => {
  it("are written beyond the MTU and parsed: id, offset, M flag; the first carries the UDP header", () => {
    const parts = fragments6(new Uint8Array(3000).fill(1), 0x12345, 1280);
    expect(parts).toHaveLength(3);
    expect(parts.map((p) => [p.ipVersion, p.fragment?.offset, p.fragment?.moreFragments, p.fragment?.id, p.fragment?.protocol])).toEqual([
      [6, 0, true, 0x12345, 17],
      [6, 1232, true, 0x12345, 17],
      [6, 2464, false, 0x12345, 17],
    ]);
    expect([parts[0]!.src.port, parts[0]!.dst.port, parts[1]!.src.port]).toEqual([1313, 40000, 0]);
  });

  it("are reassembled in order and out of order, with duplicates, into the UDP payload and its frames", () => {
    const payload = listResponse(250);
    const parts = fragments6(payload, 7);
    expect(parts.length).toBeGreaterThan(3);
    const inOrder = new Ipv4Reassembler();
    const done = parts.map((p, i) => inOrder.push(i + 1, p)).filter((d) => d !== null);
    expect(done).toHaveLength(1);
    expect(hex(done[0]!.payload)).toBe(hex(payload));
    expect([done[0]!.ipVersion, String(done[0]!.src), String(done[0]!.dst), done[0]!.frames]).toEqual([
      6,
      "[2001:db8::10]:1313",
      "[fd00::20]:40000",
      parts.map((_, i) => i + 1),
    ]);

    const shuffled = new Ipv4Reassembler();
    const order = [2, 0, 2, 3, 1].filter((i) => i < parts.length);
    const rest = parts.map((_, i) => i).filter((i) => !order.includes(i));
    const results = [...order, ...rest].map((i, n) => shuffled.push(100 + n, parts[i]!)).filter((d) => d !== null);
    expect(results).toHaveLength(1);
    expect(hex(results[0]!.payload)).toBe(hex(payload));
    expect(shuffled.pending).toBe(0);
  });

  it("accepts overlapping fragments as the IPv4 path does, and keeps IPv4 and IPv6 datagrams of one id apart", () => {
    const payload = new Uint8Array(2000).map((_, i) => i & 255);
    const parts = fragments6(payload, 3);
    // An overlapping copy: the first fragment's data again from byte 8, more fragments set.
    const overlap: UdpFrame = { ...parts[0]!, payload: parts[0]!.payload.subarray(8), fragment: { ...parts[0]!.fragment!, offset: 8 } };
    const v4 = buildUdpPackets({ ip: "10.0.0.1", port: 1313 }, { ip: "10.0.0.2", port: 40000 }, new Uint8Array(2000).fill(9), {
      id: 3,
      mtu: 576,
    }).map((p) => parseFrame(LinkType.RAW, p)!);
    const r = new Ipv4Reassembler();
    const got = [parts[0]!, v4[0]!, overlap, v4[1]!, parts[1]!, ...v4.slice(2), ...parts.slice(2)]
      .map((p, i) => r.push(i + 1, p))
      .filter((d) => d !== null);
    expect(parts).toHaveLength(2);
    expect(got.map((d) => [d.ipVersion, d.payload.length])).toEqual([
      [6, 2000],
      [4, 2000],
    ]);
    expect(hex(got[0]!.payload)).toBe(hex(payload));
    expect(hex(got[1]!.payload)).toBe(hex(new Uint8Array(2000).fill(9)));
    expect(r.pending).toBe(0);
  });

  it("checks lengths first and stays within its bounds", () => {
    const r = new Ipv4Reassembler({ maxDatagrams: 3 });
    const last = fragments6(new Uint8Array(3000), 9).at(-1)!;
    expect(r.push(1, { ...last, fragment: { ...last.fragment!, offset: 65528 } })).toBeNull();
    expect(r.pending).toBe(0);
    for (let id = 0; id < 50; id++) r.push(id, fragments6(new Uint8Array(3000), id)[0]!);
    expect(r.pending).toBe(3);
    expect(r.dropped).toBe(47);
  });
});

describe("imp read on IPv6 fragments", () => {
  const list = listResponse(200);
  const request = encode({ type: 3, seq: 1, src: 1, group: 1 });
  const client = { ip: "fd00::20", port: 40000 };
  const server = { ip: "2001:db8::10", port: 1313 };

  /** Frames: 1 request; 2..4 the list's fragments (order given); 5 the ACK. */
  function write(name: string, order: readonly number[]): string {
    const w = createCaptureWriter({ format: "pcapng", nanosecond: true });
    const t = 1_700_000_000;
    w.writeDatagram({ tsSec: t, tsNsec: 0, src: client, dst: server, payload: request });
    const parts = buildUdpPackets(server, client, list, { id: 0xabcdef, mtu: 1280 });
    expect(parts).toHaveLength(3);
    order.forEach((i, n) => {
      w.writeFrame(wrap(parts[i]!), { tsSec: t, tsNsec: 1000 * (n + 1) });
    });
    w.writeDatagram({ tsSec: t, tsNsec: 9000, src: client, dst: server, payload: encode({ type: 4, seq: 1, ack: 1, src: 1 }) });
    const path = tmp.path(name);
    writeFileSync(path, w.bytes());
    return path;
  }

  async function read(...argv: string[]) {
    const io = bufferIo();
    const code = await runCli(["read", ...argv], io);
    return { code, out: io.stdout(), err: io.stderr() };
  }

  for (const [name, order] of [
    ["in order", [0, 1, 2]],
    ["out of order", [2, 0, 1]],
  ] as const) {
    it(`${name}: one User List Response at its last fragment, as tshark reassembles it`, async (ctx) => {
      const file = write(`v6-${order.join("")}.pcapng`, order);
      const r = await read(file, "-T", "fields", "-e", "frame.number", "-e", "imp.type");
      expect(r.code).toBe(0);
      expect(r.out).toBe("1\t3\n4\t4\n5\t4\n");
      const summary = (await read(file)).out.split("\n").filter((l) => l !== "");
      expect(summary.map((l) => Number(l.trim().split(/\s+/)[0]))).toEqual([1, 4, 5]);
      expect(summary[1]).toMatch(/User List Response 200 entries/);
      const json = JSON.parse((await read(file, "-T", "json")).out) as { "ip.fragments"?: number[]; imp: { "imp.entry"?: unknown[] } }[];
      expect(json[1]!["ip.fragments"]).toEqual([2, 3, 4]);
      expect(json[1]!.imp["imp.entry"]).toHaveLength(200);
      const v = await read(file, "-V", "-Y", "frame.number == 4");
      expect(v.out).toContain("[3 IPv6 Fragments (3213 bytes): #2, #3, #4]");
      needTools(ctx, ["tshark"]);
      const rows = tshark(file, [
        "-o",
        "ipv6.defragment:TRUE",
        "-Y",
        "udp",
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-e",
        "frame.number",
        "-e",
        "udp.payload",
      ]);
      expect(rows).toEqual([`1|${hex(request)}`, `4|${hex(list)}`, expect.stringMatching(/^5\|/)]);
    });
  }
});

/** An IPv6 packet in an Ethernet frame. */
function wrap(packet: Uint8Array): Uint8Array {
  const frame = new Uint8Array(14 + packet.length);
  frame.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x86, 0xdd]);
  frame.set(packet, 14);
  return frame;
}
