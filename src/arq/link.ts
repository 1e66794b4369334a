/**
 * Stop-and-wait ARQ for one (local, remote) pair, exactly as WIRE.md section 4: `lastSent` and
 * `lastReceived` start at 0; the sender flips `lastSent` before each new message (first S=1);
 * one message outstanding, the rest in a FIFO queue; retransmission after `rto` ms, byte-identical,
 * up to `retries` times; then the message is discarded and the peer is gone. Server and client
 * (and each decentralized peer) hold one link per peer.
 */
import { encode } from "../codec/encode.js";
import type { ImpMessage, MessageInput } from "../codec/message.js";
import { messageSpec } from "../protocol/messages.js";
import type { Clock, TimerHandle } from "./clock.js";
import { messageSize, type SendBudget } from "./budget.js";

export interface ArqOptions {
  /** Retransmission timeout in ms (WIRE.md: 500). */
  rto: number;
  /** Retransmissions after the first transmission (WIRE.md: 5). */
  retries: number;
  clock: Clock;
  /** Caps on what this link holds (queued plus outstanding); default: none. */
  limits?: LinkLimits;
}

/**
 * What one link may hold before `send` refuses a message (the caller decides what a refusal
 * means: the server disconnects the slow receiver, the client reports an error). Held = the
 * outstanding message and the queue behind it; bytes are encoded sizes (`messageSize`).
 */
export interface LinkLimits {
  maxMessages: number;
  maxBytes: number;
  /** The sum over many links (a SharedMessage counts once however many links hold it). */
  budget?: SendBudget;
}

export const DEFAULT_ARQ = { rto: 500, retries: 5 } as const;

export interface LinkEvents {
  /** Puts bytes on the wire to this peer. */
  transmit: (bytes: Uint8Array) => void;
  /** The outstanding message was never acknowledged: the peer is gone. The link is closed. */
  onGone?: (unacked: MessageInput) => void;
  /** A reliable message was acknowledged (explicitly or implicitly). */
  onSettled?: (message: MessageInput) => void;
}

/** How a received datagram relates to this link's state. */
export type Receipt =
  | "new" // process it, then answer (ack() or an explicit response)
  | "duplicate" // do not process; the last answer has been sent again
  | "ack" // settled the outstanding message
  | "stale-ack"; // an ACK that matches nothing outstanding: ignore

interface Outgoing {
  message: MessageInput;
  asResponse: boolean;
  bytes?: Uint8Array;
  shared?: SharedMessage;
  /** Encoded size, counted against the link's limits and the budget. */
  size: number;
}

/**
 * A message sent unchanged but for its Sequence bit to many peers (a relay to every member of a
 * group): it is encoded at most twice, once per Sequence value, whatever the number of peers.
 */
export class SharedMessage {
  private readonly bySeq: (Uint8Array | undefined)[] = [undefined, undefined];
  /** Links holding it now (a budget counts its bytes once while this is above 0). */
  holders = 0;
  private sizeCache = -1;
  constructor(readonly message: MessageInput) {}
  /** Encoded size in bytes. */
  get size(): number {
    if (this.sizeCache < 0) this.sizeCache = messageSize(this.message);
    return this.sizeCache;
  }
  bytes(seq: number): Uint8Array {
    return (this.bySeq[seq] ??= encode({ ...this.message, seq, ack: 0 }));
  }
}

const ackCache: (Uint8Array | undefined)[] = [];

/** The 5 bytes of an ACK (shared: never mutate them). */
export function ackBytes(type: number, seq: number, src: number): Uint8Array {
  const key = (type << 9) | (seq << 8) | src;
  return (ackCache[key] ??= encode({ type, seq, ack: 1, src, group: 0 }));
}

export class ArqLink {
  lastSent = 0;
  lastReceived = 0;
  /** Transmissions and retransmissions made on this link. */
  transmissions = 0;
  retransmissions = 0;
  private outstanding: Outgoing | null = null;
  private readonly queue: Outgoing[] = [];
  private timer: TimerHandle | null = null;
  private attempts = 0;
  private lastResponse: Uint8Array | null = null;
  private closed = false;
  /** Messages and bytes held (outstanding + queued). */
  private heldMessages = 0;
  private heldBytesCount = 0;

  constructor(
    private readonly options: ArqOptions,
    private readonly events: LinkEvents,
  ) {}

  /**
   * Queues a reliable message; its Sequence is set when it is first transmitted. Returns false,
   * and queues nothing, when the link is closed or the message would take it past its limits.
   */
  send(message: MessageInput | SharedMessage, opts: { asResponse?: boolean } = {}): boolean {
    if (this.closed) return false;
    const asResponse = opts.asResponse ?? false;
    const out: Outgoing =
      message instanceof SharedMessage
        ? { message: message.message, shared: message, asResponse, size: message.size }
        : { message, asResponse, size: messageSize(message) };
    const limits = this.options.limits;
    if (limits && (this.heldMessages + 1 > limits.maxMessages || this.heldBytesCount + out.size > limits.maxBytes)) return false;
    this.hold(out);
    this.queue.push(out);
    if (!this.outstanding) this.transmitNext();
    return true;
  }

