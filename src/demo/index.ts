/**
 * `imp demo` / `imp tui --demo`: reference server, proxy and three scripted clients in this
 * process; the proxy's traffic as a live PacketSource (demoSource) for the TUI or imp read's
 * output. See demo.ts for the session.
 */
import type { PacketSource, SourceEnd } from "../../dissector/source.js";
import { proxyFeed } from "../proxy/source.js";
import type { ProxyEvent } from "../proxy/proxy.js";
import { runDemo, type DemoOptions, type DemoRun } from "./demo.js";

export { runDemo, type DemoOptions, type DemoRun, type DemoSummary } from "./demo.js";

export interface DemoSourceOptions extends Omit<DemoOptions, "onDatagram"> {
  /** Also write the capture (pcapng). */
  write?: string;
  onProxyEvent?: (e: ProxyEvent) => void;
}

/** The demo as a live source: started by run(), ended when the session is over or stop() is called. */
export function demoSource(options: DemoSourceOptions = {}): PacketSource {
  const feed = proxyFeed({
    description: "imp demo (reference server, proxy and three scripted clients, live)",
    ...(options.write ? { write: options.write } : {}),
  });
  let demo: DemoRun | null = null;
  return {
    description: feed.source.description,
    live: true,
    async run(onPacket): Promise<SourceEnd> {
      demo = runDemo({ ...options, onDatagram: feed.push });
      const ended = feed.source.run(onPacket);
      try {
        await demo.done;
      } finally {
        feed.end();
      }
      return ended;
    },
    stop() {
      void demo?.stop();
      feed.end();
    },
  };
}
