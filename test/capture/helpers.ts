/**
 * Shared helpers of the capture tests: temp dirs, sample IMP datagrams, collecting packets,
 * external tools (tshark, tcpdump, dumpcap) with the CI rule: missing in CI = failure.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode } from "../../src/codec/index.js";
import { CaptureParser, type CapturePacket, type CaptureSummary, type ImpDatagram } from "../../dissector/capture/index.js";
import { skipOrFail } from "../needs.js";

export { inCI } from "../needs.js";

export function tempDir(): { dir: string; path: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "impkit-capture-test-"));
  return { dir, path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A packet record with its data copied (records handed out are only valid in the callback). */
export interface KeptPacket extends Omit<CapturePacket, "data"> {
  data: Uint8Array;
}

export function keep(packet: CapturePacket): KeptPacket {
  return { ...packet, data: packet.data.slice() };
}

/** Parses bytes fed in chunks of `chunk` bytes; returns the packets and the summary or error. */
export function parseBytes(
  bytes: Uint8Array,
  chunk = bytes.length || 1,
): { packets: KeptPacket[]; summary?: CaptureSummary; error?: unknown } {
  const packets: KeptPacket[] = [];
  const parser = new CaptureParser((p) => packets.push(keep(p)));
  try {
    for (let at = 0; at < bytes.length; at += chunk) parser.push(bytes.subarray(at, at + chunk));
    return { packets, summary: parser.end() };
  } catch (error) {
    return { packets, error };
  }
}

/** IMP datagrams of a short session, a few of them larger than an Ethernet MTU. */
export function sampleDatagrams(count = 12): ImpDatagram[] {
  const client = { ip: "192.168.1.10", port: 40001 };
  const server = { ip: "192.168.1.1", port: 1313 };
  const out: ImpDatagram[] = [];
  for (let i = 0; i < count; i++) {
    const toServer = i % 2 === 0;
    const payload =
      i % 5 === 4
        ? encode({ type: 5, seq: i & 1, src: 2, group: 1, data: "x".repeat(2000 + i) })
        : i % 3 === 0
          ? encode({ type: 0, seq: i & 1, username: `user${i}` })
          : encode({ type: 5, seq: i & 1, src: 2, group: 1, data: `message ${i}` });
    out.push({
      tsSec: 1_700_000_000 + i,
      tsNsec: (i * 111_111_111) % 1_000_000_000,
      src: toServer ? client : server,
      dst: toServer ? server : client,
      payload,
    });
  }
  return out;
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Tools of `names` not on PATH. */
export function missingTools(names: readonly string[]): string[] {
  return names.filter((name) => spawnSync("sh", ["-c", `command -v ${name}`]).status !== 0);
}

/**
 * Skips the test (outside CI) or fails it (in CI) when a tool is missing.
 * Usage: `it("...", (ctx) => { needTools(ctx, ["tshark"]); ... })`.
 */
export function needTools(ctx: { skip: (note?: string) => never }, names: readonly string[]): void {
  const missing = missingTools(names);
  skipOrFail(ctx, missing.length === 0 ? null : `${missing.join(", ")} not installed`);
}

/** Runs tshark on a file; returns stdout lines (throws with stderr on failure). */
export function tshark(file: string, args: readonly string[]): string[] {
  const result = spawnSync("tshark", ["-r", file, ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`tshark failed (${result.status}): ${result.stderr}`);
  return result.stdout.split("\n").filter((line) => line.length > 0);
}

/** Deterministic PRNG for the corruption tests. */
export { seededRandom as rng } from "../../src/util/random.js";
