/**
 * `imp flow [FILE]`: a text ladder diagram of the IMP messages, one column per endpoint named by
 * username (dissector/read/flow.ts). Reads the capture twice: endpoints and names first, rows then.
 */
import { Command } from "commander";
import { dissect } from "../../../dissector/read/pipeline.js";
import { FlowLayout, type FlowEndpoint } from "../../../dissector/read/flow.js";
import type { Endpoint } from "../../../dissector/analysis/index.js";
import type { CliIo } from "../io.js";
import { parseIntInRange } from "../parse-options.js";
import {
  addCaptureOptions,
  analyzerOptionsOf,
  captureCliError,
  displayFilterOf,
  openCapture,
  recognitionOf,
  sinkFor,
  type CaptureCommandOptions,
} from "./read.js";

interface FlowCommandOptions extends CaptureCommandOptions {
  displayFilter?: string;
  count?: number;
  width?: number;
  info: boolean;
  names: boolean;
}

export function flowCommand(io: CliIo): Command {
  const cmd = new Command("flow")
    .description("a ladder diagram of the messages, one column per endpoint named by username (as Wireshark's Flow Graph)")
    .argument("[file]", "pcap or pcapng file, '-' for standard input (default: the bundled demo capture)")
    .option("-Y, --display-filter <filter>", "only the messages that match this display filter")
    .option("-c, --count <n>", "stop after N messages", parseIntInRange("-c", 1, Number.MAX_SAFE_INTEGER))
    .option("-w, --width <columns>", "width to fit (default: the terminal's, else 160)", parseIntInRange("--width", 40, 10000))
    .option("--no-info", "no Info text right of the ladder")
    .option("--no-names", "name the columns by address, not by username");
  addCaptureOptions(cmd);
  return cmd.action(async (file: string | undefined, opts: FlowCommandOptions) => {
    const filter = displayFilterOf(opts.displayFilter);
    const capture = await openCapture(file, io, true).catch((e: unknown) => {
      throw captureCliError(file ?? "-", e) ?? e;
    });
    const sink = sinkFor(io);
    try {
      const recognition = recognitionOf(opts);
      const base = { recognition, filter, ...(opts.count !== undefined ? { count: opts.count } : {}) };
      // Pass 1: the analysis, over every frame. Pass 2 (only with -Y or -c): the endpoints of the
      // rows shown, with the filter in the final view. Pass 3: the rows.
      // The time of the last frame sizes the Time column (the ladder never shifts right at 10 s).
      let lastTime = 0;
      const first = await dissect(capture.source, { recognition, analysis: analyzerOptionsOf(opts), onDamage: "report" }, (f) => {
        lastTime = Math.max(lastTime, f.time);
      });
      // No capture at all (or damaged before its first IMP datagram): the error alone, no empty ladder.
      if (first.damage && first.shown === 0) throw first.damage;
      const analyzer = first.analyzer!;
      const seen = new Map<string, Endpoint>();
      const note = (e: Endpoint) => {
        const key = e.ip.includes(":") ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
        if (!seen.has(key)) seen.set(key, { ip: e.ip, port: e.port });
      };
      if (filter || opts.count !== undefined) {
        await dissect(capture.reopen(), { ...base, analyzer, onDamage: "report" }, (f) => {
          note(f.src);
          note(f.dst);
        });
      } else {
        for (const c of analyzer.conversations()) {
          note(c.src);
          note(c.dst);
        }
      }
      const endpoints: FlowEndpoint[] = [...seen.entries()].map(([address, ep]) => ({
        address,
        name: opts.names ? (analyzer.endpointName(ep) ?? address) : address,
      }));
      // The server first, then clients in order of appearance.
      endpoints.sort((a, b) => Number(b.name === "server") - Number(a.name === "server"));
      const width = opts.width ?? (io.stdin === process.stdin && process.stdout.isTTY ? process.stdout.columns : 160);
      const layout = new FlowLayout(endpoints, { width, info: opts.info, lastTime });
      sink.write(layout.header());
      await dissect(capture.reopen(), { ...base, analyzer, stopWhen: () => sink.closed }, (f) => sink.write(layout.row(f)));
    } catch (e) {
      throw captureCliError(capture.path, e) ?? e;
    } finally {
      sink.flush();
      capture.cleanup();
    }
  });
}