  /** Messages held: the outstanding one and the queue behind it. */
  get held(): number {
    return this.heldMessages;
  }

  /** Encoded bytes held: the outstanding message and the queue behind it. */
  get heldBytes(): number {
    return this.heldBytesCount;
  }

  /**
   * Sends a message once, never retransmitted (Connection Reject). It still flips `lastSent`.
   * With `asResponse` it is what a duplicate of the request gets again.
   */
  sendOnce(message: MessageInput, opts: { asResponse?: boolean } = {}): Uint8Array {
    this.lastSent ^= 1;
    const bytes = encode({ ...message, seq: this.lastSent, ack: 0 });
    if (opts.asResponse) this.lastResponse = bytes;
    this.put(bytes);
    return bytes;
  }

  /**
   * Classifies a received message. For a new message, `lastReceived` becomes its S and an
   * outstanding request it answers implicitly is settled. For a duplicate, the last answer is
   * sent again. `byState` accepts the message as new whatever its S (WIRE.md section 4).
   */
  receive(m: ImpMessage, opts: { byState?: boolean } = {}): Receipt {
    if (m.ack === 1) {
      const out = this.outstanding;
      if (out?.bytes && out.message.type === m.type && this.lastSent === m.seq) {
        this.settle();
        return "ack";
      }
      return "stale-ack";
    }
    if (!opts.byState && m.seq === this.lastReceived) {
      if (this.lastResponse) this.put(this.lastResponse);
      return "duplicate";
    }
    this.lastReceived = m.seq;
    this.lastResponse = null;
    const out = this.outstanding;
    if (out?.bytes && messageSpec(m.type)?.answers.includes(out.message.type as number)) this.settle();
    return "new";
  }

  /** Acknowledges a received message (copies Type and Sequence, A=1, no options). */
  ack(m: ImpMessage, src: number): void {
    const bytes = ackBytes(m.type, m.seq, src);
    this.lastResponse = bytes;
    this.put(bytes);
  }

  /** Message awaiting acknowledgement, if any. */
  get pending(): MessageInput | null {
    return this.outstanding?.message ?? null;
  }

  /** Messages waiting behind the outstanding one. */
  get queued(): number {
    return this.queue.length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Stops every timer and drops what is queued. */
  close(): void {
    this.closed = true;
    if (this.timer) this.options.clock.clearTimer(this.timer);
    this.timer = null;
    if (this.outstanding) this.release(this.outstanding);
    this.outstanding = null;
    for (const q of this.queue) this.release(q);
    this.queue.length = 0;
  }

  private hold(o: Outgoing): void {
    this.heldMessages++;
    this.heldBytesCount += o.size;
    const budget = this.options.limits?.budget;
    if (budget && (!o.shared || o.shared.holders++ === 0)) budget.add(o.size);
  }

  private release(o: Outgoing): void {
    this.heldMessages--;
    this.heldBytesCount -= o.size;
    const budget = this.options.limits?.budget;
    if (budget && (!o.shared || --o.shared.holders === 0)) budget.remove(o.size);
  }

  private transmitNext(): void {
    const next = this.queue.shift();
    if (!next) return;
    this.lastSent ^= 1;
    next.bytes = next.shared ? next.shared.bytes(this.lastSent) : encode({ ...next.message, seq: this.lastSent, ack: 0 });
    if (next.asResponse) this.lastResponse = next.bytes;
    this.outstanding = next;
    this.attempts = 0;
    this.put(next.bytes);
    this.arm();
  }

  private arm(): void {
    this.timer = this.options.clock.setTimer(this.options.rto, () => this.onTimeout());
  }

  private onTimeout(): void {
    this.timer = null;
    const out = this.outstanding;
    if (!out?.bytes || this.closed) return;
    if (this.attempts < this.options.retries) {
      this.attempts++;
      this.retransmissions++;
      this.put(out.bytes);
      this.arm();
      return;
    }
    this.close();
    this.events.onGone?.(out.message);
  }

  private settle(): void {
    const out = this.outstanding;
    if (this.timer) this.options.clock.clearTimer(this.timer);
    this.timer = null;
    this.outstanding = null;
    if (out) this.release(out);
    if (out) this.events.onSettled?.(out.message);
    if (!this.closed) this.transmitNext();
  }

  private put(bytes: Uint8Array): void {
    this.transmissions++;
    this.events.transmit(bytes);
  }
}
