/**
 * What the capture reader hands out: one record per packet, plus the interfaces and the summary.
 */

import { LinkType } from "./link-type.js";

/** One packet record of a capture file. */
export interface CapturePacket {
  /** Frame number, 1-based, in file order. */
  readonly frame: number;
  /** Timestamp: whole seconds since the epoch (interface offset applied). */
  readonly tsSec: number;
  /** Timestamp: nanoseconds within the second. */
  readonly tsNsec: number;
  /** Interface id (pcapng, per section); 0 for pcap. */
  readonly interfaceId: number;
  /** Link-layer type of the frame (see LinkType). */
  readonly linkType: number;
  /** Bytes captured (= data.length). */
  readonly capturedLength: number;
  /** Length of the frame on the wire. */
  readonly originalLength: number;
  /**
   * The frame bytes: a zero-copy view into the reader's buffer, valid only during the callback.
   * Copy it (`data.slice()`) to keep it.
   */
  readonly data: Uint8Array;
  /** Byte offset in the file of the packet record (pcap) or block (pcapng). */
  readonly offset: number;
}

/** Called once per packet, synchronously, in file order. */
export type PacketHandler = (packet: CapturePacket) => void;

/** An interface of a capture: the one of a pcap file, or an IDB of a pcapng file. */
export interface CaptureInterface {
  /** pcapng section number (0 for the first section and for pcap). */
  readonly section: number;
  /** Interface id within its section. */
  readonly id: number;
  readonly linkType: number;
  /** Snapshot length (0 = unlimited). */
  readonly snaplen: number;
  /** Timestamp units per second (1e6 for µs, 1e9 for ns, 2^n for binary resolutions). */
  readonly unitsPerSecond: number;
  /** Seconds added to every timestamp (pcapng if_tsoffset); 0 when absent. */
  readonly tsOffset: number;
  /** Interface name (pcapng if_name), when present. */
  readonly name?: string;
}

/** What a whole read reports at the end. */
export interface CaptureSummary {
  readonly format: "pcap" | "pcapng";
  /** Byte order of the pcap file or of the first pcapng section. */
  readonly byteOrder: "little" | "big";
  /** Number of packets delivered. */
  readonly packets: number;
  /** Number of bytes read. */
  readonly bytes: number;
  readonly interfaces: readonly CaptureInterface[];
}

/**
 * A packet made in memory, not read from a file: a raw-IP frame (link type IPV4, which also carries
 * IPv6) captured whole, at no file offset. Live sources (the proxy, the TUI's scenario) hand these out.
 */
export function rawIpPacket(frame: number, tsSec: number, tsNsec: number, data: Uint8Array): CapturePacket {
  return {
    frame,
    tsSec,
    tsNsec,
    interfaceId: 0,
    linkType: LinkType.IPV4,
    capturedLength: data.length,
    originalLength: data.length,
    data,
    offset: 0,
  };
}
