/**
 * Parser of pcapng files: sections (SHB, byte order per section), interfaces (IDB: link type,
 * snaplen, if_tsresol, if_tsoffset, if_name), packets (EPB, SPB, obsolete PB); other blocks are
 * skipped. Every length is checked against its block before use.
 */
import { CaptureFormatError } from "./errors.js";
import type { CaptureInterface, PacketHandler } from "./packet.js";
import { BlockSize, BlockType, BYTE_ORDER_MAGIC, OptionCode, unitsForTsresol } from "./pcapng-blocks.js";
import { hex32, MAX_RECORD_BYTES, type RecordParser } from "./record-parser.js";
import { TimestampSplitter, type SplitTime } from "./timestamp.js";

const BLOCK_HEADER_BYTES = 12;
/** Finer resolutions than this cannot be split exactly with doubles; treated as damage. */
const MAX_UNITS_PER_SECOND = 2 ** 52;

interface InterfaceState extends CaptureInterface {
  readonly clock: TimestampSplitter;
}

export class PcapngParser implements RecordParser {
  readonly format = "pcapng";
  byteOrder: "little" | "big" = "little";
  need = BLOCK_HEADER_BYTES;
  packets = 0;
  readonly interfaces: CaptureInterface[] = [];
  private le = true;
  private section = -1;
  private sectionInterfaces: InterfaceState[] = [];
  /** Block length of the incomplete block parse stopped at (0: header incomplete). */
  private pendingLength = 0;
  private readonly time: SplitTime = { sec: 0, nsec: 0 };
  private readonly onPacket: PacketHandler;

  constructor(onPacket: PacketHandler) {
    this.onPacket = onPacket;
  }

  parse(buf: Uint8Array, view: DataView, pos: number, end: number, base: number): number {
    for (;;) {
      if (end - pos < BLOCK_HEADER_BYTES) {
        this.need = BLOCK_HEADER_BYTES;
        this.pendingLength = 0;
        return pos;
      }
      const offset = base + pos;
      let type = view.getUint32(pos, this.le);
      if (type === BlockType.SHB) this.readByteOrder(view, pos, offset);
      else if (this.section < 0)
        throw new CaptureFormatError(
          `pcapng file does not start with a section header block (block type ${hex32(type)} at byte ${offset})`,
          offset,
        );
      const le = this.le;
      type = view.getUint32(pos, le);
      const length = view.getUint32(pos + 4, le);
      if (length < BLOCK_HEADER_BYTES || length % 4 !== 0 || length > MAX_RECORD_BYTES) {
        throw new CaptureFormatError(`corrupt block at byte ${offset}: bad block length ${length} (block type ${hex32(type)})`, offset);
      }
      if (end - pos < length) {
        this.need = length;
        this.pendingLength = length;
        return pos;
      }
      const trailing = view.getUint32(pos + length - 4, le);
      if (trailing !== length) {
        throw new CaptureFormatError(
          `corrupt block at byte ${offset}: trailing length ${trailing} differs from leading length ${length}`,
          offset,
        );
      }
      switch (type) {
        case BlockType.EPB:
          this.readEpb(buf, view, pos, length, offset);
          break;
        case BlockType.SPB:
          this.readSpb(buf, view, pos, length, offset);
          break;
        case BlockType.PB:
          this.readPb(buf, view, pos, length, offset);
          break;
        case BlockType.IDB:
          this.readIdb(buf, view, pos, length, offset);
          break;
        case BlockType.SHB:
          this.readShb(view, pos, length, offset);
          break;
        default:
          break;
      }
      pos += length;
    }
  }

  truncated(remain: number, offset: number): CaptureFormatError {
    if (this.pendingLength === 0) {
      return new CaptureFormatError(
        `truncated block header at byte ${offset}: ${BLOCK_HEADER_BYTES} bytes needed, ${remain} remain`,
        offset,
      );
    }
    return new CaptureFormatError(`truncated block at byte ${offset}: header says ${this.pendingLength} bytes, ${remain} remain`, offset);
  }

  private readByteOrder(view: DataView, pos: number, offset: number): void {
    const magic = view.getUint32(pos + 8, true);
    if (magic === BYTE_ORDER_MAGIC) this.le = true;
    else if (magic === 0x4d3c2b1a) this.le = false;
    else throw new CaptureFormatError(`corrupt section header block at byte ${offset}: byte-order magic ${hex32(magic)}`, offset);
  }

  private readShb(view: DataView, pos: number, length: number, offset: number): void {
    if (length < BlockSize.SHB) {
      throw new CaptureFormatError(`corrupt section header block at byte ${offset}: length ${length} < ${BlockSize.SHB}`, offset);
    }
    const major = view.getUint16(pos + 12, this.le);
    if (major !== 1) {
      throw new CaptureFormatError(`unsupported pcapng version ${major}.${view.getUint16(pos + 14, this.le)} at byte ${offset}`, offset);
    }
    if (this.section < 0) this.byteOrder = this.le ? "little" : "big";
    this.section += 1;
    this.sectionInterfaces = [];
  }

