/**
 * The dissector's conversation analysis as an oracle: every datagram of a case, in both
 * directions, goes through a ConversationAnalyzer (the exchange as `imp read` would show it),
 * and an analysis expert that can only be the target's fault on a datagram the target sent is
 * a conformance finding. Today that is one expert: a new message that keeps the Sequence of the
 * previous one on its link (the receiver takes it for a duplicate and drops it). The others
 * (retransmissions, duplicate or stale ACKs, unanswered requests) follow from what the fuzzer
 * itself did: it drops ACKs, replays and mutates on purpose.
 */
import { ANALYSIS_EXPERTS, ConversationAnalyzer } from "../../dissector/analysis/index.js";
import { decode, type Decoded } from "../../src/codec/index.js";
import { typeName } from "../../src/protocol/index.js";
import type { Address } from "../../src/transport/index.js";
import type { Finding } from "../case.js";

interface Pending {
  /** The fuzz socket's address: the source of a sent datagram, the destination of a received one. */
  fuzz: Address;
  fromTarget: boolean;
  decoded: Decoded | null;
  bytes: Uint8Array;
  time: number;
}

/**
 * Datagrams are queued as they go and come, and analysed by `drain()`: the session drains while
 * it waits for the target (right after sending a barrier), so the analysis costs no round-trip
 * time.
 */
export class SequenceOracle {
  private analyzer: ConversationAnalyzer | null = null;
  private frame = 0;
  private queue: Pending[] = [];

  /** `target`: the target's address (read at each datagram: it changes when the target restarts). */
  constructor(private readonly target: () => Address) {}

  /**
   * A case starts: a new analysis, as a replay of the case alone would have (every case starts
   * from fresh sessions). Small column chunks: a case is a few dozen frames.
   */
  nextCase(): void {
    this.analyzer = null;
    this.frame = 0;
    this.queue = [];
  }

  /** A datagram the fuzzer sent to the target from `from`. */
  sent(from: Address, bytes: Uint8Array): void {
    this.queue.push({ fuzz: from, fromTarget: false, decoded: null, bytes, time: performance.now() / 1000 });
  }

  /** A datagram the target sent to `to` (decoded, when the caller has it already). */
  received(to: Address, bytes: Uint8Array, decoded: Decoded | null = null): void {
    this.queue.push({ fuzz: to, fromTarget: true, decoded, bytes, time: performance.now() / 1000 });
  }

  /** Analyses what was queued; the findings on the target's datagrams. */
  drain(): Finding[] {
    if (this.queue.length === 0) return [];
    const queue = this.queue;
    this.queue = [];
    const target = this.target();
    const a = (this.analyzer ??= new ConversationAnalyzer({ serverPort: target.port, frameChunkBits: 6 }));
    let out: Finding[] | null = null;
    for (const q of queue) {
      const frame = ++this.frame;
      const decoded = q.decoded ?? decode(q.bytes);
      a.add({ frame, time: q.time, src: q.fromTarget ? target : q.fuzz, dst: q.fromTarget ? q.fuzz : target, decoded, bytes: q.bytes });
      if (!q.fromTarget || a.seqNotFlippedSince(frame) === 0) continue;
      const m = decoded.message;
      const name = m ? typeName(m.type) : "datagram";
      (out ??= []).push({
        oracle: "conformance",
        signature: `${ANALYSIS_EXPERTS.seqNotFlipped.id} in ${name}`,
        detail: `New ${name} with Sequence ${m?.seq}, as the target's previous message on that link: the receiver takes it for a duplicate`,
      });
    }
    return out ?? [];
  }
}
