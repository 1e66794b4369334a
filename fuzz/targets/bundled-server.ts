/**
 * The bundled reference server as a fuzz target: a child process (fuzz/targets/server-entry.ts)
 * running `startServer` on a virtual clock behind the debug channel. Restarted after a crash
 * or a hang.
 */
import { BundledTarget } from "./bundled-target.js";

export { entryCommand } from "./bundled-target.js";

export interface BundledServerOptions {
  /** Fuzzer sockets: four roles, the rest fresh addresses for batches of stateless cases. Default 4 + 16. */
  sockets?: number;
  maxUsers?: number;
  coverage?: boolean;
  /** A barrier not answered in this many ms is a hang. Default 1000. */
  hangMs?: number;
}

export class BundledServerTarget extends BundledTarget {
  readonly name = "bundled-server";
  readonly role = "server" as const;

  constructor(private readonly options: BundledServerOptions = {}) {
    super(options.sockets ?? 20, options.hangMs, options.coverage ?? false);
  }

  protected entry(): { name: string; args: string[] } {
    return {
      name: "server-entry",
      args: ["--control-port", String(this.controlAddress!.port), "--max-users", String(this.options.maxUsers ?? 255)],
    };
  }
}
