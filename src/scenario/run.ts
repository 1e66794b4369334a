/** Runs one scenario and writes what it recorded as a capture file. */
import { createCaptureWriter } from "../../dissector/capture/capture-writer.js";
import { DEFAULT_SETTINGS, ScenarioContext, type ScenarioSettings } from "./context.js";
import type { ServerSnapshot } from "../server/index.js";
import type { RecordedDatagram } from "./recorder.js";
import type { Scenario } from "./scenarios.js";

export interface ScenarioResult {
  datagrams: RecordedDatagram[];
  /** The server's tables at the end of the flow. */
  final: ServerSnapshot;
  /** Server port and each client's local port by name (rejected clients are not named). */
  ports: { server: number; clients: Record<string, number> };
  /** Datagrams dropped by injected loss (they are in the capture). */
  dropped: number;
}

export async function runScenario(scenario: Scenario, settings: Partial<ScenarioSettings> = {}): Promise<ScenarioResult> {
  const ctx = new ScenarioContext({ ...DEFAULT_SETTINGS, ...settings });
  let final: ServerSnapshot;
  const clients: Record<string, number> = {};
  try {
    await scenario.run(ctx);
    await ctx.settle();
    final = ctx.server.snapshot();
    for (const [name, c] of ctx.clients) clients[name] = c.local.port;
  } finally {
    await ctx.close();
  }
  const datagrams = ctx.recorder.datagrams;
  return { datagrams, final, ports: { server: ctx.server.address.port, clients }, dropped: datagrams.filter((d) => d.dropped).length };
}

/** Writes recorded datagrams as Ethernet/IPv4/UDP frames; the format follows the file name (.pcapng or .pcap). */
export async function writeScenarioCapture(path: string, datagrams: readonly RecordedDatagram[]): Promise<void> {
  const writer = createCaptureWriter({ format: path.endsWith(".pcapng") ? "pcapng" : "pcap", path, nanosecond: true });
  for (const d of datagrams) writer.writeDatagram({ tsSec: d.tsSec, tsNsec: d.tsNsec, src: d.src, dst: d.dst, payload: d.payload });
  await writer.close();
}
