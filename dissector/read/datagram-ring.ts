/**
 * What a parallel summary read passes from its reading thread to its dissecting thread (over a
 * SlotRing): the IMP datagrams of the capture, already cut out of their frames (the reading
 * thread runs the capture reader, IP and UDP parsing, reassembly and recognition), one pass after
 * the other. On the dissecting side a RingDatagramSource is a PacketSource whose `datagrams`
 * replays them, so the ordinary pipeline (analysis, -Y, -c, -2) runs on them unchanged.
 *
 * Records (word 0: kind, plus from bit 8 the byte length of the frame's captured bytes):
 * - START  tsSec (low, high), tsNsec: the first packet of a pass (the time origin).
 * - DGRAM  frame, tsSec (low, high), tsNsec, linkType, originalLength, interfaceId, file offset
 *          (low, high), src and dst (address, port | text flag << 16), ipVersion, payload start
 *          in the frame (-1: bytes of its own, reassembled), payload length, fragment count,
 *          IPv6 text lengths (src | dst << 16); then the frame bytes, the payload when of its
 *          own, the fragments' frame numbers and the IPv6 texts, each padded to a word.
 * - END    packets (low, high), IMP datagrams, not UDP, other UDP, fragments, damage offset
 *          (low, high; -1 when none); the damage message: the end of a pass.
 */
import { Buffer } from "node:buffer";
import { DecodeCache } from "../decode-cache.js";
import { endpointOf, type Endpoint } from "../capture/endpoint.js";
import { CaptureFormatError } from "../capture/errors.js";
import type { CapturePacket } from "../capture/packet.js";
import type { ImpDatagram, ImpFrameCounters, ImpFrameOptions } from "../imp-frames.js";
import type { PacketSource, SourceEnd } from "../source.js";
import { hiOf, joinWords, loOf, SlotReader, SlotWriter, wordsFor, type RingLayout } from "./slot-ring.js";

const D_START = 1;
const D_DGRAM = 2;
const D_END = 3;

const DGRAM_WORDS = 19;
const END_WORDS = 10;

export const DATAGRAM_RING: RingLayout = { slots: 8, slotBytes: 512 * 1024 };

const NO_TEXT = Buffer.alloc(0);

/** The reading thread's end. */
export class DatagramRingWriter extends SlotWriter {
  /** The first packet of a pass. */
  start(tsSec: number, tsNsec: number): void {
    const at = this.room(4);
    const w = this.words;
    w[at] = D_START;
    w[at + 1] = loOf(tsSec);
    w[at + 2] = hiOf(tsSec);
    w[at + 3] = tsNsec;
  }

  datagram(d: ImpDatagram): void {
    const p = d.packet;
    const data = p.data;
    const dataLen = data.length;
    const payload = d.payload;
    const payloadLen = payload.length;
    // The payload is a view into the frame, unless reassembled from fragments.
    const fragments = d.fragments;
    const own = fragments === null ? 0 : payloadLen;
    const fragmentCount = fragments === null ? 0 : fragments.length;
    const srcAddress = d.src.rawAddress;
    const dstAddress = d.dst.rawAddress;
    const srcText = typeof srcAddress === "number" ? NO_TEXT : Buffer.from(srcAddress, "utf8");
    const dstText = typeof dstAddress === "number" ? NO_TEXT : Buffer.from(dstAddress, "utf8");
    const at = this.room(DGRAM_WORDS + wordsFor(dataLen) + wordsFor(own) + fragmentCount + wordsFor(srcText.length) + wordsFor(dstText.length));
    const w = this.words;
    const tsSec = d.tsSec;
    w[at] = D_DGRAM | (dataLen << 8);
    w[at + 1] = d.frame;
    w[at + 2] = loOf(tsSec);
    w[at + 3] = hiOf(tsSec);
    w[at + 4] = d.tsNsec;
    w[at + 5] = p.linkType;
    w[at + 6] = p.originalLength;
    w[at + 7] = p.interfaceId;
    w[at + 8] = loOf(p.offset);
    w[at + 9] = hiOf(p.offset);
    w[at + 10] = typeof srcAddress === "number" ? srcAddress : 0;
    w[at + 11] = d.src.port | (srcText.length > 0 ? 0x10000 : 0);
    w[at + 12] = typeof dstAddress === "number" ? dstAddress : 0;
    w[at + 13] = d.dst.port | (dstText.length > 0 ? 0x10000 : 0);
    w[at + 14] = d.ipVersion;
    w[at + 15] = fragments === null ? payload.byteOffset - data.byteOffset : -1;
    w[at + 16] = payloadLen;
    w[at + 17] = fragmentCount;
    w[at + 18] = srcText.length | (dstText.length << 16);
    const out = this.bytes;
    let pos = at + DGRAM_WORDS;
    out.set(data, pos * 4);
    pos += wordsFor(dataLen);
    if (own > 0) {
      out.set(payload, pos * 4);
      pos += wordsFor(own);
    }
    for (let i = 0; i < fragmentCount; i++) w[pos++] = fragments![i]!;
    if (srcText.length > 0) out.set(srcText, pos * 4);
    pos += wordsFor(srcText.length);
    if (dstText.length > 0) out.set(dstText, pos * 4);
  }

