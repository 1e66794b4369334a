/**
 * What a parallel summary read passes from its reading thread to its dissecting thread (over a
 * SlotRing): the IMP datagrams of the capture, already cut out of their frames (the reading
 * thread runs the capture reader, IP and UDP parsing, reassembly and recognition), one pass after
 * the other. On the dissecting side a RingDatagramSource is a PacketSource whose `datagrams`
 * replays them, so the ordinary pipeline (analysis, -Y, -c, -2) runs on them unchanged.
 *
 * IMP repeats itself (ACKs, group messages relayed to every member), so a short datagram's bytes
 * cross once: the writer gives each distinct one an id (datagram ids grow; id % ID_SLOTS is its
 * slot, taken over by a later id), sends its bytes with the first use and only the id after.
 * Endpoints cross once too, as ids. Records (word 0: kind, plus from bit 8 a byte length):
 * - START     tsSec (low, high), tsNsec: the first packet of a pass (the time origin).
 * - ENDPOINT  id, IPv4 address, port, text flag; the IPv6 address text (byte length in word 0).
 * - DGRAM     frame, tsSec (low, high), tsNsec, originalLength, capturedLength, linkType,
 *             interfaceId, file offset (low, high), src and dst endpoint ids, ipVersion,
 *             datagram id (-1: not remembered), new (0/1), fragment count; the payload when new
 *             or not remembered (byte length in word 0), then the fragments' frame numbers.
 * - END       packets (low, high), IMP datagrams, not UDP, other UDP, fragments, damage offset
 *             (low, high; -1 when none), packets read; the damage message: the end of a pass.
 *
 * The frame bytes do not cross: the summary needs none (the replayed packet says so if asked).
 */
import { Buffer } from "node:buffer";
import { decode } from "../../src/codec/decode.js";
import { withoutMissingPart } from "../captured-part.js";
import type { Decoded } from "../../src/codec/message.js";
import { fingerprint } from "../analysis/fingerprint.js";
import { CACHED_MAX_BYTES } from "../decode-cache.js";
import { endpointOf, type Endpoint } from "../capture/endpoint.js";
import { CaptureFormatError } from "../capture/errors.js";
import type { CapturePacket } from "../capture/packet.js";
import type { ImpDatagram, ImpFrameCounters, ImpFrameOptions } from "../imp-frames.js";
import type { PacketSource, SourceEnd } from "../source.js";
import { hiOf, joinWords, loOf, type SlotReader, SlotWriter, wordsFor, type RingLayout } from "./slot-ring.js";

const D_START = 1;
const D_ENDPOINT = 2;
const D_DGRAM = 3;
const D_END = 4;

const DGRAM_WORDS = 17;
const END_WORDS = 10;

/** Remembered datagrams (by id % ID_SLOTS) on each side. */
export const ID_SLOTS = 16384;
/** Endpoint ids before they start afresh (and are defined again). */
export const ENDPOINT_LIMIT = 65536;

export const DATAGRAM_RING: RingLayout = { slots: 8, slotBytes: 512 * 1024 };

/** The reading thread's end. */
export class DatagramRingWriter extends SlotWriter {
  private readonly endpoints = new Map<object | string, number>();
  private readonly ids = new Map<Decoded, number>();
  /** The Decoded each slot holds, and its id (-1: none). */
  private readonly byId: (Decoded | undefined)[] = new Array(ID_SLOTS).fill(undefined);
  private readonly idOf = new Int32Array(ID_SLOTS).fill(-1);
  private nextId = 0;

  /** The Decoded of datagram `id`, while its slot still holds it (else undefined). */
  decodedOf(id: number): Decoded | undefined {
    const slot = id % ID_SLOTS;
    return id >= 0 && this.idOf[slot] === id ? this.byId[slot] : undefined;
  }

  /** The first packet of a pass. */
  start(tsSec: number, tsNsec: number): void {
    const at = this.room(4);
    const w = this.words;
    w[at] = D_START;
    w[at + 1] = loOf(tsSec);
    w[at + 2] = hiOf(tsSec);
    w[at + 3] = tsNsec;
  }

  private endpoint(e: Endpoint): number {
    const address = e.rawAddress;
    // IPv4 endpoints are shared objects; others are keyed by their text.
    const key = typeof address === "number" ? e : `${address}|${e.port}`;
    let id = this.endpoints.get(key);
    if (id !== undefined) return id;
    if (this.endpoints.size >= ENDPOINT_LIMIT) this.endpoints.clear();
    id = this.endpoints.size;
    this.endpoints.set(key, id);
    const text = typeof address === "number" ? null : Buffer.from(address, "utf8");
    const at = this.room(5 + wordsFor(text?.length ?? 0));
    const w = this.words;
    w[at] = D_ENDPOINT | ((text?.length ?? 0) << 8);
    w[at + 1] = id;
    w[at + 2] = typeof address === "number" ? address : 0;
    w[at + 3] = e.port;
    w[at + 4] = text ? 1 : 0;
    if (text) this.bytes.set(text, (at + 5) * 4);
    return id;
  }

