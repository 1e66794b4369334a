/**
 * The part every UDP target shares: the fuzzer's sockets (numbered), the inbox and the log of
 * datagrams, an optional child process (started, watched for exit and uncaught exceptions on
 * stderr, killed and started again), and an optional debug channel: JSON datagrams from the
 * fuzzer's control socket to the target's own IMP socket, which a target started for fuzzing
 * handles itself (fuzz/targets/debug-channel.ts) and never passes to the protocol code. Going
 * through the same socket keeps them in order with the fuzz datagrams.
 */
import { spawn, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import type { Address } from "../../src/transport/index.js";
import { killChild, trackChild } from "./child-processes.js";
import {
  findException,
  TargetError,
  type BarrierResult,
  type CoverageReport,
  type Datagram,
  type DebugState,
  type ExitInfo,
  type Target,
  type TargetCapabilities,
  type TargetSpec,
} from "./target.js";

export interface ChildSpec {
  command: string;
  args: string[];
  /** Run through a shell (user-given --exec). */
  shell?: boolean;
  /** Give the child a stdin pipe (userInput() writes to it); otherwise stdin is /dev/null. */
  stdin?: boolean;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

const now = () => performance.now();

/** Binds a socket to 127.0.0.1:`port`; rejects (EADDRINUSE) instead of emitting an error. */
function bind(s: dgram.Socket, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    s.once("error", reject);
    s.bind(port, "127.0.0.1", () => {
      s.off("error", reject);
      resolve();
    });
  });
}

/** Resolves once `stream` has ended or closed, or after `boundMs`. */
export function drained(stream: NodeJS.ReadableStream & { readableEnded?: boolean; closed?: boolean }, boundMs: number): Promise<void> {
  if (stream.readableEnded || stream.closed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stream.off("end", done);
      stream.off("close", done);
      resolve();
    };
    const timer = setTimeout(done, boundMs);
    stream.once("end", done);
    stream.once("close", done);
  });
}

/** What a child's stderr says, for a one-line error: its exception, else its last line; "" when silent. */
export function stderrGist(stderr: string): string {
  const said = findException(stderr) ?? stderr.trim().split("\n").pop()?.trim() ?? "";
  return said ? `: ${said.slice(0, 300)}` : "";
}

/**
 * Spawns a target's child in a process group of its own, tracked (child-processes.ts) so that it
 * dies with the fuzzer. Ctrl-C at the terminal then reaches the fuzzer only, which ends the
 * campaign and kills the group (a target killed by the terminal would look like a crash); the
 * group also holds whatever an --exec shell starts.
 */
export function spawnTracked(spec: ChildSpec): ChildProcess {
  const child = spawn(spec.command, spec.args, {
    shell: spec.shell ?? false,
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    stdio: [spec.stdin ? "pipe" : "ignore", "pipe", "pipe"],
    detached: true,
  });
  // A child that exits with input unread: EPIPE is not the fuzzer's error.
  child.stdin?.on("error", () => {});
  trackChild(child, true);
  return child;
}

export abstract class UdpTarget implements Target {
  abstract readonly name: string;
  abstract readonly role: "server" | "client";
  abstract readonly capabilities: TargetCapabilities;
  abstract readonly spec: TargetSpec;

  address: Address = { ip: "127.0.0.1", port: 0 };
  protected sockets: dgram.Socket[] = [];
  protected addrs: Address[] = [];
  protected inbox: Datagram[] = [];
  protected log: Datagram[] = [];
  /** Datagrams received from the target since the process started. */
  protected inCount = 0;
  protected child: ChildProcess | null = null;
  protected exit: ExitInfo | null = null;
  protected stderr = "";
  protected control: dgram.Socket | null = null;
  protected controlAddress: Address | null = null;
  private controlId = 0;
  private readonly controlWaiters = new Map<number, (reply: Record<string, unknown>) => void>();
  /** Barriers waiting for the datagrams the target said it sent (several when lanes run at once). */
  private countWaiters: { n: number; resolve: () => void }[] = [];
  protected exitWaiters: (() => void)[] = [];
  private readonly t0 = now();
  private childInShell = false;
  logging = true;
  /** Whether the sockets are connected to `address` (aim() was called). */
  private connected = false;

