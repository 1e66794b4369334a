/**
 * Capture-file throughput: generates N IMP datagrams with the writer (pcap and pcapng, in a
 * temp dir), then measures the reader alone (raw iteration), reader + parseFrame, and peak RSS;
 * beside it, when installed in IMPKIT_LIBEVAL_DIR (or opts.libraryDir), the npm readers
 * pcap-parser and pcap-ng-parser on the same files.
 *
 *   npx tsx bench/capture.ts [N] [libraryDir]      or      node dist/bench/capture.js [N] [libraryDir]
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode } from "../src/codec/index.js";
import { createCaptureWriter, parseFrame, readCapture } from "../dissector/capture/index.js";
import { loadLibraries, probePcapNgParser, probePcapParser, type LibraryProbe } from "./capture-libs.js";
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
}

function payloadPool(): Uint8Array[] {
  return [
    encode({ type: 5, seq: 1, src: 2, group: 1, data: "hello everyone" }),
    encode({ type: 5, seq: 1, ack: 1, src: 0, group: 0 }),
    encode({ type: 5, seq: 0, src: 3, group: 2, data: "short" }),
    encode({ type: 0, seq: 1, username: "alice" }),
    encode({ type: 1, seq: 1, client_id: 7 }),
  ];
}

async function generate(path: string, format: "pcap" | "pcapng", n: number): Promise<number> {
  const pool = payloadPool();
  const writer = createCaptureWriter({ format, path, nanosecond: format === "pcapng" });
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

      const rss = new PeakRss();
      const rssBefore = process.memoryUsage.rss();
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
        extra: `file ${fmtBytes(fileBytes[format]!)}, RSS ${fmtBytes(rssBefore)} -> peak ${fmtBytes(peak)}`,
      });

      const probeRun = format === "pcap" ? (libs.pcapParser ? probePcapParser(libs.pcapParser, path) : undefined) : libs.pcapNgParser ? probePcapNgParser(libs.pcapNgParser, path) : undefined;
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
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (opts.print !== false) printRows(`capture (${n} datagrams)`, rows);
  return { rows, peakRss, fileBytes, libraries };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
  const libraryDir = process.argv[3];
  await benchCapture({ ...(n === undefined ? {} : { n }), ...(libraryDir === undefined ? {} : { libraryDir }) });
}
