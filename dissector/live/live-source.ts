/**
 * A live interface as a PacketSource, through libpcap (the optional `cap` module).
 *
 * Delivery is event-driven: cap watches the capture descriptor with libuv and emits each packet
 * as soon as the kernel has it (immediate mode), synchronously, one at a time; nothing polls.
 *
 * What cap 0.2.1 does not give, and what this source does about it:
 * - no timestamp: each packet is stamped when it reaches JavaScript, from a wall clock anchored
 *   once per run (performance.timeOrigin + performance.now()) and advanced by process.hrtime, so
 *   stamps never go backwards and have nanosecond resolution; they are delivery times, not
 *   kernel arrival times (packets queued while the event loop was busy get stamps close together).
 * - no original (wire) length: it is the captured length, except when libpcap cut the packet at
 *   its snaplen (65535) or `snaplen` cut it here, where the IP header's length is used.
 * - no drop counts (pcap_stats is not bound): `stats().dropped` is null.
 * - one shared receive buffer: each packet is copied out of it (into 1 MiB slabs) before it is
 *   handed on, so `packet.data` stays valid after the callback (unlike file sources).
 * - snaplen 65535 and promiscuous mode are fixed by cap; a smaller `snaplen` cuts the copies.
 */
import { locateIp } from "../capture/link-layer.js";
import { LinkType } from "../capture/link-type.js";
import type { CapturePacket } from "../capture/packet.js";
import type { PacketSource, SourceEnd } from "../source.js";
import { LiveCaptureError } from "./errors.js";
import { loadCap, type CapBinding, type CapHandle, type CapLoader } from "./load-cap.js";

export interface LiveSourceOptions {
  /** Interface name as `imp sniff -D` lists it. Default "lo". */
  interface?: string;
  /** libpcap capture filter (BPF syntax). Default "udp". */
  filter?: string;
  /** Bytes kept of each packet, 1 to 65535 (cap always captures up to 65535). Default 65535. */
  snaplen?: number;
  /** Kernel capture buffer in bytes (pcap_set_buffer_size). Default 2 MiB, like dumpcap. */
  bufferSize?: number;
  /** Stop by itself after this many packets (`-c`). Default: until stop(). */
  maxPackets?: number;
  /** How cap is loaded (tests inject a missing or fake module). Default: the real one. */
  loader?: CapLoader;
}

/** What is known once the interface is open, before the first packet. */
export interface LiveOpenInfo {
  interface: string;
  filter: string;
  /** LINKTYPE_ number of the interface (ETHERNET on Linux lo, LINUX_SLL on "any"). */
  linkType: number;
  snaplen: number;
}

export interface LiveStats {
  /** Packets libpcap handed over. */
  received: number;
  /** Packets given to the callback. */
  delivered: number;
  /** Packets cut short (by libpcap's snaplen, cap's buffer or `snaplen`). */
  truncated: number;
  /** Packets the kernel dropped; null: cap 0.2.1 does not expose pcap_stats. */
  dropped: number | null;
}

export interface LiveSourceEnd extends SourceEnd {
  stats: LiveStats;
}

export interface LiveSource extends PacketSource {
  readonly live: true;
  readonly interface: string;
  readonly filter: string;
  /** Link type once open; null before. */
  readonly linkType: number | null;
  /**
   * Calls `listener` when the interface is open, before any packet (synchronously, inside run).
   * Returns a function that removes it. A listener that throws ends the run with its error.
   */
  onOpen(listener: (info: LiveOpenInfo) => void): () => void;
  stats(): LiveStats;
  /**
   * Opens the interface and delivers packets as they come until stop(), `maxPackets` or an error
   * thrown by `onPacket` (the run then rejects with it). Rejects with LiveCaptureError when cap
   * cannot load or the interface cannot be opened.
   */
  run(onPacket: (packet: CapturePacket) => void): Promise<LiveSourceEnd>;
}

export const DEFAULT_LIVE_FILTER = "udp";
export const DEFAULT_LIVE_INTERFACE = "lo";
export const DEFAULT_BUFFER_SIZE = 2 * 1024 * 1024;
/** cap 0.2.1 sets this snaplen and no other. */
export const CAP_SNAPLEN = 65535;
/** cap's receive buffer: larger than any packet cap can deliver, so cap never truncates. */
const RECEIVE_BUFFER = 65536;
const SLAB = 1024 * 1024;

