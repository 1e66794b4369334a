/**
 * Which UDP datagrams are IMP: those to or from an IMP port (1313 unless told otherwise), and,
 * unless the heuristic is off, any other datagram whose header is consistent with the spec
 * table (an assigned type whose Header Length fits it, and no malformed problem).
 */
import { DecodeCache } from "./decode-cache.js";
import type { Decoded } from "../src/codec/message.js";
import { withoutMissingPart } from "./captured-part.js";
import { DEFAULT_PORT } from "../src/protocol/fields.js";

export interface Recognition {
  /** UDP ports that carry IMP (default [1313]). */
  ports: readonly number[];
  /** Also recognise IMP on other ports by its header (default true). */
  heuristic: boolean;
}

export const DEFAULT_RECOGNITION: Recognition = { ports: [DEFAULT_PORT], heuristic: true };

/** True when a decoded datagram is plausible IMP: a known type, a fitting HL, nothing malformed. */
export function looksLikeImp(d: Decoded): boolean {
  if (!d.message || !d.spec || d.layout === null) return false;
  for (const p of d.problems) if (p.category === "malformed") return false;
  return true;
}

/**
 * Decides whether a datagram is IMP and decodes it; null when it is not IMP. The port test is
 * a bitmap lookup, so the common case costs one decode.
 */
export class ImpRecognizer {
  private readonly portMap = new Uint8Array(65536);
  constructor(
    private readonly options: Recognition = DEFAULT_RECOGNITION,
    /** Where datagrams are decoded (shared with a caller that decodes the same ones again). */
    private readonly decodes: DecodeCache = new DecodeCache(),
  ) {
    for (const p of options.ports) this.portMap[p] = 1;
  }

  /** `wireLength`: the datagram's length on the wire, when the capture kept only `payload` of it. */
  recognize(srcPort: number, dstPort: number, payload: Uint8Array, wireLength = payload.length): Decoded | null {
    const onPort = this.portMap[srcPort] === 1 || this.portMap[dstPort] === 1;
    if (!onPort && !this.options.heuristic) return null;
    const whole = this.decodes.decode(payload);
    const d = wireLength > payload.length ? withoutMissingPart(whole, wireLength) : whole;
    return onPort || looksLikeImp(d) ? d : null;
  }
}
