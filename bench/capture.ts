/**
 * Capture-file throughput: generates N IMP datagrams with the writer (pcap and pcapng, in a
 * temp dir), then measures the reader alone (raw iteration), reader + parseFrame, and peak RSS;
 * beside it, when installed in IMPKIT_LIBEVAL_DIR (or opts.libraryDir), the npm readers
 * pcap-parser and pcap-ng-parser on the same files.
 *
 *   npx tsx bench/capture.ts [N] [libraryDir]      or      node dist/bench/capture.js [N] [libraryDir]
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode } from "../src/codec/index.js";
import { MSG } from "../src/protocol/messages.js";
import {
  buildUdpPackets,
  createCaptureWriter,
  encodeEpb,
  encodeIdb,
  encodePb,
  encodeShb,
  encodeSpb,
  LinkType,
  parseFrame,
  readCapture,
  wrapLink,
  type CaptureWriterOptions,
} from "../dissector/capture/index.js";
import {
  loadLibraries,
  probeFeatures,
  probePcapNgParser,
  probePcapParser,
  type CraftedFile,
  type FeatureProbe,
  type LibraryProbe,
} from "./capture-libs.js";
import { fmtBytes, PeakRss, printRows, timeItAsync, type BenchRow } from "./report.js";

export interface BenchCaptureOptions {
  /** Datagrams to generate (default 1 000 000). */
  n?: number;
  /** Directory where pcap-parser / pcap-ng-parser are installed (default $IMPKIT_LIBEVAL_DIR). */
  libraryDir?: string;
  /** Read chunk size (default: readCapture's, 1 MiB). */
  chunkSize?: number;
  /** Print the table (default true). */
  print?: boolean;
}

export interface BenchCaptureResult {
  rows: BenchRow[];
  /** Peak RSS while reading, in bytes, per file. */
  peakRss: Record<string, number>;
  fileBytes: Record<string, number>;
  libraries: LibraryProbe[];
  /** Library behaviour on small crafted files (truncated, ns, SPB/PB, several IDBs...). */
  features: FeatureProbe[];
}

function payloadPool(): Uint8Array[] {
  return [
    encode({ type: MSG.data, seq: 1, src: 2, group: 1, data: "hello everyone" }),
    encode({ type: MSG.data, seq: 1, ack: 1, src: 0, group: 0 }),
    encode({ type: MSG.data, seq: 0, src: 3, group: 2, data: "short" }),
    encode({ type: MSG.connRequest, seq: 1, username: "alice" }),
    encode({ type: MSG.connAccept, seq: 1, client_id: 7 }),
  ];
}

/**
 * The pcapng file uses an IDB whose options (if_name "eth0", if_tsresol 9) pcap-ng-parser happens
 * to survive: it crashes on an IDB without options or with some option lengths.
 */
async function generate(path: string, format: "pcap" | "pcapng", n: number): Promise<number> {
  const pool = payloadPool();
  const options: CaptureWriterOptions =
    format === "pcap" ? { format, path } : { format, path, interfaces: [{ linkType: LinkType.ETHERNET, name: "eth0", tsresol: 9 }] };
  const writer = createCaptureWriter(options);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const toServer = i % 2 === 0;
    const client = { ip: `10.0.${(i >> 8) & 3}.${(i & 0x7f) + 1}`, port: 40000 + (i % 16) };
    const server = { ip: "10.0.9.1", port: 1313 };
    writer.writeDatagram({
      tsSec: 1_700_000_000 + Math.floor(i / 1000),
      tsNsec: (i % 1000) * 1_000_000 + 7,
      src: toServer ? client : server,
      dst: toServer ? server : client,
      payload: pool[i % pool.length]!,
    });
  }
  await writer.close();
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

