/**
 * `imp flow [FILE]`: a text ladder diagram of the IMP messages, one column per endpoint named by
 * username (dissector/read/flow.ts). Reads the capture twice: endpoints and names first, rows then.
 */
import { Command } from "commander";
import { dissect } from "../../../dissector/read/pipeline.js";
import { FlowLayout, type FlowEndpoint } from "../../../dissector/read/flow.js";
import type { Endpoint } from "../../../dissector/capture/endpoint.js";
import type { CliIo } from "../io.js";
import { parseIntInRange } from "../parse-options.js";
import { addCaptureOptions, analyzerOptionsOf, captureCliError, displayFilterOf, openCapture, recognitionOf, sinkFor, type CaptureCommandOptions } from "./read.js";

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
      const seen = new Map<string, Endpoint>();
      const base = { recognition, filter, ...(opts.count !== undefined ? { count: opts.count } : {}) };
      const first = await dissect(capture.source, { ...base, analysis: analyzerOptionsOf(opts) }, (f) => {
        if (!seen.has(f.src.toString())) seen.set(f.src.toString(), f.src);
        if (!seen.has(f.dst.toString())) seen.set(f.dst.toString(), f.dst);
      });
      const analyzer = first.analyzer!;
      const endpoints: FlowEndpoint[] = [...seen.entries()].map(([address, ep]) => ({
        address,
        name: opts.names ? (analyzer.endpointName(ep) ?? address) : address,
      }));
      // The server first, then clients in order of appearance.
      endpoints.sort((a, b) => Number(b.name === "server") - Number(a.name === "server"));
      const width = opts.width ?? (io.stdin === process.stdin && process.stdout.isTTY ? process.stdout.columns : 160);
      const layout = new FlowLayout(endpoints, { width, info: opts.info });
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
