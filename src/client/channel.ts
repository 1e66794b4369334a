/**
 * One reliable channel to one peer (the server, or a decentralized group member): an ArqLink
 * plus a promise per message sent, settled in FIFO order (the link has one message outstanding
 * and acknowledges in order), so callers can await "acknowledged" or "gone".
 */
import { ArqLink, type ArqOptions } from "../arq/link.js";
import type { MessageInput } from "../codec/message.js";
import type { Address, DatagramTransport } from "../transport/transport.js";
import { ClientError } from "./errors.js";

/** How a reliable send ended: acknowledged, peer gone after every retransmission, or channel closed. */
export type Outcome = "acked" | "gone" | "closed";

export class Channel {
  readonly link: ArqLink;
  private readonly waiters: ((o: Outcome) => void)[] = [];
  private tail: Promise<Outcome> = Promise.resolve("acked");

  constructor(
    arq: ArqOptions,
    readonly address: Address,
    transport: DatagramTransport,
    onGone: (unacked: MessageInput) => void,
  ) {
    this.link = new ArqLink(arq, {
      transmit: (bytes) => transport.send(bytes, address),
      onSettled: () => this.waiters.shift()?.("acked"),
      onGone: (unacked) => {
        this.flush("gone");
        onGone(unacked);
      },
    });
  }

  /**
   * Sends reliably; resolves when acknowledged (explicitly or implicitly), or gone/closed. Throws
   * a ClientError, and sends nothing, when the link already holds as much as its limits allow.
   */
  send(message: MessageInput): Promise<Outcome> {
    if (this.link.isClosed) return Promise.resolve("closed");
    // The waiter goes first: a transport may settle the message before link.send returns.
    const p = new Promise<Outcome>((resolve) => this.waiters.push(resolve));
    if (!this.link.send(message)) {
      this.waiters.pop();
      throw new ClientError(
        `too many messages waiting for acknowledgement (${this.link.held} messages, ${this.link.heldBytes} bytes): try again later`,
      );
    }
    this.tail = p;
    return p;
  }

  /** Resolves once everything sent so far has been settled. */
  idle(): Promise<Outcome> {
    return this.tail;
  }

  get busy(): boolean {
    return this.waiters.length > 0;
  }

  close(): void {
    this.link.close();
    this.flush("closed");
  }

  private flush(outcome: Outcome): void {
    for (const w of this.waiters.splice(0)) w(outcome);
  }
}
