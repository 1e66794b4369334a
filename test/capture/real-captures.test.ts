/**
 * Files written by tcpdump and dumpcap on the loopback interface: the committed fixtures (made by
 * make-fixtures.ts) always, fresh captures when running as root with the tools. Payloads, link
 * types and timestamps are compared with what was sent and with what tshark reports.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseFrame, readCapture } from "../../dissector/capture/index.js";
import { skipOrFail } from "../needs.js";
import { hex, needTools, tempDir, tshark } from "./helpers.js";
import { captureLive, isRoot, LIVE_TOOLS, livePayloads, type LiveTool } from "./live-capture.js";

const fixtures = new URL("../fixtures/capture/", import.meta.url).pathname;

/** Checks the file against what was sent, then against tshark (the test is skipped, or fails in CI, without it). */
async function check(path: string, tool: LiveTool, ctx: { skip: (note?: string) => never }): Promise<void> {
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

  needTools(ctx, ["tshark"]);
  const rows = tshark(path, ["-Y", "udp", "-T", "fields", "-E", "separator=|", "-e", "udp.payload", "-e", "frame.time_epoch"]).map((l) =>
    l.split("|"),
  );
  expect(rows.map((r) => r[0])).toEqual(payloads);
  expect(rows.map((r) => r[1])).toEqual(times);
}

describe("captures written by tcpdump and dumpcap", () => {
  for (const tool of LIVE_TOOLS) {
    it(`fixture ${tool.file}`, async (ctx) => {
      const path = fixtures + tool.file;
      expect(existsSync(path), `${path} (make it with: npx tsx test/capture/make-fixtures.ts)`).toBe(true);
      await check(path, tool, ctx);
    });

    it(`live: ${tool.tool} ${tool.args("FILE", 0).join(" ")}`, async (ctx) => {
      needTools(ctx, [tool.tool]);
      skipOrFail(ctx, isRoot ? null : "capturing on lo needs root");
      const tmp = tempDir();
      try {
        const path = tmp.path(tool.file);
        await captureLive(tool, path);
        await check(path, tool, ctx);
      } finally {
        tmp.cleanup();
      }
    });
  }
});
