/**
 * Instances of an `--exec` server target started ahead of need, each on a free port of its own
 * and ready (a probe client connected and got its User List Response): when the target crashes
 * or hangs, a ready one takes its place at once and another starts in the background, so a
 * crash-prone target costs a swap of ports instead of a start-up (about 1 s for a Python server
 * under load). At most `size` spares live at a time. Every child is tracked by
 * child-processes.ts (killed when the fuzzer exits, whatever the way) and killed by close().
 */
import type { ChildProcess } from "node:child_process";
import type { Address } from "../../src/transport/index.js";
import { ProbeClient } from "../session/probe.js";
import { killChild } from "./child-processes.js";
import { TargetError } from "./target.js";
import { drained, spawnTracked, stderrGist } from "./udp-target.js";

/** A started instance, ready: its process, its address, what it printed so far, its probe client (connected). */
export interface Instance {
  child: ChildProcess;
  command: string;
  address: Address;
  stderr: () => string;
  /** Stops collecting stderr here (the target that adopts the instance collects it from now on). */
  release: () => void;
  probe: ProbeClient;
}

export interface InstanceOptions {
  /** The --exec command; `{port}` is replaced by the instance's port. */
  exec: string;
  ip: string;
  /** Name in error messages. */
  name: string;
  /** How long an instance may take to answer its probe. */
  boundMs: number;
  /** Probe names, a new one per attempt: a server that took an attempt too late for its bound holds that name (usernames of 8 bytes at most). */
  probeName: () => string;
}

/** Whether a child has exited (or was killed). */
export const hasExited = (c: ChildProcess): boolean => c.exitCode !== null || c.signalCode !== null;

/**
 * Starts one instance on `port` and waits until it answers a probe client (every 50 ms, no
 * fixed sleep). TargetError when it exits during start-up or does not answer within `boundMs`
 * (the child is killed then). `cancelled()` true: killed, and TargetError.
 */
export async function startInstance(o: InstanceOptions, port: number, cancelled: () => boolean = () => false): Promise<Instance> {
  const command = o.exec.replaceAll("{port}", String(port));
  const child = spawnTracked({ command, args: [], shell: true });
  let stderr = "";
  const collect = (t: string) => {
    if (stderr.length < 64 * 1024) stderr += t;
  };
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", collect);
  child.stdout!.resume();
  let spawnError: Error | null = null;
  child.on("error", (e) => (spawnError = e));
  const address = { ip: o.ip, port };
  const end = Date.now() + o.boundMs;
  let probe: ProbeClient | null = null;
  const fail = async (message: string): Promise<never> => {
    probe?.close();
    await killChild(child, true);
    throw new TargetError(message);
  };
  for (;;) {
    if (cancelled()) return fail(`${o.name}: start cancelled`);
    if (spawnError) return fail(`${o.name}: cannot start ${command}: ${(spawnError as Error).message}`);
    if (hasExited(child)) {
      await drained(child.stderr!, 200);
      return fail(`${o.name} exited during start-up (${child.signalCode ?? `code ${child.exitCode}`})${stderrGist(stderr)}`);
    }
    probe?.close();
    probe = await ProbeClient.open(address, o.probeName());
    if ((await probe.connect(50)) && (await probe.list(50)) !== null && !hasExited(child)) break;
    if (Date.now() > end) {
      return fail(
        `${o.name} does not answer: no Connection Accept and User List Response within ${o.boundMs / 1000} s (does the --exec command start an IMP server on {port}?)`,
      );
    }
  }
  return { child, command, address, stderr: () => stderr, release: () => child.stderr!.off("data", collect), probe };
}

/**
 * Up to `size` spare instances, started in the background. take() gives the oldest one once it
 * is ready and starts its replacement; an instance that died while waiting is dropped.
 */
export class SparePool {
  private readonly slots: Promise<Instance>[] = [];
  private readonly live = new Set<ChildProcess>();
  private closed = false;
  private probeNo = 0;
  /** Spares started and taken (tests, bench). */
  readonly stats = { started: 0, taken: 0 };

  constructor(
    private readonly o: Omit<InstanceOptions, "probeName">,
    readonly size: number,
    private readonly freePort: () => Promise<number>,
  ) {}

  /** Starts spares until `size` are ready or starting. */
  fill(): void {
    while (!this.closed && this.slots.length < this.size) {
      this.stats.started++;
      const p = this.freePort().then((port) =>
        startInstance({ ...this.o, probeName: () => `fzspr${this.probeNo++ % 100}` }, port, () => this.closed),
      );
      // A start that fails is seen by the take() that awaits it; none unhandled meanwhile.
      p.then(
        (i) => {
          if (this.closed) void this.discard(i);
          else this.live.add(i.child);
        },
        () => {},
      );
      this.slots.push(p);
    }
  }

  /**
   * A ready instance (the caller owns it from now on); TargetError when the next one could not
   * be started (the command no longer starts or answers). At most size + 1 instances are tried.
   */
  async take(): Promise<Instance> {
    for (let attempt = 0; attempt <= this.size; attempt++) {
      if (this.closed) throw new TargetError(`${this.o.name}: closed`);
      this.fill();
      const next = this.slots.shift()!;
      this.fill();
      const i = await next;
      this.live.delete(i.child);
      if (!hasExited(i.child)) {
        this.stats.taken++;
        return i;
      }
      await this.discard(i);
    }
    throw new TargetError(`${this.o.name}: its spare instances keep exiting before use`);
  }

  private async discard(i: Instance): Promise<void> {
    this.live.delete(i.child);
    i.probe.close();
    await killChild(i.child, true);
  }

  /** Resolves once every spare started so far is ready or failed (failures are left for take()). */
  async ready(): Promise<void> {
    await Promise.allSettled(this.slots);
  }

  /** How many spare processes are running (tests). */
  get running(): number {
    return [...this.live].filter((c) => !hasExited(c)).length;
  }

  /** Kills every spare, ready or starting (those still starting are killed as their start ends). */
  async close(): Promise<void> {
    this.closed = true;
    const settled = await Promise.allSettled(this.slots.splice(0));
    await Promise.all(settled.map((s) => (s.status === "fulfilled" ? this.discard(s.value) : Promise.resolve())));
    await Promise.all([...this.live].map((c) => killChild(c, true)));
    this.live.clear();
  }
}
