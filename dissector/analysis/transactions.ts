/**
 * Request/response pairs at the application level, apart from the ACKs (WIRE.md section 5):
 * connect, list, group creation, the server's invitation of an invitee, a member's invitation
 * request. A struct of typed-array columns indexed by transaction number, in order of the request.
 */
import { MSG } from "../../src/protocol/messages.js";
import { SMALL_CHUNK_BITS, int32, uint8 } from "./columns.js";
import type { FrameTable } from "./frame-table.js";
import type { Transaction, TransactionKind, TransactionOutcome } from "./types.js";

export const TX_KINDS: readonly TransactionKind[] = ["connect", "connect", "list", "create", "invite", "invite_request"];
export const K_CONNECT = 1;
export const K_LIST = 2;
export const K_CREATE = 3;
export const K_INVITE = 4;
export const K_INVITE_REQ = 5;

export const TX_OUTCOMES: readonly TransactionOutcome[] = ["pending", "accepted", "rejected", "answered", "timeout", "unanswered"];
export const O_PENDING = 0;
export const O_ACCEPTED = 1;
export const O_REJECTED = 2;
export const O_ANSWERED = 3;
export const O_TIMEOUT = 4;
export const O_UNANSWERED = 5;

/** Outcome of a transaction answered by a message of this type. */
export const outcomeOf = (type: number): number =>
  type === MSG.connReject ? O_REJECTED : type === MSG.connAccept ? O_ACCEPTED : O_ANSWERED;

export class TransactionTable {
  count = 0;
  /** Transactions below this index were forgotten (retention.ts). */
  floor = 0;
  readonly kind = uint8(0, SMALL_CHUNK_BITS);
  readonly req = int32(0, SMALL_CHUNK_BITS);
  readonly resp = int32(0, SMALL_CHUNK_BITS);
  readonly outcome = uint8(0, SMALL_CHUNK_BITS);
  readonly parent = int32(-1, SMALL_CHUNK_BITS);
  readonly client = uint8(0, SMALL_CHUNK_BITS);
  readonly group = uint8(0, SMALL_CHUNK_BITS);
  /** invite: frame of the invitee's ACK (the time-out starts there). */
  readonly ackFrame = int32(0, SMALL_CHUNK_BITS);

  constructor(private readonly frames: FrameTable) {}

  open(kind: number, req: number, client: number, group: number, parent: number): number {
    const i = this.count++;
    this.kind.set(i, kind);
    this.req.set(i, req);
    this.client.set(i, client & 0xff);
    this.group.set(i, group & 0xff);
    this.parent.set(i, parent);
    return i;
  }

  /** The first response settles the transaction; later ones change nothing. */
  resolve(txn: number, resp: number, outcome: number): void {
    if (this.resp.get(txn) !== 0) return;
    this.resp.set(txn, resp);
    this.outcome.set(txn, outcome);
  }

  isOpen(txn: number): boolean {
    return txn >= this.floor && this.resp.get(txn) === 0;
  }

  /** Whether a transaction index is held (not forgotten, not -1). */
  held(txn: number): boolean {
    return txn >= this.floor && txn < this.count;
  }

  /** Forgets the transactions below `index` (a pending one is unanswered, as at the end). */
  forgetBelow(index: number): void {
    if (index <= this.floor) return;
    for (const c of this.columns) c.forgetBelow(index);
    this.floor = index;
  }

  private get columns() {
    return [this.kind, this.req, this.resp, this.outcome, this.parent, this.client, this.group, this.ackFrame];
  }

  /** Frame `f` answers the transaction (accepted or rejected): links both frames and resolves it. */
  answer(f: number, txn: number, accept: boolean): void {
    this.frames.respond(f, this.req.get(txn));
    this.resolve(txn, f, accept ? O_ACCEPTED : O_REJECTED);
  }

  get(i: number): Transaction {
    const req = this.req.get(i);
    const resp = this.resp.get(i);
    const parent = this.parent.get(i);
    const ack = this.ackFrame.get(i);
    return {
      index: i,
      kind: TX_KINDS[this.kind.get(i)]!,
      request: req,
      response: resp === 0 ? null : resp,
      outcome: TX_OUTCOMES[this.outcome.get(i)]!,
      rtt: resp === 0 ? null : this.frames.time.get(resp) - this.frames.time.get(req),
      parent: parent < 0 ? null : parent,
      client: this.client.get(i),
      group: this.group.get(i),
      ackedIn: ack === 0 ? null : ack,
    };
  }

  get bytes(): number {
    let n = 0;
    for (const c of this.columns) n += c.bytes;
    return n;
  }
}
