/**
 * A capture as a stream of IMP datagrams: packets from the capture reader, their UDP datagram
 * (IPv4 and IPv6 fragments reassembled), recognised as IMP and decoded. The payload and the frame are
 * views valid only during the callback.
 */
import type { Decoded } from "../src/codec/message.js";
import { fileSource, type PacketSource, type SourceEnd } from "./source.js";
import { parseFrame, type UdpFrame } from "./capture/parse-frame.js";
import { Ipv4Reassembler, type IncompleteDatagram } from "./capture/ipv4-reassembly.js";
import { incompleteImp } from "./incomplete-datagrams.js";
import type { Endpoint } from "./capture/endpoint.js";
import type { CapturePacket } from "./capture/packet.js";
import type { DecodeCache } from "./decode-cache.js";
import { ImpRecognizer, type Recognition, DEFAULT_RECOGNITION } from "./recognize.js";

/** One IMP datagram of a capture. The record is reused: it and its views are valid only during the callback. */
export interface ImpDatagram {
  /** Frame number of the packet (for a reassembled datagram: the last fragment's). */
  frame: number;
  tsSec: number;
  tsNsec: number;
  src: Endpoint;
  dst: Endpoint;
  /** IP version of the datagram. */
  ipVersion: 4 | 6;
  /** The UDP payload (view). */
  payload: Uint8Array;
  decoded: Decoded;
  /** The captured packet (view). */
  packet: CapturePacket;
  /** Frame numbers of the IP fragments this datagram was reassembled from (or of those that arrived, when incomplete). */
  fragments: number[] | null;
  /**
   * Set when the datagram was never reassembled (fragments missing): it is delivered when given
   * up, after later frames, decoded as far as it arrived; `packet` then stands for its fragments.
   */
  incomplete?: IncompleteDatagram | null;
}

export interface ImpFrameCounters {
  /** Packets read from the capture. */
  packets: number;
  /** IMP datagrams delivered. */
  imp: number;
  /** Packets that carry no UDP (other protocols, or link types we do not parse). */
  notUdp: number;
  /** UDP datagrams that are not IMP. */
  otherUdp: number;
  /** IP fragments (IPv4 or IPv6) read. */
  fragments: number;
}

export interface ImpFrameOptions {
  recognition?: Recognition;
  /** Every packet, IMP or not, before the IMP callback (for listings that show all frames). */
  onPacket?: (packet: CapturePacket, udp: UdpFrame | null) => void;
  /** Decodes through this cache (shared with a caller that decodes the same datagrams again). */
  decodes?: DecodeCache;
  /** The timestamp of the first packet (IMP or not), before any datagram. */
  onStart?: (tsSec: number, tsNsec: number) => void;
  /**
   * Counted into this object as the read goes (default: a new one): a read that rejects (a
   * damaged capture, a stop thrown by the callback) leaves in it what was counted until then.
   */
  counters?: ImpFrameCounters;
  /** After each packet was handled (its datagram, if any, delivered): `imp read -c` stops here. */
  afterPacket?: () => void;
  /**
   * Each datagram whose fragments never all arrived, when given up (`imp`: it was also
   * delivered as an IMP datagram with `incomplete` set).
   */
  onIncomplete?: (d: IncompleteDatagram, imp: boolean) => void;
}

/** All counters at zero. */
export function zeroCounters(): ImpFrameCounters {
  return { packets: 0, imp: 0, notUdp: 0, otherUdp: 0, fragments: 0 };
}

/**
 * Streams the IMP datagrams of a packet source (a path is a capture file); rejects with
 * CaptureFormatError after delivering every packet before damage.
 */
