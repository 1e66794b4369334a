/**
 * The bundled reference client as a fuzz target: a child process (fuzz/targets/client-entry.ts)
 * on a virtual clock behind the debug channel, connected to the fuzzer, which plays its server
 * on socket 0 (socket 1 is another user in its list, the others are strangers).
 */
import { BundledTarget } from "./bundled-target.js";

export interface BundledClientOptions {
  hangMs?: number;
  coverage?: boolean;
}

export class BundledClientTarget extends BundledTarget {
  readonly name = "bundled-client";
  readonly role = "client" as const;

  constructor(options: BundledClientOptions = {}) {
    super(4, options.hangMs, options.coverage ?? false);
  }

  protected entry(): { name: string; args: string[] } {
    return {
      name: "client-entry",
      args: ["--server-port", String(this.socketAddress(0).port), "--control-port", String(this.controlAddress!.port)],
    };
  }
}
