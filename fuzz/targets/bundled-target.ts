/**
 * What the bundled server and client targets share: a child process running one of the fuzz
 * entry scripts on a virtual clock behind the debug channel, restartable, with coverage.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { packageRoot } from "../../src/paths.js";
import type { BarrierResult, CoverageReport, TargetCapabilities } from "./target.js";
import { UdpTarget, type ChildSpec } from "./udp-target.js";

/** node arguments that run a sibling entry script from src (through tsx) or from dist. */
export function entryCommand(name: string): ChildSpec {
  const here = fileURLToPath(import.meta.url);
  const ts = here.endsWith(".ts");
  const entry = fileURLToPath(new URL(`./${name}.${ts ? "ts" : "js"}`, import.meta.url));
  if (!existsSync(entry)) throw new Error(`fuzz entry ${entry} is missing`);
  // IMPKIT_FUZZ_NODE_ARGS: extra node options for the target (e.g. --cpu-prof when profiling it).
  const extra = (process.env.IMPKIT_FUZZ_NODE_ARGS ?? "").split(" ").filter((a) => a.length > 0);
  return { command: process.execPath, args: [...extra, ...(ts ? ["--import", "tsx"] : []), "--expose-gc", entry], cwd: packageRoot() };
}

export abstract class BundledTarget extends UdpTarget {
  readonly capabilities: TargetCapabilities;
  protected readonly hangMs: number;

  constructor(
    sockets: number,
    hangMs: number | undefined,
    private readonly withCoverage: boolean,
  ) {
    super(sockets);
    this.hangMs = hangMs ?? 1000;
    this.capabilities = { debug: true, virtualClock: true, restartable: true, coverage: withCoverage };
  }

  /** The entry script's name and its own arguments (the control port is known by then). */
  protected abstract entry(): { name: string; args: string[] };

  get spec(): { target: string } {
    return { target: this.name };
  }

  async open(): Promise<void> {
    await this.openSockets();
    await this.openControl();
    await this.start();
  }

  private async start(): Promise<void> {
    const { name, args } = this.entry();
    const spec = entryCommand(name);
    spec.args.push(...args);
    if (this.withCoverage) spec.args.push("--coverage");
    const m = await this.startChild(spec, /READY (\d+)/);
    await this.aim({ ip: "127.0.0.1", port: Number(m![1]) });
  }

  barrier(timeoutMs = this.hangMs): Promise<BarrierResult> {
    return this.syncBarrier(timeoutMs);
  }

  advance(ms: number): Promise<BarrierResult> {
    return this.debugBarrier({ op: "advance", ms }, this.hangMs);
  }

  acceptInvitation(): Promise<BarrierResult> {
    return this.debugBarrier({ op: "accept" }, this.hangMs);
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
