/**
 * Runs cases against a target: brings it into the case's state with well-formed messages,
 * sends each step (any of them may be mutated; the session goes on after it), acknowledges
 * whatever the target sends so stop-and-wait stays in step, tears everything down, and runs
 * the oracles after the case.
 */
import { decode, headerValue, type Decoded } from "../../src/codec/index.js";
import { MSG, messageSpec } from "../../src/protocol/index.js";
import { findingKey, ROLES, stepOrder, type Finding, type FuzzCase, type Role, type Step } from "../case.js";
import { build, SEQUENCE_KINDS } from "../mutators/mutations.js";
import { templateFor, type IdContext, type Template } from "../mutators/template.js";
import {
  answers,
  conformanceOracle,
  crashOracle,
  hangFinding,
  printedCrash,
  resourcesOracle,
  silenceFinding,
  silentReason,
  stateOracle,
  type Baseline,
  type Silence,
} from "../oracles/oracles.js";
import { SequenceOracle } from "../oracles/sequence-oracle.js";
import type { BarrierResult, Datagram, DebugState, Target } from "../targets/target.js";
import { FuzzPeer } from "./peer.js";
import { ProbeClient } from "./probe.js";
import { STATE_BY_NAME, statePath, type StateDef } from "./states.js";

/** What a state's `enter` uses. */
export interface StateDriver {
  peer(role: Role): FuzzPeer;
  sendWellFormed(peer: FuzzPeer, t: Template): void;
  settle(then?: () => void): Promise<boolean>;
  advance(ms: number): Promise<boolean>;
}

export interface CaseResult {
  findings: Finding[];
  /** The state was reached (false: the prefix failed without a finding; the case did not run). */
  reached: boolean;
  log: Datagram[];
  /** Datagrams sent by the case's steps. */
  sent: Uint8Array[];
  restarted: boolean;
  /** The target stopped answering or exited during the case (lanes leave the restart to the campaign). */
  failed?: boolean;
  /** The target is gone for good: the campaign stops. */
  fatal?: string;
}

interface Window {
  peer: FuzzPeer;
  sent: Decoded;
  reason: Silence;
}

/** What runs cases against a target: FuzzSession (server targets), ClientSession (client targets). */
export interface CaseRunner {
  start(): Promise<void>;
  /** Restarts the target (when it can be) and records a new baseline. */
  fresh(): Promise<void>;
  run(c: FuzzCase, opts?: RunOptions): Promise<CaseResult>;
  /** The chain of states from the root to `name` in this runner's graph (default: the server graph's). */
  statePath?(name: string): Pick<StateDef, "name" | "roles">[];
}

export interface SessionOptions {
  /** Keep the exchange of each case (for pcaps); off in campaigns until a finding is replayed. */
  keepLog?: boolean;
  /**
   * One lane of several running at once (targets/lanes.ts): the fuzz clients' names get `suffix`;
   * teardown only disconnects (the campaign runs the clock out and checks resources once for all
   * lanes); a failure is reported, not handled (no restart).
   */
  lane?: { suffix: string };
  /**
   * The conversation analysis as a conformance oracle (oracles/sequence-oracle.ts). Off by
   * default: from the datagrams alone the analysis cannot always tell which request the target
   * took for a duplicate (a fuzzer sends many), and then reports a Sequence that did flip.
   */
  sequence?: boolean;
}

/** What run() may be told besides the case. */
export interface RunOptions {
  probe?: boolean;
  probeMs?: number;
  /**
   * The case the caller runs next. With a virtual clock, its first prefix datagrams (the
   * Connection Requests) go out from a second set of sockets while this case's clock is run out:
   * the teardown and the next prefix share one round trip.
   */
  next?: FuzzCase;
}

const UNKNOWN_ID = 250;

