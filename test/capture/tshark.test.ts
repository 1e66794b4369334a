/**
 * Files written by the writer, read back by the real tshark: same frames, same UDP payloads,
 * same timestamps, and tshark finds the IPv4 and UDP checksums Good (`ip.checksum.status` and
 * `udp.checksum.status` print 1 for Good in tshark 4.0 `-T fields`; `udp.payload` exists in 4.0).
 * tshark missing: skipped outside CI, a failure in CI.
 */
import { describe, expect, it } from "vitest";
import { createCaptureWriter, LinkType, type CaptureWriterOptions, type ImpDatagram } from "../../dissector/capture/index.js";
import { hex, needTools, sampleDatagrams, tempDir, tshark } from "./helpers.js";

const CHECK = ["-o", "udp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE"];
const FIELDS = [
  "-T",
  "fields",
  "-E",
  "separator=|",
  "-e",
  "frame.number",
  "-e",
  "frame.time_epoch",
  "-e",
  "udp.payload",
  "-e",
  "ip.checksum.status",
  "-e",
  "udp.checksum.status",
  "-e",
  "vlan.id",
  "-e",
  "ieee8021ad.id",
];

interface Case {
  name: string;
  options: CaptureWriterOptions;
  datagrams: ImpDatagram[];
  /** Interface of each datagram (pcapng with several interfaces). */
  interfaceOf?: (index: number) => number;
  vlans?: string;
}

const v6 = sampleDatagrams(6).map((d, i) => ({
  ...d,
  src: { ip: i % 2 ? "2001:db8::1" : "fd00::10", port: d.src.port },
  dst: { ip: i % 2 ? "fd00::10" : "2001:db8::1", port: d.dst.port },
}));
const cases: Case[] = [
  { name: "pcap µs little-endian", options: { format: "pcap" }, datagrams: sampleDatagrams() },
  { name: "pcap ns big-endian", options: { format: "pcap", nanosecond: true, byteOrder: "big" }, datagrams: sampleDatagrams() },
  { name: "pcapng µs big-endian", options: { format: "pcapng", byteOrder: "big" }, datagrams: sampleDatagrams() },
  { name: "pcapng ns, fragmented at MTU 576", options: { format: "pcapng", nanosecond: true, mtu: 576 }, datagrams: sampleDatagrams(20) },
  { name: "pcap, IPv6", options: { format: "pcap", nanosecond: true }, datagrams: v6 },
  {
    name: "pcap, 802.1ad + 802.1Q tags",
    options: { format: "pcap", link: { vlans: [{ id: 10, tpid: 0x88a8 }, { id: 20 }] } },
    datagrams: sampleDatagrams(4),
    vlans: "20|10",
  },
  {
    name: "pcapng, 5 interfaces: Ethernet, SLL2, SLL, NULL, raw IP",
    options: {
      format: "pcapng",
      interfaces: [
        { linkType: LinkType.ETHERNET, tsresol: 6 },
        { linkType: LinkType.LINUX_SLL2, tsresol: 9 },
        { linkType: LinkType.LINUX_SLL, tsresol: 9 },
        { linkType: LinkType.NULL, tsresol: 6 },
        { linkType: LinkType.RAW, tsresol: 9 },
      ],
    },
    datagrams: sampleDatagrams(15),
    interfaceOf: (i) => i % 5,
  },
];

function nanos(options: CaptureWriterOptions, index: number, interfaceOf?: (i: number) => number): boolean {
  if (options.interfaces) return (options.interfaces[interfaceOf ? interfaceOf(index) : 0]!.tsresol ?? 6) === 9;
  return options.nanosecond ?? false;
}

describe("tshark reads what the writer writes", () => {
  for (const c of cases) {
    it(c.name, async (ctx) => {
      needTools(ctx, ["tshark"]);
      const tmp = tempDir();
      try {
        const path = tmp.path(`out.${c.options.format}`);
        const writer = createCaptureWriter({ ...c.options, path });
        c.datagrams.forEach((d, i) => {
          writer.writeDatagram(d, c.interfaceOf?.(i) ?? 0);
        });
        await writer.close();
        expect(tshark(path, ["-T", "fields", "-e", "frame.number"])).toHaveLength(writer.frames);
        const rows = tshark(path, [...CHECK, "-Y", "udp", ...FIELDS]).map((line) => line.split("|"));
        expect(rows.map((r) => r[2])).toEqual(c.datagrams.map((d) => hex(d.payload)));
        const times = c.datagrams.map((d, i) => {
          const ns = nanos(c.options, i, c.interfaceOf) ? d.tsNsec! : Math.floor(d.tsNsec! / 1000) * 1000;
          return `${d.tsSec}.${String(ns).padStart(9, "0")}`;
        });
        expect(rows.map((r) => r[1])).toEqual(times);
        const isV4 = c.datagrams.map((d) => !d.src.ip.includes(":"));
        expect(rows.map((r) => r[3])).toEqual(isV4.map((v4) => (v4 ? "1" : "")));
        expect(rows.map((r) => r[4])).toEqual(c.datagrams.map(() => "1"));
        // tshark 4.0 names the 802.1ad (S-)tag ieee8021ad.id and the 802.1Q (C-)tag vlan.id
        if (c.vlans) expect(new Set(rows.map((r) => `${r[5]}|${r[6]}`))).toEqual(new Set([c.vlans]));
        if (c.options.mtu) {
          const fragments = tshark(path, ["-Y", "ip.flags.mf == 1 || ip.frag_offset > 0", "-T", "fields", "-e", "frame.number"]);
          expect(fragments.length).toBeGreaterThan(0);
          const all = tshark(path, [...CHECK, "-T", "fields", "-e", "ip.checksum.status"]);
          expect(new Set(all)).toEqual(new Set(["1"]));
        }
      } finally {
        tmp.cleanup();
      }
    });
  }
});