  constructor(readonly socketCount: number) {}

  protected async openSockets(): Promise<void> {
    for (let i = 0; i < this.socketCount; i++) {
      const s = await this.openSocket(i, 0);
      this.sockets.push(s);
    }
  }

  /** Socket `i` of the fuzzer, bound to 127.0.0.1:`port` (0: any free port). */
  private async openSocket(i: number, port: number): Promise<dgram.Socket> {
    const s = dgram.createSocket({ type: "udp4" });
    await bind(s, port);
    const a = s.address();
    const local = { ip: a.address, port: a.port };
    s.on("message", (bytes, rinfo) => {
      if (rinfo.port !== this.address.port || rinfo.address !== this.address.ip) {
        this.stray(i, bytes, { ip: rinfo.address, port: rinfo.port });
        return;
      }
      this.inCount++;
      const d: Datagram = { dir: "in", socket: i, local, bytes, at: now() - this.t0 };
      this.inbox.push(d);
      if (this.logging) this.log.push(d);
      this.arrived(d);
      if (this.countWaiters.length > 0) {
        const ready = this.countWaiters.filter((w) => this.inCount >= w.n);
        if (ready.length > 0) {
          this.countWaiters = this.countWaiters.filter((w) => this.inCount < w.n);
          for (const w of ready) w.resolve();
        }
      }
    });
    s.on("error", () => {});
    this.addrs[i] = local;
    return s;
  }

  protected async openControl(port = 0): Promise<void> {
    const s = dgram.createSocket({ type: "udp4" });
    await bind(s, port);
    s.on("message", (bytes) => {
      let reply: Record<string, unknown>;
      try {
        reply = JSON.parse(bytes.toString("utf8")) as Record<string, unknown>;
      } catch {
        return;
      }
      const w = this.controlWaiters.get(reply.id as number);
      if (w) {
        this.controlWaiters.delete(reply.id as number);
        w(reply);
      }
    });
    s.on("error", () => {});
    this.control = s;
    const a = s.address();
    this.controlAddress = { ip: a.address, port: a.port };
  }

  /**
   * Sets the target's address and connects every socket to it: a connected UDP socket sends
   * without a route and address lookup per datagram (measured: about 12% more stateful cases
   * per second against the bundled server) and hears only the target, as the filter wants.
   */
  protected async aim(address: Address): Promise<void> {
    this.address = address;
    if (this.connected) {
      // Aimed before (a restarted target on a new port). Linux gives up the local port of a
      // socket bound to port 0 when it is disconnected, so each socket is opened again on its
      // own port instead: the addresses the fuzz clients had, and the control port the target
      // was started with, stay the same.
      for (let i = 0; i < this.sockets.length; i++) {
        this.sockets[i]!.close();
        this.sockets[i] = await this.openSocket(i, this.addrs[i]!.port);
      }
      if (this.control) {
        this.control.close();
        await this.openControl(this.controlAddress!.port);
      }
    }
    for (const s of [...this.sockets, ...(this.control ? [this.control] : [])]) {
      await new Promise<void>((resolve) => s.connect(address.port, address.ip, () => resolve()));
    }
    this.connected = true;
  }

  /** Logs a datagram that came in on `socket` before the target's address was known (a client's first request). */
  protected keep(socket: number, bytes: Uint8Array): void {
    if (this.logging) this.log.push({ dir: "in", socket, local: this.addrs[socket]!, bytes, at: now() - this.t0 });
  }

  /** A datagram from another address than the target's (dropped; a client target learns its address from one). */
  protected stray(_socket: number, _bytes: Uint8Array, _from: Address): void {}

  /** Called with every datagram from the target once it is in the inbox. */
  protected arrived(_d: Datagram): void {}

