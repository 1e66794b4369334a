/**
 * Datagrams whose IP fragments never all arrived (IPv4 or IPv6): the reassembler gives them up
 * (timed out, evicted, or still incomplete at the end of the capture), and the reader reports
 * them instead of losing them without a word. One that starts with its first fragment (the UDP
 * header) and is IMP is shown as a frame, decoded as far as it arrived, with the expert item
 * below (as a datagram cut by the snaplen, the missing bytes are not blamed on the sender);
 * every one of them is counted for the line at the end of `imp read`.
 */
import type { Decoded } from "../src/codec/message.js";
import type { Problem } from "../src/protocol/problems.js";
import type { IncompleteDatagram } from "./capture/ipv4-reassembly.js";
import type { CapturePacket } from "./capture/packet.js";
import { parseUdpHeader } from "./capture/udp.js";
import type { ImpRecognizer } from "./recognize.js";

/** The expert item of a datagram never reassembled (Wireshark's group: Reassemble). */
export const REASSEMBLY_INCOMPLETE = {
  id: "imp.reassembly.incomplete",
  category: "reassemble",
  severity: "warning",
  summary: "IP fragments missing: the datagram was never reassembled",
} as const;

/** "3, 5" */
function frameList(frames: readonly number[]): string {
  return frames.join(", ");
}

/** "IPv4 10.0.0.1 → 10.0.0.2 id 0x1c46, frames 3, 5: 1480 of 3008 bytes (end of capture)" */
export function describeIncomplete(d: IncompleteDatagram): string {
  const total = d.total >= 0 ? `${d.received} of ${d.total} bytes` : `${d.received} bytes, the last fragment missing`;
  const id = d.ipVersion === 4 ? `0x${d.id.toString(16).padStart(4, "0")}` : String(d.id);
  return `IPv${d.ipVersion} ${d.src.ip} → ${d.dst.ip} id ${id}, frame${d.frames.length === 1 ? "" : "s"} ${frameList(d.frames)}: ${total} (${d.reason})`;
}

/** The Info column's mark: "[Fragments missing: 1480 of 3008 bytes in frames 3, 5]". */
export function incompleteMark(d: IncompleteDatagram): string {
  const got = d.total >= 0 ? `${d.received} of ${d.total} bytes` : `${d.received} bytes, the last fragment missing,`;
  return `[Fragments missing: ${got} in frame${d.frames.length === 1 ? "" : "s"} ${frameList(d.frames)}]`;
}

function problemOf(d: IncompleteDatagram): Problem {
  const got = d.total >= 0 ? `${d.received} of its ${d.total} bytes` : `${d.received} bytes (its last fragment never came)`;
  return {
    id: REASSEMBLY_INCOMPLETE.id,
    category: REASSEMBLY_INCOMPLETE.category,
    severity: REASSEMBLY_INCOMPLETE.severity,
    text: `Datagram never reassembled: its IPv${d.ipVersion} fragments in frame${d.frames.length === 1 ? "" : "s"} ${frameList(d.frames)} hold ${got}; the rest never arrived (${d.reason})`,
    offset: 0,
    length: 0,
  };
}

/** A packet standing for the fragments: the IP payload that arrived, stamped with the last fragment. */
function packetOf(d: IncompleteDatagram, linkType: number): CapturePacket {
  return {
    frame: Math.max(...d.frames),
    tsSec: d.tsSec,
    tsNsec: d.tsNsec,
    interfaceId: 0,
    linkType,
    capturedLength: d.prefix.length,
    originalLength: d.prefix.length,
    data: d.prefix,
    offset: 0,
  };
}

/**
 * The IMP datagram an incomplete one starts with, decoded as far as it arrived, with the
 * reassembly expert item; null when its first fragment is missing, it is not UDP, or not IMP.
 */
export function incompleteImp(
  d: IncompleteDatagram,
  recognizer: ImpRecognizer,
  linkType: number,
): { payload: Uint8Array; decoded: Decoded; packet: CapturePacket } | null {
  if (d.protocol !== 17) return null;
  const udp = parseUdpHeader(d.prefix, 0, d.prefix.length);
  if (udp === null) return null;
  const payload = d.prefix.subarray(udp.payloadOffset, udp.payloadEnd);
  const decoded = recognizer.recognize(udp.srcPort, udp.dstPort, payload, udp.length - 8);
  if (decoded === null) return null;
  return { payload, decoded: { ...decoded, problems: [...decoded.problems, problemOf(d)] }, packet: packetOf(d, linkType) };
}

/**
 * The line `imp read` ends with when datagrams were never reassembled (standard error, as
 * tshark's notes after a read): how many, and the first few.
 */
export function incompleteSummary(incomplete: { count: number; examples: readonly string[] }): string | null {
  if (incomplete.count === 0) return null;
  const n = incomplete.count;
  const more = n > incomplete.examples.length ? `; and ${n - incomplete.examples.length} more` : "";
  return `${n} IP datagram${n === 1 ? " was" : "s were"} never reassembled, fragments missing: ${incomplete.examples.join("; ")}${more}`;
}
