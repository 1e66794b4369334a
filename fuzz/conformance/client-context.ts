/**
 * What a client case runs with: the client under test, started for the case (`--exec`, with
 * {port} the port of the server impkit plays and {name} its username), the played server on
 * socket 0 and the other users on sockets 1 ("alice", in its list) and 2 ("bob", added by an
 * Update List where a case needs a second user), socket 3 a stranger; the driver that types the
 * user's actions on its stdin; the steps most cases share. The harness is the fuzzer's
 * (fuzz/targets/spawned-client.ts): one harness, one played server.
 */
import { decode, encode, type ImpMessage, type MessageInput } from "../../src/codec/index.js";
import { MSG } from "../../src/protocol/index.js";
import { OTHER_USER, SpawnedClientTarget } from "../targets/spawned-client.js";
import type { Datagram } from "../targets/target.js";
import type { CaseInfo, Outcome } from "./case.js";
import { MAX_EXCHANGE, StepFailed, type TargetTimers } from "./context.js";
import { renderAction, type Action, type ActionValues, type Driver } from "./driver.js";

/** The case needs an action the driver does not have: the verdict is Unimplemented. */
export class Unimplemented extends Error {}

/** A step the case depends on could not be done (the client did not do what the step needs): Fail. */
export { StepFailed };

export const ALICE = { id: OTHER_USER.id, name: OTHER_USER.name, socket: 1 } as const;
export const BOB = { id: 3, name: "bob", socket: 2 } as const;
export const STRANGER = 3;
/** The private group the played server puts the client in. */
export const GROUP = 5;

export interface ClientCaseOptions {
  /** The command, {port} and {name} still in it. */
  exec: string;
  name: string;
  driver: Driver;
  timers: TargetTimers;
  answerMs: number;
  /** Play the connection (Accept and list) at start; false: the case answers the Connection Request. */
  handshake: boolean;
}

export class ClientCaseContext {
  readonly t: SpawnedClientTarget;
  readonly answerMs: number;
  readonly timers: TargetTimers;
  private readonly driver: Driver;
  private readonly all: Datagram[] = [];
  /** Datagrams not recorded once MAX_EXCHANGE was reached (a flooding client cannot grow a report without bound). */
  dropped = 0;
  /** Sequence of the last message each peer socket sent (socket 0's is the harness's). */
  private readonly peerSeq = new Map<number, number>();

  constructor(readonly o: ClientCaseOptions) {
    const exec = o.exec.replaceAll("{name}", o.name);
    this.t = new SpawnedClientTarget({ exec, hangMs: o.answerMs, handshake: o.handshake });
    this.answerMs = o.answerMs;
    this.timers = o.timers;
    this.driver = o.driver;
    // The harness's log is drained into the bounded exchange as the case goes.
    this.drain = setInterval(() => this.exchange(), 200);
  }

  private readonly drain: NodeJS.Timeout;

  get id(): number {
    return this.t.clientId;
  }

  /** Every datagram so far (the first MAX_EXCHANGE), both ways, times from the case's start. */
  exchange(): Datagram[] {
    const log = this.t.takeLog();
    const room = Math.max(0, MAX_EXCHANGE - this.all.length);
    this.all.push(...log.slice(0, room));
    this.dropped += log.length - Math.min(room, log.length);
    return this.all;
  }

  /** A mark in the exchange: `since(mark)` gives what came after it. */
  mark(): number {
    return this.exchange().length;
  }

  since(mark: number): Datagram[] {
    return this.exchange().slice(mark);
  }

  /** Messages from the client (decoded, well-formed) after `mark`, optionally only on `socket`. */
  fromClient(mark: number, socket?: number): { m: ImpMessage; d: Datagram }[] {
    const out: { m: ImpMessage; d: Datagram }[] = [];
    for (const d of this.since(mark)) {
      if (d.dir !== "in" || (socket !== undefined && d.socket !== socket)) continue;
      const r = decode(d.bytes);
      if (r.message && !r.problems.some((p) => p.category === "malformed")) out.push({ m: r.message, d });
    }
    return out;
  }

  /** Types the driver's line for `action` (Unimplemented when the driver has none). */
  act(action: Action, values: ActionValues = {}): void {
    const line = renderAction(this.driver, action, values);
    if (line === null)
      throw new Unimplemented(`the driver cannot ask the client to ${action}${values.mode === "decentralized" ? " (decentralized)" : ""}`);
    if (!this.t.type(line)) throw new StepFailed(`the client exited before it could be asked to ${action}`);
  }

  /** Sends a message from the played server (socket 0) or a peer (its own Sequence per socket). */
  send(m: MessageInput, socket = 0): ImpMessage {
    if (socket === 0) return this.t.sendMessage(m, 0);
    const seq = (this.peerSeq.get(socket) ?? 0) ^ 1;
    this.peerSeq.set(socket, seq);
    const bytes = encode({ ...m, seq, ack: 0 });
    this.t.send(socket, bytes);
    return decode(bytes).message!;
  }

  /** Sends raw bytes from `socket` (malformed datagrams, retransmissions). */
  raw(bytes: Uint8Array, socket = 0): void {
    this.t.send(socket, bytes);
  }

  /** The client's ACK of `m` (sent on `socket`), or null after `ms`. */
  async ackOf(m: ImpMessage, socket = 0, ms = this.answerMs): Promise<ImpMessage | null> {
    const d = await this.t.waitFor((r, x) => x.socket === socket && r.ack === 1 && r.type === m.type && r.seq === m.seq, ms);
    return d ? decode(d.bytes).message : null;
  }

