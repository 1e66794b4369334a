/**
 * `imp decode`: one datagram given as hex, or every IMP datagram of a capture file, as a
 * Wireshark-style tree (default) or JSON keyed by the `imp.*` names.
 */
import { Command, Option } from "commander";
import { decode } from "../../codec/decode.js";
import { buildTree, renderTreeText, treeToJson } from "../../../dissector/tree/index.js";
import { CliError } from "../errors.js";
import type { CliIo } from "../io.js";
import { impPortsOption, parseChoice, parseHex } from "../parse-options.js";
import { decodeCaptureFile } from "./decode-file.js";

export interface DecodeOptions {
  hex?: string;
  outputFormat: "text" | "json";
  port: number[];
  heuristic: boolean;
}

export function decodeCommand(io: CliIo): Command {
  return new Command("decode")
    .description("decode one IMP datagram (--hex) or the IMP datagrams of a pcap/pcapng file, as a tree or JSON")
    .argument("[file]", "capture file (pcap or pcapng); defaults to the bundled demo capture when no --hex is given")
    .option("--hex <hex>", "one UDP payload as hex (spaces and colons allowed)")
    .addOption(
      new Option("-T, --output-format <format>", "text tree or JSON keyed by imp.* names")
        .argParser(parseChoice("-T", ["text", "json"] as const))
        .default("text"),
    )
    .addOption(impPortsOption())
    .option("--no-heuristic", "only decode the IMP ports, do not detect IMP on other ports")
    .action(async (file: string | undefined, opts: DecodeOptions) => {
      if (opts.hex !== undefined) {
        if (file !== undefined) throw new CliError("give either --hex or a file, not both");
        const bytes = parseHex(opts.hex);
        if (!bytes) throw new CliError(`invalid hex: ${JSON.stringify(opts.hex)} (expected pairs of hex digits)`);
        const tree = buildTree(decode(bytes), bytes);
        io.out(opts.outputFormat === "json" ? JSON.stringify(treeToJson(tree), null, 2) + "\n" : renderTreeText(tree));
        return;
      }
      await decodeCaptureFile(file, opts, io);
    });
}
