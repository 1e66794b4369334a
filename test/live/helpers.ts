/**
 * Shared helpers of the live-capture tests. Live capture needs root (or CAP_NET_RAW) and the
 * optional cap module: outside CI a test without them is skipped with the reason; in CI
 * (CI=true, root, libpcap-dev installed) their absence is a failure.
 */
import { spawnSync } from "node:child_process";
import dgram from "node:dgram";
import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCap, type CapBinding, type CapHandle, type CapLoader } from "../../dissector/live/index.js";
import { inCI, skipOrFail } from "../needs.js";

export { inCI };
export const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/** Why live capture cannot run here, or null when it can. */
export async function liveUnavailable(): Promise<string | null> {
  if (!isRoot) return "live capture needs root (run the tests as root, or in CI)";
  try {
    await loadCap();
  } catch (e) {
    return `cap cannot load: ${e instanceof Error ? e.message : String(e)}`;
  }
  return null;
}

/** Skips the test (outside CI) or fails it (in CI) when live capture cannot run. */
export async function needLive(ctx: { skip: (note?: string) => never }): Promise<void> {
  skipOrFail(ctx, await liveUnavailable());
}

export function tempDir(): { path: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "impkit-live-test-"));
  return { path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A UDP port on 127.0.0.1 held by a socket that drops what it gets, until `release()`: no other
 * socket (a client of a test running in parallel) can be given it while a capture filters on it.
 */
export async function reservePort(): Promise<{ port: number; release: () => Promise<void> }> {
  const socket = dgram.createSocket("udp4");
  socket.on("message", () => {});
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return { port: socket.address().port, release: () => new Promise<void>((resolve) => socket.close(resolve)) };
}

/** A UDP port free on 127.0.0.1 right now (for a server that binds it at once). */
export async function freePort(): Promise<number> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

/** Sends `payloads` to 127.0.0.1:port from one socket, a few ms apart. */
export async function sendUdp(port: number, payloads: readonly Uint8Array[], gapMs = 2): Promise<void> {
  const socket = dgram.createSocket("udp4");
  try {
    for (const payload of payloads) {
      await new Promise<void>((resolve, reject) => socket.send(payload, port, "127.0.0.1", (e) => (e ? reject(e) : resolve())));
      if (gapMs > 0) await delay(gapMs);
    }
  } finally {
    await new Promise<void>((resolve) => socket.close(resolve));
  }
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `condition()` holds, checking every 10 ms, at most `timeoutMs`; returns whether it held. */
export async function until(condition: () => boolean, timeoutMs = 3000): Promise<boolean> {
  for (const start = Date.now(); !condition(); ) {
    if (Date.now() - start > timeoutMs) return false;
    await delay(10);
  }
  return true;
}

/** tshark's packet count for a file, or null when tshark is missing (failure in CI). */
export function tsharkCount(file: string): number | null {
  if (spawnSync("sh", ["-c", "command -v tshark"]).status !== 0) {
    if (inCI) throw new Error("CI=true but tshark is not installed");
    return null;
  }
  const r = spawnSync("tshark", ["-r", file, "-T", "fields", "-e", "frame.number"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`tshark -r ${file} failed: ${r.stderr}`);
  return r.stdout.split("\n").filter((l) => l.length > 0).length;
}

/** Whether `runuser` can run commands as nobody here (root only). */
export function canRunAsNobody(): boolean {
  return isRoot && spawnSync("runuser", ["-u", "nobody", "--", "true"]).status === 0;
}

/** A stand-in for cap: records what was opened and lets the test push frames through its one shared buffer. */
export interface FakeCap {
  loader: CapLoader;
  /** Copies `frame` into the handle's buffer (as cap does) and emits "packet"; `nbytes` overrides the length reported. */
  emit(frame: Uint8Array, nbytes?: number): void;
  readonly opened: { device: string; filter: string; bufferSize: number } | null;
  readonly closed: boolean;
}

export function fakeCap(options: { devices?: string[]; linkName?: string; openError?: string } = {}): FakeCap {
  let buffer: Buffer | null = null;
  let opened: FakeCap["opened"] = null;
  let closed = false;
  const emitter = new EventEmitter();
  const handle: CapHandle = {
    open(device, filter, bufferSize, buf) {
      if (options.openError) throw new Error(options.openError);
      opened = { device, filter, bufferSize };
      buffer = buf;
      return options.linkName ?? "ETHERNET";
    },
    close() {
      const was = !closed && opened !== null;
      closed = true;
      return was;
    },
    on(event, listener) {
      emitter.on(event, listener);
      return handle;
    },
    removeAllListeners(event) {
      emitter.removeAllListeners(event);
      return handle;
    },
  };
  const binding: CapBinding = {
    createHandle: () => handle,
    deviceList: () => (options.devices ?? ["eth0", "any", "lo"]).map((name) => ({ name, addresses: [] })),
  };
  return {
    loader: async () => binding,
    emit(frame, nbytes) {
      if (!buffer || closed) return;
      const n = Math.min(frame.length, buffer.length);
      buffer.set(frame.subarray(0, n));
      emitter.emit("packet", nbytes ?? n, n < frame.length);
    },
    get opened() {
      return opened;
    },
    get closed() {
      return closed;
    },
  };
}
