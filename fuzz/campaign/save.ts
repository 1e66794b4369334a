/** Findings on disk: a replayable case (JSON) and a pcap of its exchange. */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createCaptureWriter } from "../../dissector/capture/index.js";
import type { SavedCase, SavedDatagram } from "../case.js";
import type { Datagram } from "../targets/target.js";
import type { Address } from "../../src/transport/index.js";
import { DEFAULT_PORT } from "../../src/protocol/index.js";

export function toSaved(log: readonly Datagram[], target: Address): SavedDatagram[] {
  const t = `${target.ip}:${target.port}`;
  return log.map((d) => ({
    dir: d.dir,
    local: `${d.local.ip}:${d.local.port}`,
    remote: t,
    at: Math.round(d.at * 1000) / 1000,
    hex: Buffer.from(d.bytes).toString("hex"),
  }));
}

function endpoint(text: string): { ip: string; port: number } {
  const i = text.lastIndexOf(":");
  return { ip: text.slice(0, i), port: Number(text.slice(i + 1)) };
}

/**
 * The exchange as a pcap. The target's side is written on UDP 1313, the IMP port (the JSON keeps
 * the real ports), so `imp read` and tshark take every datagram as IMP with no option, the
 * malformed ones a finding is about included (their heuristic skips those on other ports).
 */
export async function writePcap(path: string, datagrams: readonly SavedDatagram[]): Promise<void> {
  const w = createCaptureWriter({ format: "pcap", path });
  const fuzzerOnImpPort = datagrams.some((d) => endpoint(d.local).port === DEFAULT_PORT);
  for (const d of datagrams) {
    const local = endpoint(d.local);
    const remote = endpoint(d.remote);
    if (!fuzzerOnImpPort) remote.port = DEFAULT_PORT;
    const ms = d.at;
    w.writeDatagram({
      tsSec: Math.floor(ms / 1000),
      tsNsec: Math.floor((ms % 1000) * 1e6),
      src: d.dir === "out" ? local : remote,
      dst: d.dir === "out" ? remote : local,
      payload: Buffer.from(d.hex, "hex"),
    });
  }
  await w.close();
}

/** Writes `<name>.json` and `<name>.pcap` in `dir`; returns both paths. */
export async function saveFinding(dir: string, name: string, saved: SavedCase): Promise<{ json: string; pcap: string }> {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${name}.json`);
  const pcap = join(dir, `${name}.pcap`);
  writeFileSync(json, JSON.stringify(saved, null, 2) + "\n");
  await writePcap(pcap, saved.datagrams);
  return { json, pcap };
}

export function loadCase(path: string): SavedCase {
  const saved = JSON.parse(readFileSync(path, "utf8")) as SavedCase;
  if (saved.format !== "impkit-fuzz-case" || !saved.case) throw new Error(`${path} is not an impkit fuzz case`);
  return saved;
}
