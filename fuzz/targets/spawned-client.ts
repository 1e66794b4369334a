/**
 * A client impkit did not write, started with a command (`--target client --exec "CMD {port}"`),
 * and the server it talks to, played by the fuzzer: the harness that `imp fuzz` uses for foreign
 * clients, and that a conformance test of clients can reuse.
 *
 * The fuzzer's socket 0 is the server: `{port}` in the command is its port. The client's first
 * Connection Request there gives its address (its readiness: no sleep); the played server
 * answers it with a Connection Accept and, for the User List Request, a list with the client and
 * one other user ("alice" on socket 1). Sockets 2 and 3 are strangers.
 *
 * No debug channel: what the harness knows of the client is what the client told its server.
 * - `barrier()` is the liveness probe "the client still answers its server": the played server
 *   sends a Data Message from alice and waits for its ACK. Its Sequence is the opposite of the
 *   last message the server sent, whatever the client did with that one: taken as new, or as a
 *   duplicate of the last message the client accepted, it is acknowledged with that Sequence, which
 *   is then the client's last received (`serverLastSent`, so the fuzzer stays in step). An ACK
 *   with that Sequence cannot answer the message sent before, which has the other one.
 * - group and pending invitation: from the Group Invitation Accept / Reject and Group Disjoint
 *   Request the client sends, and from the Group Dissolution and Group Invitation Request it
 *   acknowledges.
 * - user actions (accept, reject, leave) go to the client's stdin as the chat commands of
 *   `imp client` (`/accept`, `/reject`, `/leave`): a foreign client that reads them can be brought
 *   into a private group and out of an invitation.
 */
import { decode, encode, headerValue, type ImpMessage, type ListEntry, type MessageInput } from "../../src/codec/index.js";
import { MSG } from "../../src/protocol/index.js";
import type { Address } from "../../src/transport/index.js";
import { TargetError, type BarrierResult, type Datagram, type TargetCapabilities } from "./target.js";
import { stderrGist, UdpTarget } from "./udp-target.js";

export interface SpawnedClientOptions {
  /** Starts the client; `{port}` is replaced by the port of the server the fuzzer plays. */
  exec: string;
  /** A barrier (ping) unanswered within this bound is a hang (default 500 ms). */
  hangMs?: number;
  /** Client ID the played server assigns (default 7). */
  clientId?: number;
  /**
   * Play the handshake (Accept, then the list) once the Connection Request comes (default true).
   * false: open() returns with the Connection Request in `connectRequest`, unanswered (the
   * conformance suite answers it itself: reject, lose, repeat).
   */
  handshake?: boolean;
}

/** The other user in the client's list (socket 1). */
export const OTHER_USER = { id: 2, name: "alice" } as const;

const clamp = (n: number, min: number, max: number) => Math.min(max, Math.max(min, n));
const PING = Buffer.from("ping");

interface Waiter {
  match: (m: ImpMessage, d: Datagram) => boolean;
  /** Take the datagram out of the inbox (the barrier's own ACK). */
  consume: boolean;
  resolve: (d: Datagram | null) => void;
}

export class SpawnedClientTarget extends UdpTarget {
  readonly name: string;
  readonly role = "client" as const;
  readonly capabilities: TargetCapabilities = { debug: false, virtualClock: false, restartable: true, coverage: false };
  readonly clientId: number;
  /** The username of the client's Connection Request. */
  clientName = "";
  /** Sequence of the last message the played server sent (A=0), and what the client last accepted after a barrier. */
  serverLastSent = 0;
  /** What the client told its server: its group, whether an invitation is pending. */
  group = 1;
  invitation: number | null = null;
  /** The client's first Connection Request (also in the log). */
  connectRequest: Uint8Array | null = null;
  private readonly hangMs: number;
  private waiters: Waiter[] = [];
  private connecting: ((d: { bytes: Uint8Array; from: Address }) => void) | null = null;
  /** Messages the played server sent on socket 0 (A=0), by Type and Sequence: their ACK says the client took them. */
  private sentByKey = new Map<number, ImpMessage>();

  constructor(private readonly options: SpawnedClientOptions) {
    super(4);
    this.name = `client (exec)`;
    this.hangMs = options.hangMs ?? 500;
    this.clientId = options.clientId ?? 7;
  }

  get spec(): { target: string; exec: string } {
    return { target: "client", exec: this.options.exec };
  }

  async open(): Promise<void> {
    await this.openSockets();
    await this.start();
  }

  async restart(): Promise<void> {
    await this.stopChild();
    await this.start();
  }

