/**
 * Live capture through libpcap (the optional `cap` module, loaded only when asked for).
 *
 *   liveSource({ interface?: "lo", filter?: "udp", snaplen?: 65535, bufferSize?: 2 MiB,
 *                maxPackets?, loader? }): LiveSource
 *     a PacketSource (dissector/source.ts) with live: true; run(onPacket) opens the interface and
 *     delivers packets as they come (event-driven, no polling) until stop(), maxPackets, or an
 *     error thrown by onPacket; packet.data is a copy that stays valid after the callback.
 *     .onOpen(info => ...)  link type, interface, filter, snaplen, before any packet
 *     .linkType (null before open); .stats(): { received, delivered, truncated, dropped: null }
 *     run() resolves with { packets, stats }.
 *   recordLive(source, { path, format?: "pcapng" | "pcap", flushIntervalMs?: 200 }): also writes
 *     every packet to a file that is readable while running and complete when run() settles.
 *   openLiveFile(info, options): the same writer on its own (the TUI's "save").
 *   listInterfaces(loader?): [{ index, name, description?, loopback, addresses }];
 *   formatInterfaces(list): tshark -D style lines.
 *
 * Errors: LiveCaptureError { reason: "no-libpcap" | "permission" | "no-interface" | "bad-filter"
 * | "open-failed", message: one sentence saying what to do }. Timestamps are delivery times (cap
 * gives none): see live-source.ts.
 */
export { LiveCaptureError, type LiveCaptureReason } from "./errors.js";
export { loadCap, missingCap, NO_LIBPCAP_MESSAGE, type CapBinding, type CapDevice, type CapHandle, type CapLoader } from "./load-cap.js";
export {
  CAP_SNAPLEN,
  DEFAULT_BUFFER_SIZE,
  DEFAULT_LIVE_FILTER,
  DEFAULT_LIVE_INTERFACE,
  liveSource,
  type LiveOpenInfo,
  type LiveSource,
  type LiveSourceEnd,
  type LiveSourceOptions,
  type LiveStats,
} from "./live-source.js";
export { openLiveFile, recordLive, type LiveFile, type LiveFileOptions, type RecordingSource } from "./capture-file.js";
export { formatInterfaces, listInterfaces, type LiveInterface } from "./interfaces.js";