/**
 * Every cap handle ever created, kept for the life of the process. cap 0.2.1 never uv_close()s
 * its libuv poll handle: a Cap object that is garbage-collected leaves a freed handle in the
 * event loop's handle list (heap corruption, "double free or corruption" seen here), and a
 * handle whose open() failed after pcap_create (no permission, bad filter) crashes close() (an
 * assertion) and its destructor (segfault). So handles are never collected, and failed ones are
 * never closed; a closed handle costs a few hundred bytes, a failed one also its 64 KiB buffer.
 */
const retained: { handle: CapHandle; buffer?: Buffer }[] = [];

export function liveSource(options: LiveSourceOptions = {}): LiveSource {
  const iface = options.interface ?? DEFAULT_LIVE_INTERFACE;
  const filter = options.filter ?? DEFAULT_LIVE_FILTER;
  const snaplen = options.snaplen ?? CAP_SNAPLEN;
  const bufferSize = options.bufferSize ?? DEFAULT_BUFFER_SIZE;
  const maxPackets = options.maxPackets;
  const loader = options.loader ?? loadCap;
  if (!Number.isInteger(snaplen) || snaplen < 1 || snaplen > CAP_SNAPLEN)
    throw new RangeError(`snaplen must be 1 to ${CAP_SNAPLEN}, not ${snaplen}`);
  if (!Number.isInteger(bufferSize) || bufferSize < 0 || bufferSize > 0xffffffff)
    throw new RangeError(`bufferSize must be a byte count, not ${bufferSize}`);
  if (maxPackets !== undefined && (!Number.isInteger(maxPackets) || maxPackets < 1))
    throw new RangeError(`maxPackets must be at least 1, not ${maxPackets}`);

  const openListeners = new Set<(info: LiveOpenInfo) => void>();
  const stats: LiveStats = { received: 0, delivered: 0, truncated: 0, dropped: null };
  let linkType: number | null = null;
  let started = false;
  let stopRequested = false;
  let finish: ((error?: unknown) => void) | null = null;

  const end = (): LiveSourceEnd => ({ packets: stats.delivered, stats: { ...stats } });

  return {
    description: `live capture on ${iface}`,
    live: true,
    interface: iface,
    filter,
    get linkType() {
      return linkType;
    },
    onOpen(listener) {
      openListeners.add(listener);
      return () => void openListeners.delete(listener);
    },
    stats: () => ({ ...stats }),
    stop() {
      stopRequested = true;
      finish?.();
    },
    async run(onPacket) {
      if (started) throw new Error(`${iface}: a live source runs once; make another one`);
      started = true;
      const cap = await loader();
      if (stopRequested) return end();
      checkInterface(cap, iface);
      const handle = cap.createHandle();
      const buffer = Buffer.alloc(RECEIVE_BUFFER);
      let linkName: string;
      try {
        linkName = handle.open(iface, filter, bufferSize, buffer);
      } catch (e) {
        retained.push({ handle, buffer });
        throw openError(iface, filter, e);
      }
      retained.push({ handle });
      linkType = linkTypeOf(linkName);
      const info: LiveOpenInfo = { interface: iface, filter, linkType, snaplen };
      const lt = linkType;
      return new Promise<LiveSourceEnd>((resolve, reject) => {
        let done = false;
        finish = (error?: unknown) => {
          if (done) return;
          done = true;
          finish = null;
          handle.close();
          handle.removeAllListeners("packet");
          if (error === undefined) resolve(end());
          else reject(error);
        };
        try {
          for (const listener of openListeners) listener(info);
        } catch (e) {
          finish(e);
          return;
        }
        if (stopRequested) {
          finish();
          return;
        }
        const clock = wallClock();
        const slabs = new SlabCopier();
        handle.on("packet", (nbytes, truncatedByCap) => {
          if (done) return;
          stats.received++;
          const kept = Math.min(nbytes, snaplen);
          const wire = kept < nbytes || nbytes >= CAP_SNAPLEN || truncatedByCap ? wireLength(lt, buffer, nbytes) : nbytes;
          if (wire > kept) stats.truncated++;
          const [tsSec, tsNsec] = clock();
          const packet: CapturePacket = {
            frame: stats.delivered + 1,
            tsSec,
            tsNsec,
            interfaceId: 0,
            linkType: lt,
            capturedLength: kept,
            originalLength: wire,
            data: slabs.copy(buffer, kept),
            offset: -1,
          };
          stats.delivered++;
          try {
            onPacket(packet);
          } catch (e) {
            finish?.(e);
            return;
          }
          if (maxPackets !== undefined && stats.delivered >= maxPackets) finish?.();
        });
      });
    },
  };
}