  private readIdb(buf: Uint8Array, view: DataView, pos: number, length: number, offset: number): void {
    if (length < BlockSize.IDB) {
      throw new CaptureFormatError(`corrupt interface description block at byte ${offset}: length ${length} < ${BlockSize.IDB}`, offset);
    }
    const le = this.le;
    let unitsPerSecond = 1e6;
    let tsOffset = 0;
    let name: string | undefined;
    let at = pos + 16;
    const optionsEnd = pos + length - 4;
    while (optionsEnd - at >= 4) {
      const code = view.getUint16(at, le);
      const size = view.getUint16(at + 2, le);
      if (code === OptionCode.END) break;
      const padded = (size + 3) & ~3;
      if (optionsEnd - at - 4 < padded) {
        throw new CaptureFormatError(
          `corrupt interface description block at byte ${offset}: option ${code} at byte ${offset + at - pos} overruns the block`,
          offset,
        );
      }
      const value = at + 4;
      if (code === OptionCode.IF_TSRESOL && size >= 1) {
        unitsPerSecond = unitsForTsresol(view.getUint8(value));
        if (unitsPerSecond > MAX_UNITS_PER_SECOND) {
          throw new CaptureFormatError(
            `unsupported if_tsresol ${view.getUint8(value)} in interface description block at byte ${offset}`,
            offset,
          );
        }
      } else if (code === OptionCode.IF_TSOFFSET && size >= 8) {
        tsOffset = view.getInt32(value + (le ? 4 : 0), le) * 4294967296 + view.getUint32(value + (le ? 0 : 4), le);
      } else if (code === OptionCode.IF_NAME) {
        name = new TextDecoder().decode(buf.subarray(value, value + size)).replace(/\0+$/, "");
      }
      at = value + padded;
    }
    const iface: InterfaceState = {
      section: this.section,
      id: this.sectionInterfaces.length,
      linkType: view.getUint16(pos + 8, le),
      snaplen: view.getUint32(pos + 12, le),
      unitsPerSecond,
      tsOffset,
      clock: new TimestampSplitter(unitsPerSecond),
      ...(name === undefined ? {} : { name }),
    };
    this.sectionInterfaces.push(iface);
    const { clock: _clock, ...publicView } = iface;
    this.interfaces.push(publicView);
  }

  private interfaceFor(id: number, kind: string, offset: number): InterfaceState {
    const iface = this.sectionInterfaces[id];
    if (iface === undefined) {
      throw new CaptureFormatError(
        `corrupt ${kind} at byte ${offset}: interface ${id} not described (${this.sectionInterfaces.length} interfaces in this section)`,
        offset,
      );
    }
    return iface;
  }

  private readEpb(buf: Uint8Array, view: DataView, pos: number, length: number, offset: number): void {
    const le = this.le;
    if (length < BlockSize.EPB) {
      throw new CaptureFormatError(`corrupt enhanced packet block at byte ${offset}: length ${length} < ${BlockSize.EPB}`, offset);
    }
    const iface = this.interfaceFor(view.getUint32(pos + 8, le), "enhanced packet block", offset);
    this.emitTimed(buf, view, pos, length, offset, iface, 28, "enhanced packet block");
  }

  private readPb(buf: Uint8Array, view: DataView, pos: number, length: number, offset: number): void {
    if (length < BlockSize.PB) {
      throw new CaptureFormatError(`corrupt packet block at byte ${offset}: length ${length} < ${BlockSize.PB}`, offset);
    }
    const iface = this.interfaceFor(view.getUint16(pos + 8, this.le), "packet block", offset);
    this.emitTimed(buf, view, pos, length, offset, iface, 28, "packet block");
  }

  /** EPB and PB share the layout from byte 12: ts high, ts low, captured, original, data. */
  private emitTimed(
    buf: Uint8Array,
    view: DataView,
    pos: number,
    length: number,
    offset: number,
    iface: InterfaceState,
    dataAt: number,
    kind: string,
  ): void {
    const le = this.le;
    const captured = view.getUint32(pos + 20, le);
    if (captured > length - BlockSize.EPB) {
      throw new CaptureFormatError(
        `corrupt ${kind} at byte ${offset}: captured length ${captured} exceeds the block (${length - BlockSize.EPB} bytes of data)`,
        offset,
      );
    }
    const time = this.time;
    iface.clock.split(view.getUint32(pos + 12, le), view.getUint32(pos + 16, le), time);
    const start = pos + dataAt;
    this.onPacket({
      frame: ++this.packets,
      tsSec: time.sec + iface.tsOffset,
      tsNsec: time.nsec,
      interfaceId: iface.id,
      linkType: iface.linkType,
      capturedLength: captured,
      originalLength: view.getUint32(pos + 24, le),
      data: buf.subarray(start, start + captured),
      offset,
    });
  }

  private readSpb(buf: Uint8Array, view: DataView, pos: number, length: number, offset: number): void {
    if (length < BlockSize.SPB) {
      throw new CaptureFormatError(`corrupt simple packet block at byte ${offset}: length ${length} < ${BlockSize.SPB}`, offset);
    }
    const iface = this.interfaceFor(0, "simple packet block", offset);
    const original = view.getUint32(pos + 8, this.le);
    let captured = Math.min(original, length - BlockSize.SPB);
    if (iface.snaplen > 0) captured = Math.min(captured, iface.snaplen);
    const start = pos + 12;
    this.onPacket({
      frame: ++this.packets,
      tsSec: 0,
      tsNsec: 0,
      interfaceId: 0,
      linkType: iface.linkType,
      capturedLength: captured,
      originalLength: original,
      data: buf.subarray(start, start + captured),
      offset,
    });
  }
}
