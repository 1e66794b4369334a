/**
 * The bundled client started for fuzzing (a child process of the fuzzer, which plays its
 * server): `connectClient` on a ManualClock behind the debug channel, with the chat REPL's
 * reactions left out (it only receives). Prints `READY <port>` once its socket is bound.
 *
 *   node --import tsx fuzz/targets/client-entry.ts --server-port N --control-port N [--coverage]
 */
import { ManualClock } from "../../src/arq/index.js";
import { connectClient, type ImpClient } from "../../src/client/index.js";
import { openUdp } from "../../src/transport/index.js";
import { CoverageCollector, debugTransport } from "./debug-channel.js";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const coverage = process.argv.includes("--coverage")
  ? new CoverageCollector((url) => /\/src\/(client|arq|codec|protocol)\//.test(url))
  : null;
if (coverage) await coverage.start();
const clock = new ManualClock();
const udp = await openUdp({ host: "127.0.0.1", port: 0 });
let client: ImpClient | null = null;
let failure = "";

/** What must hold in the client's own view, whatever it received. */
function violations(c: ImpClient | null): string[] {
  if (!c) return [];
  const v: string[] = [];
  if (c.state === "connected") {
    if (c.id < 1 || c.id > 255) v.push(`client ID ${c.id} out of range`);
    const me = c.roster.get(c.id);
    if (!me) v.push(`own entry ${c.id} missing from the roster`);
    else if (me.group !== c.group) v.push(`roster puts itself in group ${me.group}, client is in ${c.group}`);
  }
  if (c.group < 1 || c.group > 255) v.push(`in group ${c.group}`);
  if (c.group === 1 && c.mode !== "centralized") v.push("the Public Group is not centralized");
  const groups = c.pendingInvitations.map((i) => i.group);
  if (new Set(groups).size !== groups.length) v.push("two pending invitations to one group");
  return v;
}

/** Heap in use, after a full collection when node runs with --expose-gc. */
function heapUsed(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

const transport = debugTransport(udp, { ip: "127.0.0.1", port: Number(arg("control-port")) }, async (cmd) => {
  if (cmd.op === "advance") clock.advance(Number(cmd.ms) || 0);
  // The client answers only what it asked: the fuzzer enters a private group the way a user does.
  if (cmd.op === "accept" && client && client.pendingInvitations.length > 0) void client.accept().catch(() => undefined);
  if (cmd.op === "coverage") return coverage ? await coverage.take() : { newBlocks: 0, covered: 0, total: 0 };
  const c = client;
  return {
    sent: transport.sent,
    received: transport.received,
    sessions: c && c.state === "connected" ? 1 : 0,
    groups: c && c.group !== 1 ? 1 : 0,
    invitations: c?.pendingInvitations.length ?? 0,
    departures: 0,
    queued: 0,
    timers: clock.pending,
    violations: violations(c),
    state: c?.state ?? (failure ? `failed: ${failure}` : "connecting"),
    extra: { id: c?.id ?? 0, group: c?.group ?? 1, roster: c?.roster.size ?? 0 },
    ...(cmd.op === "memory" ? { heapUsed: heapUsed() } : {}),
  };
});
process.stdout.write(`READY ${udp.local.port}\n`);
connectClient({ name: "fuzzee", server: { ip: "127.0.0.1", port: Number(arg("server-port")) }, clock, transport }).then(
  (c) => {
    client = c;
  },
  (e: unknown) => {
    failure = e instanceof Error ? e.message : String(e);
  },
);

// A clean exit on SIGINT/SIGTERM (lets --cpu-prof and NODE_V8_COVERAGE write their files).
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => process.exit(0));