  /** Writes `text` to the child's stdin (a child started with `stdin: true`); false when it cannot. */
  protected userInput(text: string): boolean {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed || this.exit) return false;
    stdin.write(text);
    return true;
  }

  socketAddress(socket: number): Address {
    return this.addrs[socket]!;
  }

  send(socket: number, bytes: Uint8Array): void {
    const d: Datagram = { dir: "out", socket, local: this.addrs[socket]!, bytes, at: now() - this.t0 };
    if (this.logging) this.log.push(d);
    const s = this.sockets[socket]!;
    if (this.connected) s.send(bytes);
    else s.send(bytes, this.address.port, this.address.ip);
  }

  receive(): Datagram[] {
    if (this.inbox.length === 0) return [];
    const out = this.inbox;
    this.inbox = [];
    return out;
  }

  takeLog(): Datagram[] {
    const out = this.log;
    this.log = [];
    return out;
  }

  exitInfo(): ExitInfo | null {
    return this.exit;
  }

  private stderrRead = 0;

  newStderr(): string {
    if (this.stderr.length <= this.stderrRead) return "";
    const text = this.stderr.slice(this.stderrRead);
    this.stderrRead = this.stderr.length;
    return text;
  }

  async alive(): Promise<boolean> {
    if (this.exit) return false;
    return (await this.barrier()).ok;
  }

  abstract barrier(timeoutMs?: number): Promise<BarrierResult>;
  abstract open(): Promise<void>;
  abstract restart(): Promise<void>;

  /** Resolves when the child exits (never for a target without one). */
  protected exited(): Promise<void> {
    if (this.exit) return Promise.resolve();
    return new Promise((r) => this.exitWaiters.push(r));
  }

  /** Sends a debug command; resolves with its reply, or null after `timeoutMs` or on exit. */
  protected command(op: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown> | null> {
    if (!this.control || this.exit) return Promise.resolve(null);
    const id = ++this.controlId;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.controlWaiters.delete(id);
        resolve(null);
      }, timeoutMs);
      const onExit = () => {
        clearTimeout(timer);
        this.controlWaiters.delete(id);
        resolve(null);
      };
      this.exitWaiters.push(onExit);
      this.controlWaiters.set(id, (reply) => {
        clearTimeout(timer);
        const i = this.exitWaiters.indexOf(onExit);
        if (i >= 0) this.exitWaiters.splice(i, 1);
        resolve(reply);
      });
      const bytes = Buffer.from(JSON.stringify({ ...op, id }));
      if (this.connected) this.control!.send(bytes);
      else this.control!.send(bytes, this.address.port, this.address.ip);
    });
  }

  async resync(): Promise<void> {
    if (!this.capabilities.debug) return;
    const reply = await this.command({ op: "sync" }, 1000);
    const sent = (reply as unknown as DebugState | null)?.sent;
    if (typeof sent === "number") this.inCount = Math.max(this.inCount, sent);
  }

  private syncInFlight: Promise<BarrierResult> | null = null;
  private syncNext: Promise<BarrierResult> | null = null;

  /**
   * A sync barrier shared by every caller that asks while one is in flight (group commit): they
   * all wait for the next one, which covers everything each of them sent. Lanes need this.
   */
  protected syncBarrier(timeoutMs: number): Promise<BarrierResult> {
    if (!this.syncInFlight) {
      const p = this.debugBarrier({ op: "sync" }, timeoutMs);
      this.syncInFlight = p;
      void p.finally(() => {
        if (this.syncInFlight === p) this.syncInFlight = null;
      });
      return p;
    }
    if (!this.syncNext) {
      this.syncNext = this.syncInFlight.then(() => {
        this.syncNext = null;
        return this.syncBarrier(timeoutMs);
      });
    }
    return this.syncNext;
  }

  /** Barrier through the debug channel: the reply says how many datagrams the target sent; wait for them all. */
  protected async debugBarrier(op: Record<string, unknown>, timeoutMs: number): Promise<BarrierResult> {
    const reply = await this.command(op, timeoutMs);
    if (!reply) return { ok: false, reason: this.exit ? "exited" : `no answer within ${timeoutMs} ms` };
    const debug = reply as unknown as DebugState;
    if (this.inCount < debug.sent) {
      const got = await new Promise<boolean>((resolve) => {
        const w = {
          n: debug.sent,
          resolve: () => {
            clearTimeout(timer);
            resolve(true);
          },
        };
        const timer = setTimeout(() => {
          this.countWaiters = this.countWaiters.filter((x) => x !== w);
          resolve(false);
        }, timeoutMs);
        this.countWaiters.push(w);
      });
      if (!got) return { ok: false, reason: `target sent ${debug.sent} datagrams, ${this.inCount} arrived`, debug };
    }
    // Every datagram the target sent has been counted on arrival: nothing is left in flight.
    return { ok: true, debug };
  }

  protected async coverageCommand(): Promise<CoverageReport> {
    const r = await this.command({ op: "coverage" }, 10_000);
    return (r as unknown as CoverageReport) ?? { newBlocks: 0, covered: 0, total: 0 };
  }

  /** Starts the child; resolves with the first stdout line matching `ready` (its captures). */
  protected startChild(spec: ChildSpec, ready: RegExp | null, timeoutMs = 15_000): Promise<RegExpExecArray | null> {
    return this.attachChild(spawnTracked(spec), spec, ready, timeoutMs);
  }

  /**
   * Makes `child` this target's process (one spawnTracked() started, possibly a while ago, as a
   * spare: `stderr` is what it printed until now): its exit and stderr are watched from here on.
   */
  protected attachChild(
    child: ChildProcess,
    spec: Pick<ChildSpec, "command" | "shell">,
    ready: RegExp | null,
    timeoutMs = 15_000,
    stderr = "",
  ): Promise<RegExpExecArray | null> {
    this.exit = null;
    this.stderr = stderr;
    this.stderrRead = 0;
    this.inCount = 0;
    this.inbox = [];
    this.child = child;
    this.childInShell = spec.shell ?? false;
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (t: string) => {
      if (this.stderr.length < 64 * 1024) this.stderr += t;
    });
    return new Promise((resolve, reject) => {
      let out = "";
      let done = false;
      const timer = setTimeout(() => {
        if (done) return;
        done = true;
        reject(new TargetError(`${this.name}: not ready after ${timeoutMs} ms${stderrGist(this.stderr)}`));
      }, timeoutMs);
      child.stdout!.setEncoding("utf8");
      child.stdout!.on("data", (t: string) => {
        if (done) return;
        out += t;
        const m = ready?.exec(out);
        if (m) {
          done = true;
          clearTimeout(timer);
          resolve(m);
        }
      });
      if (!ready) {
        done = true;
        clearTimeout(timer);
        resolve(null);
      }
      child.on("error", (e) => {
        // The command could not be started at all (spawn failed): as an exit during start-up.
        if (done) return;
        done = true;
        clearTimeout(timer);
        reject(new TargetError(`${this.name}: cannot start ${spec.command}: ${e.message}`));
      });
      child.on("exit", async (code, signal) => {
        // What it printed as it died (its traceback) may still be in the pipe: read it to the end (200 ms at most).
        await drained(child.stderr!, 200);
        if (this.child === child) {
          this.exit = { code, signal, exception: findException(this.stderr), stderr: this.stderr };
          for (const w of this.exitWaiters.splice(0)) w();
          for (const w of this.countWaiters.splice(0)) w.resolve();
        }
        if (!done) {
          done = true;
          clearTimeout(timer);
          reject(new TargetError(`${this.name} exited during start-up (${signal ?? `code ${code}`})${stderrGist(this.stderr)}`));
        }
      });
    });
  }

  /** Kills the child and its process group, and waits for its exit (2 s at most). */
  protected async stopChild(): Promise<void> {
    const child = this.child;
    if (child) await killChild(child, true);
    this.child = null;
  }

  async close(): Promise<void> {
    const child = this.child;
    this.child = null;
    // A bundled target being profiled (IMPKIT_FUZZ_NODE_ARGS) gets SIGINT, to write its profile.
    if (child) await killChild(child, true, !this.childInShell && process.env.IMPKIT_FUZZ_NODE_ARGS ? "SIGINT" : "SIGKILL");
    for (const s of this.sockets) s.close();
    this.sockets = [];
    this.control?.close();
    this.control = null;
  }
}
