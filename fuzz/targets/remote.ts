/**
 * Any IMP server at udp://host:port, optionally started (and restarted) by the fuzzer with
 * `--exec "command"` (`{port}` in the command is replaced by the port). Without a debug
 * channel, the barrier is a protocol round trip: a probe client that stays connected sends a
 * User List Request and waits for the response (which also gives the session count); a target
 * that processes datagrams in order has then handled everything the fuzz clients sent before.
 */
import dgram from "node:dgram";
import { lookup } from "node:dns/promises";
import { ProbeClient } from "../session/probe.js";
import { SparePool, type Instance } from "./spare-instances.js";
import { TargetError, type BarrierResult, type TargetCapabilities } from "./target.js";
import { stderrGist, UdpTarget } from "./udp-target.js";

export interface RemoteOptions {
  /** udp://host:port (port 0 with --exec: a free port is chosen and put in {port}). */
  url: string;
  exec?: string;
  sockets?: number;
  hangMs?: number;
  /**
   * Instances started ahead of need (fuzz/targets/spare-instances.ts), for an --exec target whose
   * port the fuzzer picks (port 0 or {port}): a crash or a hang swaps in a ready one at once while
   * another starts in the background. Default 1; 0: the target is restarted in place.
   */
  spares?: number;
}

/**
 * udp://host:port as a target address ("localhost" is 127.0.0.1). The port may be 0 or the
 * placeholder {port} only with --exec (`exec`): the fuzzer then picks a free port and starts the
 * command on it. TargetError (one line) for anything else.
 */
export function parseTargetUrl(url: string, exec = false): { ip: string; port: number } {
  const m = /^udp:\/\/([^:/]+):(\d{1,5}|\{port\})\/?$/.exec(url);
  if (!m) throw new TargetError(`--target must be udp://host:port, got ${JSON.stringify(url)}`);
  const port = m[2] === "{port}" ? 0 : Number(m[2]);
  if (port > 65535) throw new TargetError(`--target ${url}: the port must be from 1 to 65535`);
  if (port === 0 && !exec) {
    throw new TargetError(
      `--target ${url}: give the port the target listens on (${m[2] === "{port}" ? "{port} is filled in" : "port 0 means a free port"} only with --exec, which starts the target)`,
    );
  }
  return { ip: m[1] === "localhost" ? "127.0.0.1" : m[1]!, port };
}

