/**
 * IP fragment reassembly, IPv4 and IPv6 alike (an IPv6 fragment header gives the id, offset and
 * M flag an IPv4 header gives): fragments are keyed by (version, source, destination, id,
 * protocol); duplicates and overlaps are accepted (a later copy's bytes win); a datagram is returned once every byte from 0 to the end
 * of its last fragment is there, with the frame numbers of its fragments. Memory is bounded:
 * at most `maxDatagrams` incomplete datagrams and `maxBytes` buffered bytes (oldest evicted
 * first), and incomplete datagrams older than `timeoutSec` (capture time) are dropped. Every
 * datagram given up (dropped, or still incomplete at `flush()`, the end of the capture) is
 * handed to `onGiveUp`, so that a reader can report it rather than lose it without a word.
 */
import { endpointOf, type Endpoint } from "./endpoint.js";
import type { UdpFrame } from "./parse-frame.js";
import { parseUdpHeader, type UdpHeader } from "./udp.js";

export interface ReassemblyOptions {
  /** Incomplete datagrams kept at most (default 256). */
  maxDatagrams?: number;
  /** Fragment bytes buffered at most, all datagrams together (default 8 MiB). */
  maxBytes?: number;
  /** Capture-time seconds after which an incomplete datagram is dropped (default 30, as Linux). */
  timeoutSec?: number;
  /** Each datagram given up before it was whole (called synchronously, from push() or flush()). */
  onGiveUp?: (d: IncompleteDatagram) => void;
}

/** Why a datagram was given up. */
export type GiveUpReason = "timeout" | "evicted" | "too large" | "end of capture";

/** A datagram whose fragments did not all arrive: what is known of it. */
export interface IncompleteDatagram {
  ipVersion: 4 | 6;
  /** Addresses; the ports of the UDP header when the first fragment (offset 0) arrived, else 0. */
  src: Endpoint;
  dst: Endpoint;
  id: number;
  protocol: number;
  /** Frame numbers of the fragments that arrived, in arrival order. */
  frames: number[];
  /** Timestamp of the last fragment that arrived. */
  tsSec: number;
  tsNsec: number;
  /** Bytes of the IP payload that arrived (duplicates counted once per copy). */
  received: number;
  /** Length of the IP payload, when its last fragment arrived; else -1. */
  total: number;
  /** The IP payload from offset 0 as far as it is contiguous (a copy; empty without the first fragment). */
  prefix: Uint8Array;
  reason: GiveUpReason;
}

export interface ReassembledDatagram {
  ipVersion: 4 | 6;
  /** Addresses, with the ports of the UDP header when the protocol is UDP. */
  src: Endpoint;
  dst: Endpoint;
  id: number;
  protocol: number;
  /** The whole IP payload (UDP header included), a copy owned by the caller. */
  data: Uint8Array;
  /** The UDP header over `data` (null if the protocol is not UDP or the header is malformed). */
  udp: UdpHeader | null;
  /** UDP payload: a view into `data` (empty when `udp` is null). */
  payload: Uint8Array;
  /** Frame numbers of the fragments, in arrival order. */
  frames: number[];
}

/** Largest IP payload an IPv4 packet can carry (65535 - 20). */
const MAX_PAYLOAD = 65515;
/** Largest fragmentable part of an IPv6 packet without a jumbogram (the payload length field). */
const MAX_PAYLOAD_V6 = 65535;
/**
 * Fragments one datagram may hold (a 65 507-byte datagram at the minimum MTU of 68 needs 1 365);
 * it may buffer 2 * 65535 bytes (duplicates, overlaps) before it is dropped.
 */
const MAX_PIECES = 2048;

interface Piece {
  offset: number;
  bytes: Uint8Array;
}

interface Pending {
  ipVersion: 4 | 6;
  src: number | string;
  dst: number | string;
  id: number;
  protocol: number;
  pieces: Piece[];
  frames: number[];
  /** End of the last fragment (more-fragments clear), -1 until it arrives. */
  total: number;
  bytes: number;
  firstSec: number;
  lastSec: number;
  lastNsec: number;
}

export class Ipv4Reassembler {
  private readonly pendingByKey = new Map<string, Pending>();
  private readonly maxDatagrams: number;
  private readonly maxBytes: number;
  private readonly timeoutSec: number;
  private readonly onGiveUp: ((d: IncompleteDatagram) => void) | undefined;
  private buffered = 0;
  /** Incomplete datagrams dropped so far (evicted, timed out or invalid). */
  dropped = 0;

  constructor(options: ReassemblyOptions = {}) {
    this.maxDatagrams = Math.max(1, options.maxDatagrams ?? 256);
    this.maxBytes = Math.max(2 * MAX_PAYLOAD_V6, options.maxBytes ?? 8 * 1024 * 1024);
    this.timeoutSec = options.timeoutSec ?? 30;
    this.onGiveUp = options.onGiveUp;
  }

  /** Incomplete datagrams held. */
  get pending(): number {
    return this.pendingByKey.size;
  }

