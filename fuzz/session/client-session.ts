/**
 * Runs cases against a client target: the fuzzer plays its server (socket 0), another user in
 * its list (socket 1) and a stranger (socket 3). The client is connected once (Accept, list);
 * each case brings it into a state with well-formed server messages, sends the steps, ACKs what
 * the client sends, then puts it back in the Public Group and runs its timers out.
 */
import { decode, encode, headerValue, type Decoded, type ListEntry, type MessageInput } from "../../src/codec/index.js";
import { MSG, PROBLEMS, messageSpec, typeName } from "../../src/protocol/index.js";
import { findingKey, stepOrder, type Finding, type FuzzCase, type Role, type Step } from "../case.js";
import { build } from "../mutators/mutations.js";
import { templateFor, type IdContext, type Template } from "../mutators/template.js";
import { answers, conformanceOracle, crashOracle, hangFinding, silenceFinding, stateOracle, type Silence } from "../oracles/oracles.js";
import { TargetError, type BarrierResult, type DebugState, type Target } from "../targets/target.js";
import { FuzzPeer } from "./peer.js";
import type { CaseResult } from "./session.js";
import type { StateDef } from "./states.js";

export const CLIENT_ID = 7;
const OTHER_ID = 2;
const DROPPED: ReadonlySet<string> = new Set(
  Object.values(PROBLEMS)
    .filter((p) => p.dropped)
    .map((p) => p.id),
);

/**
 * The client's state graph. "self" (the server) is listed twice: a step's role is picked from
 * the list, and nearly all a client handles comes from its server (another user may only send
 * Data Messages in a decentralized group, a stranger nothing), so half the steps come from it.
 */
const CLIENT_ROLES: readonly Role[] = ["self", "self", "other", "fresh"];
export const CLIENT_STATES: readonly Pick<StateDef, "name" | "parent" | "roles">[] = [
  { name: "connected", parent: null, roles: CLIENT_ROLES },
  { name: "invitation-pending", parent: "connected", roles: CLIENT_ROLES },
  { name: "in-private-group", parent: "connected", roles: CLIENT_ROLES },
];

/** The chain of client states from connected to `name` (minimisation tries the simpler ones). */
export function clientStatePath(name: string): Pick<StateDef, "name" | "parent" | "roles">[] {
  const path: Pick<StateDef, "name" | "parent" | "roles">[] = [];
  for (let s = CLIENT_STATES.find((x) => x.name === name); s; s = CLIENT_STATES.find((x) => x.name === s!.parent)) path.unshift(s);
  return path;
}

export class ClientSession {
  readonly peers: FuzzPeer[];
  private findings: Finding[] = [];
  private windows: { peer: FuzzPeer; sent: Decoded; reason: Silence }[] = [];
  private lastDebug: DebugState | undefined;
  private failed: BarrierResult | null = null;
  readonly states = CLIENT_STATES.map((s) => s.name);
  readonly statePath = clientStatePath;

  constructor(readonly target: Target) {
    this.peers = [new FuzzPeer("self", 0, "server"), new FuzzPeer("other", 1, "alice"), new FuzzPeer("fresh", 3, "stranger")];
    target.logging = false;
  }

  private peer(role: Role): FuzzPeer {
    return this.peers.find((p) => p.role === role) ?? this.peers[0]!;
  }

  private roster(): ListEntry[] {
    // A spawned client's list is the one its played server gave it at connection.
    const given = (this.target as Target & { roster?: () => ListEntry[] }).roster?.();
    if (given) return given;
    return [
      { client_id: CLIENT_ID, group: 1, username: "fuzzee", ip: "127.0.0.1", port: this.target.address.port },
      { client_id: OTHER_ID, group: 1, username: "alice", ip: "127.0.0.1", port: this.target.socketAddress(1).port },
    ];
  }

  private context(): IdContext {
    const group = Number(this.lastDebug?.extra?.group ?? 1);
    return {
      own: CLIENT_ID,
      other: OTHER_ID,
      third: 3,
      unknown: 250,
      ownGroup: group === 1 ? 2 : group,
      otherGroup: group === 1 ? 3 : group + 1,
      ownName: String(this.lastDebug?.extra?.name ?? "fuzzee"),
      otherName: "alice",
      roster: this.roster(),
    };
  }

  private send(p: FuzzPeer, m: MessageInput): void {
    p.lastSent ^= 1;
    const bytes = encode({ ...m, seq: p.lastSent });
    p.sending(bytes);
    this.target.send(p.socket, bytes);
  }