/** Rejects a name that libpcap does not list (before open, which would print a C-level warning). */
function checkInterface(cap: CapBinding, iface: string): void {
  let names: string[];
  try {
    names = cap.deviceList().map((d) => d.name);
  } catch {
    return; // let open() report it
  }
  if (!names.includes(iface)) {
    throw new LiveCaptureError(
      "no-interface",
      `no interface named ${JSON.stringify(iface)}: run imp sniff -D to list the interfaces (${names.slice(0, 6).join(", ")}${names.length > 6 ? ", ..." : ""})`,
    );
  }
}

/** The sentence for a failed open. */
export function openError(iface: string, filter: string, e: unknown): LiveCaptureError {
  const message = e instanceof Error ? e.message : String(e);
  if (/not permitted|permission|EPERM|EACCES/i.test(message)) {
    return new LiveCaptureError(
      "permission",
      `capturing on ${iface} needs root or CAP_NET_RAW: run as root, or sudo setcap cap_net_raw,cap_net_admin=eip $(readlink -f $(which node))`,
      { cause: e },
    );
  }
  if (/no such device/i.test(message)) {
    return new LiveCaptureError("no-interface", `no interface named ${JSON.stringify(iface)}: run imp sniff -D to list the interfaces`, {
      cause: e,
    });
  }
  if (/filter|syntax error|parse/i.test(message)) {
    return new LiveCaptureError(
      "bad-filter",
      `invalid capture filter ${JSON.stringify(filter)}: ${message} (libpcap syntax, e.g. "udp port 1313")`,
      { cause: e },
    );
  }
  return new LiveCaptureError("open-failed", `cannot capture on ${iface}: ${message}`, { cause: e });
}

/** cap's link-type names are those of pcap_datalink(); "Unknown linktype N" carries the DLT number. */
export function linkTypeOf(capName: string): number {
  switch (capName) {
    case "NULL":
      return LinkType.NULL;
    case "ETHERNET":
      return LinkType.ETHERNET;
    case "LINKTYPE_LINUX_SLL":
      return LinkType.LINUX_SLL;
    case "RAW":
      return LinkType.RAW;
    case "IEEE802_11_RADIO":
      return 127;
  }
  const m = /^Unknown linktype (\d+)$/.exec(capName);
  if (m) return Number(m[1]);
  throw new LiveCaptureError("open-failed", `unexpected link type from cap: ${JSON.stringify(capName)}`);
}

/** The length on the wire of a cut packet, from its IP header; `captured` when that cannot be told. */
export function wireLength(linkType: number, data: Uint8Array, captured: number): number {
  const view = data.subarray(0, captured);
  const ip = locateIp(linkType, view);
  if (!ip || view.length < ip.offset + 6) return captured;
  const at = ip.offset;
  const total = ip.version === 4 ? (view[at + 2]! << 8) | view[at + 3]! : 40 + ((view[at + 4]! << 8) | view[at + 5]!);
  return Math.max(captured, at + total);
}

/** Wall-clock stamps at nanosecond resolution that never go backwards: one anchor, then hrtime. */
export function wallClock(): () => [sec: number, nsec: number] {
  const ms = performance.timeOrigin + performance.now();
  const start = process.hrtime();
  const anchorSec = Math.floor(ms / 1000);
  const anchorNsec = Math.min(999_999_999, Math.round((ms - anchorSec * 1000) * 1e6));
  return () => {
    const [ds, dns] = process.hrtime(start);
    let sec = anchorSec + ds;
    let nsec = anchorNsec + dns;
    if (nsec >= 1e9) {
      sec += 1;
      nsec -= 1e9;
    }
    return [sec, nsec];
  };
}

/** Copies packets out of cap's buffer into shared slabs (one allocation per MiB, not per packet). */
class SlabCopier {
  private slab = new Uint8Array(0);
  private used = 0;

  copy(from: Uint8Array, length: number): Uint8Array {
    if (this.used + length > this.slab.length) {
      this.slab = new Uint8Array(Math.max(SLAB, length));
      this.used = 0;
    }
    const out = this.slab.subarray(this.used, this.used + length);
    out.set(from.subarray(0, length));
    this.used += length;
    return out;
  }
}
