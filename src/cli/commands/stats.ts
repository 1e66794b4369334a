/**
 * `imp stats [FILE]`: messages per type and per conversation, retransmission rate, ACK RTT
 * percentiles, response times per transaction kind, per-client activity and expert counts, as
 * text tables or JSON (dissector/read/stats.ts).
 */
import { Command } from "commander";
import { textOrJsonOption } from "../parse-options.js";
import { dissect } from "../../../dissector/read/pipeline.js";
import { renderStatsText, StatsCollector } from "../../../dissector/read/stats.js";
import type { CliIo } from "../io.js";
import { addCaptureOptions, analyzerOptionsOf, captureCliError, openCapture, recognitionOf, sinkFor, type CaptureCommandOptions } from "./read.js";

interface StatsOptions extends CaptureCommandOptions {
  outputFormat: "text" | "json";
}

export function statsCommand(io: CliIo): Command {
  const cmd = new Command("stats")
    .description("statistics of a capture: messages per type and conversation, retransmissions, ACK RTT, response times, clients")
    .argument("[file]", "pcap or pcapng file, '-' for standard input (default: the bundled demo capture)")
    .addOption(textOrJsonOption("text tables"));
  addCaptureOptions(cmd);
  return cmd.action(async (file: string | undefined, opts: StatsOptions) => {
    const capture = await openCapture(file, io, false).catch((e: unknown) => {
      throw captureCliError(file ?? "-", e) ?? e;
    });
    const collector = new StatsCollector();
    try {
      const r = await dissect(capture.source, { recognition: recognitionOf(opts), analysis: analyzerOptionsOf(opts), onDamage: "report" }, (f) => collector.add(f));
      const stats = collector.finish(r.analyzer!, capture.path, r.counters);
      const sink = sinkFor(io);
      sink.write(opts.outputFormat === "json" ? `${JSON.stringify(stats, null, 2)}\n` : renderStatsText(stats));
      sink.flush();
      // A damaged capture: the report covers what came before the damage, then exit 2.
      if (r.damage) throw r.damage;
    } catch (e) {
      throw captureCliError(capture.path, e) ?? e;
    } finally {
      capture.cleanup();
    }
  });
}
