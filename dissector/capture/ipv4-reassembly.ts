/**
 * IP fragment reassembly, IPv4 and IPv6 alike (an IPv6 fragment header gives the id, offset and
 * M flag an IPv4 header gives): fragments are keyed by (version, source, destination, id,
 * protocol); duplicates and overlaps are accepted (a later copy's bytes win); a datagram is returned once every byte from 0 to the end
 * of its last fragment is there, with the frame numbers of its fragments. Memory is bounded:
 * at most `maxDatagrams` incomplete datagrams and `maxBytes` buffered bytes (oldest evicted
 * first), and incomplete datagrams older than `timeoutSec` (capture time) are dropped.
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
}

export class Ipv4Reassembler {
  private readonly pendingByKey = new Map<string, Pending>();
  private readonly maxDatagrams: number;
  private readonly maxBytes: number;
  private readonly timeoutSec: number;
  private buffered = 0;
  /** Incomplete datagrams dropped so far (evicted, timed out or invalid). */
  dropped = 0;

  constructor(options: ReassemblyOptions = {}) {
    this.maxDatagrams = Math.max(1, options.maxDatagrams ?? 256);
    this.maxBytes = Math.max(2 * MAX_PAYLOAD_V6, options.maxBytes ?? 8 * 1024 * 1024);
    this.timeoutSec = options.timeoutSec ?? 30;
  }

  /** Incomplete datagrams held. */
  get pending(): number {
    return this.pendingByKey.size;
  }

  /**
   * Adds a frame parsed by parseFrame. Returns the datagram when this fragment completes it,
   * null otherwise (also for frames that are not fragments). Copies what it keeps.
   */
  push(frameNumber: number, frame: UdpFrame, tsSec = 0): ReassembledDatagram | null {
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
      if (entry) this.drop(key, entry);
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
      };
      this.pendingByKey.set(key, entry);
    }
    entry.pieces.push({ offset: fragment.offset, bytes: frame.payload.slice() });
    entry.frames.push(frameNumber);
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
      this.drop(key, entry);
    }
  }

  /** Drops the oldest incomplete datagrams, the one just added last, until within bounds. */
  private enforceBounds(keep: string): void {
    const over = (): boolean => this.pendingByKey.size > this.maxDatagrams || this.buffered > this.maxBytes;
    for (const [key, entry] of this.pendingByKey) {
      if (!over()) return;
      if (key !== keep) this.drop(key, entry);
    }
    const kept = this.pendingByKey.get(keep);
    if (over() && kept) this.drop(keep, kept);
  }

  private drop(key: string, entry: Pending): void {
    this.remove(key, entry);
    this.dropped += 1;
  }

  private remove(key: string, entry: Pending): void {
    this.pendingByKey.delete(key);
    this.buffered -= entry.bytes;
  }
}
