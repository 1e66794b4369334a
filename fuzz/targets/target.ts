/**
 * What the fuzzer fuzzes, behind one interface (boofuzz's target connection plus its process
 * monitor): open / send / receive / close / alive, and restart after a crash or a hang.
 *
 * The fuzzer talks to a target through numbered sockets of its own (one per role: the fuzz
 * clients, a probe client, or the fuzzer playing the server). `barrier()` returns once the
 * target has handled everything sent so far and every datagram it sent in answer has arrived:
 * through the debug channel of a bundled target (which also reports its counters, tables and
 * invariants), or a protocol round trip for any other implementation. A target that does not
 * answer a barrier within its bound is hung.
 */
import type { Address } from "../../src/transport/index.js";

export interface Datagram {
  dir: "in" | "out";
  /** Fuzzer socket that sent or received it. */
  socket: number;
  /** Address of that socket. */
  local: Address;
  bytes: Uint8Array;
  /** Milliseconds since the campaign started (real time). */
  at: number;
}

/** What a bundled target reports through its debug channel. */
export interface DebugState {
  /** Datagrams the target sent on its IMP socket (the barrier waits for all of them). */
  sent: number;
  received: number;
  /** Sessions: connected users (server) or peers with a link (client). */
  sessions: number;
  groups: number;
  invitations: number;
  departures: number;
  /** Messages queued or outstanding on the target's links. */
  queued: number;
  /** Timers pending on the target's virtual clock. */
  timers: number;
  /** Broken invariants of the target's tables. */
  violations: string[];
  heapUsed?: number;
  /** Client targets: connection state. */
  state?: string;
  /** Counters, snapshot: whatever the target offers for reports. */
  extra?: Record<string, unknown>;
}

export interface BarrierResult {
  ok: boolean;
  /** Present for targets with a debug channel. */
  debug?: DebugState;
  /** Why the barrier failed (hang, exit). */
  reason?: string;
}

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** First lines of an uncaught exception found on stderr, if any. */
  exception: string | null;
  stderr: string;
}

export interface TargetCapabilities {
  /** Debug channel: tables, invariants, counters. */
  debug: boolean;
  /** The target's timers run on a virtual clock the fuzzer advances. */
  virtualClock: boolean;
  /** The fuzzer can start it again. */
  restartable: boolean;
  coverage: boolean;
}

export interface CoverageReport {
  /** Blocks never seen before this call. */
  newBlocks: number;
  covered: number;
  total: number;
}

/** How to start a target of the same kind again (what a finding's file records for --replay). */
export interface TargetSpec {
  /** bundled-server, bundled-client, client (a spawned client, with exec) or udp://host:port. */
  target: string;
  /** The --exec command ({port} not yet filled in). */
  exec?: string;
}

export interface Target {
  readonly name: string;
  /** What `imp fuzz --target ... --exec ...` makes this target again. */
  readonly spec: TargetSpec;
  /** "server": the fuzzer plays clients; "client": the fuzzer plays the server. */
  readonly role: "server" | "client";
  readonly capabilities: TargetCapabilities;
  /** Keep every datagram for takeLog() (pcaps of findings); off for speed in campaigns. */
  logging: boolean;
  /** Starts the target (if the fuzzer owns it) and opens the fuzzer's sockets. */
  open(): Promise<void>;
  /** Address of the target's IMP socket. */
  readonly address: Address;
  /** Addresses of the fuzzer's sockets. */
  socketAddress(socket: number): Address;
  readonly socketCount: number;
  send(socket: number, bytes: Uint8Array): void;
  /** Datagrams received from the target since the last call. */
  receive(): Datagram[];
  barrier(timeoutMs?: number): Promise<BarrierResult>;
  /** Process still running (or, for a remote target without a process, answering). */
  alive(): Promise<boolean>;
  /** Set once the target process has exited. */
  exitInfo(): ExitInfo | null;
  /** What the target process wrote on stderr since the last call (it may survive an exception it printed). */
  newStderr?(): string;
  restart(): Promise<void>;
  /** Advances the target's virtual clock (targets with virtualClock). */
  advance?(ms: number): Promise<BarrierResult>;
  /** Asks the client under test to accept its latest pending invitation (bundled client target). */
  acceptInvitation?(): Promise<BarrierResult>;
  /** Asks the client under test to reject its pending invitation (a spawned client: `/reject` on its stdin). */
  rejectInvitation?(): Promise<BarrierResult>;
  coverage?(): Promise<CoverageReport>;
  /**
   * After datagrams the target sent elsewhere (to a liveness probe's own socket): barriers that
   * wait for every datagram the target says it sent stop waiting for those.
   */
  resync?(): Promise<void>;
  /** Every datagram in and out since the last call (for pcaps of findings). */
  takeLog(): Datagram[];
  close(): Promise<void>;
}

/**
 * The target cannot be used at all: its address does not parse or resolve, it does not answer,
 * its --exec command does not start. Not a finding: the campaign cannot run (the CLI says so in
 * one line, exit 2). The message is one line.
 */
export class TargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TargetError";
  }
}

/** Finds the first uncaught-exception report in a process's stderr. */
export function findException(stderr: string): string | null {
  const lines = stderr.split("\n");
  const i = lines.findIndex((l) => /^(Uncaught |\w*Error\b|.*\bError: |node:internal.*throw)/.test(l.trim()) || /uncaught/i.test(l));
  if (i < 0) return null;
  const msg = lines.slice(i).find((l) => /\w*Error\b/.test(l)) ?? lines[i]!;
  const frame = lines.slice(i).find((l) => /^\s+at /.test(l)) ?? "";
  return `${msg.trim()}${frame ? ` ${frame.trim()}` : ""}`;
}
