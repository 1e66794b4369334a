/**
 * Writing a live capture to a file while it runs (`imp sniff -w`, the TUI's "save"): pcapng by
 * default, nanosecond timestamps, the interface's link type and name in the IDB. The header is on
 * disk as soon as the interface is open, packets are flushed at most `flushIntervalMs` after
 * they arrive (so the file is readable while the capture runs), and everything is written
 * synchronously when the capture ends (complete after SIGINT as soon as stop() returns to run).
 */
import { createCaptureWriter, type CaptureWriter } from "../capture/capture-writer.js";
import type { CapturePacket } from "../capture/packet.js";
import type { LiveOpenInfo, LiveSource, LiveSourceEnd } from "./live-source.js";

export interface LiveFileOptions {
  path: string;
  /** Default pcapng. */
  format?: "pcapng" | "pcap";
  /** Longest time a written packet waits in memory before it is flushed to the file. Default 200 ms. */
  flushIntervalMs?: number;
}

export interface LiveFile {
  readonly path: string;
  /** Packets written so far. */
  readonly frames: number;
  write(packet: CapturePacket): void;
  /** Writes out what is buffered (synchronously). */
  flush(): void;
  close(): Promise<void>;
}

/** Creates (or truncates) the file for a capture opened as `info`; throws the file-system error. */
export function openLiveFile(info: LiveOpenInfo, options: LiveFileOptions): LiveFile {
  const flushIntervalMs = options.flushIntervalMs ?? 200;
  const writer: CaptureWriter = createCaptureWriter({
    format: options.format ?? "pcapng",
    path: options.path,
    nanosecond: true,
    interfaces: [{ linkType: info.linkType, snaplen: info.snaplen, tsresol: 9, name: info.interface }],
  });
  writer.flush();
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!closed) writer.flush();
  };
  return {
    path: options.path,
    get frames() {
      return writer.frames;
    },
    write(packet) {
      writer.writeFrame(packet.data, { tsSec: packet.tsSec, tsNsec: packet.tsNsec, interfaceId: 0, originalLength: packet.originalLength });
      if (timer === null && !closed) {
        timer = setTimeout(flush, flushIntervalMs);
        timer.unref();
      }
    },
    flush,
    async close() {
      if (closed) return;
      flush();
      closed = true;
      await writer.close();
    },
  };
}

/** A live source that also writes every packet it delivers to a file. */
export interface RecordingSource extends LiveSource {
  /** The file, once the interface is open. */
  readonly file: LiveFile | null;
}

/**
 * Wraps `source` so that the file is created when the interface opens and every packet is
 * written before it is handed on; the file is closed (complete) before run() settles, whether
 * the capture was stopped, reached its count or failed. An error creating or writing the file
 * ends the run with that error.
 */
export function recordLive(source: LiveSource, options: LiveFileOptions): RecordingSource {
  let file: LiveFile | null = null;
  source.onOpen((info) => {
    file = openLiveFile(info, options);
  });
  return {
    description: `${source.description}, written to ${options.path}`,
    live: true,
    interface: source.interface,
    filter: source.filter,
    get linkType() {
      return source.linkType;
    },
    get file() {
      return file;
    },
    onOpen: (listener) => source.onOpen(listener),
    stats: () => source.stats(),
    stop: () => source.stop(),
    async run(onPacket): Promise<LiveSourceEnd> {
      try {
        return await source.run((packet) => {
          file!.write(packet);
          onPacket(packet);
        });
      } finally {
        await (file as LiveFile | null)?.close();
      }
    },
  };
}
