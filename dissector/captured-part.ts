/**
 * A datagram cut short by the capture's snaplen (fewer bytes captured than were on the wire) is
 * not malformed: the sender sent the whole of it. Its decode keeps every problem of the bytes
 * that were captured and drops those that only say bytes are missing, as Wireshark reports
 * "[Packet size limited during capture]" instead of "[Malformed Packet]".
 */
import type { Decoded } from "../src/codec/message.js";
import { PROBLEMS } from "../src/protocol/problems.js";

/**
 * `d`, the decode of the captured `d.length` bytes of a datagram of `wireLength` bytes, without
 * the problems the missing bytes alone explain: too short for the header (the datagram on the
 * wire was not), Header Length past the captured end (not past the wire end), Data Length more
 * than the captured payload (exactly the wire's), and invalid UTF-8 in a cut payload. Returns
 * `d` itself when nothing is cut or dropped (a decode may be shared: it is never modified).
 */
export function withoutMissingPart(d: Decoded, wireLength: number): Decoded {
  if (wireLength <= d.length || d.problems.length === 0) return d;
  const m = d.message;
  const hlen = m ? m.hlen : 0;
  const dataLen = m?.data_len ?? 0;
  const payloadCut = m !== null && hlen + dataLen > d.length;
  const problems = d.problems.filter((p) => {
    if (p.id === PROBLEMS.short.id) return wireLength < 5;
    if (p.id === PROBLEMS.hlenBeyond.id) return hlen > wireLength;
    if (p.id === PROBLEMS.dataLen.id) return !(d.length - hlen < dataLen && wireLength - hlen === dataLen);
    if (p.id === PROBLEMS.utf8.id) return !payloadCut;
    return true;
  });
  return problems.length === d.problems.length ? d : { ...d, problems: problems.length === 0 ? NONE : problems };
}

const NONE: readonly never[] = Object.freeze([]);