export class FuzzSession implements StateDriver, CaseRunner {
  readonly peers: FuzzPeer[];
  /**
   * The role peers of the other socket bank (the last four sockets), when the target has room
   * for them: the next case's prefix starts there during this case's teardown (RunOptions.next).
   */
  private spare: FuzzPeer[] | null = null;
  /** The case whose first prefix datagrams the spare bank sent (it becomes the current bank after this case). */
  private prepared: FuzzCase | null = null;
  /** The case to prepare during this case's teardown. */
  private upcoming: FuzzCase | null = null;
  /** Datagrams for the spare bank that arrived during a teardown: the next case's first settle takes them. */
  private carry: Datagram[] = [];
  /** What the spare bank sent for the prepared case. */
  private preparedSent: { socket: number; bytes: Uint8Array }[] = [];
  /** The conversation analysis of the exchange, every datagram in the order sent and taken. */
  private readonly seq: SequenceOracle | null;
  /** Cases that started from a prefix sent during the previous case's teardown. */
  preparedRuns = 0;
  /**
   * A barrier already done that the next settle starts from instead of asking again: the one
   * behind the prepared datagrams (the next case's first settle), or an advance of the clock.
   */
  private opened: BarrierResult | null = null;
  private findings: Finding[] = [];
  private windows: Window[] = [];
  private lastDebug: DebugState | undefined;
  private failed: BarrierResult | null = null;
  baseline: Baseline = { sessions: 0 };
  private readonly targetSide = "S→C" as const;

  constructor(
    readonly target: Target,
    readonly options: SessionOptions = {},
  ) {
    this.peers = ROLES.map((r, i) => new FuzzPeer(r, i % target.socketCount, `fz${r}${options.lane?.suffix ?? ""}`));
    // The spare bank needs its four sockets beyond eight fresh ones; the bundled targets have 20.
    const spareAt = target.socketCount - ROLES.length;
    if (!options.lane && target.capabilities.virtualClock && spareAt >= ROLES.length + 8) {
      this.spare = ROLES.map((r, i) => new FuzzPeer(r, spareAt + i, `fz${r}`));
    }
    // Sockets beyond the four roles: fresh addresses for batches of stateless cases.
    const freshEnd = this.spare ? spareAt : target.socketCount;
    for (let i = ROLES.length; i < freshEnd; i++) this.peers.push(new FuzzPeer("fresh", i, `fzb${i}`));
    target.logging = options.keepLog ?? false;
    this.seq = options.sequence ? new SequenceOracle(() => this.target.address) : null;
  }

  /** Starts the target again and records a new baseline (between minimisation runs of a leak). */
  async fresh(): Promise<void> {
    if (!this.target.capabilities.restartable) return;
    await this.target.restart();
    await this.start();
  }

  /** Records the baseline the resources oracle compares with. */
  async start(): Promise<void> {
    const b = await this.target.barrier();
    this.baseline = { sessions: b.debug?.sessions ?? 0 };
  }

  peer(role: Role): FuzzPeer {
    return this.peers[ROLES.indexOf(role)]!;
  }

  context(p: FuzzPeer): IdContext {
    const others = this.peers.slice(0, 3).filter((q) => q !== p);
    const connected = others.filter((q) => q.connected);
    const other = connected[0] ?? others[0]!;
    const third = connected[1] ?? others[1]!;
    const ownGroup = p.invitation?.group ?? p.group;
    const otherGroup =
      this.peers.find((q) => q.group !== ownGroup && q.group !== 1)?.group ?? (ownGroup === 254 ? 253 : Math.max(2, ownGroup + 1));
    return {
      own: p.id,
      other: other.id,
      third: third.id,
      unknown: UNKNOWN_ID,
      ownGroup,
      otherGroup,
      ownName: p.name,
      otherName: other.name,
      roster: this.peers
        .filter((q) => q.connected)
        .map((q) => ({
          client_id: q.id,
          group: q.group,
          username: q.name,
          ip: "127.0.0.1",
          port: this.target.socketAddress(q.socket).port,
        })),
    };
  }

  private transmit(p: FuzzPeer, bytes: Uint8Array, track: boolean): void {
    if (track) p.sending(bytes);
    this.send(p.socket, bytes);
  }

  /** Sends a datagram and shows it to the analysis of its case. */
  private send(socket: number, bytes: Uint8Array): void {
    // The prepared next case's datagrams are its own: shown to its analysis when it starts.
    if (this.prepared && this.spare?.some((q) => q.socket === socket)) this.preparedSent.push({ socket, bytes });
    else this.seq?.sent(this.target.socketAddress(socket), bytes);
    this.target.send(socket, bytes);
  }

  sendWellFormed(p: FuzzPeer, t: Template): void {
    const seq = t.ack ? (t.seq ?? 0) : p.lastSent ^ 1;
    const bytes = build(t, seq, this.context(p), []);
    this.transmit(p, bytes, !t.ack);
    if (!t.ack) p.lastSent = seq;
  }

