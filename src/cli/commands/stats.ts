/**
 * `imp stats [FILE]`: messages per type and per conversation, retransmission rate, ACK RTT
 * percentiles, response times per transaction kind, per-client activity and expert counts, as
 * text tables or JSON (dissector/read/stats.ts).
 */
import { Command } from "commander";
import { textOrJsonOption } from "../parse-options.js";
import { renderStatsText, StatsCollector } from "../../../dissector/read/stats.js";
import type { CliIo } from "../io.js";
import { addCaptureOptions, writeCaptureReport, type CaptureCommandOptions } from "./read.js";

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
    const collector = new StatsCollector();
    await writeCaptureReport(
      file,
      io,
      opts,
      (f) => collector.add(f),
      (r, path) => {
        const stats = collector.finish(r.analyzer!, path, r.counters);
        return opts.outputFormat === "json" ? `${JSON.stringify(stats, null, 2)}\n` : renderStatsText(stats);
      },
    );
  });
}