  /** The end of a pass: what the reader counted, and the damage that ended it, if any. */
  endPass(packets: number, counters: ImpFrameCounters, damage: CaptureFormatError | null): void {
    const message = Buffer.from(damage?.message ?? "", "utf8");
    const at = this.room(END_WORDS + wordsFor(message.length));
    const w = this.words;
    w[at] = D_END | (message.length << 8);
    w[at + 1] = loOf(packets);
    w[at + 2] = hiOf(packets);
    w[at + 3] = counters.imp;
    w[at + 4] = counters.notUdp;
    w[at + 5] = counters.otherUdp;
    w[at + 6] = counters.fragments;
    w[at + 7] = damage ? loOf(damage.offset) : -1;
    w[at + 8] = damage ? hiOf(damage.offset) : -1;
    w[at + 9] = counters.packets;
    this.bytes.set(message, (at + END_WORDS) * 4);
    this.publish();
  }
}

/** The captured packet of a replayed datagram; its bytes are a view made when asked for. */
class RingPacket implements CapturePacket {
  frame = 0;
  tsSec = 0;
  tsNsec = 0;
  interfaceId = 0;
  linkType = 0;
  capturedLength = 0;
  originalLength = 0;
  offset = 0;
  /** Where the bytes are in the ring. */
  start = 0;

  constructor(private readonly ring: Uint8Array) {}

  get data(): Uint8Array {
    return this.ring.subarray(this.start, this.start + this.capturedLength);
  }
}

/**
 * One pass of the datagrams a DatagramRingWriter sends, as a PacketSource: `datagrams` replays
 * them (views valid during the callback, as readImpDatagrams gives them); `run` (packets) is not
 * available. `next()` is the source of the following pass.
 */
export class RingDatagramSource implements PacketSource {
  readonly description: string;
  readonly live = false;
  private stopped = false;

  constructor(
    private readonly ring: SlotReader,
    description: string,
    private readonly decodes: DecodeCache = new DecodeCache(),
  ) {
    this.description = description;
  }

  run(): Promise<SourceEnd> {
    return Promise.reject(new Error("a ring datagram source replays datagrams, not packets"));
  }

  stop(): void {
    this.stopped = true;
  }

  /** The source of the next pass (the writer sends passes one after the other). */
  next(): RingDatagramSource {
    return new RingDatagramSource(this.ring, this.description, this.decodes);
  }

  async datagrams(onDatagram: (d: ImpDatagram) => void, options: ImpFrameOptions = {}): Promise<{ end: SourceEnd; counters: ImpFrameCounters }> {
    const ring = this.ring;
    const w = ring.words;
    const bytes = ring.bytes;
    const packet = new RingPacket(bytes);
    const record: ImpDatagram = { frame: 0, tsSec: 0, tsNsec: 0, src: endpointOf(0, 0), dst: endpointOf(0, 0), ipVersion: 4, payload: bytes.subarray(0, 0), decoded: this.decodes.decode(bytes.subarray(0, 0)), packet, fragments: null };
    try {
      for (;;) {
        while (!ring.ready()) ring.blockUntilReady(1000);
        const [base, end] = ring.span();
        let at = base;
        while (at < end) {
          const head = w[at]!;
          const kind = head & 0xff;
          if (kind === D_START) {
            options.onStart?.(joinWords(w[at + 1]!, w[at + 2]!), w[at + 3]!);
            at += 4;
          } else if (kind === D_DGRAM) {
            at = this.replay(at, head >>> 8, record, packet);
            if (!this.stopped) onDatagram(record);
          } else {
            const result = this.ended(at, head >>> 8);
            ring.release();
            if (result instanceof CaptureFormatError) throw result;
            return result;
          }
        }
        ring.release();
        if (this.stopped) {
          ring.requestStop();
          return { end: { packets: 0 }, counters: { packets: 0, imp: 0, notUdp: 0, otherUdp: 0, fragments: 0 } };
        }
      }
    } catch (e) {
      // Stopped from inside the callback (-c): the writer must stop too.
      if (this.stopped) ring.requestStop();
      throw e;
    }
  }

