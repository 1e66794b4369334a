/** `imp decode FILE`: every IMP datagram of a capture as a tree (or JSON), streamed. */
import { buildTree, renderTreeText, treeToJson } from "../../../dissector/tree/index.js";
import { readImpDatagrams, type ImpDatagram } from "../../../dissector/imp-frames.js";
import { DEFAULT_PORT } from "../../protocol/fields.js";
import { bundledCapture } from "../../paths.js";
import { captureError } from "../capture-errors.js";
import type { CliIo } from "../io.js";
import type { DecodeOptions } from "./decode.js";

function isoTime(sec: number, nsec: number): string {
  return `${new Date(sec * 1000).toISOString().slice(0, 19)}.${String(nsec).padStart(9, "0")}Z`;
}

function frameLine(d: ImpDatagram): string {
  const frags = d.fragments ? ` (reassembled from frames ${d.fragments.join(", ")})` : "";
  return `Frame ${d.frame}: ${isoTime(d.tsSec, d.tsNsec)} ${d.src} → ${d.dst}, ${d.payload.length} bytes${frags}`;
}

export async function decodeCaptureFile(file: string | undefined, opts: DecodeOptions, io: CliIo): Promise<void> {
  const path = file ?? bundledCapture();
  const json = opts.outputFormat === "json";
  let first = true;
  if (json) io.out("[");
  try {
    await readImpDatagrams(
      path,
      (d) => {
        const tree = buildTree(d.decoded, d.payload);
        if (json) {
          const record = {
            "frame.number": d.frame,
            "frame.time_epoch": d.tsSec + d.tsNsec / 1e9,
            "ip.src": d.src.ip,
            "ip.dst": d.dst.ip,
            "udp.srcport": d.src.port,
            "udp.dstport": d.dst.port,
            ...(d.fragments ? { "ip.fragments": d.fragments } : {}),
            imp: treeToJson(tree),
          };
          io.out(`${first ? "\n" : ",\n"}${JSON.stringify(record)}`);
        } else {
          io.out(`${first ? "" : "\n"}${frameLine(d)}\n${renderTreeText(tree)}`);
        }
        first = false;
      },
      { recognition: { ports: opts.port.length > 0 ? opts.port : [DEFAULT_PORT], heuristic: opts.heuristic } },
    );
  } catch (e) {
    if (json) io.out(first ? "]\n" : "\n]\n");
    throw captureError(path, e) ?? e;
  }
  if (json) io.out(first ? "]\n" : "\n]\n");
}
