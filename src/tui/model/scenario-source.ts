/**
 * `imp tui --demo`: the reference server and scripted clients of a scenario run in this process
 * and their traffic is shown live, as a capture of the loopback would show it. The scenario's
 * recorder (the transports' tap) is the capture point; each datagram becomes a raw IPv4 frame
 * handed to the TUI as a live PacketSource.
 *
 * Seam: when the proxy issue lands, `--demo` can go through it instead (a real capture point
 * between clients and server); this source stays for machines without one.
 */
import { buildUdpPackets, rawIpPacket, type CapturePacket } from "../../../dissector/capture/index.js";
import type { PacketSource, SourceEnd } from "../../../dissector/source.js";
import { DEFAULT_SETTINGS, findScenario, ScenarioContext } from "../../scenario/index.js";

const POLL_MS = 20;

export function scenarioSource(name = "demo"): PacketSource {
  const scenario = findScenario(name);
  if (!scenario) throw new Error(`unknown scenario ${JSON.stringify(name)}`);
  let ctx: ScenarioContext | null = null;
  let stopped = false;
  return {
    description: `scenario ${name} (reference server and scripted clients, live)`,
    live: true,
    async run(onPacket: (p: CapturePacket) => void): Promise<SourceEnd> {
      const c = new ScenarioContext({ ...DEFAULT_SETTINGS, port: 0 });
      ctx = c;
      let sent = 0;
      let frame = 0;
      const pump = () => {
        const all = c.recorder.datagrams;
        while (sent < all.length && !stopped) {
          const d = all[sent++]!;
          for (const data of buildUdpPackets(d.src, d.dst, d.payload)) {
            frame++;
            onPacket(rawIpPacket(frame, d.tsSec, d.tsNsec, data));
          }
        }
      };
      const timer = setInterval(pump, POLL_MS);
      try {
        await scenario.run(c);
        await c.settle();
      } catch (e) {
        if (!stopped) throw e;
      } finally {
        clearInterval(timer);
        pump();
        await c.close().catch(() => undefined);
      }
      return { packets: frame };
    },
    stop() {
      stopped = true;
      void ctx?.close().catch(() => undefined);
    },
  };
}