  /** Barrier, then handle what arrived (ACKing it), until nothing more arrives. */
  /**
   * Barrier, then handle what arrived (ACKing it), until nothing more arrives. `then` sends the
   * next well-formed requests together with the first round's ACKs (one round trip less).
   */
  async settle(then?: () => void): Promise<boolean> {
    for (let round = 0; round < 16; round++) {
      const b = round === 0 && this.opened ? this.opened : await this.barrierAnalysed();
      this.opened = null;
      if (!b.ok) {
        this.failed = b;
        return false;
      }
      this.lastDebug = b.debug;
      const got = this.carry.length > 0 ? [...this.carry.splice(0), ...this.target.receive()] : this.target.receive();
      let replied = 0;
      let establishes = false;
      for (const d of got) {
        const p = this.peerOn(d.socket);
        const { decoded, reply } = p.onReceive(d.bytes);
        this.inspect(decoded, d.socket);
        this.observe(d.socket, decoded, d.bytes);
        if (reply) {
          this.send(d.socket, reply);
          replied++;
          if (decoded.message?.type === MSG.connAccept) establishes = true;
        }
      }
      if (round === 0 && then) {
        then();
        continue;
      }
      if (replied === 0) return true;
      // Nothing queued behind the messages these ACKs settle, and none of them establishes a
      // client (which sends Update Lists): the ACKs cause nothing, no need to wait for it.
      const q = this.target.capabilities.debug ? b.debug?.queued : undefined;
      if (q !== undefined && q <= replied && !establishes) return true;
    }
    return true;
  }

  /** Shows a datagram from the target to the conversation analysis (analysed at the next analyse()). */
  private observe(socket: number, decoded: Decoded | null, bytes: Uint8Array): void {
    this.seq?.received(this.target.socketAddress(socket), bytes, decoded);
  }

  /** Runs the conversation analysis over what was queued; its findings are the case's. */
  private analyse(): void {
    if (this.seq) for (const f of this.seq.drain()) this.addFinding(f);
  }

  /** A barrier, with the analysis of what is queued done while the target works. */
  private barrierAnalysed(): Promise<BarrierResult> {
    const b = this.target.barrier();
    this.analyse();
    return b;
  }

  /** The peer on a socket: of the current bank, the fresh ones, or the spare bank. */
  private peerOn(socket: number): FuzzPeer {
    return this.peers.find((q) => q.socket === socket) ?? this.spare!.find((q) => q.socket === socket)!;
  }

  /** A driver that sends as the spare bank's peers (the next case's first prefix datagrams). */
  private spareDriver(): StateDriver {
    const spare = this.spare!;
    return {
      peer: (role) => spare[ROLES.indexOf(role)]!,
      sendWellFormed: (p, t) => this.sendWellFormed(p, t),
      settle: () => Promise.reject(new Error("the spare bank only opens a state")),
      advance: () => Promise.reject(new Error("the spare bank only opens a state")),
    };
  }

  /**
   * Advances the virtual clock past every timer, acknowledging nothing meanwhile. With `next`,
   * the next case's first prefix datagrams go out from the spare bank right behind the advance
   * (the target takes them after its clock ran out), and what arrives for them is kept.
   */
  private async runOut(next: FuzzCase | null = null): Promise<boolean> {
    for (const p of this.peers) p.noAck = true;
    const pending = this.target.advance!(120_000);
    this.analyse();
    const open = next && this.spare ? statePath(next.state)[1]?.open : undefined;
    let opened: Promise<BarrierResult> | null = null;
    if (next && open) {
      for (const p of this.spare!) p.reset();
      open(this.spareDriver());
      this.prepared = next;
      // Its barrier too: the answers are in when this round trip ends.
      opened = this.target.barrier();
    }
    const b = await pending;
    if (opened) {
      const o = await opened;
      if (o.ok) this.opened = o;
      else this.unprepare();
    }
    const spareSockets = this.prepared && this.spare ? new Set(this.spare.map((p) => p.socket)) : null;
    for (const d of this.target.receive()) {
      if (spareSockets?.has(d.socket)) this.carry.push(d);
      else this.observe(d.socket, null, d.bytes);
    }
    for (const p of this.peers) p.noAck = false;
    if (!b.ok) {
      this.failed = b;
      return false;
    }
    this.lastDebug = b.debug;
    return true;
  }