/** An IPv4 address for `host` (a literal as it is, a name looked up within `boundMs`); TargetError when there is none. */
export async function resolveHost(host: string, boundMs = 5000): Promise<string> {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return host;
  let timer: NodeJS.Timeout | undefined;
  try {
    const found = await Promise.race([
      lookup(host, { family: 4 }),
      new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), boundMs))),
    ]);
    if (!found) throw new TargetError(`cannot resolve ${host}: no answer within ${boundMs / 1000} s`);
    return found.address;
  } catch (e) {
    if (e instanceof TargetError) throw e;
    throw new TargetError(`cannot resolve ${host}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  } finally {
    clearTimeout(timer);
  }
}

const clamp = (n: number, min: number, max: number) => Math.min(max, Math.max(min, n));

/** Ports this process handed out lately (at most RECENT_PORTS): not handed out again at once. */
const recentPorts: number[] = [];
const RECENT_PORTS = 256;

/**
 * A UDP port on 127.0.0.1 that was free a moment ago, for an `--exec` command's {port}. The kernel
 * may give a port just closed to the next bind(0): two instances started side by side (--jobs,
 * spares) would then be told the same port, and one would fail with EADDRINUSE. So a port handed
 * out lately in this process is not handed out again (up to 32 tries; bounded memory).
 */
export async function freeUdpPort(): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const s = dgram.createSocket("udp4");
    await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
    const port = s.address().port;
    await new Promise<void>((r) => s.close(() => r()));
    if (recentPorts.includes(port) && attempt < 32) continue;
    recentPorts.push(port);
    if (recentPorts.length > RECENT_PORTS) recentPorts.shift();
    return port;
  }
}

export class RemoteTarget extends UdpTarget {
  readonly name: string;
  readonly role = "server" as const;
  readonly capabilities: TargetCapabilities;
  private probe: ProbeClient | null = null;
  private probeNo = 0;
  private readonly hangMs: number;
  /** Ready instances to swap in after a crash or a hang (--exec on a port the fuzzer picks). */
  private pool: SparePool | null = null;

  constructor(private readonly options: RemoteOptions) {
    super(options.sockets ?? 4);
    this.address = parseTargetUrl(options.url, options.exec !== undefined);
    this.name = options.exec ? `${options.url} (exec)` : options.url;
    this.hangMs = options.hangMs ?? 500;
    this.capabilities = { debug: false, virtualClock: false, restartable: options.exec !== undefined, coverage: false };
  }

  get spec(): { target: string; exec?: string } {
    return { target: this.options.url, ...(this.options.exec !== undefined ? { exec: this.options.exec } : {}) };
  }

  async open(): Promise<void> {
    this.address = { ...this.address, ip: await resolveHost(this.address.ip) };
    const spares = this.options.spares ?? 1;
    if (this.options.exec && this.address.port === 0 && spares > 0) {
      await this.openSockets();
      const boundMs = clamp(10 * this.hangMs, 5_000, 30_000);
      this.pool = new SparePool({ exec: this.options.exec, ip: this.address.ip, name: this.name, boundMs }, spares, freeUdpPort);
      await this.adopt(await this.pool.take());
      // The first spare is ready before the campaign starts (its start-up is part of opening).
      await this.pool.ready();
      return;
    }
    if (this.options.exec && this.address.port === 0) this.address = { ...this.address, port: await freeUdpPort() };
    await this.openSockets();
    await this.aim(this.address);
    await this.start();
  }

  /** Spares started and swapped in so far (tests, bench); null without spares. */
  get spareStats(): { started: number; taken: number; running: number } | null {
    return this.pool ? { ...this.pool.stats, running: this.pool.running } : null;
  }

  /** Makes a ready instance the target: its process, its port (the fuzzer's sockets are aimed there), its probe client. */
  private async adopt(i: Instance): Promise<void> {
    i.release();
    // Watched first: an exit while the sockets are aimed is not missed.
    void this.attachChild(i.child, { command: i.command, shell: true }, null, 15_000, i.stderr());
    this.probe?.close();
    this.probe = i.probe;
    await this.aim(i.address);
  }

  private async start(): Promise<void> {
    if (this.options.exec) {
      await this.startChild({ command: this.options.exec.replaceAll("{port}", String(this.address.port)), args: [], shell: true }, null);
    }
    // A target started here may take a while to listen (10 hang bounds, 5 to 30 s); one that is
    // already running answers at once or not at all (3 hang bounds, 2 to 10 s): nothing
    // listening ends the campaign within seconds.
    const boundMs = this.options.exec ? clamp(10 * this.hangMs, 5_000, 30_000) : clamp(3 * this.hangMs, 2_000, 10_000);
    const end = Date.now() + boundMs;
    // Readiness: a probe client every 50 ms (no fixed sleep): a restarted target is used as soon as it answers.
    while (!(await this.connectProbe(50))) {
      if (this.exit)
        throw new TargetError(
          `${this.name} exited during start-up (${this.exit.signal ?? `code ${this.exit.code}`})${stderrGist(this.exit.stderr)}`,
        );
      if (Date.now() > end) {
        const hint = this.options.exec ? "does the --exec command start an IMP server on {port}?" : "is an IMP server listening there?";
        throw new TargetError(
          `${this.name} does not answer: no Connection Accept and User List Response within ${boundMs / 1000} s (${hint})`,
        );
      }
    }
  }

  private async connectProbe(timeoutMs: number): Promise<boolean> {
    this.probe?.close();
    this.probe = await ProbeClient.open(this.address, `fzprb${this.probeNo++ % 100}`);
    return (await this.probe.connect(timeoutMs)) && (await this.probe.list(timeoutMs)) !== null;
  }

  async barrier(timeoutMs = this.hangMs): Promise<BarrierResult> {
    if (this.exit) return { ok: false, reason: "exited" };
    const exited = this.exited().then(() => null);
    let users = this.probe ? await Promise.race([this.probe.list(timeoutMs), exited]) : null;
    if (!users && !this.exit) {
      // The probe may have been disconnected by a case: connect a new one.
      if (await this.connectProbe(timeoutMs)) users = await this.probe!.list(timeoutMs);
    }
    if (!users) return { ok: false, reason: this.exit ? "exited" : `no User List Response within ${timeoutMs} ms` };
    await new Promise<void>((r) => setImmediate(r));
    return {
      ok: true,
      debug: {
        sent: 0,
        received: 0,
        sessions: users.length,
        groups: 0,
        invitations: 0,
        departures: 0,
        queued: 0,
        timers: 0,
        violations: [],
      },
    };
  }

  /** Restarts done and the wall time the fuzzer waited for them (bench figures). */
  readonly restartStats = { count: 0, ms: 0 };

  async restart(): Promise<void> {
    if (!this.options.exec) throw new Error(`${this.name} cannot be restarted without --exec`);
    const t0 = performance.now();
    await this.stopChild();
    if (this.pool) await this.adopt(await this.pool.take());
    else await this.start();
    this.restartStats.count++;
    this.restartStats.ms += performance.now() - t0;
  }

  override async close(): Promise<void> {
    await this.pool?.close();
    this.probe?.close();
    await super.close();
  }
}
