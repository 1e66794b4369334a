/**
 * Evaluation of the npm capture readers beside impkit's own: pcap-parser 0.2.1 (pcap) and
 * pcap-ng-parser 1.0.0 (pcapng). They are not dependencies: install them anywhere
 * (`npm install --prefix DIR pcap-parser@0.2.1 pcap-ng-parser@1.0.0`) and pass DIR
 * (or set IMPKIT_LIBEVAL_DIR). Each probe reports a rate, or what happened on a damaged file.
 */
import { createReadStream } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { EventEmitter } from "node:events";
import type { Transform } from "node:stream";

export interface LibraryProbe {
  library: string;
  /** Packets delivered. */
  packets: number;
  seconds: number;
  /** How the run ended: "end", "error: ...", "crash: ...", "timeout". */
  outcome: string;
}

type PcapParserModule = { parse(input: string): EventEmitter };
type PcapNgParserClass = new () => Transform;

function loader(dir: string): NodeRequire {
  return createRequire(join(dir, "package.json"));
}

/** Loads the libraries from `dir`; undefined entries for those not installed there. */
export function loadLibraries(dir: string | undefined): { pcapParser?: PcapParserModule; pcapNgParser?: PcapNgParserClass } {
  if (!dir) return {};
  const require = loader(dir);
  const out: { pcapParser?: PcapParserModule; pcapNgParser?: PcapNgParserClass } = {};
  try {
    out.pcapParser = require("pcap-parser") as PcapParserModule;
  } catch {
    /* not installed */
  }
  try {
    out.pcapNgParser = require("pcap-ng-parser") as PcapNgParserClass;
  } catch {
    /* not installed */
  }
  return out;
}

/** Runs `start` and resolves with its outcome, also when it throws or never ends. */
function probe(
  library: string,
  timeoutMs: number,
  start: (count: () => void, done: (outcome: string) => void) => void,
): Promise<LibraryProbe> {
  return new Promise((resolve) => {
    let packets = 0;
    let finished = false;
    const t0 = process.hrtime.bigint();
    const finish = (outcome: string): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      process.off("uncaughtException", onCrash);
      resolve({ library, packets, seconds: Number(process.hrtime.bigint() - t0) / 1e9, outcome });
    };
    const onCrash = (error: Error): void => finish(`crash (uncaught exception): ${error.message}`);
    const timer = setTimeout(() => finish("timeout (never ended)"), timeoutMs);
    process.on("uncaughtException", onCrash);
    try {
      start(() => void packets++, finish);
    } catch (error) {
      finish(`crash (thrown): ${(error as Error).message}`);
    }
  });
}

export function probePcapParser(lib: PcapParserModule, path: string, timeoutMs = 120_000): Promise<LibraryProbe> {
  return probe("pcap-parser 0.2.1", timeoutMs, (count, done) => {
    const parser = lib.parse(path);
    parser.on("packet", count);
    parser.on("error", (error: Error) => done(`error: ${error.message}`));
    parser.on("end", () => setImmediate(() => done("end (no error)")));
  });
}

export function probePcapNgParser(Parser: PcapNgParserClass, path: string, timeoutMs = 120_000): Promise<LibraryProbe> {
  return probe("pcap-ng-parser 1.0.0", timeoutMs, (count, done) => {
    const parser = new Parser();
    parser.on("data", count);
    parser.on("error", (error: Error) => done(`error: ${error.message}`));
    parser.on("close", () => done("end (no error)"));
    parser.on("end", () => done("end (no error)"));
    createReadStream(path).pipe(parser);
  });
}

/** One behaviour check of a library on a small crafted file. */
export interface FeatureProbe {
  library: string;
  file: string;
  /** Packets the file holds (before the damage, for damaged files). */
  expected: number;
  result: LibraryProbe;
}

export interface CraftedFile {
  name: string;
  format: "pcap" | "pcapng";
  bytes: Uint8Array;
  expected: number;
}

/** Runs each crafted file through the library for its format (files written under `dir`). */
export async function probeFeatures(
  libs: ReturnType<typeof loadLibraries>,
  files: readonly CraftedFile[],
  dir: string,
  write: (path: string, bytes: Uint8Array) => void,
): Promise<FeatureProbe[]> {
  const out: FeatureProbe[] = [];
  for (const [i, file] of files.entries()) {
    const path = join(dir, `probe-${i}.${file.format}`);
    write(path, file.bytes);
    const run =
      file.format === "pcap"
        ? libs.pcapParser
          ? probePcapParser(libs.pcapParser, path, 5000)
          : undefined
        : libs.pcapNgParser
          ? probePcapNgParser(libs.pcapNgParser, path, 5000)
          : undefined;
    if (run) {
      const result = await run;
      out.push({ library: result.library, file: file.name, expected: file.expected, result });
    }
  }
  return out;
}
