/**
 * The bundled reference client as a fuzz target: a child process (fuzz/targets/client-entry.ts)
 * on a virtual clock behind the debug channel, connected to the fuzzer, which plays its server
 * on socket 0 (socket 1 is another user in its list, the others are strangers).
 */
import type { BarrierResult, CoverageReport, TargetCapabilities } from "./target.js";
import { UdpTarget } from "./udp-target.js";
import { entryCommand } from "./bundled-server.js";

export interface BundledClientOptions {
  hangMs?: number;
  coverage?: boolean;
}

export class BundledClientTarget extends UdpTarget {
  readonly name = "bundled-client";
  readonly role = "client" as const;
  readonly capabilities: TargetCapabilities;
  private readonly hangMs: number;

  constructor(private readonly options: BundledClientOptions = {}) {
    super(4);
    this.hangMs = options.hangMs ?? 1000;
    this.capabilities = { debug: true, virtualClock: true, restartable: true, coverage: options.coverage ?? false };
  }

  async open(): Promise<void> {
    await this.openSockets();
    await this.openControl();
    await this.start();
  }

  private async start(): Promise<void> {
    const spec = entryCommand("client-entry");
    spec.args.push("--server-port", String(this.socketAddress(0).port), "--control-port", String(this.controlAddress!.port));
    if (this.options.coverage) spec.args.push("--coverage");
    const m = await this.startChild(spec, /READY (\d+)/);
    this.address = { ip: "127.0.0.1", port: Number(m![1]) };
  }

  barrier(timeoutMs = this.hangMs): Promise<BarrierResult> {
    return this.syncBarrier(timeoutMs);
  }

  advance(ms: number): Promise<BarrierResult> {
    return this.debugBarrier({ op: "advance", ms }, this.hangMs);
  }

  memory(): Promise<BarrierResult> {
    return this.debugBarrier({ op: "memory" }, this.hangMs * 5);
  }

  coverage(): Promise<CoverageReport> {
    return this.coverageCommand();
  }

  async restart(): Promise<void> {
    await this.stopChild();
    await this.start();
  }
}