  datagram(d: ImpDatagram): void {
    const p = d.packet;
    const src = this.endpoint(d.src);
    const dst = this.endpoint(d.dst);
    const payload = d.payload;
    const payloadLen = payload.length;
    let id = -1;
    let fresh = true;
    if (payloadLen <= CACHED_MAX_BYTES) {
      // Short datagrams are decoded once each (the recognizer's DecodeCache): the same bytes, the same Decoded.
      const known = this.ids.get(d.decoded);
      if (known !== undefined) {
        id = known;
        fresh = false;
      } else {
        id = this.nextId;
        this.nextId = (this.nextId + 1) & 0x3fffffff;
        const slot = id % ID_SLOTS;
        const old = this.byId[slot];
        if (old !== undefined) this.ids.delete(old);
        this.byId[slot] = d.decoded;
        this.idOf[slot] = id;
        this.ids.set(d.decoded, id);
      }
    }
    const sent = fresh ? payloadLen : 0;
    const fragments = d.fragments;
    const fragmentCount = fragments === null ? 0 : fragments.length;
    const at = this.room(DGRAM_WORDS + wordsFor(sent) + fragmentCount);
    const w = this.words;
    const tsSec = d.tsSec;
    w[at] = D_DGRAM | (payloadLen << 8);
    w[at + 1] = d.frame;
    w[at + 2] = loOf(tsSec);
    w[at + 3] = hiOf(tsSec);
    w[at + 4] = d.tsNsec;
    w[at + 5] = p.originalLength;
    w[at + 6] = p.capturedLength;
    w[at + 7] = p.linkType;
    w[at + 8] = p.interfaceId;
    w[at + 9] = loOf(p.offset);
    w[at + 10] = hiOf(p.offset);
    w[at + 11] = src;
    w[at + 12] = dst;
    w[at + 13] = d.ipVersion;
    w[at + 14] = id;
    w[at + 15] = fresh ? 1 : 0;
    w[at + 16] = fragmentCount;
    let pos = at + DGRAM_WORDS;
    if (sent > 0) {
      const out = this.bytes;
      const start = pos * 4;
      if (sent <= 32) for (let i = 0; i < sent; i++) out[start + i] = payload[i]!;
      else out.set(payload, start);
      pos += wordsFor(sent);
    }
    for (let i = 0; i < fragmentCount; i++) w[pos++] = fragments![i]!;
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

/** The captured packet of a replayed datagram: its header fields; the frame bytes stayed behind. */
class RingPacket implements CapturePacket {
  frame = 0;
  tsSec = 0;
  tsNsec = 0;
  interfaceId = 0;
  linkType = 0;
  capturedLength = 0;
  originalLength = 0;
  offset = 0;

  get data(): Uint8Array {
    throw new Error("the frame bytes of a replayed datagram stay in the reading thread (summary reads need none)");
  }
}

/** A remembered datagram on the replaying side. */
interface Remembered {
  id: number;
  bytes: Uint8Array;
  decoded: Decoded;
  fingerprint: number;
}

/**
 * One pass of the datagrams a DatagramRingWriter sends, as a PacketSource: `datagrams` replays
 * them (views valid during the callback, as readImpDatagrams gives them); `run` (packets) is not
 * available. `next()` is the source of the following pass. `currentSrc` and `currentDst` are the
 * endpoint ids of the datagram being replayed (ids < ENDPOINT_LIMIT; an id is defined again with
 * another endpoint once the writer ran out of them); `currentId` is the datagram id of the
 * datagram being replayed (-1: not remembered), for the callback.
 */
export class RingDatagramSource implements PacketSource {
  readonly description: string;
  readonly live = false;
  currentId = -1;
  currentSrc = 0;
  currentDst = 0;
  private stopped = false;

  constructor(
    private readonly ring: SlotReader,
    description: string,
    private readonly state: { endpoints: Endpoint[]; remembered: (Remembered | undefined)[] } = {
      endpoints: [],
      remembered: new Array(ID_SLOTS).fill(undefined),
    },
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
    return new RingDatagramSource(this.ring, this.description, this.state);
  }

  async datagrams(
    onDatagram: (d: ImpDatagram) => void,
    options: ImpFrameOptions = {},
  ): Promise<{ end: SourceEnd; counters: ImpFrameCounters }> {
    const result = this.replayPass(onDatagram, options);
    // A damaged capture: the pass ends with the damage (after every datagram before it).
    if (result instanceof CaptureFormatError) throw result;
    return result;
  }

  /** Replays the datagrams of this pass; its end: the counts, or the damage that ended it. */
  private replayPass(
    onDatagram: (d: ImpDatagram) => void,
    options: ImpFrameOptions,
  ): { end: SourceEnd; counters: ImpFrameCounters } | CaptureFormatError {
    const ring = this.ring;
    const w = ring.words;
    const packet = new RingPacket();
    const none = endpointOf(0, 0);
    const empty = new Uint8Array(0);
    const record: ImpDatagram = {
      frame: 0,
      tsSec: 0,
      tsNsec: 0,
      src: none,
      dst: none,
      ipVersion: 4,
      payload: empty,
      fingerprint: undefined,
      decoded: decode(empty),
      packet,
      fragments: null,
    };
    try {
      for (;;) {
        while (!ring.ready()) ring.blockUntilReady(1000);
        const [base, end] = ring.span();
        let at = base;
        while (at < end) {
          const head = w[at]!;
          const kind = head & 0xff;
          if (kind === D_DGRAM) {
            at = this.replay(at, head >>> 8, record, packet);
            if (!this.stopped) onDatagram(record);
          } else if (kind === D_ENDPOINT) {
            const len = head >>> 8;
            const address = w[at + 4] === 1 ? ring.text((at + 5) * 4, (at + 5) * 4 + len) : w[at + 2]! >>> 0;
            this.state.endpoints[w[at + 1]!] = endpointOf(address, w[at + 3]!);
            at += 5 + wordsFor(len);
          } else if (kind === D_START) {
            options.onStart?.(joinWords(w[at + 1]!, w[at + 2]!), w[at + 3]!);
            at += 4;
          } else {
            // The end of the pass (its damage, if any, is the pass's own end, not a failure).
            const result = this.ended(at, head >>> 8);
            ring.release();
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
      // Stopped from inside the callback (-c), or failed: the writer must stop too.
      ring.requestStop();
      throw e;
    }
  }

  /** Fills `record` from the DGRAM record at word `at`; returns the next record's word. */
  private replay(at: number, payloadLen: number, record: ImpDatagram, packet: RingPacket): number {
    const w = this.ring.words;
    packet.frame = w[at + 1]!;
    packet.tsSec = joinWords(w[at + 2]!, w[at + 3]!);
    packet.tsNsec = w[at + 4]!;
    packet.originalLength = w[at + 5]! >>> 0;
    packet.capturedLength = w[at + 6]! >>> 0;
    packet.linkType = w[at + 7]!;
    packet.interfaceId = w[at + 8]!;
    packet.offset = joinWords(w[at + 9]!, w[at + 10]!);
    const id = w[at + 14]!;
    const fresh = w[at + 15] === 1;
    // Cut by the capture's snaplen (as imp-frames.ts judged it): the bytes missing at the end.
    const missing = w[at + 16] === 0 ? packet.originalLength - packet.capturedLength : 0;
    let pos = at + DGRAM_WORDS;
    const remembered = this.state.remembered;
    if (id >= 0) {
      const slot = id % ID_SLOTS;
      let r = remembered[slot];
      if (fresh) {
        const start = pos * 4;
        const bytes = this.ring.bytes.slice(start, start + payloadLen);
        const decoded = missing > 0 ? withoutMissingPart(decode(bytes), payloadLen + missing) : decode(bytes);
        r = { id, bytes, decoded, fingerprint: fingerprint(decoded, bytes) };
        remembered[slot] = r;
        pos += wordsFor(payloadLen);
      } else if (r === undefined || r.id !== id) {
        throw new Error(`datagram ${id} was not sent before (ring out of step)`);
      }
      record.payload = r.bytes;
      record.decoded = r.decoded;
      record.fingerprint = r.fingerprint;
    } else {
      const start = pos * 4;
      record.payload = this.ring.bytes.subarray(start, start + payloadLen);
      record.decoded = missing > 0 ? withoutMissingPart(decode(record.payload), payloadLen + missing) : decode(record.payload);
      record.fingerprint = undefined;
      pos += wordsFor(payloadLen);
    }
    this.currentId = id;
    const fragmentCount = w[at + 16]!;
    let fragments: number[] | null = null;
    if (fragmentCount > 0) {
      fragments = [];
      for (let i = 0; i < fragmentCount; i++) fragments.push(w[pos++]!);
    }
    record.frame = packet.frame;
    record.tsSec = packet.tsSec;
    record.tsNsec = packet.tsNsec;
    this.currentSrc = w[at + 11]!;
    this.currentDst = w[at + 12]!;
    record.src = this.state.endpoints[this.currentSrc]!;
    record.dst = this.state.endpoints[this.currentDst]!;
    record.ipVersion = w[at + 13] === 6 ? 6 : 4;
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
    return {
      end: { packets },
      counters: { packets: w[at + 9]!, imp: w[at + 3]!, notUdp: w[at + 4]!, otherUdp: w[at + 5]!, fragments: w[at + 6]! },
    };
  }
}