  /**
   * Adds a frame parsed by parseFrame. Returns the datagram when this fragment completes it,
   * null otherwise (also for frames that are not fragments). Copies what it keeps.
   */
  push(frameNumber: number, frame: UdpFrame, tsSec = 0, tsNsec = 0): ReassembledDatagram | null {
    const fragment = frame.fragment;
    if (fragment === null) return null;
    this.expire(tsSec);
    const src = frame.src.rawAddress;
    const dst = frame.dst.rawAddress;
    const key = `${frame.ipVersion}:${src}>${dst}#${fragment.id}/${fragment.protocol}`;
    let entry = this.pendingByKey.get(key);
    const end = fragment.offset + frame.payload.length;
    const overfull = entry !== undefined && (entry.pieces.length >= MAX_PIECES || entry.bytes + frame.payload.length > 2 * MAX_PAYLOAD_V6);
    if (end > (frame.ipVersion === 6 ? MAX_PAYLOAD_V6 : MAX_PAYLOAD) || overfull) {
      if (entry) this.drop(key, entry, "too large");
      return null;
    }
    if (entry === undefined) {
      entry = {
        ipVersion: frame.ipVersion,
        src,
        dst,
        id: fragment.id,
        protocol: fragment.protocol,
        pieces: [],
        frames: [],
        total: -1,
        bytes: 0,
        firstSec: tsSec,
        lastSec: tsSec,
        lastNsec: tsNsec,
      };
      this.pendingByKey.set(key, entry);
    }
    entry.pieces.push({ offset: fragment.offset, bytes: frame.payload.slice() });
    entry.frames.push(frameNumber);
    entry.lastSec = tsSec;
    entry.lastNsec = tsNsec;
    entry.bytes += frame.payload.length;
    this.buffered += frame.payload.length;
    if (!fragment.moreFragments) entry.total = end;
    const done = this.complete(entry);
    if (done) {
      this.remove(key, entry);
      return done;
    }
    this.enforceBounds(key);
    return null;
  }

  /** Forgets every incomplete datagram. */
  clear(): void {
    this.pendingByKey.clear();
    this.buffered = 0;
  }

  /** Gives up the datagrams that waited longer than the time-out by `tsSec` (any packet's time: push() does it for fragments). */
  expireAt(tsSec: number): void {
    if (this.pendingByKey.size > 0) this.expire(tsSec);
  }

  /** The end of the capture: every datagram still incomplete is given up (oldest first). */
  flush(): void {
    for (const [key, entry] of this.pendingByKey) this.drop(key, entry, "end of capture");
  }

  private complete(entry: Pending): ReassembledDatagram | null {
    if (entry.total < 0 || entry.bytes < entry.total) return null;
    const sorted = [...entry.pieces].sort((a, b) => a.offset - b.offset);
    let covered = 0;
    for (const piece of sorted) {
      if (piece.offset > covered) return null;
      covered = Math.max(covered, piece.offset + piece.bytes.length);
    }
    if (covered < entry.total) return null;
    const data = new Uint8Array(entry.total);
    for (const piece of entry.pieces) data.set(piece.bytes.subarray(0, Math.max(0, entry.total - piece.offset)), piece.offset);
    const udp = entry.protocol === 17 ? parseUdpHeader(data, 0, data.length) : null;
    return {
      ipVersion: entry.ipVersion,
      src: endpointOf(entry.src, udp ? udp.srcPort : 0),
      dst: endpointOf(entry.dst, udp ? udp.dstPort : 0),
      id: entry.id,
      protocol: entry.protocol,
      data,
      udp,
      payload: udp ? data.subarray(udp.payloadOffset, udp.payloadEnd) : data.subarray(0, 0),
      frames: entry.frames,
    };
  }

  private expire(now: number): void {
    for (const [key, entry] of this.pendingByKey) {
      if (now - entry.firstSec <= this.timeoutSec) break;
      this.drop(key, entry, "timeout");
    }
  }

  /** Drops the oldest incomplete datagrams, the one just added last, until within bounds. */
  private enforceBounds(keep: string): void {
    const over = (): boolean => this.pendingByKey.size > this.maxDatagrams || this.buffered > this.maxBytes;
    for (const [key, entry] of this.pendingByKey) {
      if (!over()) return;
      if (key !== keep) this.drop(key, entry, "evicted");
    }
    const kept = this.pendingByKey.get(keep);
    if (over() && kept) this.drop(keep, kept, "evicted");
  }

  private drop(key: string, entry: Pending, reason: GiveUpReason): void {
    this.remove(key, entry);
    this.dropped += 1;
    if (this.onGiveUp) this.onGiveUp(incompleteOf(entry, reason));
  }

  private remove(key: string, entry: Pending): void {
    this.pendingByKey.delete(key);
    this.buffered -= entry.bytes;
  }
}

/** What is known of a datagram given up: its contiguous start, and the UDP ports when that holds the header. */
function incompleteOf(entry: Pending, reason: GiveUpReason): IncompleteDatagram {
  const sorted = [...entry.pieces].sort((a, b) => a.offset - b.offset);
  let covered = 0;
  for (const piece of sorted) {
    if (piece.offset > covered) break;
    covered = Math.max(covered, piece.offset + piece.bytes.length);
  }
  if (entry.total >= 0) covered = Math.min(covered, entry.total);
  const prefix = new Uint8Array(covered);
  for (const piece of entry.pieces) {
    if (piece.offset < covered) prefix.set(piece.bytes.subarray(0, covered - piece.offset), piece.offset);
  }
  const udp = entry.protocol === 17 && covered >= 8 ? parseUdpHeader(prefix, 0, prefix.length) : null;
  return {
    ipVersion: entry.ipVersion,
    src: endpointOf(entry.src, udp ? udp.srcPort : 0),
    dst: endpointOf(entry.dst, udp ? udp.dstPort : 0),
    id: entry.id,
    protocol: entry.protocol,
    frames: entry.frames,
    tsSec: entry.lastSec,
    tsNsec: entry.lastNsec,
    received: entry.bytes,
    total: entry.total,
    prefix,
    reason,
  };
}
