/**
 * Parser of classic pcap files (libpcap format): a 24-byte file header, then 16-byte record
 * headers each followed by the captured bytes. Microsecond (a1b2c3d4) and nanosecond (a1b23c4d)
 * magic, either byte order; also the old "modified" pcap of Red Hat's tcpdump (a1b2cd34), whose
 * record headers are 24 bytes (ifindex, protocol, packet type follow).
 */
import { CaptureFormatError } from "./errors.js";
import type { CaptureInterface, PacketHandler } from "./packet.js";
import type { RecordParser } from "./record-parser.js";

export const PCAP_HEADER_BYTES = 24;
export const PCAP_RECORD_HEADER_BYTES = 16;
export const MODIFIED_PCAP_RECORD_HEADER_BYTES = 24;
/** libpcap and Wireshark accept records up to the larger of this and the snaplen. */
const MAX_STANDARD_PACKET = 262144;
/** Upper bits of the link-type field carry FCS information, not the type. */
const LINKTYPE_MASK = 0x03ffffff;

export class PcapParser implements RecordParser {
  readonly format = "pcap";
  readonly byteOrder: "little" | "big";
  need = PCAP_HEADER_BYTES;
  packets = 0;
  interfaces: CaptureInterface[] = [];
  private readonly le: boolean;
  private readonly nanosecond: boolean;
  private readonly recordHeader: number;
  private readonly onPacket: PacketHandler;
  private headerDone = false;
  private linkType = 0;
  private maxCaptured = MAX_STANDARD_PACKET;

  constructor(littleEndian: boolean, nanosecond: boolean, onPacket: PacketHandler, recordHeader = PCAP_RECORD_HEADER_BYTES) {
    this.le = littleEndian;
    this.recordHeader = recordHeader;
    this.byteOrder = littleEndian ? "little" : "big";
    this.nanosecond = nanosecond;
    this.onPacket = onPacket;
  }

  parse(buf: Uint8Array, view: DataView, pos: number, end: number, base: number): number {
    const le = this.le;
    if (!this.headerDone) {
      if (end - pos < PCAP_HEADER_BYTES) {
        this.need = PCAP_HEADER_BYTES;
        return pos;
      }
      this.readHeader(view, pos, base);
      pos += PCAP_HEADER_BYTES;
    }
    const linkType = this.linkType;
    const nanosecond = this.nanosecond;
    const maxCaptured = this.maxCaptured;
    const recordHeader = this.recordHeader;
    for (;;) {
      if (end - pos < recordHeader) {
        this.need = recordHeader;
        return pos;
      }
      const captured = view.getUint32(pos + 8, le);
      if (captured > maxCaptured) {
        throw new CaptureFormatError(
          `corrupt packet record at byte ${base + pos}: captured length ${captured} exceeds the maximum ${maxCaptured}`,
          base + pos,
        );
      }
      const total = recordHeader + captured;
      if (end - pos < total) {
        this.need = total;
        return pos;
      }
      const frac = view.getUint32(pos + 4, le);
      const dataStart = pos + recordHeader;
      this.onPacket({
        frame: ++this.packets,
        tsSec: view.getUint32(pos, le),
        tsNsec: nanosecond ? frac : frac * 1000,
        interfaceId: 0,
        linkType,
        capturedLength: captured,
        originalLength: view.getUint32(pos + 12, le),
        data: buf.subarray(dataStart, dataStart + captured),
        offset: base + pos,
      });
      pos += total;
    }
  }

  truncated(remain: number, offset: number): CaptureFormatError {
    if (!this.headerDone) {
      return new CaptureFormatError(
        `truncated pcap file header at byte ${offset}: ${PCAP_HEADER_BYTES} bytes needed, ${remain} remain`,
        offset,
      );
    }
    const recordHeader = this.recordHeader;
    if (this.need === recordHeader) {
      return new CaptureFormatError(
        `truncated packet record header at byte ${offset}: ${recordHeader} bytes needed, ${remain} remain`,
        offset,
      );
    }
    const captured = this.need - recordHeader;
    return new CaptureFormatError(
      `truncated packet record at byte ${offset}: header says ${captured} bytes, ${remain - recordHeader} remain`,
      offset,
    );
  }

  private readHeader(view: DataView, pos: number, base: number): void {
    const le = this.le;
    const major = view.getUint16(pos + 4, le);
    const minor = view.getUint16(pos + 6, le);
    if (major !== 2) {
      throw new CaptureFormatError(`unsupported pcap version ${major}.${minor} at byte ${base + pos + 4}`, base + pos + 4);
    }
    const snaplen = view.getUint32(pos + 16, le);
    this.linkType = view.getUint32(pos + 20, le) & LINKTYPE_MASK;
    this.maxCaptured = Math.max(MAX_STANDARD_PACKET, Math.min(snaplen, 16 * 1024 * 1024));
    this.interfaces.push({
      section: 0,
      id: 0,
      linkType: this.linkType,
      snaplen,
      unitsPerSecond: this.nanosecond ? 1e9 : 1e6,
      tsOffset: 0,
    });
    this.headerDone = true;
  }
}