  async advance(ms: number): Promise<boolean> {
    if (!this.target.advance) return true;
    const b = await this.target.advance(ms);
    if (!b.ok) {
      this.failed = b;
      return false;
    }
    // The advance was a barrier: what the timers sent is in; settle starts from it.
    this.opened = b;
    return this.settle();
  }

  private addFinding(f: Finding): void {
    if (!this.findings.some((g) => findingKey(g) === findingKey(f))) this.findings.push(f);
  }

  /** Conformance of one datagram from the target, and whether it answers a datagram that must get none. */
  private inspect(d: Decoded, socket: number): void {
    for (const f of conformanceOracle(d, this.targetSide)) this.addFinding(f);
    for (const w of this.windows) {
      if (w.peer.socket === socket && answers(d, w.sent)) this.addFinding(silenceFinding(w.reason, w.sent, d));
    }
  }

  private async runStep(step: Step, replays: { peer: FuzzPeer; bytes: Uint8Array }[]): Promise<Uint8Array | null> {
    const p = this.peer(step.role);
    const t = step.template;
    const seq = t.ack ? (t.seq ?? 0) : p.lastSent ^ 1;
    const bytes = build(t, seq, this.context(p), step.mutations);
    const kinds = new Set(step.mutations.map((m) => m.kind));
    const d = decode(bytes);
    const reason = silentReason(d, p);
    this.windows = reason ? [{ peer: p, sent: d, reason }] : [];
    const prevSent = p.lastSent;
    const wasConnected = p.connected;
    const dropAck = kinds.has("dropAck");
    if (dropAck) p.noAck = true;
    p.settled = false;
    p.outstanding = null;
    this.transmit(p, bytes, true);
    if (kinds.has("duplicate")) this.transmit(p, bytes, false);
    if (kinds.has("replay")) replays.push({ peer: p, bytes });
    const ok = await this.settle();
    p.noAck = false;
    this.windows = [];
    // The target took it (ACKed or answered): the Sequence moves on; otherwise it stays.
    // A Connection Request is answered by state, outside the link's Sequence.
    const type = headerValue(bytes, "type");
    const byState = wasConnected && type === MSG.connRequest;
    if (headerValue(bytes, "ack") === 0) p.lastSent = p.settled && !byState ? headerValue(bytes, "seq") : prevSent;
    if (p.settled && headerValue(bytes, "ack") === 0 && type === MSG.disconnect) {
      p.connected = false;
      p.departed = true;
    }
    return ok ? bytes : null;
  }

  /** Cases one `runBatch` call can take (fresh addresses beyond the four roles). */
  get batchSize(): number {
    return this.peers.length - ROLES.length;
  }

  /**
   * Stateless cases in one round: each from its own fresh address, one barrier for all of them,
   * then every oracle (conformance and silence per address, state and resources for the round).
   * True when nothing showed; otherwise the caller runs the cases again one by one, so every
   * finding gets its own case.
   */
  async runBatch(cases: readonly FuzzCase[]): Promise<boolean> {
    const batch = this.peers.slice(ROLES.length, ROLES.length + cases.length);
    if (batch.length < cases.length || cases.some((c) => c.state !== "fresh" || c.steps.length !== 1))
      throw new Error("runBatch takes single-step stateless cases");
    this.findings = [];
    this.failed = null;
    this.lastDebug = undefined;
    for (const p of this.peers) p.reset();
    this.seq?.nextCase();
    this.windows = [];
    const sentBytes = cases.map((c, i) => {
      const p = batch[i]!;
      const step = c.steps[0]!;
      const bytes = build(step.template, p.lastSent ^ 1, this.context(p), step.mutations);
      const d = decode(bytes);
      const reason = silentReason(d, p);
      if (reason) this.windows.push({ peer: p, sent: d, reason });
      this.transmit(p, bytes, true);
      return bytes;
    });
    const ok = await this.settle();
    // As in runStep: the Sequence moves on when the target took the datagram.
    sentBytes.forEach((bytes, i) => {
      const p = batch[i]!;
      if (headerValue(bytes, "ack") === 0 && p.settled) p.lastSent = headerValue(bytes, "seq");
    });
    this.windows = [];
    const tornDown = ok && (await this.teardown());
    this.analyse();
    let clean = tornDown && this.findings.length === 0;
    if (clean && (stateOracle(this.lastDebug) || resourcesOracle(this.lastDebug, this.baseline, this.target.capabilities.debug)))
      clean = false;
    const failed = this.failed as BarrierResult | null;
    if (failed || this.target.exitInfo()) {
      await this.target.restart();
      await this.start();
      clean = false;
    }
    this.target.takeLog();
    for (const p of this.peers) p.reset();
    return clean;
  }

