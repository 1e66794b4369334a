/**
 * Loads `cap` (the libpcap binding, an optional dependency that builds against libpcap-dev) only
 * when a live capture is asked for, so that everything else works without it. The few parts of
 * cap 0.2.1 that impkit uses are typed here; nothing untyped leaves this file.
 */
import { createRequire } from "node:module";
import { LiveCaptureError } from "./errors.js";

/** An address of an interface, as cap lists it (IPv4 and IPv6 only). */
export interface CapAddress {
  addr?: string;
  netmask?: string;
  broadaddr?: string;
  dstaddr?: string;
}

/** An interface as libpcap's pcap_findalldevs() reports it. */
export interface CapDevice {
  name: string;
  description?: string;
  addresses: CapAddress[];
  /** "PCAP_IF_LOOPBACK" for loopback interfaces; absent otherwise. */
  flags?: string;
}

/**
 * One libpcap handle (cap's `Cap` object). cap 0.2.1 opens with snaplen 65535, promiscuous mode,
 * immediate mode and a non-blocking descriptor watched by libuv: each packet is copied into the
 * buffer given to `open` and announced by a synchronous "packet" event (length, truncated), with
 * no timestamp and no original length.
 */
export interface CapHandle {
  /** Returns cap's link-type name ("ETHERNET", "LINKTYPE_LINUX_SLL", "Unknown linktype 276", ...); throws libpcap's message. */
  open(device: string, filter: string, bufferSize: number, buffer: Buffer): string;
  /** Stops the watcher and closes the handle (deferred to the end of a dispatch when called from a packet event). */
  close(): boolean;
  on(event: "packet", listener: (nbytes: number, truncated: boolean) => void): unknown;
  removeAllListeners(event: "packet"): unknown;
}

export interface CapBinding {
  createHandle(): CapHandle;
  deviceList(): CapDevice[];
}

/** How live capture gets cap; tests inject their own (a missing module, a fake). */
export type CapLoader = () => Promise<CapBinding>;

export const NO_LIBPCAP_MESSAGE =
  "libpcap support is not installed: install libpcap (Debian: sudo apt-get install libpcap-dev) and run npm install again";

let cached: CapBinding | undefined;

/** The real cap module, loaded once; rejects with LiveCaptureError("no-libpcap") when it cannot load. */
export const loadCap: CapLoader = async () => {
  if (cached) return cached;
  let mod: unknown;
  try {
    mod = createRequire(import.meta.url)("cap");
  } catch (e) {
    throw capLoadError(e);
  }
  cached = wrap(mod);
  return cached;
};

/** A loader that always fails as if cap were not installed (for tests and for `--no-libpcap` style checks). */
export const missingCap: CapLoader = async () => {
  throw new LiveCaptureError("no-libpcap", NO_LIBPCAP_MESSAGE);
};

function wrap(mod: unknown): CapBinding {
  const m = mod as { Cap?: unknown; deviceList?: unknown } | null;
  if (!m || typeof m.Cap !== "function" || typeof m.deviceList !== "function") {
    throw new LiveCaptureError("no-libpcap", `${NO_LIBPCAP_MESSAGE} (the installed cap module does not look like cap 0.2)`);
  }
  const Cap = m.Cap as new () => CapHandle;
  const deviceList = m.deviceList as () => CapDevice[];
  return { createHandle: () => new Cap(), deviceList: () => deviceList() };
}

/** Turns a failed require("cap") into one sentence saying what to do. */
export function capLoadError(e: unknown): LiveCaptureError {
  const message = e instanceof Error ? e.message : String(e);
  if (/NODE_MODULE_VERSION|different Node\.js version/.test(message)) {
    return new LiveCaptureError("no-libpcap", "the cap module was built for another Node.js version: run npm rebuild cap", { cause: e });
  }
  return new LiveCaptureError("no-libpcap", NO_LIBPCAP_MESSAGE, { cause: e });
}
