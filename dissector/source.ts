/**
 * Where packets come from, behind one interface (as termshark's packet sources): a capture file,
 * a pipe (stdin), or a live interface (dissector/live/, through libpcap). The dissector and the
 * TUI only see this.
 */
import { readCapture } from "./capture/read-capture.js";
import type { CapturePacket, CaptureSummary } from "./capture/packet.js";

export interface SourceEnd {
  /** Packets delivered. */
  packets: number;
  /** Set for files and pipes. */
  summary?: CaptureSummary;
}

export interface PacketSource {
  /** Human description: the file name, "stdin", "live capture on lo". */
  readonly description: string;
  /** True for sources that go on until stopped (interfaces, proxies). */
  readonly live: boolean;
  /**
   * Delivers every packet in order, synchronously per packet (views valid only during the
   * callback), until the source ends or `stop()` is called. A capture file that is damaged
   * rejects with CaptureFormatError after every packet before the damage was delivered.
   */
  run(onPacket: (packet: CapturePacket) => void): Promise<SourceEnd>;
  /** Ends `run` as soon as possible (live sources); a no-op once it ended. */
  stop(): void;
}

/** A capture file, or standard input when `path` is "-". */
export function fileSource(path: string, stdin: AsyncIterable<Uint8Array | string> = process.stdin): PacketSource {
  let stopped = false;
  return {
    description: path === "-" ? "stdin" : path,
    live: false,
    async run(onPacket) {
      let packets = 0;
      const summary = await readCapture(path === "-" ? stdin : path, (p) => {
        if (stopped) return;
        packets++;
        onPacket(p);
      });
      return { packets, summary };
    },
    stop() {
      stopped = true;
    },
  };
}