  /** Sends a well-formed Disconnection Request for every connected fuzz client, then runs every timer out. */
  private async teardown(): Promise<boolean> {
    // All at once; a client whose request was taken for a duplicate tries again with the other bit.
    const lane = this.options.lane !== undefined;
    const virtual = this.target.capabilities.virtualClock && !lane;
    let acked = false;
    let ranOut = false;
    if (virtual) {
      // The Disconnection Requests go out and the clock is run out at once: the advance is their
      // barrier (one round trip). Should a session stay (a request taken for a duplicate), the
      // clients still there try again with the other bit.
      for (let attempt = 0; attempt < 2; attempt++) {
        const leaving = this.peers.filter((p) => p.connected);
        if (leaving.length === 0) break;
        // A retry has the other bit: sendWellFormed moved lastSent on.
        for (const p of leaving) this.sendWellFormed(p, templateFor(messageSpec(MSG.disconnect)!));
        if (attempt > 0) this.unprepare();
        if (!(await this.runOut(attempt === 0 ? this.upcoming : null))) return false;
        ranOut = true;
        if ((this.lastDebug?.sessions ?? 0) <= this.baseline.sessions) for (const p of leaving) p.connected = false;
      }
      if (ranOut) return true;
    }
    for (let attempt = 0; attempt < 2 && !virtual; attempt++) {
      const leaving = this.peers.filter((p) => p.connected);
      if (leaving.length === 0) break;
      for (const p of leaving) this.sendWellFormed(p, templateFor(messageSpec(MSG.disconnect)!));
      if (!(await this.settle())) return false;
      acked = true;
      for (const p of leaving) if (p.settled) p.connected = false;
    }
    if (acked && virtual) this.lastDebug = undefined;
    if (lane) return true;
    const debug = this.lastDebug;
    const clean =
      debug !== undefined &&
      debug.sessions === this.baseline.sessions &&
      debug.groups === 0 &&
      debug.invitations === 0 &&
      debug.departures === 0 &&
      debug.queued === 0 &&
      debug.timers === 0;
    if (this.target.capabilities.virtualClock && !clean) {
      for (const p of this.peers) p.noAck = true;
      const b = await this.target.advance!(120_000);
      this.target.receive();
      for (const p of this.peers) p.noAck = false;
      if (!b.ok) {
        this.failed = b;
        return false;
      }
      this.lastDebug = b.debug;
    } else if (!this.target.capabilities.debug) {
      const after = await this.target.barrier();
      if (!after.ok) {
        this.failed = after;
        return false;
      }
      this.lastDebug = after.debug;
    }
    return true;
  }

  /**
   * Forgets the prepared next case: its clients are still connecting on the target's side, and
   * the next run-out (120 s of virtual time with no ACK) forces them out.
   */
  private unprepare(): void {
    if (!this.prepared) return;
    this.prepared = null;
    this.carry = [];
    this.preparedSent = [];
    this.opened = null;
    for (const p of this.spare ?? []) p.reset();
  }

  /** Leaves the target as a case leaves it: a prepared next case that will not run is run out. */
  async release(): Promise<void> {
    if (!this.prepared) return;
    this.unprepare();
    if (!this.target.exitInfo()) await this.runOut();
    this.failed = null;
  }

