/**
 * The bundled server started for fuzzing (a child process of the fuzzer): `startServer` on a
 * ManualClock, behind the debug channel. Prints `READY <port>` once it listens.
 *
 *   node --import tsx fuzz/targets/server-entry.ts --control-port N [--max-users N] [--coverage]
 *
 * Debug commands: sync (state, counters, invariants), advance { ms } (the virtual clock),
 * coverage (new blocks since the last call), memory (heap after a GC when --expose-gc).
 */
import { ManualClock } from "../../src/arq/index.js";
import { startServer } from "../../src/server/index.js";
import { openUdp } from "../../src/transport/index.js";
import { CoverageCollector, debugTransport, type DebugTransport } from "./debug-channel.js";

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const controlPort = Number(arg("control-port"));
const maxUsers = Number(arg("max-users", "255"));
const coverage = process.argv.includes("--coverage")
  ? new CoverageCollector((url) => /\/src\/(server|arq|codec|protocol)\//.test(url))
  : null;
if (coverage) await coverage.start();

const clock = new ManualClock();
const udp = await openUdp({ host: "127.0.0.1", port: Number(arg("port", "0")) });
let transport: DebugTransport;
// eslint-disable-next-line prefer-const
let server: Awaited<ReturnType<typeof startServer>>;

let cacheKey = "";
let cached: Record<string, unknown> = {};

/** Tables, queues, timers and invariants; recomputed only when a datagram was accepted or time moved. */
function state(): Record<string, unknown> {
  const key = `${server.counters.accepted}:${clock.now()}:${clock.pending}`;
  if (key === cacheKey) return { ...cached, sent: transport.sent, received: transport.received };
  cacheKey = key;
  cached = fullState();
  return cached;
}

function fullState(): Record<string, unknown> {
  const snap = server.snapshot();
  let queued = 0;
  for (const u of snap.users) queued += u.queued + (u.outstanding === null ? 0 : 1);
  return {
    sent: transport.sent,
    received: transport.received,
    sessions: snap.users.length,
    groups: snap.groups.length - 1,
    invitations: snap.invitations.length,
    departures: snap.departures.length,
    queued,
    timers: clock.pending,
    violations: server.checkInvariants(),
  };
}

transport = debugTransport(udp, { ip: "127.0.0.1", port: controlPort }, async (cmd) => {
  switch (cmd.op) {
    case "advance":
      clock.advance(Number(cmd.ms) || 0);
      return state();
    case "coverage":
      return coverage ? await coverage.take() : { newBlocks: 0, covered: 0, total: 0 };
    case "memory": {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      return { ...state(), heapUsed: process.memoryUsage().heapUsed };
    }
    case "snapshot":
      return { ...state(), extra: { snapshot: server.snapshot(), counters: server.counters } };
    default:
      return state();
  }
});
server = await startServer({ port: 0, clock, transport, maxUsers });
process.stdout.write(`READY ${udp.local.port}\n`);

// A clean exit on SIGINT/SIGTERM (lets --cpu-prof and NODE_V8_COVERAGE write their files).
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => process.exit(0));