  /** The list the played server gives: the client and alice. */
  roster(): ListEntry[] {
    return [
      { client_id: this.clientId, group: 1, username: this.clientName || "fuzzee", ip: this.address.ip, port: this.address.port },
      { client_id: OTHER_USER.id, group: 1, username: OTHER_USER.name, ip: "127.0.0.1", port: this.socketAddress(1).port },
    ];
  }

  /** Starts the client and plays the server until it is connected (its list acknowledged). */
  private async start(): Promise<void> {
    this.address = { ip: "127.0.0.1", port: 0 };
    this.group = 1;
    this.invitation = null;
    this.serverLastSent = 0;
    this.sentByKey.clear();
    for (const w of this.waiters.splice(0)) w.resolve(null);
    const boundMs = clamp(10 * this.hangMs, 5_000, 30_000);
    let timer: NodeJS.Timeout | undefined;
    const request = new Promise<{ bytes: Uint8Array; from: Address } | null>((resolve) => {
      this.connecting = resolve;
      timer = setTimeout(() => resolve(null), boundMs);
    });
    const command = this.options.exec.replaceAll("{port}", String(this.socketAddress(0).port));
    await this.startChild({ command, args: [], shell: true, stdin: true }, null);
    // Whatever waits for the client stops waiting when it exits.
    const exited = this.exited().then(() => {
      for (const w of this.waiters.splice(0)) w.resolve(null);
      return null;
    });
    const first = await Promise.race([request, exited]);
    clearTimeout(timer);
    this.connecting = null;
    if (!first) {
      if (this.exit)
        throw new TargetError(
          `${this.name} exited during start-up (${this.exit.signal ?? `code ${this.exit.code}`})${stderrGist(this.exit.stderr)}`,
        );
      throw new TargetError(
        `${this.name} sent no Connection Request to 127.0.0.1:${this.socketAddress(0).port} within ${boundMs / 1000} s (does the --exec command start a client of the server on {port}?)`,
      );
    }
    this.address = first.from;
    this.connectRequest = first.bytes;
    this.clientName = decode(first.bytes).message?.username ?? "";
    if (this.options.handshake !== false) await this.handshake();
  }

  /** Connection Accept, then the User List Response to its request; each acknowledged. */
  private async handshake(): Promise<void> {
    const fail = (what: string) =>
      new TargetError(
        this.exit
          ? `${this.name} exited while connecting (${this.exit.signal ?? `code ${this.exit.code}`})${stderrGist(this.exit.stderr)}`
          : `${this.name} did not connect: ${what} within ${this.hangMs} ms`,
      );
    const accept = this.sendMessage({ type: MSG.connAccept, src: 0, group: 0, client_id: this.clientId });
    const listRequest = this.waitFor((m) => m.ack === 0 && m.type === MSG.listRequest, this.hangMs * 4);
    if (!(await this.acked(accept, this.hangMs * 4))) throw fail("no ACK of the Connection Accept");
    if (!(await listRequest)) throw fail("no User List Request");
    const list = this.sendMessage({ type: MSG.listResponse, src: this.clientId, group: 1, entry: this.roster() });
    if (!(await this.acked(list, this.hangMs * 4))) throw fail("no ACK of the User List Response");
    this.receive();
  }

  protected override stray(socket: number, bytes: Uint8Array, from: Address): void {
    // The client's first Connection Request gives its address.
    if (socket === 0 && this.connecting && this.address.port === 0 && headerValue(bytes, "type") === MSG.connRequest) {
      this.keep(socket, bytes);
      this.connecting({ bytes, from });
    }
  }

  /** Writes a line to the client's stdin (what a user types); false once it has exited. */
  type(line: string): boolean {
    return this.userInput(line.endsWith("\n") ? line : `${line}\n`);
  }

  /** Sends a message on `socket` (0: the server) with the next Sequence of that link; returns what went out. */
  sendMessage(m: MessageInput, socket = 0): ImpMessage {
    if (socket === 0) this.serverLastSent ^= 1;
    const bytes = encode({ ...m, seq: socket === 0 ? this.serverLastSent : 1, ack: 0 });
    this.send(socket, bytes);
    return decode(bytes).message!;
  }

  override send(socket: number, bytes: Uint8Array): void {
    if (socket === 0 && bytes.length >= 5 && (bytes[0]! & 1) === 0) {
      this.serverLastSent = (bytes[0]! >> 1) & 1;
      const m = decode(bytes).message;
      if (m) this.sentByKey.set((m.type << 1) | m.seq, m);
    }
    super.send(socket, bytes);
  }