  /** Connects the client: Accept, ACK, list, ACK. */
  async start(): Promise<void> {
    for (const p of this.peers) p.reset();
    if (!this.target.capabilities.debug) {
      // A spawned client is connected by its target (the played server); a barrier says where its link is.
      const b = await this.target.barrier();
      if (!b.ok) throw new TargetError(`${this.target.name} connected but does not answer its server: ${b.reason}`);
      this.lastDebug = b.debug;
      this.syncLink();
      return;
    }
    for (let round = 0; round < 200; round++) {
      const b = await this.target.barrier();
      if (!b.ok) throw new Error(`${this.target.name} does not answer: ${b.reason}`);
      for (const d of this.target.receive()) {
        const m = decode(d.bytes).message;
        if (!m || d.socket !== 0) continue;
        const server = this.peers[0]!;
        if (m.ack === 0 && m.type === MSG.connRequest) {
          server.lastReceived = m.seq;
          server.lastSent = 0;
          this.send(server, { type: MSG.connAccept, src: 0, group: 0, client_id: CLIENT_ID });
        } else if (m.ack === 0 && m.type === MSG.listRequest) {
          server.lastReceived = m.seq;
          this.send(server, { type: MSG.listResponse, src: CLIENT_ID, group: 1, entry: this.roster() });
        }
      }
      this.lastDebug = b.debug;
      if (b.debug?.state === "connected") return;
      await new Promise((r) => setTimeout(r, 2));
    }
    throw new Error(`${this.target.name} did not connect (state ${this.lastDebug?.state})`);
  }

  async fresh(): Promise<void> {
    await this.target.restart();
    await this.start();
  }

  private addFinding(f: Finding): void {
    if (!this.findings.some((g) => findingKey(g) === findingKey(f))) this.findings.push(f);
  }

  async settle(): Promise<boolean> {
    for (let round = 0; round < 16; round++) {
      const b = await this.target.barrier();
      if (!b.ok) {
        this.failed = b;
        return false;
      }
      this.lastDebug = b.debug;
      let replied = false;
      for (const d of this.target.receive()) {
        const p = this.peers.find((q) => q.socket === d.socket) ?? this.peers[0]!;
        const { decoded, reply } = p.onReceive(d.bytes, true);
        for (const f of conformanceOracle(decoded, "C→S"))
          if (decoded.message?.ack === 0 || f.signature.includes("imp.")) this.addFinding(f);
        for (const w of this.windows)
          if (w.peer.socket === d.socket && answers(decoded, w.sent)) this.addFinding(silenceFinding(w.reason, w.sent, decoded));
        if (reply && decoded.message?.ack === 0) {
          this.target.send(d.socket, reply);
          replied = true;
        }
      }
      if (!replied) break;
    }
    this.syncLink();
    return true;
  }

  /**
   * A target without a debug channel says which Sequence its client took last from the server
   * (its barrier is a message on that link): the played server's next message flips that one.
   */
  private syncLink(): void {
    const lastSent = this.lastDebug?.extra?.lastSent;
    if (typeof lastSent === "number") this.peers[0]!.lastSent = lastSent;
  }

  /** Why the client must not answer this datagram, or null. */
  private silent(d: Decoded, p: FuzzPeer): Silence | null {
    const m = d.message;
    if (!m) return { cls: "malformed", detail: "shorter than the header" };
    const group = Number(this.lastDebug?.extra?.group ?? 1);
    const dropped = d.problems.find(
      (x) => DROPPED.has(x.id) && !(x.id === PROBLEMS.group.id && m.type === MSG.data && m.group === group && group !== 1),
    );
    if (dropped) return { cls: dropped.category === "malformed" ? "malformed" : "dropped value", detail: dropped.text };
    if (p.role !== "self")
      return p.role === "other" && m.type === MSG.data ? null : { cls: "no session", detail: `not the server (${p.role})` };
    if (m.ack === 0 && !messageSpec(m.type)!.directions.includes("S→C"))
      return { cls: "server-to-client type", detail: `${typeName(m.type)} from the server` };
    return null;
  }

  private async enter(state: string): Promise<boolean> {
    const server = this.peers[0]!;
    if (state === "invitation-pending") {
      this.send(server, { type: MSG.inviteRequest, src: OTHER_ID, group: 0, mode: 0, invite_group: 2, invitee: CLIENT_ID });
      return (await this.settle()) && this.lastDebug?.invitations === 1;
    }
    if (state === "in-private-group") {
      // The client takes no Group Creation Accept it did not ask for: it is invited, and accepts.
      this.send(server, { type: MSG.inviteRequest, src: OTHER_ID, group: 0, mode: 0, invite_group: 2, invitee: CLIENT_ID });
      if (!(await this.settle()) || !this.target.acceptInvitation) return false;
      const b = await this.target.acceptInvitation();
      if (!b.ok) {
        this.failed = b;
        return false;
      }
      return (await this.settle()) && Number(this.lastDebug?.extra?.group) === 2;
    }
    return true;
  }