  /** Fills `record` from the DGRAM record at word `at`; returns the next record's word. */
  private replay(at: number, dataLen: number, record: ImpDatagram, packet: RingPacket): number {
    const w = this.ring.words;
    const bytes = this.ring.bytes;
    packet.frame = w[at + 1]!;
    packet.tsSec = joinWords(w[at + 2]!, w[at + 3]!);
    packet.tsNsec = w[at + 4]!;
    packet.linkType = w[at + 5]!;
    packet.originalLength = w[at + 6]! >>> 0;
    packet.interfaceId = w[at + 7]!;
    packet.offset = joinWords(w[at + 8]!, w[at + 9]!);
    packet.capturedLength = dataLen;
    let pos = at + DGRAM_WORDS;
    packet.start = pos * 4;
    pos += wordsFor(dataLen);
    const payloadStart = w[at + 15]!;
    const payloadLen = w[at + 16]!;
    let payloadAt: number;
    if (payloadStart >= 0) payloadAt = packet.start + payloadStart;
    else {
      payloadAt = pos * 4;
      pos += wordsFor(payloadLen);
    }
    const fragmentCount = w[at + 17]!;
    let fragments: number[] | null = null;
    if (fragmentCount > 0) {
      fragments = [];
      for (let i = 0; i < fragmentCount; i++) fragments.push(w[pos++]!);
    }
    const texts = w[at + 18]!;
    const srcTextLen = texts & 0xffff;
    const dstTextLen = texts >>> 16;
    const srcPort = w[at + 11]!;
    const dstPort = w[at + 13]!;
    let src: Endpoint;
    let dst: Endpoint;
    if (srcPort & 0x10000) {
      src = endpointOf(this.ring.text(pos * 4, pos * 4 + srcTextLen), srcPort & 0xffff);
    } else src = endpointOf(w[at + 10]! >>> 0, srcPort);
    pos += wordsFor(srcTextLen);
    if (dstPort & 0x10000) {
      dst = endpointOf(this.ring.text(pos * 4, pos * 4 + dstTextLen), dstPort & 0xffff);
    } else dst = endpointOf(w[at + 12]! >>> 0, dstPort);
    pos += wordsFor(dstTextLen);
    record.frame = packet.frame;
    record.tsSec = packet.tsSec;
    record.tsNsec = packet.tsNsec;
    record.src = src;
    record.dst = dst;
    record.ipVersion = w[at + 14] === 6 ? 6 : 4;
    record.payload = bytes.subarray(payloadAt, payloadAt + payloadLen);
    record.decoded = this.decodes.decodeAt(bytes, payloadAt, payloadLen);
    record.fragments = fragments;
    return pos;
  }

  private ended(at: number, messageLen: number): { end: SourceEnd; counters: ImpFrameCounters } | CaptureFormatError {
    const w = this.ring.words;
    const damageLo = w[at + 7]!;
    const damageHi = w[at + 8]!;
    if (!(damageLo === -1 && damageHi === -1)) {
      const start = (at + END_WORDS) * 4;
      return new CaptureFormatError(this.ring.text(start, start + messageLen), joinWords(damageLo, damageHi));
    }
    const packets = joinWords(w[at + 1]!, w[at + 2]!);
    return { end: { packets }, counters: { packets: w[at + 9]!, imp: w[at + 3]!, notUdp: w[at + 4]!, otherUdp: w[at + 5]!, fragments: w[at + 6]! } };
  }
}