  /**
   * Sends `m` and waits for its ACK. Not acknowledged: the played server's Sequence goes back, so
   * that the next message is new to the client (as a server that gave up on it).
   */
  async sendAcked(m: MessageInput, socket = 0, ms = this.answerMs): Promise<ImpMessage | null> {
    const sent = this.send(m, socket);
    const ack = await this.ackOf(sent, socket, ms);
    if (!ack) {
      if (socket === 0) this.t.serverLastSent ^= 1;
      else this.peerSeq.set(socket, sent.seq ^ 1);
    }
    return ack;
  }

  /** The next new message (A=0) of `type` from the client on `socket` (any when undefined), or null after `ms`. */
  async next(type: number, ms = this.answerMs, socket?: number): Promise<ImpMessage | null> {
    const d = await this.t.waitFor((r, x) => r.ack === 0 && r.type === type && (socket === undefined || x.socket === socket), ms);
    return d ? decode(d.bytes).message : null;
  }

  /** Acknowledges a client's message as the played server (or as the peer on `socket`). */
  ack(m: ImpMessage, socket = 0): void {
    const src = socket === 0 ? 0 : socket === ALICE.socket ? ALICE.id : BOB.id;
    this.t.send(socket, encode({ type: m.type, seq: m.seq, ack: 1, src, group: 0 }));
  }

  /** Acts and waits for the message the action must produce (acknowledged at once); StepFailed when none comes. */
  async actFor(action: Action, values: ActionValues, type: number, socket?: number): Promise<ImpMessage> {
    const waiting = this.next(type, this.answerMs * 2, socket);
    this.act(action, values);
    const m = await waiting;
    if (!m) throw new StepFailed(`asked to ${action}, the client sent no ${name(type)} within ${this.answerMs * 2} ms`);
    this.ack(m, socket ?? 0);
    return m;
  }

  /** The group the client's next text goes to (a Data Message it sends when asked to send; acknowledged). */
  async groupOfNextText(text: string): Promise<{ group: number; socket: number; m: ImpMessage }> {
    const waiting = this.t.waitFor((r) => r.ack === 0 && r.type === MSG.data, this.answerMs * 2);
    this.act("send", { text });
    const d = await waiting;
    if (!d) throw new StepFailed(`asked to send "${text}", the client sent no Data Message within ${this.answerMs * 2} ms`);
    const m = decode(d.bytes).message!;
    this.ack(m, d.socket);
    return { group: m.group, socket: d.socket, m };
  }

  /**
   * Brings the client into private group GROUP through an invitation from alice that it accepts
   * (mode 0 or 1); alice is then in GROUP in its list (Update List). Returns the Accept it sent.
   */
  async joined(mode = 0): Promise<ImpMessage> {
    const inv = this.send({ type: MSG.inviteRequest, src: ALICE.id, group: 0, mode, invite_group: GROUP, invitee: this.id });
    if (!(await this.ackOf(inv))) throw new StepFailed("no ACK of a Group Invitation Request");
    const accept = await this.actFor("accept", { group: GROUP }, MSG.inviteAccept, 0);
    const upd = await this.sendAcked({ type: MSG.updateList, src: 0, group: 255, entry: [this.entry(ALICE, GROUP)] });
    if (!upd) throw new StepFailed("no ACK of an Update List");
    return accept;
  }

  /** A list entry for a played user. */
  entry(u: { id: number; name: string; socket: number }, group: number) {
    const a = this.t.socketAddress(u.socket);
    return { client_id: u.id, group, username: u.name, ip: a.ip, port: a.port };
  }

  /** bob joins (Update List), acknowledged. */
  async addBob(group = 1): Promise<void> {
    if (!(await this.sendAcked({ type: MSG.updateList, src: 0, group: 255, entry: [this.entry(BOB, group)] })))
      throw new StepFailed("no ACK of an Update List");
  }

  /** The client still answers its server: a Data Message from alice, acknowledged. */
  async alive(): Promise<boolean> {
    return (await this.t.barrier(this.answerMs)).ok;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }

  async close(): Promise<void> {
    clearInterval(this.drain);
    this.exchange();
    await this.t.close();
  }
}

export function name(type: number): string {
  return (
    {
      [MSG.connRequest]: "Connection Request",
      [MSG.listRequest]: "User List Request",
      [MSG.data]: "Data Message",
      [MSG.createRequest]: "Group Creation Request",
      [MSG.inviteRequest]: "Group Invitation Request",
      [MSG.inviteAccept]: "Group Invitation Accept",
      [MSG.inviteReject]: "Group Invitation Reject",
      [MSG.disjoint]: "Group Disjoint Request",
      [MSG.disconnect]: "Disconnection Request",
    }[type] ?? `type 0x${type.toString(16)}`
  );
}

/** Problems of an ACK the client sent for a message: WIRE.md's form (Src its ID, Group 0). Empty: fine. */
export function ackForm(ack: ImpMessage, clientId: number): string[] {
  const p: string[] = [];
  if (ack.src !== clientId) p.push(`Source ID ${ack.src}, not its ID ${clientId}`);
  if (ack.group !== 0) p.push(`Group ID ${ack.group}, not 0`);
  return p;
}

/** A client case: as a server case, over a client started for it. */
export interface ClientCase extends CaseInfo {
  /** false: the case answers the Connection Request itself (the connection cases, the ARQ of the request). */
  handshake?: false;
  run(ctx: ClientCaseContext): Promise<Outcome>;
}

/** How long to watch for a retransmission that must not come: one timer and its tolerance. */
export const quietMs = (ctx: ClientCaseContext) => ctx.timers.rto + ctx.timers.tolerance(ctx.timers.rto);
