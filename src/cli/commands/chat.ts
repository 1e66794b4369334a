/**
 * `imp chat [FILE]`: the conversation of each group, reconstructed (dissector/read/chat.ts):
 * who said what, when, delivered to whom, and who joined or left. The "Follow stream" of IMP.
 */
import { Command } from "commander";
import { ChatCollector, renderChatText } from "../../../dissector/read/chat.js";
import type { CliIo } from "../io.js";
import { parseIntInRange, textOrJsonOption } from "../parse-options.js";
import { addCaptureOptions, writeCaptureReport, type CaptureCommandOptions } from "./read.js";

interface ChatOptions extends CaptureCommandOptions {
  group?: number;
  outputFormat: "text" | "json";
}

export function chatCommand(io: CliIo): Command {
  const cmd = new Command("chat")
    .description("the conversation per group: who said what, when, delivered to whom; joins and departures")
    .argument("[file]", "pcap or pcapng file, '-' for standard input (default: the bundled demo capture)")
    .option("-g, --group <id>", "only this group (1 = Public Group)", parseIntInRange("--group", 1, 254))
    .addOption(textOrJsonOption("text"));
  addCaptureOptions(cmd);
  return cmd.action(async (file: string | undefined, opts: ChatOptions) => {
    const chat = new ChatCollector();
    await writeCaptureReport(
      file,
      io,
      opts,
      (f) => chat.add(f),
      (r) => {
        const groups = chat.finish(r.analyzer!, opts.group !== undefined ? { group: opts.group } : {});
        return opts.outputFormat === "json" ? `${JSON.stringify(groups, null, 2)}\n` : renderChatText(groups);
      },
    );
  });
}
