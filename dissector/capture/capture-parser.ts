/**
 * The push parser: feed it chunks of a capture file of any size (`push`), then `end()`.
 * It detects pcap or pcapng from the magic, parses every complete record in place (packets are
 * zero-copy views into the chunk, valid only during the callback) and carries an incomplete
 * record over to the next chunk, copying only that record. Memory stays bounded by the largest
 * record (at most 16 MiB), whatever the file size.
 */
import { CaptureFormatError } from "./errors.js";
import type { CaptureSummary, PacketHandler } from "./packet.js";
import { MODIFIED_PCAP_RECORD_HEADER_BYTES, PcapParser } from "./pcap-reader.js";
import { PcapngParser } from "./pcapng-reader.js";
import { hex32, type RecordParser } from "./record-parser.js";

const MAGIC_BYTES = 4;
const MIN_CARRY = 64 * 1024;

/** Picks the format parser for the first four bytes of a file, or throws. */
function parserForMagic(magic: number, onPacket: PacketHandler): RecordParser {
  switch (magic) {
    case 0xd4c3b2a1:
      return new PcapParser(true, false, onPacket);
    case 0xa1b2c3d4:
      return new PcapParser(false, false, onPacket);
    case 0x4d3cb2a1:
      return new PcapParser(true, true, onPacket);
    case 0xa1b23c4d:
      return new PcapParser(false, true, onPacket);
    case 0x34cdb2a1:
      return new PcapParser(true, false, onPacket, MODIFIED_PCAP_RECORD_HEADER_BYTES);
    case 0xa1b2cd34:
      return new PcapParser(false, false, onPacket, MODIFIED_PCAP_RECORD_HEADER_BYTES);
    case 0x0a0d0d0a:
      return new PcapngParser(onPacket);
    default:
      throw new CaptureFormatError(`not a pcap or pcapng file (magic ${hex32(magic)})`, 0);
  }
}

export class CaptureParser {
  private parser: RecordParser | undefined;
  private readonly onPacket: PacketHandler;
  private carry = new Uint8Array(MIN_CARRY);
  private carryView = new DataView(this.carry.buffer);
  private carryLength = 0;
  /** File offset of carry[0]. */
  private carryBase = 0;
  private total = 0;
  private failure: unknown;
  private ended = false;

  constructor(onPacket: PacketHandler) {
    this.onPacket = onPacket;
  }

  /** Bytes pushed so far. */
  get bytes(): number {
    return this.total;
  }

  /** Packets delivered so far. */
  get packets(): number {
    return this.parser?.packets ?? 0;
  }

  /**
   * Parses a chunk, calling onPacket for every complete packet. Throws CaptureFormatError on
   * damage (after the packets before it), and again on every later call.
   * Errors thrown by onPacket propagate unchanged.
   */
  push(chunk: Uint8Array): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.ended) throw new Error("CaptureParser.push after end()");
    try {
      this.pushChunk(chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (error) {
      this.failure = error;
      throw error;
    }
  }

  /** Ends the input: throws CaptureFormatError if it stops inside a record, else returns the summary. */
  end(): CaptureSummary {
    if (this.failure !== undefined) throw this.failure;
    this.ended = true;
    if (this.carryLength > 0 || this.parser === undefined) {
      this.failure = this.parser
        ? this.parser.truncated(this.carryLength, this.carryBase)
        : new CaptureFormatError(`not a pcap or pcapng file (${this.total === 0 ? "empty" : `only ${this.total} bytes`})`, 0);
      throw this.failure;
    }
    return {
      format: this.parser.format,
      byteOrder: this.parser.byteOrder,
      packets: this.parser.packets,
      bytes: this.total,
      interfaces: this.parser.interfaces,
    };
  }

  private pushChunk(chunk: Uint8Array): void {
    const chunkBase = this.total;
    this.total += chunk.length;
    let pos = 0;
    while (this.carryLength > 0) {
      if (pos === chunk.length) return;
      const need = this.need();
      const take = Math.min(need - this.carryLength, chunk.length - pos);
      this.appendCarry(chunk, pos, take, need);
      pos += take;
      if (this.carryLength < need) return;
      const used = this.parseRange(this.carry, this.carryView, 0, this.carryLength, this.carryBase);
      if (used === 0 && this.need() <= this.carryLength)
        throw new CaptureFormatError(`parser made no progress at byte ${this.carryBase}`, this.carryBase);
      this.carry.copyWithin(0, used, this.carryLength);
      this.carryLength -= used;
      this.carryBase += used;
    }
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const used = this.parseRange(chunk, view, pos, chunk.length, chunkBase);
    if (used < chunk.length) {
      this.carryBase = chunkBase + used;
      this.appendCarry(chunk, used, chunk.length - used, this.need());
    }
  }

  private need(): number {
    return this.parser ? this.parser.need : MAGIC_BYTES;
  }

  private parseRange(buf: Uint8Array, view: DataView, pos: number, end: number, base: number): number {
    if (this.parser === undefined) {
      if (end - pos < MAGIC_BYTES) return pos;
      this.parser = parserForMagic(view.getUint32(pos, false), this.onPacket);
    }
    return this.parser.parse(buf, view, pos, end, base);
  }

  private appendCarry(source: Uint8Array, from: number, count: number, need: number): void {
    const required = Math.max(need, this.carryLength + count);
    if (required > this.carry.length) {
      let size = this.carry.length;
      while (size < required) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.carry.subarray(0, this.carryLength));
      this.carry = grown;
      this.carryView = new DataView(grown.buffer);
    }
    this.carry.set(source.subarray(from, from + count), this.carryLength);
    this.carryLength += count;
  }
}