export async function readImpDatagrams(
  source: string | PacketSource,
  onDatagram: (d: ImpDatagram) => void,
  options: ImpFrameOptions = {},
): Promise<{ end: SourceEnd; counters: ImpFrameCounters }> {
  const recognizer = new ImpRecognizer(options.recognition ?? DEFAULT_RECOGNITION, options.decodes);
  // Datagrams given up by the reassembler while a packet was handled (at most its bound at flush()).
  const givenUp: IncompleteDatagram[] = [];
  const reassembler = new Ipv4Reassembler({ onGiveUp: (d) => givenUp.push(d) });
  const counters = options.counters ?? zeroCounters();
  const from = typeof source === "string" ? fileSource(source) : source;
  let started = false;
  // One record, filled anew for each datagram (no allocation per packet): like its views, it is
  // valid only during the callback.
  let record: ImpDatagram | null = null;
  const handle = (packet: CapturePacket) => {
    counters.packets++;
    if (!started) {
      started = true;
      options.onStart?.(packet.tsSec, packet.tsNsec);
    }
    const udp = parseFrame(packet.linkType, packet.data);
    options.onPacket?.(packet, udp);
    if (udp === null) {
      counters.notUdp++;
      return;
    }
    let payload = udp.payload;
    let src = udp.src;
    let dst = udp.dst;
    let fragments: number[] | null = null;
    // Cut by the capture's snaplen: the datagram on the wire was udpLength - 8 bytes.
    const cut = udp.truncated && packet.capturedLength < packet.originalLength;
    let wireLength = cut ? udp.udpLength - 8 : payload.length;
    if (udp.fragment) {
      counters.fragments++;
      // A fragment cut by the capture cannot be put back together: its missing bytes are nowhere.
      if (cut) return;
      const whole = reassembler.push(packet.frame, udp, packet.tsSec, packet.tsNsec);
      if (!whole?.udp) return;
      payload = whole.payload;
      src = whole.src;
      dst = whole.dst;
      fragments = whole.frames;
      wireLength = payload.length;
    }
    const decoded = recognizer.recognize(src.port, dst.port, payload, wireLength);
    if (!decoded) {
      counters.otherUdp++;
      return;
    }
    counters.imp++;
    if (record === null) {
      record = {
        frame: packet.frame,
        tsSec: packet.tsSec,
        tsNsec: packet.tsNsec,
        src,
        dst,
        ipVersion: udp.ipVersion,
        payload,
        decoded,
        packet,
        fragments,
        incomplete: null,
      };
      onDatagram(record);
      return;
    }
    record.frame = packet.frame;
    record.tsSec = packet.tsSec;
    record.tsNsec = packet.tsNsec;
    record.src = src;
    record.dst = dst;
    record.ipVersion = udp.ipVersion;
    record.payload = payload;
    record.decoded = decoded;
    record.packet = packet;
    record.fragments = fragments;
    record.incomplete = null;
    onDatagram(record);
  };
  let linkType = 1;
  /** Reports (and delivers, when IMP) the datagrams the reassembler gave up. */
  const reportGivenUp = () => {
    for (let g = givenUp.shift(); g !== undefined; g = givenUp.shift()) {
      const imp = incompleteImp(g, recognizer, linkType);
      options.onIncomplete?.(g, imp !== null);
      if (imp === null) continue;
      counters.imp++;
      const d: ImpDatagram = {
        frame: imp.packet.frame,
        tsSec: g.tsSec,
        tsNsec: g.tsNsec,
        src: g.src,
        dst: g.dst,
        ipVersion: g.ipVersion,
        payload: imp.payload,
        decoded: imp.decoded,
        packet: imp.packet,
        fragments: g.frames,
        incomplete: g,
      };
      onDatagram(d);
    }
  };
  const after = options.afterPacket;
  const end = await from.run((packet) => {
    linkType = packet.linkType;
    // Fragments waiting past the time-out are given up when time passes, not only at the next fragment.
    if (reassembler.pending > 0) reassembler.expireAt(packet.tsSec);
    handle(packet);
    if (givenUp.length > 0) reportGivenUp();
    after?.();
  });
  // The end of the capture: fragments still waiting belong to datagrams that will never be whole.
  reassembler.flush();
  reportGivenUp();
  return { end, counters };
}
