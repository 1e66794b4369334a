/**
 * What a conformance case runs with: the server's address, the timers the target says it uses,
 * scripted clients whose datagrams all go into the case's exchange, and the steps most cases
 * share (connect and list, create a group, a barrier). A step that cannot be done (no Accept, no
 * group) ends the case with a `StepFailed`, which the runner turns into a fail verdict: the case
 * depends on that step.
 */
import { messageSpec, MSG, PUBLIC_GROUP } from "../../src/protocol/index.js";
import type { ImpMessage } from "../../src/codec/index.js";
import type { Address } from "../../src/transport/index.js";
import type { Datagram } from "../targets/target.js";
import { TestClient, type ExchangeLog } from "./test-client.js";

/** Timers of the target under test (what it says it uses; the specification's by default). */
export interface TargetTimers {
  /** Retransmission timeout, ms (500). */
  rto: number;
  /** Retransmissions after the first transmission (5). */
  retries: number;
  /** Invitation timer, ms (15 000). */
  inviteTimeout: number;
  /** How late a timer may fire and still pass, ms (default 250 + 20% of the timer). */
  tolerance: (timerMs: number) => number;
}

export const SPEC_TIMERS: TargetTimers = {
  rto: 500,
  retries: 5,
  inviteTimeout: 15_000,
  tolerance: (ms) => 250 + ms * 0.2,
};

/** A step the case depends on could not be done: the case fails with this sentence. */
export class StepFailed extends Error {}

/** Most datagrams one case records (a flooding target cannot grow a report without bound). */
export const MAX_EXCHANGE = 4000;

export class CaseContext implements ExchangeLog {
  readonly exchange: Datagram[] = [];
  /** Datagrams not recorded once MAX_EXCHANGE was reached. */
  dropped = 0;
  private readonly t0 = performance.now();
  private readonly clients: TestClient[] = [];
  /** How long to wait for an answer that should come at once. */
  readonly answerMs: number;

  constructor(
    readonly server: Address,
    readonly timers: TargetTimers = SPEC_TIMERS,
    answerMs = 1000,
  ) {
    this.answerMs = answerMs;
  }

  now(): number {
    return performance.now() - this.t0;
  }

  record(d: Omit<Datagram, "at">): void {
    if (this.exchange.length >= MAX_EXCHANGE) {
      this.dropped++;
      return;
    }
    this.exchange.push({ ...d, at: this.now() });
  }

  /** A new client socket (not connected). Names are unique per case. */
  async client(name: string): Promise<TestClient> {
    const c = await TestClient.open(this.server, name, this.clients.length, this);
    this.clients.push(c);
    return c;
  }

  /** A client connected (its Accept acknowledged) and holding its list. */
  async connected(name: string): Promise<TestClient> {
    const c = await this.client(name);
    const m = await c.connect(this.answerMs);
    if (!m) throw new StepFailed(`${name}: no answer to its Connection Request within ${this.answerMs} ms`);
    if (m.type !== MSG.connAccept) throw new StepFailed(`${name}: Connection Reject (error ${m.error}) to a valid, free username`);
    if ((await c.list(this.answerMs)) === null) throw new StepFailed(`${name}: no User List Response within ${this.answerMs} ms`);
    return c;
  }

  /**
   * A private group of `creator` and `members` (every invitee accepts): the new group's ID.
   * `mode` 0 centralized, 1 decentralized.
   */
  async group(creator: TestClient, members: TestClient[], mode = 0): Promise<number> {
    const marks = members.map((m) => m.mark());
    const from = creator.mark();
    if (!(await creator.acked({ type: MSG.createRequest, mode, invitees: members.map((m) => m.id) }, this.answerMs)))
      throw new StepFailed(`${creator.name}: no ACK of its Group Creation Request`);
    for (const [i, m] of members.entries()) {
      const inv = await m.waitFor((x) => x.ack === 0 && x.type === MSG.inviteRequest, this.answerMs, marks[i]);
      if (!inv?.msg) throw new StepFailed(`${m.name}: no Group Invitation Request after ${creator.name}'s Group Creation Request`);
      if (!(await m.acked({ type: MSG.inviteAccept, mode: inv.msg.mode ?? mode, invite_group: inv.msg.invite_group ?? 0 }, this.answerMs)))
        throw new StepFailed(`${m.name}: no ACK of its Group Invitation Accept`);
    }
    const acc = await creator.waitFor((x) => x.ack === 0 && x.type === MSG.createAccept, this.answerMs, from);
    if (!acc?.msg) throw new StepFailed(`${creator.name}: no Group Creation Accept after an invitee accepted`);
    await this.barrier(creator);
    return acc.msg.new_group ?? 0;
  }

  /**
   * Returns once the server has handled everything sent so far: a User List round trip through
   * `via` (a server handles one socket's datagrams in order), then one turn of the event loop for
   * what it sent to the other sockets before it (already in their queues on loopback).
   */
  async barrier(via: TestClient): Promise<void> {
    if ((await via.list(this.answerMs)) === null)
      throw new StepFailed(`${via.name}: no User List Response (barrier) within ${this.answerMs} ms`);
    await new Promise<void>((r) => setTimeout(r, 5));
  }

  sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }

  /** Disconnects the clients still connected (without --exec the next case finds a clean server) and closes every socket. */
  async close(): Promise<void> {
    await Promise.all(
      this.clients.map(async (c) => {
        c.autoAck = true;
        if (c.id !== 0) await c.disconnect(300);
        c.close();
      }),
    );
  }
}

/** Messages in `list` that are not ACKs and of one of `types`. */
export function ofType(list: readonly ImpMessage[], ...types: number[]): ImpMessage[] {
  return list.filter((m) => m.ack === 0 && types.includes(m.type));
}

export function describe(m: ImpMessage | null | undefined): string {
  if (!m) return "nothing";
  const name = messageSpec(m.type)?.name ?? `reserved type 0x${m.type.toString(16)}`;
  return `${name}${m.ack ? " ACK" : ""} (S=${m.seq}, src ${m.src}, group ${m.group}, HL ${m.hlen})`;
}

export { PUBLIC_GROUP };