  /** Runs one case and its oracles; restarts the target after a crash or a hang. */
  async run(c: FuzzCase, opts: RunOptions = {}): Promise<CaseResult> {
    // The prefix was started during the last case's teardown: for this case, or to be undone.
    const prepared = this.prepared === c;
    if (prepared) this.preparedRuns++;
    if (this.prepared && !prepared) await this.release();
    this.prepared = null;
    // A new analysis for this case, with what its prepared prefix sent.
    this.seq?.nextCase();
    for (const x of this.preparedSent.splice(0)) this.seq?.sent(this.target.socketAddress(x.socket), x.bytes);
    this.upcoming = opts.next && !opts.probe && this.spare && this.target.capabilities.debug ? opts.next : null;
    this.findings = [];
    this.failed = null;
    this.lastDebug = undefined;
    for (const [k, p] of this.peers.entries()) if (!(prepared && k < ROLES.length)) p.reset();
    const sent: Uint8Array[] = [];
    let reached = true;
    const def = STATE_BY_NAME.get(c.state);
    if (!def) throw new Error(`unknown state ${c.state}`);
    for (const [k, s] of statePath(c.state).entries()) {
      if (!(prepared && k === 1)) s.open?.(this);
      if (!(await s.enter(this))) {
        reached = false;
        break;
      }
    }
    if (reached) {
      const replays: { peer: FuzzPeer; bytes: Uint8Array }[] = [];
      for (const step of stepOrder(c.steps)) {
        // A replay goes out after the step that follows the one it copies.
        const due = replays.splice(0);
        const bytes = await this.runStep(step, replays);
        if (!bytes) break;
        sent.push(bytes);
        const f = stateOracle(this.lastDebug);
        if (f) this.addFinding(f);
        if (due.length > 0) {
          for (const r of due) this.transmit(r.peer, r.bytes, false);
          if (!(await this.settle())) break;
        }
      }
      if (!this.failed && replays.length > 0) {
        for (const r of replays) this.transmit(r.peer, r.bytes, false);
        await this.settle();
      }
    }
    if (this.options.lane) {
      const failedLane = this.failed !== null || !(await this.teardown()) || this.target.exitInfo() !== null;
      for (const p of this.peers) p.reset();
      return { findings: this.findings, reached, log: [], sent, restarted: false, failed: failedLane };
    }
    const tornDown = !this.failed && (await this.teardown());
    this.analyse();
    if (tornDown) {
      const st = stateOracle(this.lastDebug);
      if (st) this.addFinding(st);
      if (reached) {
        const res = resourcesOracle(this.lastDebug, this.baseline, this.target.capabilities.debug);
        if (res) this.addFinding(res);
      }
      // What a case leaked is reported by that case only: the next one compares with what is left.
      const last = this.lastDebug as DebugState | undefined;
      if (last) this.baseline = { sessions: last.sessions };
    }
    // The full liveness probe on the cases the campaign picks: a fresh client must still get in.
    let deaf = false;
    if (opts.probe && !this.failed && !this.target.exitInfo()) {
      const f = await livenessProbe(this.target, opts.probeMs ?? 1000);
      if (f) {
        this.addFinding(f);
        deaf = true;
      }
    }
    const log = this.target.takeLog();
    let restarted = false;
    const failed = this.failed as BarrierResult | null;
    // An exception the target printed and survived is a crash finding too.
    const printed = !this.target.exitInfo() ? printedCrash(this.target.newStderr?.() ?? "") : null;
    if (printed) this.addFinding(printed);
    if (failed || this.target.exitInfo() || deaf) {
      this.unprepare();
      // Let an exit that is under way be seen before deciding between crash and hang.
      if (!this.target.exitInfo() && !deaf) await new Promise((r) => setTimeout(r, 20));
      const crash = crashOracle(this.target.exitInfo());
      if (crash) this.addFinding(crash);
      else if (failed) this.addFinding(hangFinding(`target did not answer (${failed.reason ?? "barrier"})`));
      if (!this.target.capabilities.restartable) {
        for (const p of this.peers) p.reset();
        return {
          findings: this.findings,
          reached,
          log,
          sent,
          restarted,
          fatal: `${this.target.name} is gone and cannot be restarted (no --exec)`,
        };
      }
      await this.target.restart();
      await this.start();
      restarted = true;
    }
    for (const p of this.peers) p.reset();
    // The spare bank has the next case's prefix under way: it becomes the current one.
    if (this.prepared) this.spare = this.peers.splice(0, ROLES.length, ...this.spare!);
    return { findings: this.findings, reached, log, sent, restarted };
  }
}

export { SEQUENCE_KINDS };

let probeNo = 0;

/** The full liveness probe: a fresh client connects, gets its list and leaves within `timeoutMs` each. */
export async function livenessProbe(target: Target, timeoutMs: number): Promise<Finding | null> {
  const probe = await ProbeClient.open(target.address, `fzlive${probeNo++ % 10}`);
  try {
    const r = await probe.roundTrip(timeoutMs);
    return r.ok ? null : hangFinding(`liveness probe: no answer to its ${r.step} within ${timeoutMs} ms`);
  } finally {
    probe.close();
    // What the target sent the probe never reaches the fuzzer's sockets: barriers count on.
    await target.resync?.();
  }
}