  /** Resolves with the next datagram from the client that matches (arriving from now on), or null after `timeoutMs`. */
  waitFor(match: (m: ImpMessage, d: Datagram) => boolean, timeoutMs: number, consume = false): Promise<Datagram | null> {
    if (this.exit) return Promise.resolve(null);
    return new Promise((resolve) => {
      const w: Waiter = {
        match,
        consume,
        resolve: (d) => {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((x) => x !== w);
          resolve(d);
        },
      };
      const timer = setTimeout(() => w.resolve(null), timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Resolves true once the client acknowledges `m` (sent on socket 0), false after `timeoutMs`. */
  async acked(m: ImpMessage, timeoutMs: number): Promise<boolean> {
    return (await this.waitFor((r, d) => d.socket === 0 && r.ack === 1 && r.type === m.type && r.seq === m.seq, timeoutMs)) !== null;
  }

  protected override arrived(d: Datagram): void {
    const r = decode(d.bytes);
    const m = r.message;
    if (!m || r.problems.some((p) => p.category === "malformed")) return;
    if (d.socket === 0) this.observe(m);
    for (const w of [...this.waiters]) {
      if (!w.match(m, d)) continue;
      if (w.consume) this.inbox.splice(this.inbox.lastIndexOf(d), 1);
      w.resolve(d);
      if (w.consume) return;
    }
  }

  /** What the client tells its server about its group and invitations. */
  private observe(m: ImpMessage): void {
    if (m.ack === 0) {
      if (m.type === MSG.inviteAccept && (m.invite_group ?? 0) >= 2 && (m.invite_group ?? 0) <= 254) {
        this.group = m.invite_group!;
        this.invitation = null;
      }
      if (m.type === MSG.inviteReject) this.invitation = null;
      if (m.type === MSG.disjoint) this.group = 1;
      return;
    }
    const sent = this.sentByKey.get((m.type << 1) | m.seq);
    if (!sent) return;
    // A Dissolution of the group it is in (or of the Public Group, the 2017 variant) takes it back to the Public Group.
    if (sent.type === MSG.dissolution && (sent.group === this.group || sent.group === 1)) this.group = 1;
    if (sent.type === MSG.inviteRequest && sent.invitee === this.clientId && (sent.invite_group ?? 0) >= 2)
      this.invitation = sent.invite_group!;
  }

  /**
   * The liveness probe: a Data Message from alice to the client's group, acknowledged within
   * `timeoutMs` (its ACK is taken out of the inbox).
   */
  async barrier(timeoutMs = this.hangMs): Promise<BarrierResult> {
    if (this.exit) return { ok: false, reason: "exited" };
    if (this.address.port === 0) return { ok: false, reason: "not connected" };
    const ping = this.sendMessage({ type: MSG.data, src: OTHER_USER.id, group: this.group, payload: PING });
    const ack = await this.waitFor((m, d) => d.socket === 0 && m.ack === 1 && m.type === MSG.data && m.seq === ping.seq, timeoutMs, true);
    if (!ack) return { ok: false, reason: this.exit ? "exited" : `no ACK of a Data Message from its server within ${timeoutMs} ms` };
    return {
      ok: true,
      debug: {
        sent: 0,
        received: 0,
        sessions: 1,
        groups: this.group === 1 ? 0 : 1,
        invitations: this.invitation === null ? 0 : 1,
        departures: 0,
        queued: 0,
        timers: 0,
        violations: [],
        state: "connected",
        extra: { id: this.clientId, group: this.group, name: this.clientName, lastSent: this.serverLastSent },
      },
    };
  }

  /** The user accepts the pending invitation (`/accept` on stdin); resolves after its Group Invitation Accept, or the bound. */
  acceptInvitation(): Promise<BarrierResult> {
    return this.userAction("/accept\n", MSG.inviteAccept);
  }

  /** The user rejects the pending invitation (`/reject` on stdin). */
  rejectInvitation(): Promise<BarrierResult> {
    return this.userAction("/reject\n", MSG.inviteReject);
  }

  /** Consecutive user actions the client did not act on (a client that reads no stdin): after 3, no more waiting. */
  private ignored = 0;

  private async userAction(line: string, answer: number): Promise<BarrierResult> {
    const sent = this.waitFor((m, d) => d.socket === 0 && m.ack === 0 && m.type === answer, this.ignored >= 3 ? 0 : this.hangMs);
    if (!this.userInput(line)) return { ok: false, reason: "exited" };
    this.ignored = (await sent) ? 0 : this.ignored + 1;
    return this.barrier();
  }

  override async close(): Promise<void> {
    for (const w of this.waiters.splice(0)) w.resolve(null);
    await super.close();
  }
}
