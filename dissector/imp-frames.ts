/**
 * A capture as a stream of IMP datagrams: packets from the capture reader, their UDP datagram
 * (IPv4 and IPv6 fragments reassembled), recognised as IMP and decoded. The payload and the frame are
 * views valid only during the callback.
 */
import type { Decoded } from "../src/codec/message.js";
import { fileSource, type PacketSource, type SourceEnd } from "./source.js";
import { parseFrame, type UdpFrame } from "./capture/parse-frame.js";
import { Ipv4Reassembler } from "./capture/ipv4-reassembly.js";
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
  /** Its fingerprint (analysis/fingerprint.ts), when the source knows it already. */
  fingerprint?: number | undefined;
  decoded: Decoded;
  /** The captured packet (view). */
  packet: CapturePacket;
  /** Frame numbers of the IP fragments this datagram was reassembled from. */
  fragments: number[] | null;
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
  const reassembler = new Ipv4Reassembler();
  const counters = options.counters ?? zeroCounters();
  const from = typeof source === "string" ? fileSource(source) : source;
  // A source that replays datagrams already cut out of their frames (in another thread).
  if (from.datagrams) return from.datagrams(onDatagram, options);
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
      const whole = reassembler.push(packet.frame, udp, packet.tsSec);
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
        fingerprint: undefined,
        decoded,
        packet,
        fragments,
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
    onDatagram(record);
  };
  const after = options.afterPacket;
  const end = await from.run(
    after
      ? (packet) => {
          handle(packet);
          after();
        }
      : handle,
  );
  return { end, counters };
}
