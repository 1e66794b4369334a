/**
 * Any IMP server at udp://host:port, optionally started (and restarted) by the fuzzer with
 * `--exec "command"` (`{port}` in the command is replaced by the port). Without a debug
 * channel, the barrier is a protocol round trip: a probe client that stays connected sends a
 * User List Request and waits for the response (which also gives the session count); a target
 * that processes datagrams in order has then handled everything the fuzz clients sent before.
 */
import dgram from "node:dgram";
import { ProbeClient } from "../session/probe.js";
import type { BarrierResult, TargetCapabilities } from "./target.js";
import { UdpTarget } from "./udp-target.js";

export interface RemoteOptions {
  /** udp://host:port (port 0 with --exec: a free port is chosen and put in {port}). */
  url: string;
  exec?: string;
  sockets?: number;
  hangMs?: number;
}

export function parseTargetUrl(url: string): { ip: string; port: number } {
  const m = /^udp:\/\/([^:/]+):(\d+)\/?$/.exec(url);
  if (!m) throw new Error(`target must be udp://host:port, got ${JSON.stringify(url)}`);
  return { ip: m[1] === "localhost" ? "127.0.0.1" : m[1]!, port: Number(m[2]) };
}

export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export class RemoteTarget extends UdpTarget {
  readonly name: string;
  readonly role = "server" as const;
  readonly capabilities: TargetCapabilities;
  private probe: ProbeClient | null = null;
  private probeNo = 0;
  private readonly hangMs: number;

  constructor(private readonly options: RemoteOptions) {
    super(options.sockets ?? 4);
    this.address = parseTargetUrl(options.url);
    this.name = options.exec ? `${options.url} (exec)` : options.url;
    this.hangMs = options.hangMs ?? 500;
    this.capabilities = { debug: false, virtualClock: false, restartable: options.exec !== undefined, coverage: false };
  }

  async open(): Promise<void> {
    if (this.options.exec && this.address.port === 0) this.address = { ...this.address, port: await freeUdpPort() };
    await this.openSockets();
    await this.aim(this.address);
    await this.start();
  }

  private async start(): Promise<void> {
    if (this.options.exec) {
      await this.startChild({ command: this.options.exec.replaceAll("{port}", String(this.address.port)), args: [], shell: true }, null);
    }
    const end = Date.now() + 10_000;
    while (!(await this.connectProbe(200))) {
      if (this.exit) throw new Error(`${this.name} exited during start-up: ${this.exit.stderr.slice(0, 300)}`);
      if (Date.now() > end) throw new Error(`${this.name} does not accept a connection`);
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
      debug: { sent: 0, received: 0, sessions: users.length, groups: 0, invitations: 0, departures: 0, queued: 0, timers: 0, violations: [] },
    };
  }

  async restart(): Promise<void> {
    if (!this.options.exec) throw new Error(`${this.name} cannot be restarted without --exec`);
    await this.stopChild();
    await this.start();
  }

  override async close(): Promise<void> {
    this.probe?.close();
    await super.close();
  }
}
