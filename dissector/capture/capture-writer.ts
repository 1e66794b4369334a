/**
 * The capture writer: frames IMP datagrams as Ethernet/IPv4/UDP (or the interface's link type)
 * with correct lengths and checksums, incrementing IP ids and optional IPv4 fragmentation, and
 * writes them as pcap or pcapng to a file or to memory. Raw frames can be written too.
 */
import { FileSink, MemorySink, type ByteSink } from "./byte-sink.js";
import { buildUdpPackets, type ImpDatagram } from "./frame-builder.js";
import { wrapLink, type LinkOptions } from "./link-builder.js";
import { LinkType } from "./link-type.js";
import { DEFAULT_SNAPLEN, encodePcapHeader, encodePcapRecord } from "./pcap-writer.js";
import { encodeEpb, encodeIdb, encodeShb, type InterfaceSpec } from "./pcapng-writer.js";

export interface CaptureWriterOptions {
  format: "pcap" | "pcapng";
  /** Output file (created or truncated at once). Omitted: the writer keeps the bytes in memory. */
  path?: string;
  /** Nanosecond timestamps (pcap ns magic; pcapng if_tsresol 9). Default microseconds. */
  nanosecond?: boolean;
  /** Split IP packets larger than this (bytes; IPv4 >= 68, IPv6 >= 56) into fragments. Default: never. */
  mtu?: number;
  /** Default little. */
  byteOrder?: "little" | "big";
  /** Link type of interface 0 (default ETHERNET). */
  linkType?: number;
  snaplen?: number;
  /** The interfaces to describe, overriding linkType, snaplen and (pcapng) nanosecond; pcap takes one. */
  interfaces?: readonly InterfaceSpec[];
  /** Link-layer details for datagrams (VLAN tags, MACs, ...). */
  link?: LinkOptions;
  /** First IPv4 id (default 1); incremented per datagram. */
  firstIpId?: number;
  /** File output buffer size (default 1 MiB). */
  bufferSize?: number;
}

export interface FrameMeta {
  tsSec: number;
  tsNsec?: number;
  /** pcapng interface id (default 0). */
  interfaceId?: number;
  /** Length on the wire (default: the frame's length). */
  originalLength?: number;
}

export interface CaptureWriter {
  /** Writes one datagram; returns the number of frames written (more than 1 when fragmented). */
  writeDatagram(datagram: ImpDatagram, interfaceId?: number): number;
  /** Writes a frame of the interface's link type as it is. */
  writeFrame(frame: Uint8Array, meta: FrameMeta): void;
  /** Frames written so far. */
  readonly frames: number;
  /** Pushes buffered bytes to the file (no-op in memory). */
  flush(): void;
  close(): Promise<void>;
  /** The whole capture so far (memory output only; throws for a file). */
  bytes(): Uint8Array;
}

export function createCaptureWriter(options: CaptureWriterOptions): CaptureWriter {
  return new Writer(options);
}

class Writer implements CaptureWriter {
  frames = 0;
  private readonly sink: ByteSink;
  private readonly interfaces: InterfaceSpec[];
  private readonly options: CaptureWriterOptions;
  private ipId: number;
  /** pcap only: nanosecond magic and records. */
  private readonly pcapNanosecond: boolean;

  constructor(options: CaptureWriterOptions) {
    this.options = options;
    if (options.format !== "pcap" && options.format !== "pcapng") throw new TypeError(`unknown capture format ${String(options.format)}`);
    const single: InterfaceSpec = {
      linkType: options.linkType ?? LinkType.ETHERNET,
      snaplen: options.snaplen ?? DEFAULT_SNAPLEN,
      tsresol: options.nanosecond ? 9 : 6,
    };
    this.interfaces = options.interfaces?.length ? [...options.interfaces] : [single];
    if (options.format === "pcap" && options.interfaces && options.interfaces.length > 1) {
      throw new TypeError("pcap holds one interface; use pcapng for several");
    }
    this.ipId = (options.firstIpId ?? 1) & 0xffff;
    this.pcapNanosecond = options.nanosecond ?? this.interfaces[0]!.tsresol === 9;
    this.sink = options.path === undefined ? new MemorySink() : new FileSink(options.path, options.bufferSize);
    const byteOrder = options.byteOrder ?? "little";
    if (options.format === "pcap") {
      const iface = this.interfaces[0]!;
      this.sink.write(
        encodePcapHeader({
          linkType: iface.linkType,
          snaplen: iface.snaplen ?? DEFAULT_SNAPLEN,
          nanosecond: this.pcapNanosecond,
          byteOrder,
        }),
      );
    } else {
      this.sink.write(encodeShb(byteOrder));
      for (const iface of this.interfaces) this.sink.write(encodeIdb(iface, byteOrder));
    }
  }

  writeDatagram(datagram: ImpDatagram, interfaceId = 0): number {
    const iface = this.interfaceAt(interfaceId);
    const packets = buildUdpPackets(datagram.src, datagram.dst, datagram.payload, {
      id: this.ipId,
      ...(this.options.mtu === undefined ? {} : { mtu: this.options.mtu }),
    });
    this.ipId = (this.ipId + 1) & 0xffff;
    for (const packet of packets) {
      this.writeFrame(wrapLink(iface.linkType, packet, this.options.link), {
        tsSec: datagram.tsSec,
        tsNsec: datagram.tsNsec ?? 0,
        interfaceId,
      });
    }
    return packets.length;
  }

  writeFrame(frame: Uint8Array, meta: FrameMeta): void {
    const interfaceId = meta.interfaceId ?? 0;
    const iface = this.interfaceAt(interfaceId);
    const tsNsec = meta.tsNsec ?? 0;
    // pcapng: the file holds the time minus the interface's if_tsoffset.
    const tsSec = meta.tsSec - (this.options.format === "pcapng" ? (iface.tsOffset ?? 0) : 0);
    if (!Number.isInteger(tsSec) || tsSec < 0 || tsSec > 0xffffffff) throw new RangeError(`bad timestamp seconds ${meta.tsSec}`);
    if (!Number.isInteger(tsNsec) || tsNsec < 0 || tsNsec > 999_999_999) throw new RangeError(`bad timestamp nanoseconds ${tsNsec}`);
    const snaplen = iface.snaplen ?? DEFAULT_SNAPLEN;
    const data = snaplen > 0 && frame.length > snaplen ? frame.subarray(0, snaplen) : frame;
    const originalLength = meta.originalLength ?? frame.length;
    const byteOrder = this.options.byteOrder ?? "little";
    if (this.options.format === "pcap") {
      this.sink.write(encodePcapRecord(tsSec, tsNsec, data, originalLength, { nanosecond: this.pcapNanosecond, byteOrder }));
    } else {
      const tsresol = iface.tsresol ?? 6;
      this.sink.write(encodeEpb({ interfaceId, tsSec, tsNsec, tsresol, data, originalLength }, byteOrder));
    }
    this.frames += 1;
  }

  flush(): void {
    this.sink.flush();
  }

  close(): Promise<void> {
    return this.sink.close();
  }

  bytes(): Uint8Array {
    if (!(this.sink instanceof MemorySink)) throw new Error("bytes() is only available for a writer without a path");
    return this.sink.bytes();
  }

  private interfaceAt(id: number): InterfaceSpec {
    const iface = this.interfaces[id];
    if (iface === undefined) throw new RangeError(`no interface ${id} (${this.interfaces.length} described)`);
    return iface;
  }
}