  private async runStep(step: Step): Promise<boolean> {
    const p = this.peer(step.role);
    const t: Template = step.template;
    const seq = t.ack ? (t.seq ?? 0) : p.lastSent ^ 1;
    const bytes = build(t, seq, this.context(), step.mutations);
    const d = decode(bytes);
    const reason = this.silent(d, p);
    this.windows = reason ? [{ peer: p, sent: d, reason }] : [];
    const prev = p.lastSent;
    p.settled = false;
    p.outstanding = null;
    if (step.mutations.some((m) => m.kind === "dropAck")) p.noAck = true;
    p.sending(bytes);
    this.target.send(p.socket, bytes);
    if (step.mutations.some((m) => m.kind === "duplicate" || m.kind === "replay")) this.target.send(p.socket, bytes);
    const ok = await this.settle();
    p.noAck = false;
    this.windows = [];
    // Accept and Reject are recognised by state, outside the link's Sequence.
    const type = headerValue(bytes, "type");
    const byState = type === MSG.connAccept || type === MSG.connReject;
    if (headerValue(bytes, "ack") === 0) p.lastSent = p.settled && !byState ? headerValue(bytes, "seq") : prev;
    if (ok) this.syncLink();
    return ok;
  }

  /** Back to the Public Group, invitations expired, every timer run out. */
  private async teardown(): Promise<boolean> {
    const g = Number(this.lastDebug?.extra?.group ?? 1);
    const server = this.peers[0]!;
    for (let attempt = 0; attempt < 2 && Number(this.lastDebug?.extra?.group ?? 1) !== 1; attempt++) {
      this.send(server, { type: MSG.dissolution, src: 0, group: g >= 2 && g <= 254 ? g : 1 });
      if (!(await this.settle())) return false;
    }
    const d = this.lastDebug;
    if (d && d.invitations === 0 && d.timers === 0 && Number(d.extra?.group ?? 1) === 1) return true;
    if (!this.target.advance) {
      // No virtual clock to run invitations out: the user rejects the pending one.
      if (!d || d.invitations === 0 || !this.target.rejectInvitation) return true;
      const r = await this.target.rejectInvitation();
      if (!r.ok) {
        this.failed = r;
        return false;
      }
      return this.settle();
    }
    const b = await this.target.advance(20_000);
    if (!b.ok) {
      this.failed = b;
      return false;
    }
    return this.settle();
  }

  async run(c: FuzzCase, _opts: { probe?: boolean; probeMs?: number } = {}): Promise<CaseResult> {
    this.findings = [];
    this.failed = null;
    for (const p of this.peers.slice(1)) p.reset();
    let reached = await this.enter(c.state);
    const sent: Uint8Array[] = [];
    if (reached) {
      for (const s of stepOrder(c.steps)) {
        if (!(await this.runStep(s))) break;
        const f = stateOracle(this.lastDebug);
        if (f) this.addFinding(f);
      }
    }
    if (!this.failed) await this.teardown();
    const failed = this.failed as BarrierResult | null;
    const after = this.lastDebug as DebugState | undefined;
    if (!failed && after) {
      const st = stateOracle(after);
      if (st) this.addFinding(st);
      if (after.state !== "connected") {
        this.addFinding({
          oracle: "state",
          signature: `client left the connected state (${after.state})`,
          detail: `state ${after.state} after the case`,
        });
      } else if (after.timers !== 0 || after.invitations !== 0 || Number(after.extra?.group ?? 1) !== 1) {
        this.addFinding({
          oracle: "resources",
          signature: "left after teardown",
          detail: `timers ${after.timers}, invitations ${after.invitations}, group ${String(after.extra?.group)}`,
        });
      }
    }
    const log = this.target.takeLog();
    let restarted = false;
    if (failed || this.target.exitInfo() || after?.state !== "connected") {
      if (!this.target.exitInfo() && failed) await new Promise((r) => setTimeout(r, 20));
      const crash = crashOracle(this.target.exitInfo());
      if (crash) this.addFinding(crash);
      else if (failed) this.addFinding(hangFinding(`target did not answer (${failed.reason ?? "barrier"})`));
      await this.fresh();
      restarted = true;
    }
    reached = reached && true;
    return { findings: this.findings, reached, log, sent, restarted };
  }
}

export { templateFor };
