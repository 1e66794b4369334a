/**
 * Files written by tcpdump and dumpcap on the loopback interface: the committed fixtures (made by
 * make-fixtures.ts) always, fresh captures when running as root with the tools. Payloads, link
 * types and timestamps are compared with what was sent and with what tshark reports.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseFrame, readCapture } from "../../dissector/capture/index.js";
import { hex, inCI, missingTools, needTools, tempDir, tshark } from "./helpers.js";
import { captureLive, isRoot, LIVE_TOOLS, livePayloads, type LiveTool } from "./live-capture.js";

const fixtures = new URL("../fixtures/capture/", import.meta.url).pathname;

async function check(path: string, tool: LiveTool): Promise<void> {
  const payloads: string[] = [];
  const times: string[] = [];
  const linkTypes = new Set<number>();
  const sources = new Set<string>();
  const summary = await readCapture(path, (packet) => {
    linkTypes.add(packet.linkType);
    const frame = parseFrame(packet.linkType, packet.data);
    expect(frame, `frame ${packet.frame}`).not.toBeNull();
    expect(frame!.truncated).toBe(false);
    payloads.push(hex(frame!.payload));
    sources.add(frame!.src.ip);
    times.push(`${packet.tsSec}.${String(packet.tsNsec).padStart(9, "0")}`);
  });
  expect(summary.format).toBe(tool.format);
  expect([...linkTypes].sort((a, b) => a - b)).toEqual(tool.linkTypes);
  expect(sources).toEqual(new Set(["127.0.0.1", "::1"]));
  const sent = livePayloads().map((p) => hex(p.payload));
  if (tool.copies === 1) expect(payloads).toEqual(sent);
  else expect([...payloads].sort()).toEqual(sent.flatMap((p) => new Array<string>(tool.copies).fill(p)).sort());

  if (missingTools(["tshark"]).length > 0) {
    if (inCI) throw new Error("CI=true but tshark is not installed");
    return;
  }
  const rows = tshark(path, ["-Y", "udp", "-T", "fields", "-E", "separator=|", "-e", "udp.payload", "-e", "frame.time_epoch"]).map((l) => l.split("|"));
  expect(rows.map((r) => r[0])).toEqual(payloads);
  expect(rows.map((r) => r[1])).toEqual(times);
}

describe("captures written by tcpdump and dumpcap", () => {
  for (const tool of LIVE_TOOLS) {
    it(`fixture ${tool.file}`, async () => {
      const path = fixtures + tool.file;
      expect(existsSync(path), `${path} (make it with: npx tsx test/capture/make-fixtures.ts)`).toBe(true);
      await check(path, tool);
    });

    it(`live: ${tool.tool} ${tool.args("FILE", 0).join(" ")}`, async (ctx) => {
      needTools(ctx, [tool.tool]);
      if (!isRoot) ctx.skip("capturing on lo needs root");
      const tmp = tempDir();
      try {
        const path = tmp.path(tool.file);
        await captureLive(tool, path);
        await check(path, tool);
      } finally {
        tmp.cleanup();
      }
    });
  }
});
