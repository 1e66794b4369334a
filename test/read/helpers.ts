/** Shared bits of the `imp read` / stats / flow / chat tests: running the CLI, bundled captures, writing captures. */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createCaptureWriter, type CaptureWriterOptions } from "../../dissector/capture/index.js";
import { bufferIo } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/program.js";

export const CAPTURES = fileURLToPath(new URL("../../captures/", import.meta.url));
export const FIXTURES = fileURLToPath(new URL("../fixtures/capture/", import.meta.url));
export const bundled = (name: string) => join(CAPTURES, name);
export const bundledCaptures = () =>
  readdirSync(CAPTURES)
    .filter((f) => f.endsWith(".pcapng"))
    .sort();

export async function imp(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = bufferIo();
  const code = await runCli(argv, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** Lines of output without the final newline. */
export const lines = (text: string) => text.split("\n").filter((l) => l !== "");

/** Frame numbers at the start of summary lines. */
export const frameNumbers = (text: string) => lines(text).map((l) => Number(l.trim().split(/\s+/)[0]));

export function tempDir(prefix: string): { dir: string; path: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const client = (port: number) => ({ ip: "127.0.0.1", port });
export const SERVER = { ip: "127.0.0.1", port: 1313 };

export interface Dgram {
  src: { ip: string; port: number };
  dst: { ip: string; port: number };
  payload: Uint8Array;
  /** Seconds after the first datagram. */
  t?: number;
}

/** Writes datagrams as a capture (in memory, then to `path`). */
export function writeCapture(path: string, datagrams: readonly Dgram[], options: Partial<CaptureWriterOptions> = {}): Uint8Array {
  const w = createCaptureWriter({ format: "pcapng", ...options });
  const t0 = 1_700_000_000;
  datagrams.forEach((d, i) => {
    const t = d.t ?? i * 0.001;
    const sec = Math.floor(t);
    w.writeDatagram({ tsSec: t0 + sec, tsNsec: Math.round((t - sec) * 1e9), src: d.src, dst: d.dst, payload: d.payload });
  });
  const bytes = w.bytes();
  writeFileSync(path, bytes);
  return bytes;
}
