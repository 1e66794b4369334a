/**
 * The bundled reference server as a fuzz target: a child process (fuzz/targets/server-entry.ts)
 * running `startServer` on a virtual clock behind the debug channel. Restarted after a crash
 * or a hang.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { packageRoot } from "../../src/paths.js";
import type { BarrierResult, CoverageReport, TargetCapabilities } from "./target.js";
import { UdpTarget, type ChildSpec } from "./udp-target.js";

export interface BundledServerOptions {
  /** Fuzzer sockets: four roles, the rest fresh addresses for batches of stateless cases. Default 4 + 16. */
  sockets?: number;
  maxUsers?: number;
  coverage?: boolean;
  /** A barrier not answered in this many ms is a hang. Default 1000. */
  hangMs?: number;
}

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

export class BundledServerTarget extends UdpTarget {
  readonly name = "bundled-server";
  readonly role = "server" as const;
  readonly capabilities: TargetCapabilities;
  private readonly hangMs: number;

  constructor(private readonly options: BundledServerOptions = {}) {
    super(options.sockets ?? 20);
    this.hangMs = options.hangMs ?? 1000;
    this.capabilities = { debug: true, virtualClock: true, restartable: true, coverage: options.coverage ?? false };
  }

  async open(): Promise<void> {
    await this.openSockets();
    await this.openControl();
    await this.start();
  }

  private async start(): Promise<void> {
    const spec = entryCommand("server-entry");
    spec.args.push("--control-port", String(this.controlAddress!.port), "--max-users", String(this.options.maxUsers ?? 255));
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