export async function benchCapture(opts: BenchCaptureOptions = {}): Promise<BenchCaptureResult> {
  const n = opts.n ?? 1_000_000;
  const dir = mkdtempSync(join(tmpdir(), "impkit-bench-capture-"));
  const readOptions = opts.chunkSize === undefined ? {} : { chunkSize: opts.chunkSize };
  const rows: BenchRow[] = [];
  const peakRss: Record<string, number> = {};
  const fileBytes: Record<string, number> = {};
  const libraries: LibraryProbe[] = [];
  const features: FeatureProbe[] = [];
  const libs = loadLibraries(opts.libraryDir ?? process.env.IMPKIT_LIBEVAL_DIR);
  try {
    for (const format of ["pcap", "pcapng"] as const) {
      const path = join(dir, `bench.${format}`);
      const writeRate = await generate(path, format, n);
      fileBytes[format] = statSync(path).size;
      rows.push({ name: `${format}: write (frame + encode + file)`, rate: writeRate, unit: "datagrams" });

      let sink = 0;
      const raw = await timeItAsync(async () => (await readCapture(path, (p) => void (sink += p.data.length), readOptions)).packets);
      const rawRate = raw.items / raw.seconds;
      rows.push({ name: `${format}: read, raw iteration`, rate: rawRate, unit: "packets" });

      const rssBefore = process.memoryUsage.rss();
      const rss = new PeakRss();
      const parsed = await timeItAsync(async () => {
        let udp = 0;
        await readCapture(
          path,
          (p) => {
            const frame = parseFrame(p.linkType, p.data);
            if (frame !== null && (frame.dst.port === 1313 || frame.src.port === 1313)) {
              udp += 1;
              sink += frame.payload.length;
            }
          },
          readOptions,
        );
        return udp;
      });
      const peak = rss.stop();
      peakRss[format] = peak;
      rows.push({
        name: `${format}: read + parseFrame`,
        rate: parsed.items / parsed.seconds,
        unit: "packets",
        baseline: rawRate,
        baselineName: "raw",
        extra: `file ${fmtBytes(fileBytes[format]!)}, RSS ${fmtBytes(rssBefore)} -> peak ${fmtBytes(peak)} (+${fmtBytes(Math.max(0, peak - rssBefore))})`,
      });

      const probeRun =
        format === "pcap"
          ? libs.pcapParser
            ? probePcapParser(libs.pcapParser, path)
            : undefined
          : libs.pcapNgParser
            ? probePcapNgParser(libs.pcapNgParser, path)
            : undefined;
      if (probeRun) {
        const libRss = new PeakRss();
        const result = await probeRun;
        const libPeak = libRss.stop();
        libraries.push(result);
        rows.push({
          name: `${format}: ${result.library}, raw iteration`,
          rate: result.packets / result.seconds,
          unit: "packets",
          baseline: rawRate,
          baselineName: "impkit raw",
          extra: `${result.packets} packets, ${result.outcome}, peak RSS ${fmtBytes(libPeak)}`,
        });
      }
      if (sink === -1) console.log("");
      rmSync(path, { force: true });
    }
    features.push(...(await probeFeatures(libs, craftedFiles(), dir, (path, bytes) => writeFileSync(path, bytes))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (opts.print !== false) {
    printRows(`capture (${n} datagrams)`, rows);
    if (features.length > 0) {
      console.log("\n## npm readers on crafted files (packets delivered / packets in the file before any damage)");
      for (const f of features)
        console.log(
          `  ${f.library.padEnd(22)} ${f.file.padEnd(44)} ${String(f.result.packets).padStart(3)}/${f.expected}  ${f.result.outcome}`,
        );
    }
  }
  return { rows, peakRss, fileBytes, libraries, features };
}

/** Small files that show what a reader supports and how it fails. */
function craftedFiles(): CraftedFile[] {
  const ip = buildUdpPackets({ ip: "10.0.0.1", port: 40000 }, { ip: "10.0.0.2", port: 1313 }, payloadPool()[0]!)[0]!;
  const eth = wrapLink(LinkType.ETHERNET, ip);
  const written = (options: CaptureWriterOptions, count = 10): Uint8Array => {
    const writer = createCaptureWriter(options);
    for (let i = 0; i < count; i++)
      writer.writeFrame(wrapLink(options.interfaces?.[0]?.linkType ?? LinkType.ETHERNET, ip), { tsSec: 1_700_000_000 + i });
    return writer.bytes();
  };
  const join = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
  const named = { linkType: LinkType.ETHERNET, name: "eth0" };
  const pcap = written({ format: "pcap" });
  const pcapng = written({ format: "pcapng", interfaces: [named] });
  return [
    { name: "pcap µs", format: "pcap", bytes: pcap, expected: 10 },
    { name: "pcap µs, last record cut by 10 bytes", format: "pcap", bytes: pcap.subarray(0, pcap.length - 10), expected: 9 },
    { name: "pcap µs, big-endian", format: "pcap", bytes: written({ format: "pcap", byteOrder: "big" }), expected: 10 },
    { name: "pcap ns", format: "pcap", bytes: written({ format: "pcap", nanosecond: true }), expected: 10 },
    {
      name: "pcap, caplen field 0x7fffffff in record 5",
      format: "pcap",
      bytes: (() => {
        const b = pcap.slice();
        new DataView(b.buffer).setUint32(24 + 4 * (16 + eth.length) + 8, 0x7fffffff, true);
        return b;
      })(),
      expected: 4,
    },
    { name: "pcapng, IDB without options (as editcap)", format: "pcapng", bytes: written({ format: "pcapng" }), expected: 10 },
    { name: "pcapng, IDB if_name eth0", format: "pcapng", bytes: pcapng, expected: 10 },
    {
      name: "pcapng, IDB if_name lo + if_tsresol 9",
      format: "pcapng",
      bytes: written({ format: "pcapng", interfaces: [{ ...named, name: "lo", tsresol: 9 }] }),
      expected: 10,
    },
    { name: "pcapng, last block cut by 10 bytes", format: "pcapng", bytes: pcapng.subarray(0, pcapng.length - 10), expected: 9 },
    {
      name: "pcapng, big-endian",
      format: "pcapng",
      bytes: written({ format: "pcapng", byteOrder: "big", interfaces: [named] }),
      expected: 10,
    },
    {
      name: "pcapng, 2 SPB + 2 PB",
      format: "pcapng",
      bytes: join(
        encodeShb(),
        encodeIdb(named),
        encodeSpb(eth),
        encodeSpb(eth),
        encodePb({ interfaceId: 0, tsSec: 1, tsNsec: 0, data: eth }),
        encodePb({ interfaceId: 0, tsSec: 2, tsNsec: 0, data: eth }),
      ),
      expected: 4,
    },
    {
      name: "pcapng, 2 IDBs (Ethernet, raw IP), 2 EPBs",
      format: "pcapng",
      bytes: join(
        encodeShb(),
        encodeIdb(named),
        encodeIdb({ linkType: LinkType.RAW, name: "raw0" }),
        encodeEpb({ interfaceId: 0, tsSec: 1, tsNsec: 0, data: eth }),
        encodeEpb({ interfaceId: 1, tsSec: 1, tsNsec: 0, data: ip }),
      ),
      expected: 2,
    },
    { name: "not a capture (text)", format: "pcapng", bytes: new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), expected: 0 },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
  const libraryDir = process.argv[3];
  await benchCapture({ ...(n === undefined ? {} : { n }), ...(libraryDir === undefined ? {} : { libraryDir }) });
}
